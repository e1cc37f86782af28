import { assert, assertEquals, assertThrows } from "./assert.ts";
import { ChatError } from "../lib/shared/errors.ts";
import { MemoryHistory } from "../lib/server/history.ts";
import { Hub } from "../lib/server/hub.ts";
import { limitDefaults, PROTOCOL_LIMITS } from "../lib/shared/limits.ts";
import type { ServerFrame } from "../lib/shared/protocol.ts";
import type { Member } from "../lib/server/member.ts";
import type { Outgoing } from "../lib/server/outgoing.ts";

/** A member's side for tests: collects frames; `full` makes it refuse them. */
class Inbox {
  frames: ServerFrame[] = [];
  full = false;
  deliver(out: Outgoing): boolean {
    if (this.full) return false;
    this.frames.push(out.frame);
    return true;
  }
  texts(): string[] {
    return this.frames.flatMap((
      f,
    ) => (f.type === "msg" || f.type === "pm" ? [f.text] : []));
  }
  events(): string[] {
    return this.frames.flatMap((
      f,
    ) => (f.type === "event"
      ? [`${f.event} ${f.nick}${f.to ? ` ${f.to}` : ""}`]
      : [])
    );
  }
}

function setup(history = 50) {
  return new Hub({
    history: new MemoryHistory({ perRoom: history }),
    historyOnJoin: history,
    now: () => 1000,
  });
}

Deno.test("hub tells the room when someone joins, but not the joiner", () => {
  const hub = setup();
  const a = new Inbox();
  const b = new Inbox();
  hub.enter("ann", a);
  hub.enter("bob", b);
  assertEquals(a.events(), ["join bob"]);
  assertEquals(b.events(), []);
});

Deno.test("hub refuses a taken nick in any case, suggesting a free one", () => {
  const hub = setup();
  hub.enter("ann", new Inbox());
  const error = assertThrows(
    () => hub.enter("ANN", new Inbox()),
    ChatError,
    'The nick "ANN" is taken; try "ANN2"',
  );
  assertEquals([error.code, error.suggest], ["nick-taken", "ANN2"]);
  assertThrows(
    () => hub.enter("1bad", new Inbox()),
    ChatError,
    "not a valid nick",
  );
});

Deno.test("hub delivers a message to the sender's room only and counts deliveries", async () => {
  const hub = setup();
  const [a, b, c] = [new Inbox(), new Inbox(), new Inbox()];
  const ann = hub.enter("ann", a);
  hub.enter("bob", b);
  const cat = hub.enter("cat", c);
  hub.join(cat, "games");
  hub.part(cat, "lobby");
  const delivery = await hub.say(ann, "hi lobby");
  assertEquals([delivery.count, delivery.of], [1, 1]);
  assertEquals(b.texts(), ["hi lobby"]);
  assertEquals(c.texts(), []);
  assertEquals(a.texts(), []);
});

Deno.test("hub counts a member whose queue is full as not delivered", async () => {
  const hub = setup();
  const ann = hub.enter("ann", new Inbox());
  const slow = new Inbox();
  hub.enter("bob", new Inbox());
  hub.enter("slow", slow);
  slow.full = true;
  const delivery = await hub.say(ann, "hello");
  assertEquals([delivery.count, delivery.of], [1, 2]);
});

Deno.test("hub sends private messages to the recipient and echoes them to the sender only", () => {
  const hub = setup();
  const [a, b, c] = [new Inbox(), new Inbox(), new Inbox()];
  const ann = hub.enter("ann", a);
  const bob = hub.enter("bob", b);
  hub.enter("cat", c);
  hub.whisper(ann, "BOB", "secret");
  assertEquals(b.texts(), ["secret"]);
  assertEquals(a.texts(), ["secret"]);
  assertEquals(c.texts(), []);
  assertEquals(bob.lastPrivateFrom, ann);
  assertThrows(
    () => hub.whisper(ann, "nobody", "x"),
    ChatError,
    'No one called "nobody" is online',
  );
});

Deno.test("hub hides an ignored member's messages from the one who ignores them", async () => {
  const hub = setup();
  const [a, b] = [new Inbox(), new Inbox()];
  const ann = hub.enter("ann", a);
  const bob = hub.enter("bob", b);
  bob.ignores.set(ann.person, new Set(["ann"]));
  assertEquals(
    (await hub.say(ann, "can you hear me")).count,
    1,
    "ignoring is not revealed to the sender",
  );
  hub.whisper(ann, "bob", "psst");
  assertEquals(b.texts(), []);
});

