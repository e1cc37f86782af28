/**
 * What a line typed on the web page comes to, without a browser: refused
 * before sending (and why), shown at once where it goes, cleaned as the
 * server cleans it, with the same ticks whichever way a private message is
 * typed.
 */

import { assert, assertEquals } from "./assert.ts";
import { limitDefaults, PROTOCOL_LIMITS } from "../lib/shared/limits.ts";
import type { ServerFrame } from "../lib/shared/protocol.ts";
import { ChatState } from "../web/chat_state.ts";
import type { MessageEntry } from "../web/conversation.ts";
import {
  lineProblem,
  PAGE_HELP,
  readLine,
  TABLE_COMMANDS,
} from "../web/typed_line.ts";

const LIMITS = limitDefaults(PROTOCOL_LIMITS);

function welcomed(): ChatState {
  const state = new ChatState({
    nick: "ann",
    rooms: ["lobby", "games"],
    clientToken: "token",
    idPrefix: "p",
    now: () => 1_700_000_000_000,
  });
  state.apply({
    type: "welcome",
    v: 3,
    banner: "Welcome to LoChat!",
    server: "box",
    nick: "ann",
    room: "lobby",
    history: [],
    rooms: [
      { name: "lobby", members: ["ann", "bob"], history: [] },
      { name: "games", members: ["ann", "bob"], history: [] },
    ],
  });
  return state;
}

function messages(state: ChatState, key: string): MessageEntry[] {
  return (state.conversations.get(key)?.entries ?? []).filter((
    e,
  ): e is MessageEntry => e.kind === "message");
}

function pm(from: string, to: string, text: string): ServerFrame {
  return { type: "pm", from, to, text, ts: 1_700_000_000_500 };
}

Deno.test("a line over the limit, or blank once cleaned, is refused before sending: nothing is shown, sent or left waiting", () => {
  const state = welcomed();
  for (
    const line of [
      "x".repeat(2250),
      `/me ${"x".repeat(2001)}`,
      `/msg bob ${"x".repeat(2001)}`,
      `/w bob ${"x".repeat(2001)}`,
      "\u200b\u200b",
    ]
  ) {
    const typed = state.type(line);
    assertEquals(typed.frames, [], line.slice(0, 12));
    assert(typed.problem !== undefined, line.slice(0, 12));
  }
  assertEquals(
    state.type("x".repeat(2250)).problem,
    "The message is 2250 characters; the limit is 2000. Split it into several messages",
  );
  assertEquals(messages(state, "#lobby"), []);
  assertEquals(state.conversations.get("@bob"), undefined);
  assertEquals(state.unanswered, 0);
});

Deno.test("the length is counted as the server counts it: after cleaning", () => {
  const invisible = "\u200b".repeat(10);
  assertEquals(
    lineProblem(`${"x".repeat(LIMITS.textChars)}${invisible}`, LIMITS),
    undefined,
  );
  assertEquals(lineProblem("😀".repeat(LIMITS.textChars), LIMITS), undefined);
});

Deno.test("/switch to a room the person is not in, or /query without a nick, is refused with the usage", () => {
  const context = {
    here: undefined,
    limits: LIMITS,
    commands: TABLE_COMMANDS,
    lastPrivateFrom: undefined,
    rooms: ["lobby"],
  };
  assertEquals(readLine("/switch games", context), {
    kind: "refused",
    problem: "You are not in #games: /join games joins it",
  });
  assertEquals(readLine("/query", context), {
    kind: "refused",
    problem: "Usage: /query NICK",
  });
  assertEquals(readLine("/exit bye", context), {
    kind: "local",
    command: "quit",
    reason: "bye",
  });
});

