import { assertEquals } from "./assert.ts";
import { countDown, ReconnectPolicy } from "../lib/client/reconnect_policy.ts";

Deno.test("countDown sleeps to each whole second and says what is left at each", async () => {
  const slept: number[] = [];
  const left: number[] = [];
  await countDown(60_000, (ms) => {
    slept.push(ms);
    return Promise.resolve();
  }, (ms) => left.push(ms));
  assertEquals(slept.length, 60);
  assertEquals(left.slice(0, 3), [59_000, 58_000, 57_000]);
  assertEquals(left.at(-1), 1000);
  const short: number[] = [];
  await countDown(250, () => Promise.resolve(), (ms) => short.push(ms));
  assertEquals(short, [], "under a second, nothing to count");
});

Deno.test("the waiting status says the time left: tenths under ten seconds, whole seconds above", () => {
  const policy = new ReconnectPolicy({});
  assertEquals(
    policy.waiting(1, 60_000, 0),
    "reconnect attempt 1 of 30 in 60 s; Ctrl-C leaves",
  );
  assertEquals(
    policy.waiting(3, 2500, 2),
    "reconnect attempt 3 of 30 in 2.5 s; Ctrl-C leaves; 2 unsent",
  );
});

Deno.test("without reconnecting, the end says the server's reason when it gave one", () => {
  const policy = new ReconnectPolicy({ reconnect: false });
  assertEquals(
    policy.afterDrop(
      { type: "bye", reason: "The server is shutting down", code: "shutdown" },
      "lan:4444",
      0,
    ),
    {
      kind: "end",
      problem: "The server closed the connection: The server is shutting down",
      code: 1,
      clearStatus: false,
    },
  );
});