Deno.test("hub renames a member and tells the room; the old nick is free again", () => {
  const hub = setup();
  const [a, b] = [new Inbox(), new Inbox()];
  const ann = hub.enter("ann", a);
  hub.enter("bob", b);
  hub.rename(ann, "anna");
  assertEquals(b.events(), ["nick ann anna"]);
  assertEquals(a.events().at(-1), "nick ann anna");
  assert(!hub.isTaken("ann"));
  assert(hub.find("ANNA") === ann);
  hub.rename(ann, "Anna");
  assertEquals(ann.nick, "Anna");
  assertThrows(() => hub.rename(ann, "bob"), ChatError, "taken");
});

Deno.test("hub adds a room to a member's rooms, shows a joiner its history, and tells each room once", () => {
  const hub = setup();
  const [a, b] = [new Inbox(), new Inbox()];
  const ann = hub.enter("ann", a);
  hub.join(ann, "games");
  hub.say(ann, "one", { room: "games" });
  hub.say(ann, "two", { room: "games" });
  const bob = hub.enter("bob", b);
  assertEquals(hub.join(bob, "#games"), { room: "games", joined: true });
  const state = hub.roomState(bob, "games", { recent: 10, max: 500 });
  assertEquals(state.history.map((m) => m.text), ["one", "two"]);
  assertEquals(state.members, ["ann", "bob"]);
  // ann shares two rooms with bob: his join of games is told in games only.
  assertEquals(a.events(), ["join bob", "join bob"]);
  assertEquals([...bob.rooms], ["lobby", "games"]);
  assertEquals(hub.join(bob, "lobby"), { room: "lobby", joined: false });
  assertEquals(bob.room, "lobby", "joining a room one is in makes it current");
  hub.part(bob, "games", "bed time");
  assertEquals(a.frames.at(-1), {
    type: "event",
    event: "part",
    nick: "bob",
    room: "games",
    ts: 1000,
    reason: "bed time",
  });
  assertEquals(hub.rooms(), [{ name: "games", members: 1 }, {
    name: "lobby",
    members: 2,
  }]);
});

Deno.test("hub tells the room when a member quits, with the reason", () => {
  const hub = setup();
  const [a, b] = [new Inbox(), new Inbox()];
  hub.enter("ann", a);
  const bob = hub.enter("bob", b);
  hub.exit(bob, "gone \x1b[31mhome");
  const quit = a.frames.at(-1);
  assert(quit?.type === "event");
  assertEquals([quit.event, quit.nick, quit.reason], [
    "quit",
    "bob",
    "gone home",
  ]);
  assertEquals(hub.size, 1);
});

Deno.test("hub marks members away and back", () => {
  const hub = setup();
  const [a, b] = [new Inbox(), new Inbox()];
  hub.enter("ann", a);
  const bob = hub.enter("bob", b);
  hub.setAway(bob, "lunch");
  assertEquals(bob.away, "lunch");
  hub.setAway(bob, undefined);
  assertEquals(bob.away, undefined);
  assertEquals(a.events().slice(-2), ["away bob", "back bob"]);
  assertThrows(
    () => hub.setAway(bob, undefined),
    ChatError,
    "You are not away",
  );
});

Deno.test("hub strips control characters from messages and refuses empty or huge ones", () => {
  const hub = setup();
  const b = new Inbox();
  const ann = hub.enter("ann", new Inbox());
  hub.enter("bob", b);
  hub.say(ann, "\x1b]0;title\x07hi\x9b");
  assertEquals(b.texts(), ["hi"]);
  assertThrows(() => hub.say(ann, "\x1b[2J"), ChatError, "empty");
  assertThrows(
    () => hub.say(ann, "x".repeat(2001)),
    ChatError,
    "the limit is 2000",
  );
});

Deno.test("hub sends no quit notices once the server is closing", () => {
  const hub = setup();
  const a = new Inbox();
  hub.enter("ann", a);
  const bob = hub.enter("bob", new Inbox());
  hub.close();
  hub.exit(bob, "The server is shutting down");
  assertEquals(a.events(), ["join bob"]);
  assertEquals(hub.size, 1);
});

