/**
 * The terminal client across a lost connection, end to end: what the
 * person sees while the server is away and after it is back.
 */
import { assert, assertEquals, assertMatch } from "./assert.ts";
import { fromSource, ServerProcess, terminalClient } from "./util/program.ts";
import { RawPeer } from "./util/raw_peer.ts";
import { Tmux } from "./util/tmux.ts";

/** The prompt line: the last row with anything on it. */
const promptRow = (screen: string[]) => screen.findLast((row) => row !== "");

Deno.test("after a reconnect, the person's own lines are not shown again as missed, others' are; the shutdown is said once", async () => {
  const dir = await Deno.makeTempDir({ prefix: "lochat_reconnect_" });
  await using held = new AsyncDisposableStack();
  held.defer(() => Deno.remove(dir, { recursive: true }));
  const args = ["--data-dir", dir, "--log", "off"];
  let server = await ServerProcess.start(args);
  held.defer(() => server[Symbol.asyncDispose]());
  const port = server.port;
  const tty = held.use(
    await Tmux.start(terminalClient(port, "--nick ann"), { columns: 100 }),
  );
  await tty.waitForText("You are ann in #lobby");
  await tty.type("mine, acknowledged");
  await tty.press("Enter");
  await tty.waitFor((s) =>
    s.some((row) => /<ann> mine, acknowledged ✓/.test(row))
  );
  server.kill("SIGTERM");
  assertEquals(await server.exitCode(), 0);
  await server[Symbol.asyncDispose]();
  const away = await tty.waitFor((s) => /attempt \d+ of/.test(promptRow(s)!));
  assertEquals(
    away.filter((row) => row.includes("shutting down")),
    ["-- The server closed the connection: The server is shutting down"],
    "said once",
  );
  // Someone talks while ann is away, to the same history.
  {
    await using elsewhere = await ServerProcess.start(args);
    await using bob = await RawPeer.native(elsewhere.port, "bob");
    await bob.send({ type: "msg", id: "t1", text: "theirs, missed" });
    await bob.frame((f) => f.type === "ack");
    elsewhere.kill("SIGTERM");
    assertEquals(await elsewhere.exitCode(), 0);
  }
  server = await ServerProcess.start(["--port", String(port), ...args]);
  const back = await tty.waitForText("(missed) <bob> theirs, missed");
  assert(
    !back.some((row) => row.includes("(missed) <ann>")),
    back.join("\n"),
  );
  assertEquals(
    back.filter((row) => row.includes("mine, acknowledged")).length,
    1,
    back.join("\n"),
  );
  await tty.press("C-c");
  await tty.waitForText("exit=0");
});

Deno.test("waiting to reconnect counts down each second on the prompt line (a kick's 60 s)", async () => {
  await using server = await ServerProcess.start(
    ["--op", "boss"],
    (entry) => ({ ...fromSource(entry), env: { LOCHAT_OP_SECRET: "0p" } }),
  );
  await using boss = await RawPeer.native(server.port, "boss");
  await boss.send({ type: "msg", id: "o", text: "/oper 0p" });
  await boss.frame((f) => f.type === "reply" && f.cmd === "oper");
  await using tty = await Tmux.start(
    terminalClient(server.port, "--nick ann"),
    { columns: 100 },
  );
  await tty.waitForText("You are ann in #lobby");
  await boss.send({ type: "msg", id: "k", text: "/kick ann cool off" });
  const waiting = (seconds: number) =>
    tty.waitFor((s) =>
      promptRow(s) ===
        `[reconnect attempt 1 of 30 in ${seconds} s; Ctrl-C leaves]`
    );
  await waiting(60);
  await waiting(59);
  const screen = await waiting(58);
  assertMatch(screen.join("\n"), /kicked/);
  await tty.press("C-c");
  await tty.waitForText("exit=130");
});
