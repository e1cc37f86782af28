import { assert, assertEquals, assertThrows } from "./assert.ts";
import { ChatError } from "../lib/shared/errors.ts";
import { MemoryHistory } from "../lib/server/history.ts";
import { Hub } from "../lib/server/hub.ts";
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

Deno.test("hub replays a room's history to a joiner, and moving rooms tells both rooms", () => {
  const hub = setup();
  const [a, b] = [new Inbox(), new Inbox()];
  const ann = hub.enter("ann", a);
  hub.join(ann, "games");
  hub.say(ann, "one");
  hub.say(ann, "two");
  const bob = hub.enter("bob", b);
  const history = hub.join(bob, "#games");
  assertEquals(history.map((m) => m.text), ["one", "two"]);
  assertEquals(a.events(), ["join bob"]);
  hub.join(bob, "lobby");
  assertEquals(a.events(), ["join bob", "leave bob"]);
  assertThrows(
    () => hub.join(bob, "lobby"),
    ChatError,
    "You are in #lobby already",
  );
  assertEquals(hub.rooms(), [{ name: "games", members: 1 }, {
    name: "lobby",
    members: 1,
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
