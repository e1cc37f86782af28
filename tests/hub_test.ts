import { assert, assertEquals, assertThrows } from "./assert.ts";
import { ChatError } from "../lib/shared/errors.ts";
import { MemoryHistory } from "../lib/server/history.ts";
import { Hub } from "../lib/server/hub.ts";
import type { ServerFrame } from "../lib/shared/protocol.ts";
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