/** A ZWJ family: 7 code points, one grapheme cluster. */
const FAMILY = "👨‍👩‍👧‍👦";

for (
  const { name, text, refused } of [
    { name: "1001 emoji are 1001 characters", text: "😀".repeat(1001) },
    { name: "2000 letters with accents are 2000", text: "é".repeat(2000) },
    {
      name: "2001 code points are refused with the count",
      text: `${"😀".repeat(1000)}${"x".repeat(1001)}`,
      refused: "The message is 2001 characters; the limit is 2000",
    },
  ]
) {
  Deno.test(`hub counts message lengths in code points: ${name}`, async () => {
    const hub = setup();
    const b = new Inbox();
    const ann = hub.enter("ann", new Inbox());
    hub.enter("bob", b);
    if (refused === undefined) {
      await hub.say(ann, text);
      assertEquals(b.texts(), [text]);
    } else {
      const error = assertThrows(() => hub.say(ann, text), ChatError, refused);
      assertEquals(error.code, "text-invalid");
    }
  });
}

for (
  const { what, reasonOf } of [
    {
      what: "an away message",
      reasonOf: (hub: Hub, subject: Member) => {
        hub.setAway(subject, `${"a".repeat(199)}${FAMILY}`);
      },
    },
    {
      what: "a quit reason",
      reasonOf: (hub: Hub, subject: Member) => {
        hub.exit(subject, `${"a".repeat(199)}${FAMILY}`);
      },
    },
    {
      // The room is told "kicked by boss: " and the reason, 200 in all.
      what: "a kick reason",
      reasonOf: (hub: Hub, subject: Member, boss: Member) => {
        hub.moderation.kick(boss, subject.nick, `${"a".repeat(183)}${FAMILY}`);
      },
    },
  ]
) {
  Deno.test(`hub cuts ${what} before a ZWJ family that would pass the 200th code point, never inside it`, async () => {
    const hub = new Hub({
      history: new MemoryHistory({ perRoom: 10 }),
      historyOnJoin: 10,
      operators: ["boss"],
      operatorSecret: "s3cret",
    });
    const watcher = new Inbox();
    hub.enter("watcher", watcher);
    const boss = hub.enter("boss", new Inbox());
    await hub.moderation.oper(boss, "s3cret");
    const mal = hub.enter("mal", new Inbox());
    reasonOf(hub, mal, boss);
    const event = watcher.frames.at(-1);
    assert(event?.type === "event" && event.reason !== undefined);
    assert(event.reason.isWellFormed(), JSON.stringify(event.reason));
    assertEquals([...event.reason].length, 199);
    assert(event.reason.endsWith("a".repeat(100)), event.reason);
  });
}

Deno.test("hub turns a lone surrogate into U+FFFD, live and in history", async () => {
  const hub = setup();
  const b = new Inbox();
  const ann = hub.enter("ann", new Inbox());
  hub.enter("bob", b);
  await hub.say(ann, "half \ud83d a smile");
  await hub.say(ann, "other half \ude00");
  assertEquals(b.texts(), ["half \ufffd a smile", "other half \ufffd"]);
  assertEquals(hub.history("lobby").map((m) => m.text), b.texts());
});

Deno.test("hub makes line and paragraph separators spaces", async () => {
  const hub = setup();
  const b = new Inbox();
  const ann = hub.enter("ann", new Inbox());
  hub.enter("bob", b);
  await hub.say(ann, "one\u2028two\u2029three");
  hub.setAway(ann, "out\u2028for lunch");
  assertEquals(b.texts(), ["one two three"]);
  const away = b.frames.at(-1);
  assertEquals(away?.type === "event" && away.reason, "out for lunch");
});

for (
  const [name, text] of [
    ["a zero-width space", "\u200b"],
    ["zero-width joiners", "\u200d\u200d"],
    ["a Hangul filler", "\u3164"],
    ["spaces and all of those", " \u200b \u200d\u3164 "],
  ]
) {
  Deno.test(`hub refuses a message of only ${name} as empty`, () => {
    const hub = setup();
    const ann = hub.enter("ann", new Inbox());
    const error = assertThrows(() => hub.say(ann, text!), ChatError, "empty");
    assertEquals(error.code, "text-invalid");
  });
}

