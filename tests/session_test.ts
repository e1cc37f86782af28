import { assert, assertEquals, assertMatch } from "./assert.ts";
import { MemoryHistory } from "../lib/server/history.ts";
import { Hub } from "../lib/server/hub.ts";
import { Session } from "../lib/server/session.ts";
import {
  type ServerContext,
  serverContext,
} from "../lib/server/server_context.ts";
import { SERVER_LIMITS } from "../lib/server/server_limits.ts";
import { limitDefaults, PROTOCOL_LIMITS } from "../lib/shared/limits.ts";
import type { Logger } from "../lib/shared/log.ts";
import { LineLog } from "./util/line_log.ts";
import { memoryPair } from "./util/memory_pair.ts";
import type { MemoryEnd } from "./util/memory_pair.ts";
import { decodeServerFrame, PROTOCOL_VERSION } from "../lib/shared/protocol.ts";
import type { ServerFrame } from "../lib/shared/protocol.ts";

const encoder = new TextEncoder();

/** What a test changes of the server's settings. */
interface Extra {
  helloWait?: number;
  queueBytes?: number;
  log?: Logger;
}

/** Each hub's context: the sessions of one server share it. */
const contexts = new WeakMap<Hub, ServerContext>();

/** A context with small bounds, so tests reach them quickly. */
function options(hub: Hub, extra: Extra = {}): ServerContext {
  const known = contexts.get(hub);
  if (known !== undefined && Object.keys(extra).length === 0) return known;
  const context = serverContext({
    hub,
    serverName: "test",
    limits: { ...limitDefaults(PROTOCOL_LIMITS), lineBytes: 256 },
    resources: {
      ...limitDefaults(SERVER_LIMITS),
      queueBytes: extra.queueBytes ?? 4096,
      helloWait: extra.helloWait ?? 60_000,
    },
    ...(extra.log === undefined ? {} : { log: extra.log }),
  });
  contexts.set(hub, context);
  return context;
}

/** A session on one end of a memory pair, and the peer's view of the other end. */
function open(hub: Hub, extra: Extra = {}) {
  const [server, client] = memoryPair();
  const session = new Session(server, options(hub, extra), { peer: "memory" });
  const done = session.run();
  const log = new LineLog(client, "peer");
  const write = (text: string | Uint8Array) =>
    client.write(typeof text === "string" ? encoder.encode(text) : text);
  const frame = async (
    match: (f: ServerFrame) => boolean,
  ): Promise<ServerFrame> => {
    const line = await log.waitFor((l) => {
      const d = decodeServerFrame(l);
      return d.ok && match(d.frame);
    });
    const decoded = decodeServerFrame(line);
    assert(decoded.ok);
    return decoded.frame;
  };
  return { session, done, log, write, frame, client };
}

async function finish(
  client: MemoryEnd,
  ...rest: Promise<unknown>[]
): Promise<void> {
  client.close();
  await Promise.all(rest);
}

const hub = () =>
  new Hub({ history: new MemoryHistory({ perRoom: 10 }), historyOnJoin: 10 });

Deno.test("session answers a newer client at its own newest version, an older one at the older", async () => {
  const newest = PROTOCOL_VERSION;
  for (
    const [asked, answered] of [[1, 1], [2, 2], [3, 3], [99, newest]] as const
  ) {
    const peer = open(hub());
    await peer.write(`{"type":"hello","v":${asked},"nick":"v${asked}"}\n`);
    const welcome = await peer.frame((f) => f.type === "welcome");
    assertEquals(welcome.type === "welcome" && welcome.v, answered);
    // Version 2 on carries the limits and the commands; version 1 as it was.
    assertEquals(
      welcome.type === "welcome" && welcome.limits !== undefined,
      answered >= 2,
    );
    await finish(peer.client, peer.done, peer.log.done);
  }
});

