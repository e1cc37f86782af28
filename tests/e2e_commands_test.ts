import { assert, assertEquals, assertMatch } from "./assert.ts";
import { pipedClientIn, ServerProcess, startClient } from "./util/program.ts";
import { RawPeer } from "./util/raw_peer.ts";
import type { ServerFrame } from "../lib/shared/protocol.ts";

type Frame<T extends ServerFrame["type"]> = Extract<ServerFrame, { type: T }>;

/** Sends a line as `msg` and waits for the reply, ack or error that answers it. */
async function say(peer: RawPeer, id: string, text: string): Promise<void> {
  await peer.send({ type: "msg", id, text });
}

async function reply(peer: RawPeer, cmd: string): Promise<Frame<"reply">> {
  return await peer.frame((f) => f.type === "reply" && f.cmd === cmd) as Frame<
    "reply"
  >;
}

async function error(peer: RawPeer, id: string): Promise<Frame<"error">> {
  return await peer.frame((f) => f.type === "error" && f.id === id) as Frame<
    "error"
  >;
}

Deno.test("two clients asking for the same nick: the second gets a clear error and a free suggestion", async () => {
  await using server = await ServerProcess.start();
  await using _first = await RawPeer.native(server.port, "sam");
  await using second = await RawPeer.connect(server.port, "second");
  await second.send({ type: "hello", v: 1, nick: "SAM" });
  const refused = await second.frame((f) => f.type === "error") as Frame<
    "error"
  >;
  assertEquals([refused.code, refused.message, refused.suggest], [
    "nick-taken",
    'The nick "SAM" is taken; try "SAM2"',
    "SAM2",
  ]);
  // The real client takes the suggestion and says so.
  await using client = startClient(server.port, ["--nick", "sam"]);
  await client.stderr.waitFor(
    'The nick "sam" is taken; try "sam2"; you are sam2 (/nick to change)',
  );
  assertMatch(await pipedClientIn(client), /^In #lobby \(2\): .*sam2/);
});

Deno.test("/nick renames and the room sees it; a bad or taken nick is refused", async () => {
  await using server = await ServerProcess.start();
  await using ann = await RawPeer.native(server.port, "ann");
  await using bob = await RawPeer.native(server.port, "bob");
  await say(ann, "n1", "/nick anna");
  const event = await bob.frame((f) =>
    f.type === "event" && f.event === "nick"
  ) as Frame<"event">;
  assertEquals([event.nick, event.to], ["ann", "anna"]);
  await say(ann, "n2", "/nick BOB");
  assertEquals((await error(ann, "n2")).code, "nick-taken");
  await say(ann, "n3", "/nick 7up");
  assertMatch((await error(ann, "n3")).message, /"7up" is not a valid nick/);
  await say(bob, "b1", "hi anna");
  const msg = await ann.frame((f) => f.type === "msg") as Frame<"msg">;
  assertEquals(msg.from, "bob");
  await say(ann, "n4", "answer");
  assertEquals(
    (await bob.frame((f) => f.type === "msg") as Frame<"msg">).from,
    "anna",
  );
});

Deno.test("a private message reaches its recipient only; /reply answers it; unknown nicks are refused", async () => {
  await using server = await ServerProcess.start();
  await using ann = await RawPeer.native(server.port, "ann");
  await using bob = await RawPeer.native(server.port, "bob");
  await using cat = await RawPeer.native(server.port, "cat");
  await say(ann, "p1", "/msg bob meet me  at noon");
  const pm = await bob.frame((f) => f.type === "pm") as Frame<"pm">;
  assertEquals([pm.from, pm.to, pm.text], ["ann", "bob", "meet me  at noon"]);
  await ann.frame((f) => f.type === "pm" && f.to === "bob");
  await say(bob, "r1", "/reply ok");
  const answer = await ann.frame((f) =>
    f.type === "pm" && f.from === "bob"
  ) as Frame<"pm">;
  assertEquals(answer.text, "ok");
  await say(ann, "p2", "/msg nobody hello");
  assertEquals((await error(ann, "p2")).code, "no-such-nick");
  // cat saw none of it: a public message after the whispers arrives first.
  await say(ann, "x", "public");
  await cat.frame((f) => f.type === "msg" && f.text === "public");
  assertEquals(cat.frames().filter((f) => f.type === "pm"), []);
});

Deno.test("a version 1 client is in one room at a time as it always was: rooms are isolated; /join moves, /leave goes back, /rooms lists, and joins and leaves are announced", async () => {
  await using server = await ServerProcess.start();
  await using ann = await RawPeer.native(server.port, "ann");
  await using bob = await RawPeer.native(server.port, "bob");
  await using cat = await RawPeer.native(server.port, "cat", "games");
  await say(bob, "j1", "/join #Games");
  const joined = await reply(bob, "join");
  assertEquals(joined.text, "You joined #games (2 here)");
  const left = await ann.frame((f) =>
    f.type === "event" && f.event === "leave"
  ) as Frame<"event">;
  assertEquals([left.nick, left.room], ["bob", "lobby"]);
  await cat.frame((f) =>
    f.type === "event" && f.event === "join" && f.nick === "bob"
  );
  await say(ann, "a1", "lobby only");
  await say(bob, "b1", "games only");
  assertEquals(
    (await cat.frame((f) => f.type === "msg") as Frame<"msg">).text,
    "games only",
  );
  await say(cat, "c1", "/rooms");
  assertEquals(
    (await reply(cat, "rooms")).text,
    "Rooms (* you are in it):\n* #games (2)\n  #lobby (1)",
  );
  await say(bob, "b2", "/leave");
  await ann.frame((f) =>
    f.type === "event" && f.event === "join" && f.nick === "bob"
  );
  await say(ann, "a2", "welcome back");
  assertEquals(
    (await bob.frame((f) =>
      f.type === "msg" && f.room === "lobby" && f.history !== true
    ) as Frame<
      "msg"
    >).text,
    "welcome back",
  );
  assert(
    !cat.frames().some((f) => f.type === "msg" && f.text !== "games only"),
    "cat saw lobby traffic",
  );
  assert(
    !ann.frames().some((f) => f.type === "msg" && f.text === "games only"),
    "ann saw games traffic",
  );
  await say(ann, "bad", "/join bad!room");
  assertEquals((await error(ann, "bad")).code, "room-invalid");
});

Deno.test("/who lists the room with away messages; /away tells the room and whoever messages you", async () => {
  await using server = await ServerProcess.start();
  await using ann = await RawPeer.native(server.port, "ann");
  await using bob = await RawPeer.native(server.port, "bob");
  await say(bob, "b1", "/away having lunch");
  const away = await ann.frame((f) =>
    f.type === "event" && f.event === "away"
  ) as Frame<"event">;
  assertEquals([away.nick, away.reason], ["bob", "having lunch"]);
  await say(ann, "a1", "/who");
  const who = await reply(ann, "who");
  assertEquals(who.text, "In #lobby (2): ann, bob (away: having lunch)");
  assertEquals(who.data, {
    room: "lobby",
    members: [{ nick: "ann" }, { nick: "bob", away: "having lunch" }],
  });
  await say(ann, "a2", "/msg bob you there?");
  assertEquals((await reply(ann, "away")).text, "bob is away: having lunch");
  await say(bob, "b2", "/away");
  await ann.frame((f) =>
    f.type === "event" && f.event === "back" && f.nick === "bob"
  );
});

Deno.test("/ignore hides a member on the ignorer's side only; /unignore undoes it", async () => {
  await using server = await ServerProcess.start();
  await using ann = await RawPeer.native(server.port, "ann");
  await using bob = await RawPeer.native(server.port, "bob");
  await using cat = await RawPeer.native(server.port, "cat");
  await say(ann, "i1", "/ignore bob");
  await ann.frame((f) => f.type === "ack" && f.id === "i1");
  await say(bob, "b1", "noise");
  await cat.frame((f) => f.type === "msg" && f.text === "noise");
  const delivered = await bob.frame((f) => f.type === "delivered") as Frame<
    "delivered"
  >;
  assertEquals([delivered.count, delivered.of], [2, 2]);
  await say(cat, "c1", "signal");
  await ann.frame((f) => f.type === "msg" && f.text === "signal");
  assert(!ann.frames().some((f) => f.type === "msg" && f.text === "noise"));
  await say(ann, "i2", "/unignore bob");
  await ann.frame((f) => f.type === "ack" && f.id === "i2");
  await say(bob, "b2", "heard again");
  await ann.frame((f) => f.type === "msg" && f.text === "heard again");
});

Deno.test("/me, /help and timestamps: actions are marked, help lists the table, every message has server time", async () => {
  await using server = await ServerProcess.start();
  await using ann = await RawPeer.native(server.port, "ann");
  await using bob = await RawPeer.native(server.port, "bob");
  const before = Date.now();
  await say(ann, "m1", "/me waves");
  const action = await bob.frame((f) => f.type === "msg") as Frame<"msg">;
  assertEquals([action.me, action.text, action.from], [true, "waves", "ann"]);
  assert(
    action.ts >= before - 1000 && action.ts <= Date.now() + 1000,
    "ts is the server's clock",
  );
  await say(bob, "h1", "/help");
  const help = await reply(bob, "help");
  for (
    const command of [
      "/nick NEW",
      "/join ROOM",
      "/msg NICK TEXT",
      "/away [MESSAGE]",
      "/ignore",
      "/history",
    ]
  ) {
    assert(help.text.includes(command), command);
  }
  await say(bob, "u1", "/dance");
  assertEquals(
    (await error(bob, "u1")).message,
    'Unknown command "/dance"; /help lists the commands',
  );
});

Deno.test("a joiner sees the room's recent history, in order and marked, limited by --history", async () => {
  await using server = await ServerProcess.start(["--history", "5"]);
  await using ann = await RawPeer.native(server.port, "ann");
  for (let i = 1; i <= 8; i++) await say(ann, `h${i}`, `message ${i}`);
  await ann.frame((f) => f.type === "ack" && f.id === "h8");
  await using bob = await RawPeer.native(server.port, "bob");
  const welcome = bob.frames().find((f) => f.type === "welcome") as Frame<
    "welcome"
  >;
  assertEquals(
    welcome.history.map((m) => m.text),
    [4, 5, 6, 7, 8].map((i) => `message ${i}`),
  );
  await say(bob, "more", "/history 2");
  const older = [
    await bob.frame((f) => f.type === "msg") as Frame<"msg">,
    await bob.frame((f) => f.type === "msg") as Frame<"msg">,
  ];
  assertEquals(older.map((m) => [m.text, m.history]), [["message 2", true], [
    "message 3",
    true,
  ]]);
  await bob.close();
  // A text-mode joiner sees history as marked lines.
  await using text = await RawPeer.connect(server.port, "netcat");
  await text.write("/who\n");
  const lines = [];
  for (let i = 4; i <= 8; i++) {
    lines.push(await text.log.waitFor(`message ${i}`));
  }
  for (const line of lines) {
    assertMatch(line, /^\[\d\d:\d\d\] \(history\) <ann> message \d$/);
  }
  await text.close();
});

Deno.test("tick counts follow the room: a member who leaves is no longer counted", async () => {
  await using server = await ServerProcess.start();
  await using ann = await RawPeer.native(server.port, "ann");
  await using _bob = await RawPeer.native(server.port, "bob");
  await using cat = await RawPeer.native(server.port, "cat");
  await say(ann, "t1", "first");
  assertEquals(await ann.frame((f) => f.type === "delivered"), {
    type: "delivered",
    id: "t1",
    count: 2,
    of: 2,
  });
  await cat.send({ type: "quit", reason: "bye" });
  await ann.frame((f) =>
    f.type === "event" && f.event === "quit" && f.nick === "cat"
  );
  await say(ann, "t2", "second");
  assertEquals(await ann.frame((f) => f.type === "delivered"), {
    type: "delivered",
    id: "t2",
    count: 1,
    of: 1,
  });
  await using text = await RawPeer.connect(server.port, "netcat");
  await text.write("third\n");
  await text.log.waitFor("Message Received ✓✓ 2/2");
  await text.close();
});

Deno.test("quit notices carry the reason; a dropped connection is a quit too", async () => {
  await using server = await ServerProcess.start();
  await using ann = await RawPeer.native(server.port, "ann");
  await using bob = await RawPeer.native(server.port, "bob");
  await using cat = await RawPeer.native(server.port, "cat");
  await say(bob, "q", "/quit see you tomorrow");
  const quit = await ann.frame((f) =>
    f.type === "event" && f.event === "quit"
  ) as Frame<"event">;
  assertEquals([quit.nick, quit.reason], ["bob", "see you tomorrow"]);
  await cat.close();
  const dropped = await ann.frame((f) =>
    f.type === "event" && f.event === "quit"
  ) as Frame<"event">;
  assertEquals([dropped.nick, dropped.reason], [
    "cat",
    "connection closed by peer",
  ]);
});