Deno.test("hub keeps hiding an ignored person who takes a new nick, in the room, in private and in history", async () => {
  const hub = setup();
  const [a, c] = [new Inbox(), new Inbox()];
  const ann = hub.enter("ann", a);
  const mal = hub.enter("mal", new Inbox());
  hub.enter("carl", c);
  ann.ignores.set(mal.person, new Set(["mal"]));
  hub.rename(mal, "mal2");
  await hub.say(mal, "in the room");
  hub.whisper(mal, "ann", "in private");
  assertEquals(a.texts(), []);
  assertEquals(c.texts(), ["in the room"]);
  assert(ann.ignoring(mal));
  assert(ann.ignoringNick("mal2"), "history lines by the new nick are hidden");
});

Deno.test("hub hides the away message and quit reason of someone ignored from the one who ignores them", () => {
  const hub = setup();
  const [a, c] = [new Inbox(), new Inbox()];
  const ann = hub.enter("ann", a);
  const mal = hub.enter("mal", new Inbox());
  hub.enter("carl", c);
  ann.ignores.set(mal.person, new Set(["mal"]));
  hub.setAway(mal, "rude words");
  hub.exit(mal, "more rude words");
  const reasons = (inbox: Inbox) =>
    inbox.frames.flatMap((f) =>
      f.type === "event" && (f.event === "away" || f.event === "quit")
        ? [`${f.event} ${f.reason}`]
        : []
    );
  assertEquals(reasons(c), ["away rude words", "quit more rude words"]);
  assertEquals(reasons(a), ["away undefined", "quit undefined"]);
});

Deno.test("hub never makes a note to oneself the one to /reply to", () => {
  const hub = setup();
  const a = new Inbox();
  const ann = hub.enter("ann", a);
  hub.whisper(ann, "ann", "a note to self");
  assertEquals(a.texts(), ["a note to self"]);
  assertEquals(ann.lastPrivateFrom, undefined);
});

Deno.test("hub keeps the sender of the last private message by person, so a reply follows a rename", () => {
  const hub = setup();
  const [a, b] = [new Inbox(), new Inbox()];
  const ann = hub.enter("ann", a);
  const bob = hub.enter("bob", b);
  hub.whisper(bob, "ann", "psst");
  hub.rename(bob, "robert");
  assert(ann.lastPrivateFrom === bob);
  hub.whisper(ann, ann.lastPrivateFrom.nick, "got it");
  const pm = b.frames.at(-1);
  assertEquals(pm?.type === "pm" && [pm.to, pm.text], ["robert", "got it"]);
});

/** A hub where "boss" may become an operator with the secret "s3cret". */
function withOperators(history = new MemoryHistory({ perRoom: 10 })) {
  return new Hub({
    history,
    historyOnJoin: 10,
    now: () => 1000,
    operators: ["boss"],
    operatorSecret: "s3cret",
  });
}

/** Each frame as `type` or `event nick room`, to compare sequences. */
function shown(inbox: Inbox): string[] {
  return inbox.frames.map((f) =>
    f.type === "event" ? `${f.event} ${f.nick} ${f.room ?? "-"}` : f.type
  );
}

Deno.test("hub enters a member in every room it names, the first current, and a line naming a room reaches that room alone", async () => {
  const hub = setup();
  const [a, b, c] = [new Inbox(), new Inbox(), new Inbox()];
  const ann = hub.enter("ann", a, { rooms: ["a", "b", "c"] });
  assertEquals([...ann.rooms], ["a", "b", "c"]);
  assertEquals(ann.room, "a");
  hub.enter("bob", b, { rooms: ["b"] });
  hub.enter("cat", c, { rooms: ["a", "c"] });
  const delivery = await hub.say(ann, "for b", { room: "b" });
  assertEquals(delivery.message.room, "b");
  assertEquals([delivery.count, delivery.of], [1, 1]);
  assertEquals(b.texts(), ["for b"]);
  assertEquals(c.texts(), []);
  assertEquals(hub.history("b").map((m) => m.text), ["for b"]);
  assertEquals(hub.history("a"), []);
  assertEquals(ann.room, "a", "saying in another room does not switch");
});