Deno.test("session greets with the banner and welcomes a native hello", async () => {
  const peer = open(hub());
  await peer.write('{"type":"hello","v":1,"nick":"ann"}\n');
  const welcome = await peer.frame((f) => f.type === "welcome");
  assertEquals(peer.log.lines[0], "Welcome to LoChat!");
  assert(welcome.type === "welcome");
  assertEquals([welcome.nick, welcome.room, welcome.banner], [
    "ann",
    "lobby",
    "Welcome to LoChat!",
  ]);
  await finish(peer.client, peer.done, peer.log.done);
});

Deno.test("session lets a client retry hello after a refused nick", async () => {
  const h = hub();
  h.enter("ann", { deliver: () => true });
  const peer = open(h);
  await peer.write('{"type":"hello","v":1,"nick":"ann"}\n');
  const error = await peer.frame((f) => f.type === "error");
  assertEquals(error.type === "error" && [error.code, error.suggest], [
    "nick-taken",
    "ann2",
  ]);
  await peer.write('{"type":"hello","v":1,"nick":"ann2"}\n');
  await peer.frame((f) => f.type === "welcome" && f.nick === "ann2");
  await finish(peer.client, peer.done, peer.log.done);
});

Deno.test("session refuses a protocol version older than it speaks and closes", async () => {
  const peer = open(hub());
  await peer.write('{"type":"hello","v":0}\n');
  const error = await peer.frame((f) => f.type === "error");
  assert(error.type === "error");
  assertEquals(error.code, "version");
  assertMatch(
    error.message,
    new RegExp(`this server speaks versions 1 to ${PROTOCOL_VERSION}`),
  );
  const bye = await peer.frame((f) => f.type === "bye");
  assertEquals(bye.type === "bye" && bye.code, "version");
  await peer.log.ended();
  await finish(peer.client, peer.done);
});

