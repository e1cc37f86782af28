import { assert, assertEquals } from "./assert.ts";
import { backoffDelay, runClient } from "../lib/client/client_loop.ts";
import { isQuit } from "../lib/shared/input.ts";
import type { ClientView, InputEvent } from "../lib/client/client_loop.ts";
import { MemoryHistory } from "../lib/server/history.ts";
import { Hub } from "../lib/server/hub.ts";
import type { ServerFrame } from "../lib/shared/protocol.ts";
import { memoryServer } from "./util/memory_server.ts";

Deno.test("backoff doubles from the first delay up to the cap, with half of it jittered", () => {
  const options = { firstMs: 100, maxMs: 1000 };
  assertEquals(
    [0, 1, 2, 3, 4, 10].map((a) => backoffDelay(a, options, () => 1)),
    [100, 200, 400, 800, 1000, 1000],
  );
  assertEquals([0, 1, 10].map((a) => backoffDelay(a, options, () => 0)), [
    50,
    100,
    500,
  ]);
});

Deno.test("quit lines are :q, /quit and /exit, with or without a reason", () => {
  for (const line of [":q", " :q ", "/quit", "/QUIT bye now", "/exit"]) {
    assert(isQuit(line), line);
  }
  for (const line of ["/quitter", "q", "//quit", "I quit"]) {
    assert(!isQuit(line), line);
  }
});

/** A view that keeps what it is shown. */
class Recorder implements ClientView {
  lines: string[] = [];
  connected(_c: unknown, again: boolean) {
    this.lines.push(again ? "connected again" : "connected");
  }
  frame(frame: ServerFrame) {
    this.lines.push(frame.type);
  }
  sent() {}
  notice(text: string) {
    this.lines.push(`notice: ${text}`);
  }
  problem(text: string) {
    this.lines.push(`problem: ${text}`);
  }
}

/** Input events fed by the test. */
function inputs(): {
  iterator: AsyncIterator<InputEvent>;
  push(event: InputEvent): void;
} {
  const queue: InputEvent[] = [];
  let wake: (() => void) | undefined;
  return {
    iterator: {
      async next() {
        while (queue.length === 0) {
          await new Promise<void>((resolve) => (wake = resolve));
        }
        return { done: false, value: queue.shift()! };
      },
    },
    push(event) {
      queue.push(event);
      wake?.();
    },
  };
}

Deno.test("after a dropped connection the client reconnects and resends; nothing is lost or doubled", async () => {
  const hub = new Hub({
    history: new MemoryHistory({ perRoom: 100 }),
    historyOnJoin: 0,
  });
  const seen: string[] = [];
  let tookThree!: () => void;
  const threeTaken = new Promise<void>((resolve) => (tookThree = resolve));
  hub.enter("watcher", {
    deliver: (out) => {
      if (out.frame.type === "msg" && seen.push(out.frame.text) === 3) {
        tookThree();
      }
      return true;
    },
  }, "ops");
  const { dial, sessions, ends } = memoryServer(hub);
  const input = inputs();
  const view = new Recorder();
  const run = runClient({
    connect: { hostname: "mem", port: 1, nick: "ann", room: "ops", dial },
    input: input.iterator,
    view,
    sleep: () => Promise.resolve(),
  });
  for (let i = 0; i < 5; i++) input.push({ kind: "line", line: `m${i}` });
  // Drop the first connection once the server has taken the first three.
  await threeTaken;
  ends[0]!.close();
  for (let i = 5; i < 8; i++) input.push({ kind: "line", line: `m${i}` });
  input.push({ kind: "eof" });
  assertEquals(await run, 0);
  assertEquals(seen, ["m0", "m1", "m2", "m3", "m4", "m5", "m6", "m7"]);
  assert(view.lines.includes("connected again"), view.lines.join("\n"));
  assertEquals(
    hub.who("ops").map((m) => m.nick),
    ["watcher"],
    "ann left at the end",
  );
  await Promise.all(sessions);
});