Deno.test("hub refuses a line for a room the member is not in, naming the room, and keeps nothing", async () => {
  const hub = setup();
  const b = new Inbox();
  const ann = hub.enter("ann", new Inbox(), { rooms: ["a", "b"] });
  hub.enter("bob", b, { rooms: ["games"] });
  const error = assertThrows(
    () => hub.say(ann, "let me in", { room: "#games" }),
    ChatError,
    "You are not in #games: /join games",
  );
  assertEquals(error.code, "not-now");
  assertEquals(b.texts(), []);
  assertEquals(hub.history("games"), []);
  const next = await hub.say(ann, "here", { room: "b" });
  assertEquals(next.message.seq, 1, "the refused line took no seq");
});

Deno.test("hub keeps a member who parted every room online, reachable in private, and refuses its plain lines: no room", () => {
  const hub = setup();
  const a = new Inbox();
  const ann = hub.enter("ann", a, { rooms: ["a", "b"] });
  const bob = hub.enter("bob", new Inbox());
  hub.part(ann, "a");
  hub.part(ann, "b");
  assertEquals([[...ann.rooms], ann.room], [[], undefined]);
  assert(hub.present(ann));
  const error = assertThrows(
    () => hub.say(ann, "anyone?"),
    ChatError,
    "You are in no room: /join ROOM",
  );
  assertEquals(error.code, "not-now");
  hub.whisper(bob, "ann", "still there?");
  assertEquals(a.texts(), ["still there?"]);
  assertEquals(hub.rooms(), [{ name: "lobby", members: 1 }]);
});

Deno.test("hub join adds a room and makes it current, tells that room only, and joining again only switches", () => {
  const hub = setup();
  const [a, b] = [new Inbox(), new Inbox()];
  const ann = hub.enter("ann", a);
  hub.enter("bob", b, { rooms: ["games"] });
  assertEquals(hub.join(ann, "games"), { room: "games", joined: true });
  assertEquals([...ann.rooms], ["lobby", "games"]);
  assertEquals(ann.room, "games");
  assertEquals(b.frames, [{
    type: "event",
    event: "join",
    nick: "ann",
    room: "games",
    ts: 1000,
  }]);
  assertEquals(a.frames, [], "the joiner is not told its own join");
  assertEquals(hub.join(ann, "lobby"), { room: "lobby", joined: false });
  assertEquals(ann.room, "lobby");
  assertEquals(hub.join(ann, "#GAMES"), { room: "games", joined: false });
  assertEquals(ann.room, "games");
  assertEquals(b.frames.length, 1, "joining a room one is in tells no one");
  assertEquals([...ann.rooms], ["lobby", "games"]);
});

Deno.test("hub refuses a room past the per-member limit, naming the limit, and changes nothing", () => {
  const limits = { ...limitDefaults(PROTOCOL_LIMITS), roomsPerMember: 2 };
  const hub = new Hub({
    history: new MemoryHistory({ perRoom: 10 }),
    historyOnJoin: 10,
    limits,
  });
  const ann = hub.enter("ann", new Inbox(), { rooms: ["a", "b"] });
  const error = assertThrows(
    () => hub.join(ann, "c"),
    ChatError,
    "You may be in 2 rooms at once; /part one first",
  );
  assertEquals(error.code, "room-limit");
  assertEquals([[...ann.rooms], ann.room], [["a", "b"], "a"]);
  assertEquals(hub.rooms().map((r) => r.name), ["a", "b"]);
  assertEquals(hub.join(ann, "b"), { room: "b", joined: false });
  const entering = assertThrows(
    () => hub.enter("bob", new Inbox(), { rooms: ["a", "b", "c"] }),
    ChatError,
    "You may be in 2 rooms at once",
  );
  assertEquals(entering.code, "room-limit");
  assert(!hub.isTaken("bob"));
  hub.part(ann, "a");
  assertEquals(hub.join(ann, "c"), { room: "c", joined: true });
});

