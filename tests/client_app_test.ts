import { assert, assertEquals } from "./assert.ts";
import { ChatClient } from "../lib/client/chat_client.ts";
import { runClient } from "../lib/client/client_loop.ts";
import { backoffDelay } from "../lib/client/reconnect_policy.ts";
import { isQuit } from "../lib/shared/input.ts";
import { MemoryHistory } from "../lib/server/history.ts";
import { Hub } from "../lib/server/hub.ts";
import { memoryServer } from "./util/memory_server.ts";
import { limitDefaults, PROTOCOL_LIMITS } from "../lib/shared/limits.ts";
import { serverContext } from "../lib/server/server_context.ts";
import { Session } from "../lib/server/session.ts";
import { type MemoryEnd, memoryPair } from "./util/memory_pair.ts";
import { inputs, RecordingView } from "./util/client_parts.ts";

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
  const view = new RecordingView();
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
  const view = new (class extends RecordingView {
    override sent(id: string, text: string) {
      super.sent(id, text);
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

Deno.test("the time to the next reconnect attempt counts down each second, in place", async () => {
  const hub = new Hub({
    history: new MemoryHistory({ perRoom: 10 }),
    historyOnJoin: 10,
  });
  const { dial, sessions, ends } = memoryServer(hub);
  const input = inputs();
  const view = new RecordingView();
  const slept: number[] = [];
  const run = runClient({
    connect: { hostname: "mem", port: 1, nick: "ann", dial },
    input: input.iterator,
    view,
    backoff: { firstMs: 3500, maxMs: 3500 },
    random: () => 1,
    sleep: (ms) => {
      slept.push(ms);
      return Promise.resolve();
    },
  });
  await view.until((line) => line === "connected");
  ends[0]!.close();
  await view.until((line) => line === "connected again");
  input.push({ kind: "eof" });
  assertEquals(await run, 0);
  await Promise.all(sessions);
  assertEquals(slept, [500, 1000, 1000, 1000], "to each whole second");
  const attempt = "reconnect attempt 1 of 30";
  assertEquals(
    view.lines.filter((line) => /^(status|countdown): reconnect/.test(line)),
    [
      `status: ${attempt} in 3.5 s; Ctrl-C leaves`,
      `countdown: ${attempt} in 3.0 s; Ctrl-C leaves`,
      `countdown: ${attempt} in 2.0 s; Ctrl-C leaves`,
      `countdown: ${attempt} in 1.0 s; Ctrl-C leaves`,
      `status: ${attempt}: connecting; Ctrl-C leaves`,
    ],
  );
});

Deno.test("after a reconnect the person's own lines are not shown again as missed; others' are", async () => {
  const hub = new Hub({
    history: new MemoryHistory({ perRoom: 10 }),
    historyOnJoin: 10,
  });
  const { dial, sessions, ends } = memoryServer(hub);
  const input = inputs();
  const view = new RecordingView();
  let away!: () => void;
  const bobSpoke = new Promise<void>((resolve) => (away = resolve));
  const run = runClient({
    connect: { hostname: "mem", port: 1, nick: "ann", dial },
    input: input.iterator,
    view,
    sleep: () => bobSpoke,
  });
  await view.until((line) => line === "connected");
  input.push({ kind: "line", line: "mine" }, {
    kind: "line",
    line: "/me waves",
  });
  const acks = () => view.frames.filter((f) => f.type === "ack").length;
  await view.until((line) => line === "ack" && acks() === 2);
  ends[0]!.close();
  const bob = await ChatClient.connect({
    hostname: "mem",
    port: 1,
    nick: "bob",
    dial,
  });
  bob.send("theirs");
  while (bob.pending > 0) await bob.next();
  bob.close();
  away();
  await view.until((line) => line === "connected again");
  input.push({ kind: "eof" });
  assertEquals(await run, 0);
  await Promise.all(sessions);
  assertEquals(view.arrivals.at(-1), { again: true, history: ["theirs"] });
});
