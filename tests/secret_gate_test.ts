import { assert, assertEquals } from "./assert.ts";
import { SecretGate } from "../lib/server/secret_gate.ts";

/** A gate on a fake clock whose waits end when the test says so. */
function gate() {
  let clock = 1_000_000;
  const waits: { ms: number; end: () => void }[] = [];
  const logged: Record<string, unknown>[] = [];
  const secrets = new SecretGate({
    log: (event, fields) => logged.push({ event, ...fields }),
    now: () => clock,
    sleep: (ms) => new Promise((end) => waits.push({ ms, end })),
  });
  return {
    secrets,
    waits,
    logged,
    /** Moves the fake clock on. */
    pass: (ms: number) => (clock += ms),
    /** Ends every wait begun so far. */
    endWaits: () => {
      for (const wait of waits) wait.end();
    },
  };
}

/** Lets every settled promise's callbacks run. */
function settle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

Deno.test("secret gate answers a first wrong try at once and makes the address's next try wait", async () => {
  const g = gate();
  assertEquals(
    await g.secrets.check("192.0.2.7", "password", () => false),
    false,
  );
  assertEquals(g.waits.map((w) => w.ms), [500]);
  let tried = false;
  const next = g.secrets.check("192.0.2.7", "password", () => {
    tried = true;
    return true;
  });
  await settle();
  assertEquals(tried, false, "the next try waits");
  g.endWaits();
  assertEquals(await next, true, "the right secret still gets in");
  assertEquals(g.logged, [{
    event: "secret-throttled",
    address: "192.0.2.7",
    kind: "password",
    failures: 1,
    wait_ms: 500,
  }]);
});

Deno.test("secret gate doubles the wait with each failure up to 10 s", async () => {
  const g = gate();
  for (let i = 0; i < 7; i++) {
    const tried = g.secrets.check("192.0.2.7", "oper", () => false);
    g.endWaits();
    await tried;
  }
  assertEquals(
    g.waits.map((w) => w.ms),
    [500, 1000, 2000, 4000, 8000, 10_000, 10_000],
  );
});

Deno.test("secret gate slows only the address that failed, taking ::ffff:a.b.c.d as a.b.c.d", async () => {
  const g = gate();
  await g.secrets.check("192.0.2.7", "password", () => false);
  let mapped = false;
  const same = g.secrets.check("::ffff:192.0.2.7", "password", () => {
    mapped = true;
    return true;
  });
  assertEquals(
    await g.secrets.check("192.0.2.8", "password", () => true),
    true,
  );
  assertEquals(mapped, false, "the mapped form of the address waits");
  g.endWaits();
  assertEquals(await same, true);
});

Deno.test("secret gate forgets failures after ten quiet minutes, and a right secret resets them", async () => {
  const g = gate();
  for (let i = 0; i < 3; i++) {
    const tried = g.secrets.check("192.0.2.7", "password", () => false);
    g.endWaits();
    await tried;
  }
  g.pass(600_001);
  const after = g.secrets.check("192.0.2.7", "password", () => false);
  g.endWaits();
  await after;
  assertEquals(g.waits.map((w) => w.ms), [500, 1000, 2000, 500]);
  const right = g.secrets.check("192.0.2.7", "password", () => true);
  g.endWaits();
  assert(await right);
  const wrong = g.secrets.check("192.0.2.7", "password", () => false);
  g.endWaits();
  await wrong;
  assertEquals(g.waits.at(-1)!.ms, 500, "counting starts again");
});