Deno.test("hub refuses to make a room past the server's limit, yet lets a member join a room that exists", () => {
  const hub = new Hub({
    history: new MemoryHistory({ perRoom: 10 }),
    historyOnJoin: 10,
    maxRooms: 2,
  });
  const ann = hub.enter("ann", new Inbox(), { rooms: ["a", "b"] });
  const bob = hub.enter("bob", new Inbox(), { rooms: ["a"] });
  const error = assertThrows(
    () => hub.join(bob, "c"),
    ChatError,
    "The server holds 2 rooms, its limit; join one that exists (/rooms)",
  );
  assertEquals(error.code, "room-limit");
  assertEquals([[...bob.rooms], bob.room], [["a"], "a"]);
  assertEquals(hub.rooms().map((r) => r.name), ["a", "b"]);
  assertEquals(hub.join(bob, "b"), { room: "b", joined: true });
  hub.part(ann, "b");
  hub.part(bob, "b");
  assertEquals(hub.join(bob, "c"), { room: "c", joined: true }, "b is gone");
});

Deno.test("hub leaves nothing behind when entering is refused for the server's room limit", () => {
  const hub = new Hub({
    history: new MemoryHistory({ perRoom: 10 }),
    historyOnJoin: 10,
    maxRooms: 2,
  });
  const a = new Inbox();
  hub.enter("ann", a, { rooms: ["a", "b"] });
  const error = assertThrows(
    () => hub.enter("bob", new Inbox(), { rooms: ["a", "c"] }),
    ChatError,
    "The server holds 2 rooms, its limit",
  );
  assertEquals(error.code, "room-limit");
  // The session stays in its greeting and may say hello again as bob.
  assert(!hub.isTaken("bob"), "bob is left behind, holding the nick");
  assertEquals(hub.who("a").map((m) => m.nick), ["ann"]);
  assertEquals(a.frames, [], "the room is told of a join that did not happen");
  assertEquals(hub.size, 1);
});

Deno.test("hub tells a room, the leaver too, once that someone parted it, with the reason", () => {
  const hub = setup();
  const [a, b] = [new Inbox(), new Inbox()];
  hub.enter("ann", a, { rooms: ["a", "b", "c"] });
  const bob = hub.enter("bob", b, { rooms: ["a", "b", "c"] });
  a.frames = [];
  hub.part(bob, "#B", "  bed time  ");
  const part = {
    type: "event",
    event: "part",
    nick: "bob",
    room: "b",
    ts: 1000,
    reason: "bed time",
  };
  assertEquals(a.frames, [part]);
  assertEquals(b.frames, [part]);
  assertEquals([...bob.rooms], ["a", "c"]);
  assertEquals(hub.who("b").map((m) => m.nick), ["ann"]);
  hub.part(bob, "c");
  assertEquals(a.frames.at(-1), {
    type: "event",
    event: "part",
    nick: "bob",
    room: "c",
    ts: 1000,
  });
});

Deno.test("hub makes the last joined remaining room current when the current one is parted, and allows parting the last", () => {
  const hub = setup();
  const ann = hub.enter("ann", new Inbox(), { rooms: ["a", "b", "c"] });
  hub.part(ann, "a");
  assertEquals(ann.room, "c");
  hub.join(ann, "b");
  hub.part(ann, "c");
  assertEquals(ann.room, "b", "parting another room keeps the current one");
  hub.part(ann, "b");
  assertEquals([[...ann.rooms], ann.room], [[], undefined]);
  assert(hub.present(ann));
  assertEquals(hub.rooms(), []);
});

Deno.test("hub refuses to part a room one is not in, and tells that room nothing", () => {
  const hub = setup();
  const b = new Inbox();
  const ann = hub.enter("ann", new Inbox());
  hub.enter("bob", b, { rooms: ["games"] });
  for (const room of ["games", "nowhere"]) {
    const error = assertThrows(
      () => hub.part(ann, room, "bye"),
      ChatError,
      `You are not in #${room}`,
    );
    assertEquals(error.code, "not-now");
  }
  assertEquals(b.frames, []);
  assertEquals([[...ann.rooms], ann.room], [["lobby"], "lobby"]);
});

Deno.test("hub tells presence once to each member sharing rooms with the subject, and nothing to those sharing none", () => {
  const hub = setup();
  const [a, b, c] = [new Inbox(), new Inbox(), new Inbox()];
  hub.enter("ann", a, { rooms: ["a", "b", "c"] });
  hub.enter("cat", c, { rooms: ["d"] });
  const bob = hub.enter("bob", b, { rooms: ["a", "b", "c"] });
  // A join is about one room: once per room, naming it.
  assertEquals(shown(a), ["join bob a", "join bob b", "join bob c"]);
  a.frames = [];
  hub.rename(bob, "robert");
  hub.setAway(bob, "lunch");
  hub.setAway(bob, undefined);
  hub.exit(bob, "bye");
  const presence = [
    "nick bob -",
    "away robert -",
    "back robert -",
    "quit robert -",
  ];
  assertEquals(shown(a), presence);
  assertEquals(shown(b), presence, "the subject is told once too");
  assertEquals(c.frames, []);
});