Deno.test("/msg NICK TEXT typed in a room shows the line in the private conversation and it gets ✓, as a line typed there does", () => {
  const state = welcomed();
  // Typed in #lobby, by the command and by an alias.
  const fromRoom = state.type("/msg Bob from the room");
  assertEquals(fromRoom.frames, [{
    type: "msg",
    id: "p-1",
    text: "/msg Bob from the room",
    room: "lobby",
  }]);
  state.type("/w bob by an alias");
  // Typed in the conversation itself.
  state.openPrivate("bob");
  state.type("from the conversation");
  assertEquals(
    messages(state, "@bob").map((m) => [m.text, m.tick?.state]),
    [
      ["from the room", "pending"],
      ["by an alias", "pending"],
      ["from the conversation", "pending"],
    ],
  );
  // What the server sends for each: its copy of the pm, then the ack (no seq, no delivered).
  for (
    const [id, text] of [
      ["p-1", "from the room"],
      ["p-2", "by an alias"],
      ["p-3", "from the conversation"],
    ] as const
  ) {
    state.apply(pm("ann", "bob", text));
    state.apply({ type: "ack", id, ts: 1_700_000_000_600 });
  }
  assertEquals(
    messages(state, "@bob").map((m) => [m.text, m.tick?.state]),
    [
      ["from the room", "acked"],
      ["by an alias", "acked"],
      ["from the conversation", "acked"],
    ],
  );
  assertEquals(messages(state, "#lobby"), []);
  assertEquals(state.unanswered, 0);
  // A server that says whom a private message reached gets it ✓✓ either way.
  state.apply({ type: "delivered", id: "p-1", count: 1, of: 1 });
  state.apply({ type: "delivered", id: "p-3", count: 1, of: 1 });
  assertEquals(
    messages(state, "@bob").map((m) => m.tick?.state),
    ["delivered", "acked", "delivered"],
  );
});

Deno.test("a /msg the server refuses gets ✗ in the private conversation, and the reason where it was typed", () => {
  const state = welcomed();
  state.type("/msg zed hello?");
  state.apply({
    type: "error",
    code: "no-such-nick",
    message: 'No one is called "zed"',
    id: "p-1",
  });
  assertEquals(messages(state, "@zed")[0]!.tick, {
    state: "refused",
    why: 'No one is called "zed"',
  });
  const lobby = state.conversations.get("#lobby")!.entries;
  assertEquals(lobby.map((e) => e.kind), ["problem"]);
});

Deno.test("/reply answers the last person who wrote: the line shows in that conversation, which is read by answering", () => {
  const state = welcomed();
  assertEquals(state.type("/r nobody wrote").frames.length, 1);
  assertEquals(state.conversations.get("@bob"), undefined);
  state.apply(pm("bob", "ann", "lunch?"));
  state.apply(pm("bob", "ann", "at noon?"));
  assertEquals(state.conversations.get("@bob")!.unread, 2);
  state.view("#games");
  state.type("/r yes, noon");
  const bob = state.conversations.get("@bob")!;
  assertEquals([bob.unread, bob.mentions], [0, 0]);
  assertEquals(state.totals(), { unread: 0, mentions: 0 });
  assertEquals(messages(state, "@bob").at(-1)!.text, "yes, noon");
  assertEquals(state.viewing, "#games");
});

Deno.test("the person's own line is shown cleaned as the server cleans it, and the server's copy matches it", () => {
  const state = welcomed();
  state.type("\u202eevil override");
  state.type("zero\u200bwidth");
  state.type("/me waves\u202e");
  assertEquals(messages(state, "#lobby").map((m) => m.text), [
    "evil override",
    "zerowidth",
    "waves",
  ]);
  state.openPrivate("bob");
  state.type("\u2066psst\u2069");
  state.apply(pm("ann", "bob", "psst"));
  assertEquals(messages(state, "@bob").map((m) => m.text), ["psst"]);
  // What others send is cleaned again on the page.
  state.apply({
    type: "msg",
    seq: 9,
    room: "lobby",
    from: "bob",
    text: "gnp\u202e.exe",
    ts: 1,
  });
  assertEquals(messages(state, "#lobby").at(-1)!.text, "gnp.exe");
});

Deno.test("the answer to /help ends with the page's own keys, Escape then Tab among them", () => {
  const state = welcomed();
  state.type("/help");
  state.apply({
    type: "reply",
    cmd: "help",
    text: "Commands: /help …",
    id: "p-1",
  });
  const texts = state.conversations.get("#lobby")!.entries.map((e) =>
    e.kind === "message" ? "" : e.text
  );
  assertEquals(texts, ["Commands: /help …", PAGE_HELP]);
  assert(PAGE_HELP.includes("Escape, then Tab, leaves the message box"));
});

Deno.test("leading and trailing spaces are not sent: a command typed after a space is a command", () => {
  const state = welcomed();
  assertEquals(state.type("  /who  ").frames, [{
    type: "msg",
    id: "p-1",
    text: "/who",
    room: "lobby",
  }]);
  assertEquals(messages(state, "#lobby"), []);
});
