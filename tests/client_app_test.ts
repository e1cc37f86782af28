import { assert, assertEquals } from "./assert.ts";
import { runClient } from "../lib/client/client_loop.ts";
import { backoffDelay } from "../lib/client/reconnect_policy.ts";
import { isQuit } from "../lib/shared/input.ts";
import type { ClientView, InputEvent } from "../lib/client/client_view.ts";
import { MemoryHistory } from "../lib/server/history.ts";
import { Hub } from "../lib/server/hub.ts";
import type { ServerFrame } from "../lib/shared/protocol.ts";
import { memoryServer } from "./util/memory_server.ts";
import { limitDefaults, PROTOCOL_LIMITS } from "../lib/shared/limits.ts";
import { serverContext } from "../lib/server/server_context.ts";
import { Session } from "../lib/server/session.ts";
import { type MemoryEnd, memoryPair } from "./util/memory_pair.ts";

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
  }, { rooms: ["ops"] });
  const { dial, sessions, ends } = memoryServer(hub);
  const input = inputs();
  const view = new Recorder();
  const run = runClient({
    connect: { hostname: "mem", port: 1, nick: "ann", rooms: ["ops"], dial },
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

Deno.test("a script's line taken before the welcome is checked against the server's own limits: exit 3, not a wait for ever", async () => {
  const hub = new Hub({
    history: new MemoryHistory({ perRoom: 100 }),
    historyOnJoin: 0,
  });
  const context = serverContext({
    hub,
    serverName: "small lines",
    limits: { ...limitDefaults(PROTOCOL_LIMITS), lineBytes: 512 },
  });
  const sessions: Promise<void>[] = [];
  const ends: MemoryEnd[] = [];
  let taken!: () => void;
  const lineTaken = new Promise<void>((resolve) => (taken = resolve));
  // The line is in before the server has said what its limits are.
  const dial = async () => {
    await lineTaken;
    const [server, client] = memoryPair();
    sessions.push(new Session(server, context, { peer: "memory" }).run());
    ends.push(client);
    return client;
  };
  const view = new (class extends Recorder {
    override sent() {
      taken();
    }
  })();
  const input = inputs();
  input.push({ kind: "line", line: "x".repeat(600) });
  input.push({ kind: "eof" });
  const run = runClient({
    connect: { hostname: "mem", port: 1, nick: "ci", dial },
    input: input.iterator,
    view,
    reconnect: false,
    script: true,
  });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<"late">((resolve) => {
    timer = setTimeout(() => resolve("late"), 2000);
  });
  const code = await Promise.race([run, late]);
  clearTimeout(timer);
  if (code === "late") {
    for (const end of ends) end.close(); // Lets the run end, as lost.
    await run;
  }
  await Promise.all(sessions);
  assertEquals(code, 3, view.lines.join("\n"));
  assert(
    view.lines.some((line) => /limit is 512/.test(line)),
    view.lines.join("\n"),
  );
  assertEquals(hub.history("lobby", 10), [], "nothing was sent");
});
