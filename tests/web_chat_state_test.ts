/**
 * The web page's chat state without a browser: what a `hello` asks for,
 * how frames change rooms, unread and mention counts, ticks, private
 * conversations, presence, and what is sent again after a reconnect.
 */

import { assert, assertEquals } from "./assert.ts";
import type { ServerFrame } from "../lib/shared/protocol.ts";
import { ChatState } from "../web/chat_state.ts";
import { lineProblem } from "../web/typed_line.ts";
import { plain } from "../web/user_text.ts";
import type { MessageEntry } from "../web/conversation.ts";
import { limitDefaults, PROTOCOL_LIMITS } from "../lib/shared/limits.ts";

function welcome(
  nick: string,
  rooms: { name: string; members: string[]; history?: ServerFrame[] }[],
): ServerFrame {
  return {
    type: "welcome",
    v: 3,
    banner: "Welcome to LoChat!",
    server: "box",
    nick,
    room: rooms[0]?.name ?? "",
    history: [],
    rooms: rooms.map((r) => ({
      name: r.name,
      members: r.members,
      history: (r.history ?? []).map((m) => {
        const { type: _, ...rest } = m as Extract<ServerFrame, { type: "msg" }>;
        return rest;
      }),
    })),
  };
}

function msg(
  seq: number,
  room: string,
  from: string,
  text: string,
): Extract<ServerFrame, { type: "msg" }> {
  return { type: "msg", seq, room, from, text, ts: 1_700_000_000_000 + seq };
}

function newState(): ChatState {
  return new ChatState({
    nick: "ann",
    rooms: ["lobby", "games"],
    clientToken: "token",
    idPrefix: "p",
    now: () => 1_700_000_000_000,
  });
}

function messages(state: ChatState, key: string): MessageEntry[] {
  return (state.conversations.get(key)?.entries ?? []).filter((
    e,
  ): e is MessageEntry => e.kind === "message");
}

Deno.test("the first hello asks for the nick and the rooms, current first, without since", () => {
  const state = newState();
  assertEquals(state.hello(), {
    type: "hello",
    v: 3,
    nick: "ann",
    client: "token",
    rooms: ["lobby", "games"],
    room: "lobby",
  });
});

Deno.test("a hello after a welcome asks for what was missed since the last seq per room", () => {
  const state = newState();
  state.apply(welcome("ann", [
    {
      name: "lobby",
      members: ["ann", "bob"],
      history: [msg(4, "lobby", "bob", "old")],
    },
    { name: "games", members: ["ann"] },
  ]));
  state.apply(msg(9, "games", "bob", "gg"));
  state.view("#games");
  const hello = state.hello();
  assertEquals(hello.type === "hello" && hello.since, { lobby: 4, games: 9 });
  assertEquals(hello.type === "hello" && hello.rooms, ["games", "lobby"]);
});

Deno.test("messages in another room count as unread, and those naming the person as mentions", () => {
  const state = newState();
  state.apply(welcome("ann", [
    { name: "lobby", members: ["ann", "bob"] },
    { name: "games", members: ["ann", "bob"] },
  ]));
  state.apply(msg(1, "lobby", "bob", "here, seen at once"));
  state.apply(msg(2, "games", "bob", "anyone?"));
  state.apply(msg(3, "games", "bob", "ann: chess?"));
  const games = state.conversations.get("#games")!;
  assertEquals([games.unread, games.mentions], [2, 1]);
  assertEquals(state.conversations.get("#lobby")!.unread, 0);
  assertEquals(state.totals(), { unread: 2, mentions: 1 });
  state.view("#games");
  assertEquals(state.totals(), { unread: 0, mentions: 0 });
});

Deno.test("while the page is hidden the room on screen counts too, and a mention asks for a notification", () => {
  const state = newState();
  state.apply(welcome("ann", [{ name: "lobby", members: ["ann", "bob"] }]));
  state.setHidden(true);
  assertEquals(state.apply(msg(1, "lobby", "bob", "hello")), []);
  const effects = state.apply(msg(2, "lobby", "bob", "@ann look"));
  assertEquals(effects, [{
    kind: "notify",
    title: "bob in #lobby",
    body: "@ann look",
    conversation: "#lobby",
  }]);
  assertEquals(state.totals(), { unread: 2, mentions: 1 });
  state.setHidden(false);
  assertEquals(state.totals(), { unread: 0, mentions: 0 });
});

Deno.test("history is shown once: a catch-up repeating a seq adds nothing", () => {
  const state = newState();
  state.apply(welcome("ann", [
    {
      name: "lobby",
      members: ["ann"],
      history: [msg(1, "lobby", "bob", "a"), msg(2, "lobby", "bob", "b")],
    },
  ]));
  state.apply(welcome("ann", [
    {
      name: "lobby",
      members: ["ann"],
      history: [msg(2, "lobby", "bob", "b"), msg(3, "lobby", "bob", "c")],
    },
  ]));
  assertEquals(messages(state, "#lobby").map((m) => m.text), ["a", "b", "c"]);
  assertEquals(messages(state, "#lobby").map((m) => m.history), [
    true,
    true,
    false,
  ]);
});