Deno.test("hub lets any member set a room's topic and tells the room, the topic in the reason", () => {
  const hub = setup();
  const [a, b, c] = [new Inbox(), new Inbox(), new Inbox()];
  const ann = hub.enter("ann", a, { rooms: ["games"] });
  hub.enter("bob", b, { rooms: ["games"] });
  hub.enter("cat", c);
  a.frames = [];
  assertEquals(hub.setTopic(ann, undefined, "  chess at 8  "), "games");
  const told = {
    type: "event",
    event: "topic",
    nick: "ann",
    room: "games",
    ts: 1000,
    reason: "chess at 8",
  };
  assertEquals(a.frames, [told]);
  assertEquals(b.frames, [told]);
  assertEquals(c.frames, []);
  assertEquals(hub.topic("games"), "chess at 8");
  assertEquals(hub.rooms()[0], {
    name: "games",
    members: 2,
    topic: "chess at 8",
  });
  const error = assertThrows(
    () => hub.setTopic(ann, "lobby", "not mine"),
    ChatError,
    "You are not in #lobby",
  );
  assertEquals(error.code, "not-now");
});

Deno.test("hub lets only operators change a topic an operator locked", async () => {
  const hub = withOperators();
  const boss = hub.enter("boss", new Inbox(), { rooms: ["games"] });
  await hub.moderation.oper(boss, "s3cret");
  const bob = hub.enter("bob", new Inbox(), { rooms: ["games"] });
  hub.setTopic(bob, "games", "chess at 8");
  const locking = assertThrows(
    () => hub.lockTopic(bob, "games", true),
    ChatError,
    "Only operators",
  );
  assertEquals(locking.code, "forbidden");
  assertEquals(hub.lockTopic(boss, "games", true), "games");
  const error = assertThrows(
    () => hub.setTopic(bob, "games", "checkers"),
    ChatError,
    "The topic of #games is locked; only operators may change it",
  );
  assertEquals(error.code, "forbidden");
  assertEquals(hub.topic("games"), "chess at 8");
  hub.setTopic(boss, "games", "chess at 9");
  assertEquals(hub.topic("games"), "chess at 9");
  hub.lockTopic(boss, "games", false);
  hub.setTopic(bob, "games", "checkers");
  assertEquals(hub.topic("games"), "checkers");
});

Deno.test("hub forgets an empty room whose topic no operator set, and gives the topic back when someone joins it again", () => {
  const hub = setup();
  const ann = hub.enter("ann", new Inbox(), { rooms: ["lobby", "games"] });
  hub.setTopic(ann, "games", "chess at 8");
  hub.part(ann, "games");
  assertEquals(hub.rooms(), [{ name: "lobby", members: 1 }]);
  assertEquals(hub.topic("games"), "");
  hub.join(ann, "games");
  assertEquals(hub.topic("games"), "chess at 8");
  assertEquals(
    hub.roomState(ann, "games", { recent: 0, max: 10 }).topic,
    "chess at 8",
  );
});

Deno.test("hub keeps an empty room whose topic an operator set, listed with its topic", async () => {
  const hub = withOperators();
  const boss = hub.enter("boss", new Inbox(), { rooms: ["lobby", "news"] });
  await hub.moderation.oper(boss, "s3cret");
  hub.setTopic(boss, "news", "read only");
  hub.part(boss, "news");
  assertEquals(hub.rooms(), [
    { name: "lobby", members: 1 },
    { name: "news", members: 0, topic: "read only" },
  ]);
  hub.exit(boss, "");
  assertEquals(hub.rooms(), [{ name: "news", members: 0, topic: "read only" }]);
  const bob = hub.enter("bob", new Inbox(), { rooms: ["news"] });
  assertEquals(hub.roomState(bob, "news", { max: 10 }).topic, "read only");
});