Deno.test("session treats a first line that is not hello as a text-mode user", async () => {
  const h = hub();
  const seen: ServerFrame[] = [];
  h.enter("watch", { deliver: (out) => (seen.push(out.frame), true) });
  const peer = open(h);
  await peer.write("hello there\n");
  await peer.log.waitFor(/^You are guest\d+ in #lobby/);
  await peer.log.waitFor("Message Received ✓✓ 1/1");
  assertEquals(seen.flatMap((f) => (f.type === "msg" ? [f.text] : [])), [
    "hello there",
  ]);
  await finish(peer.client, peer.done, peer.log.done);
});

Deno.test("session starts text mode for a silent peer once the hello wait is over", async () => {
  const peer = open(hub(), { helloWait: 20 });
  await peer.log.waitFor(/^You are guest\d+ in #lobby/);
  await finish(peer.client, peer.done, peer.log.done);
});

Deno.test("session answers an oversized line with an error and goes on", async () => {
  const peer = open(hub());
  await peer.write('{"type":"hello","v":1,"nick":"ann"}\n');
  await peer.frame((f) => f.type === "welcome");
  await peer.write(`${"x".repeat(1000)}\n{"type":"ping","t":5}\n`);
  const error = await peer.frame((f) => f.type === "error");
  assert(error.type === "error");
  assertEquals(error.code, "too-long");
  assertMatch(error.message, /longer than 256 bytes/);
  assertEquals(await peer.frame((f) => f.type === "pong"), {
    type: "pong",
    t: 5,
  });
  await finish(peer.client, peer.done, peer.log.done);
});

Deno.test("session answers invalid UTF-8, invalid JSON and unknown frames, and goes on", async () => {
  const peer = open(hub());
  await peer.write('{"type":"hello","v":1,"nick":"ann"}\n');
  await peer.frame((f) => f.type === "welcome");
  await peer.write(new Uint8Array([0xc3, 0x28, 0x0a]));
  await peer.write(
    '{"type":\n{"type":"dance","id":"d1"}\n{"type":"msg","id":"e1","text":"/nope"}\n',
  );
  const codes: string[] = [];
  for (let i = 0; i < 4; i++) {
    const f = await peer.frame((f) => f.type === "error");
    if (f.type === "error") codes.push(`${f.code}${f.id ? `:${f.id}` : ""}`);
  }
  assertEquals(codes, [
    "invalid-utf8",
    "bad-frame",
    "bad-frame:d1",
    "unknown-command:e1",
  ]);
  await peer.write('{"type":"ping"}\n');
  await peer.frame((f) => f.type === "pong");
  await finish(peer.client, peer.done, peer.log.done);
});

Deno.test("session acks every msg frame, with a sequence number for chat messages", async () => {
  const peer = open(hub());
  await peer.write('{"type":"hello","v":1,"nick":"ann"}\n');
  await peer.frame((f) => f.type === "welcome");
  await peer.write(
    '{"type":"msg","id":"a","text":"hi"}\n{"type":"msg","id":"b","text":"/who"}\n',
  );
  const a = await peer.frame((f) => f.type === "ack");
  assert(a.type === "ack" && a.id === "a" && typeof a.seq === "number");
  assertEquals(await peer.frame((f) => f.type === "delivered"), {
    type: "delivered",
    id: "a",
    count: 0,
    of: 0,
  });
  await peer.frame((f) => f.type === "reply" && f.cmd === "who");
  const b = await peer.frame((f) => f.type === "ack");
  assert(b.type === "ack" && b.id === "b" && b.seq === undefined);
  await finish(peer.client, peer.done, peer.log.done);
});

Deno.test("session drops a member that stops reading once its queue passes the bound", async () => {
  const h = hub();
  const logged: string[] = [];
  const [server, client] = memoryPair();
  const session = new Session(
    server,
    options(h, {
      log: (event, f) => logged.push(`${event} ${f.reason ?? ""}`),
    }),
    { peer: "memory" },
  );
  let joined!: () => void;
  const stuckJoined = new Promise<void>((resolve) => (joined = resolve));
  const talker = h.enter("talker", {
    deliver: (out) => {
      if (out.frame.type === "event" && out.frame.event === "join") joined();
      return true;
    },
  });
  const done = session.run();
  // The client sends hello and never reads anything.
  await client.write(encoder.encode('{"type":"hello","v":1,"nick":"stuck"}\n'));
  await stuckJoined;
  const sent = [];
  for (let i = 0; i < 200 && h.find("stuck") !== undefined; i++) {
    sent.push(await h.say(talker, `message ${i} ${"x".repeat(50)}`));
  }
  assertEquals(h.find("stuck"), undefined, "the stalled member was dropped");
  assertEquals(sent.at(-1)!.count, 0);
  await done;
  assert(
    logged.some((l) =>
      l.startsWith("disconnect too slow: more than 4096 bytes")
    ),
    logged.join("\n"),
  );
  client.close();
});

Deno.test("session acks a resent id again, with its first answer, without delivering it twice", async () => {
  const h = hub();
  const seen: string[] = [];
  h.enter("watch", {
    deliver: (
      out,
    ) => (out.frame.type === "msg" && seen.push(out.frame.text), true),
  });
  const first = open(h);
  await first.write(
    '{"type":"hello","v":1,"nick":"ann","client":"c-1"}\n{"type":"msg","id":"x-1","text":"once"}\n',
  );
  const ack1 = await first.frame((f) => f.type === "ack");
  await finish(first.client, first.done, first.log.done);
  const second = open(h);
  await second.write(
    '{"type":"hello","v":1,"nick":"ann","client":"c-1"}\n{"type":"msg","id":"x-1","text":"once"}\n',
  );
  const ack2 = await second.frame((f) => f.type === "ack");
  assertEquals(ack2, ack1);
  assertEquals(await second.frame((f) => f.type === "delivered"), {
    type: "delivered",
    id: "x-1",
    count: 1,
    of: 1,
  });
  assertEquals(seen, ["once"]);
  await finish(second.client, second.done, second.log.done);
});

Deno.test("session writes frames whole and in order through a transport that takes a few bytes a call", async () => {
  const h = hub();
  const [server, client] = memoryPair();
  // Every write takes 5 bytes at most: the writer must go on where it stopped.
  const trickle = {
    read: (buffer: Uint8Array) => server.read(buffer),
    write: (data: Uint8Array) => server.write(data.subarray(0, 5)),
    close: () => server.close(),
  };
  const session = new Session(
    trickle,
    options(h, { queueBytes: 1 << 20 }),
    { peer: "memory" },
  );
  const done = session.run();
  const log = new LineLog(client, "peer");
  await client.write(encoder.encode('{"type":"hello","v":1,"nick":"ann"}\n'));
  await log.waitFor((l) => l.includes('"type":"welcome"'));
  const bob = h.enter("bob", { deliver: () => true });
  // Said in one turn, so they are joined into shared writes from the pool.
  const texts = Array.from({ length: 60 }, (_, i) => `m${i} ${"y".repeat(i)}`);
  for (const text of texts) h.say(bob, text);
  await log.waitFor((l) => l.includes(`"text":"${texts.at(-1)}"`));
  const received = log.lines.flatMap((l) => {
    const decoded = decodeServerFrame(l);
    return decoded.ok && decoded.frame.type === "msg"
      ? [decoded.frame.text]
      : [];
  });
  assertEquals(received, texts);
  await finish(client, done, log.done);
});

/** Waits up to 2 s for a line of `log` that matches, or fails. */
function soon(log: LineLog, match: string | RegExp): Promise<string> {
  return log.waitFor(match, 2000);
}

for (
  const { mode, greet, fence, answer } of [
    {
      mode: "native",
      greet: '{"type":"hello","v":1,"nick":"ann"}\n',
      fence: '{"type":"ping","t":1}\n{"type":"msg","id":"m1","text":"slo',
      answer: '"type":"pong"',
    },
    {
      mode: "text-mode",
      greet: "",
      fence: "/who\nhalf a li",
      answer: "In #lobby",
    },
  ]
) {
  Deno.test(`session closes a ${mode} connection that leaves a line unfinished past the partial-line limit`, async () => {
    const peer = open(hub(), { helloWait: 20 });
    await peer.write(greet);
    await soon(peer.log, /"type":"welcome"|^You are guest/);
    // The answer to the whole line shows the partial one after it was read.
    await peer.write(fence);
    await soon(peer.log, answer);
    const limit = peer.session.context.resources.partialLine * 1000;
    peer.session.tick(performance.now() + limit - 1000);
    assertEquals(peer.session.closed, false, "not before the limit");
    peer.session.tick(performance.now() + limit + 1000);
    await soon(peer.log, "A line was not finished within 60 s; closing");
    await peer.log.ended(2000);
    assert(peer.session.closed);
    await finish(peer.client, peer.done);
  });
}

Deno.test("session keeps a text-mode user who only reads, however long the handshake timeout is past", async () => {
  const h = hub();
  const peer = open(h, { helloWait: 20 });
  await soon(peer.log, /^You are guest\d+/);
  peer.session.tick(performance.now() + 3_600_000);
  assertEquals(peer.session.closed, false);
  const bob = h.enter("bob", { deliver: () => true });
  await h.say(bob, "still there?");
  await soon(peer.log, "<bob> still there?");
  await finish(peer.client, peer.done, peer.log.done);
});

Deno.test("session counts a guest who never sent a whole line as idle, for eviction, and one who spoke as not", async () => {
  const peer = open(hub(), { helloWait: 20 });
  await soon(peer.log, /^You are guest\d+/);
  assert(peer.session.idleGuestSince !== undefined, "a silent guest is idle");
  await peer.write("hello\n");
  await soon(peer.log, "Message Received");
  assertEquals(peer.session.idleGuestSince, undefined);
  await finish(peer.client, peer.done, peer.log.done);
});