Deno.test("an own line is pending, then ✓ on the ack, then ✓✓ n/m on delivered", () => {
  const state = newState();
  state.apply(welcome("ann", [{ name: "lobby", members: ["ann", "bob"] }]));
  const { frames } = state.type("hello there");
  assertEquals(frames, [{
    type: "msg",
    id: "p-1",
    text: "hello there",
    room: "lobby",
  }]);
  const [line] = messages(state, "#lobby");
  assertEquals(line!.tick, { state: "pending" });
  state.apply({ type: "ack", id: "p-1", ts: 5, seq: 7 });
  assertEquals(line!.tick, { state: "acked" });
  assertEquals(line!.seq, 7);
  state.apply({ type: "delivered", id: "p-1", count: 1, of: 1 });
  assertEquals(line!.tick, { state: "delivered", count: 1, of: 1 });
  assertEquals(state.unanswered, 0);
});

Deno.test("lines not answered are sent again with their ids after a reconnect", () => {
  const state = newState();
  state.apply(
    welcome("ann", [{ name: "lobby", members: ["ann"] }, {
      name: "games",
      members: ["ann"],
    }]),
  );
  state.type("one");
  state.view("#games");
  state.type("two");
  state.apply({ type: "ack", id: "p-1", ts: 5, seq: 3 });
  assertEquals(state.resends(), [{
    type: "msg",
    id: "p-2",
    text: "two",
    room: "games",
  }]);
});

Deno.test("a line sent before a restart and shown by the catch-up is not shown twice", () => {
  const state = newState();
  state.apply(welcome("ann", [{ name: "lobby", members: ["ann"] }]));
  state.type("survive");
  // The server stored it, then restarted before the ack reached the page.
  state.apply(
    welcome("ann", [{
      name: "lobby",
      members: ["ann"],
      history: [msg(8, "lobby", "ann", "survive")],
    }]),
  );
  state.apply({ type: "ack", id: "p-1", ts: 5, seq: 8 });
  const lines = messages(state, "#lobby");
  assertEquals(lines.map((m) => m.text), ["survive"]);
});

Deno.test("a refused line gets ✗ and the reason is shown where it was typed", () => {
  const state = newState();
  state.apply(welcome("ann", [{ name: "lobby", members: ["ann"] }]));
  state.type("/frob");
  state.type("hi");
  state.apply({
    type: "error",
    code: "unknown-command",
    message: "Unknown command",
    id: "p-1",
  });
  state.apply({
    type: "error",
    code: "storage",
    message: "disk full",
    id: "p-2",
  });
  const entries = state.conversations.get("#lobby")!.entries;
  assertEquals(entries.map((e) => e.kind), ["message", "problem", "problem"]);
  assertEquals((entries[0] as MessageEntry).tick, {
    state: "refused",
    why: "disk full",
  });
});

Deno.test("a line in a private conversation becomes /msg and the server's copy is not shown twice", () => {
  const state = newState();
  state.apply(welcome("ann", [{ name: "lobby", members: ["ann", "Bob"] }]));
  state.openPrivate("Bob");
  const { frames } = state.type("psst");
  assertEquals(frames, [{
    type: "msg",
    id: "p-1",
    text: "/msg Bob psst",
    room: "lobby",
  }]);
  state.apply({ type: "pm", from: "ann", to: "Bob", text: "psst", ts: 3 });
  state.apply({ type: "ack", id: "p-1", ts: 4 });
  state.apply({ type: "pm", from: "bob", to: "ann", text: "yes?", ts: 5 });
  const lines = messages(state, "@bob");
  assertEquals(lines.map((m) => [m.from, m.text, m.tick?.state]), [
    ["ann", "psst", "acked"],
    ["bob", "yes?", undefined],
  ]);
});

Deno.test("a private message from someone opens a conversation that counts as a mention", () => {
  const state = newState();
  state.apply(welcome("ann", [{ name: "lobby", members: ["ann", "bob"] }]));
  state.apply({ type: "pm", from: "bob", to: "ann", text: "hey", ts: 3 });
  const pm = state.conversations.get("@bob")!;
  assertEquals([pm.unread, pm.mentions], [1, 1]);
  assertEquals([...state.conversations.keys()], ["#lobby", "#games", "@bob"]);
});