Deno.test("a new hub over the same history lists the rooms operators kept, with topic and lock, as after a restart", async () => {
  const history = new MemoryHistory({ perRoom: 10 });
  const before = withOperators(history);
  const boss = before.enter("boss", new Inbox(), { rooms: ["news"] });
  await before.moderation.oper(boss, "s3cret");
  before.setTopic(boss, "news", "read only");
  before.lockTopic(boss, "news", true);
  const ann = before.enter("ann", new Inbox(), { rooms: ["games"] });
  before.setTopic(ann, "games", "chess at 8");
  before.close();
  const after = withOperators(history);
  assertEquals(after.rooms(), [{
    name: "news",
    members: 0,
    topic: "read only",
  }]);
  const bob = after.enter("bob", new Inbox(), { rooms: ["news"] });
  const error = assertThrows(
    () => after.setTopic(bob, "news", "spam"),
    ChatError,
    "The topic of #news is locked",
  );
  assertEquals(error.code, "forbidden");
  assertEquals(after.topic("news"), "read only");
});

Deno.test("an operator takes someone out of one room: they stay in the others and online, and the room is told who did it", async () => {
  const hub = withOperators();
  const [w, b] = [new Inbox(), new Inbox()];
  const boss = hub.enter("boss", new Inbox(), { rooms: ["a", "b"] });
  await hub.moderation.oper(boss, "s3cret");
  hub.enter("watcher", w, { rooms: ["a"] });
  const bob = hub.enter("bob", b, { rooms: ["a", "b", "c"] });
  w.frames = [];
  assert(hub.moderation.kickFromRoom(boss, "a", "BOB", "spam") === bob);
  const part = {
    type: "event",
    event: "part",
    nick: "bob",
    room: "a",
    ts: 1000,
    reason: "kicked by boss: spam",
    by: "boss",
  };
  assertEquals(w.frames, [part]);
  assertEquals(b.frames, [part]);
  assertEquals([[...bob.rooms], bob.room], [["b", "c"], "c"]);
  assert(hub.present(bob));
  assertEquals(hub.who("a").map((m) => m.nick), ["boss", "watcher"]);
  const again = assertThrows(
    () => hub.moderation.kickFromRoom(boss, "a", "bob", ""),
    ChatError,
    "bob is not in #a",
  );
  assertEquals(again.code, "not-now");
});

Deno.test("someone who is not an operator cannot take anyone out of a room", () => {
  const hub = withOperators();
  const b = new Inbox();
  const ann = hub.enter("ann", new Inbox(), { rooms: ["a"] });
  const bob = hub.enter("bob", b, { rooms: ["a"] });
  const error = assertThrows(
    () => hub.moderation.kickFromRoom(ann, "a", "bob", "out"),
    ChatError,
    "Only operators",
  );
  assertEquals(error.code, "forbidden");
  assertEquals([...bob.rooms], ["a"]);
  assertEquals(b.frames, []);
});

Deno.test("a guest no one was told of renames and goes away unheard; once it speaks, the room hears of it", async () => {
  const hub = setup();
  const ann = new Inbox();
  hub.enter("ann", ann);
  const guestInbox = new Inbox();
  const guest = hub.enter("guest1", guestInbox, { unannounced: true });
  hub.rename(guest, "carol");
  hub.setAway(guest, "brb");
  hub.setAway(guest, undefined);
  assertEquals(ann.frames.length, 0, "nothing about the unannounced guest");
  hub.spoke(guest);
  await hub.say(guest, "hello");
  hub.rename(guest, "carol2");
  assertEquals(
    ann.frames.map((f) => f.type === "event" ? `${f.event} ${f.nick}` : f.type),
    ["join carol", "msg", "nick carol"],
  );
  assert(
    !guestInbox.frames.some((f) => f.type === "event" && f.event === "join"),
    "the guest is not told it joined when the others are",
  );
});

Deno.test("a quiet member (a script) that parts is told so, and no one else is", () => {
  const hub = setup();
  const a = new Inbox();
  hub.enter("ann", a);
  const s = new Inbox();
  const script = hub.enter("ci", s, { quiet: true });
  hub.join(script, "games");
  hub.part(script, "games", "done");
  assertEquals(s.frames.filter((f) => f.type === "event"), [{
    type: "event",
    event: "part",
    nick: "ci",
    room: "games",
    ts: 1000,
    reason: "done",
  }]);
  assertEquals(a.frames.filter((f) => f.type === "event"), []);
});