Deno.test("presence: joins, parts, nick changes, away and quits keep the members and are shown once each", () => {
  const state = newState();
  state.apply(welcome("ann", [
    { name: "lobby", members: ["ann", "bob"] },
    { name: "games", members: ["ann", "bob"] },
  ]));
  state.apply({
    type: "event",
    event: "join",
    nick: "cy",
    room: "lobby",
    ts: 1,
  });
  state.apply({ type: "event", event: "nick", nick: "bob", to: "rob", ts: 2 });
  state.apply({
    type: "event",
    event: "away",
    nick: "rob",
    reason: "lunch",
    ts: 3,
  });
  state.apply({
    type: "event",
    event: "part",
    nick: "cy",
    room: "lobby",
    reason: "bye",
    ts: 4,
  });
  assertEquals(state.conversations.get("#lobby")!.members, ["ann", "rob"]);
  assertEquals(state.away.get("rob"), "lunch");
  const texts = state.conversations.get("#games")!.entries.map((e) =>
    e.kind === "message" ? "" : plain(e.text)
  );
  assertEquals(texts, ["bob is now known as rob", "rob is away: lunch"]);
  state.apply({ type: "event", event: "quit", nick: "rob", ts: 5 });
  assertEquals(state.conversations.get("#games")!.members, ["ann"]);
});

Deno.test("a topic event sets the room's topic; joined adds a room and shows it", () => {
  const state = newState();
  state.apply(welcome("ann", [{ name: "lobby", members: ["ann"] }]));
  state.apply({
    type: "event",
    event: "topic",
    nick: "bob",
    room: "lobby",
    reason: "<b>hi</b>",
    ts: 1,
  });
  assertEquals(state.conversations.get("#lobby")!.topic, "<b>hi</b>");
  state.apply({
    type: "joined",
    name: "dev",
    topic: "code",
    members: ["ann"],
    history: [],
  });
  assertEquals(state.viewing, "#dev");
  assertEquals(state.rooms, ["lobby", "dev"]);
  state.apply({
    type: "event",
    event: "part",
    nick: "ann",
    room: "dev",
    ts: 2,
  });
  assertEquals(state.rooms, ["lobby"]);
  assertEquals(state.viewing, "#lobby");
  assertEquals(state.conversations.get("#dev")!.joined, false);
});

Deno.test("a taken nick takes the server's suggestion; a wrong password asks again and forgets it", () => {
  const state = newState();
  state.password = "wrong";
  assertEquals(
    state.apply({
      type: "error",
      code: "nick-taken",
      message: "taken",
      suggest: "ann2",
    }),
    [{ kind: "hello" }],
  );
  assertEquals(state.nick, "ann2");
  assertEquals(
    state.apply({ type: "error", code: "password", message: "Wrong password" }),
    [{ kind: "password", problem: "Wrong password; try again" }],
  );
  assertEquals(state.password, undefined);
  state.password = "right";
  const hello = state.hello();
  assertEquals(hello.type === "hello" && [hello.nick, hello.password], [
    "ann2",
    "right",
  ]);
});

Deno.test("a ban is final; a shutdown is not", () => {
  const state = newState();
  assertEquals(state.apply({ type: "bye", reason: "Banned", code: "banned" }), [
    { kind: "final", reason: "Banned" },
  ]);
  assertEquals(
    state.apply({ type: "bye", reason: "Bye", code: "shutdown" }),
    [],
  );
});

Deno.test("/switch, /clear and /quit are the page's own", () => {
  const state = newState();
  state.apply(
    welcome("ann", [{ name: "lobby", members: ["ann"] }, {
      name: "games",
      members: ["ann"],
    }]),
  );
  assertEquals(state.type("/switch #games").frames, []);
  assertEquals(state.viewing, "#games");
  state.type("hi");
  state.type("/clear");
  assertEquals(state.current()!.entries, []);
  assertEquals(state.type("/quit gone"), {
    frames: [{ type: "quit", reason: "gone" }],
    effect: { kind: "quit" },
  });
});

Deno.test("a line over the server's limits is not sent", () => {
  const limits = limitDefaults(PROTOCOL_LIMITS);
  assert(
    lineProblem("x".repeat(limits.textChars + 1), limits)?.includes(
      "characters",
    ),
  );
  assertEquals(lineProblem("😀".repeat(limits.textChars), limits), undefined);
  const state = newState();
  state.apply(welcome("ann", [{ name: "lobby", members: ["ann"] }]));
  const typed = state.type("y".repeat(limits.textChars + 1));
  assertEquals(typed.frames, []);
  assert(typed.problem !== undefined);
  assertEquals(state.unanswered, 0);
});

Deno.test("a line typed in a room the person left, or /me in a private conversation, is not sent", () => {
  const state = newState();
  state.apply(
    welcome("ann", [{ name: "lobby", members: ["ann"] }, {
      name: "games",
      members: ["ann"],
    }]),
  );
  state.apply({
    type: "event",
    event: "part",
    nick: "ann",
    room: "games",
    ts: 1,
  });
  state.view("#games");
  assertEquals(state.viewing, "#games");
  const typed = state.type("still here?");
  assertEquals(typed.frames, []);
  assertEquals(typed.problem, "You left #games: /join games to talk here");
  state.openPrivate("bob");
  assertEquals(state.type("/me waves").frames, []);
  assertEquals(state.type("/who").frames, [{
    type: "msg",
    id: "p-1",
    text: "/who",
    room: "lobby",
  }]);
});
