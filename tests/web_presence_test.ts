/**
 * Presence on the web page, without a browser: people's text in the lines
 * the page composes is isolated, a private conversation knows whether the
 * other person is still here, and who is here is known only while
 * connected.
 */

import { assertEquals } from "./assert.ts";
import type { ServerFrame } from "../lib/shared/protocol.ts";
import { ChatState } from "../web/chat_state.ts";
import { piece, plain, segments } from "../web/user_text.ts";

function welcomed(): ChatState {
  const state = new ChatState({
    nick: "ann",
    rooms: ["lobby"],
    clientToken: "token",
    idPrefix: "p",
    now: () => 1_700_000_000_000,
  });
  state.apply(welcome());
  return state;
}

function welcome(): ServerFrame {
  return {
    type: "welcome",
    v: 3,
    banner: "Welcome to LoChat!",
    server: "box",
    nick: "ann",
    room: "lobby",
    history: [],
    rooms: [{ name: "lobby", members: ["ann", "bob"], history: [] }],
  };
}

function lastText(state: ChatState, key: string): string | undefined {
  const last = state.conversations.get(key)?.entries.at(-1);
  return last === undefined || last.kind === "message" ? undefined : last.text;
}

Deno.test("each piece of people's text in a presence line is isolated, so it cannot reorder the words around it", () => {
  const state = welcomed();
  state.apply({
    type: "event",
    event: "away",
    nick: "bob",
    reason: "\u05e9\u05dc\u05d5\u05dd (lunch)",
    ts: 1,
  });
  const text = lastText(state, "#lobby")!;
  assertEquals(
    text,
    `${piece("bob")} is away: ${piece("\u05e9\u05dc\u05d5\u05dd (lunch)")}`,
  );
  assertEquals(segments(text), [
    { text: "bob", isolated: true },
    { text: " is away: ", isolated: false },
    { text: "\u05e9\u05dc\u05d5\u05dd (lunch)", isolated: true },
  ]);
  // A reason cannot smuggle in an override or an isolate of its own.
  state.apply({
    type: "event",
    event: "topic",
    nick: "bob",
    room: "lobby",
    reason: "a\u2069\u202eb",
    ts: 2,
  });
  assertEquals(plain(lastText(state, "#lobby")!), "bob set the topic: ab");
});

Deno.test("the server's quoted pieces stay isolated; marks that do not pair up are dropped", () => {
  assertEquals(segments("plain"), [{ text: "plain", isolated: false }]);
  assertEquals(segments('"\u2068\u05d0\u2069" is not a valid nick'), [
    { text: '"', isolated: false },
    { text: "\u05d0", isolated: true },
    { text: '" is not a valid nick', isolated: false },
  ]);
  assertEquals(segments("x\u2069y\u2068z"), [{ text: "xyz", isolated: false }]);
});

Deno.test("a private conversation has the other person in it until they quit, and follows their nick", () => {
  const state = welcomed();
  state.openPrivate("bob");
  assertEquals(state.conversations.get("@bob")!.members, ["bob"]);
  state.apply({ type: "event", event: "nick", nick: "bob", to: "rob", ts: 1 });
  const pm = state.conversations.get("@rob")!;
  assertEquals([pm.name, pm.members], ["rob", ["rob"]]);
  assertEquals(state.viewing, "@rob");
  state.apply({ type: "event", event: "quit", nick: "rob", ts: 2 });
  assertEquals(pm.members, []);
  assertEquals(plain(lastText(state, "@rob")!), "rob quit");
  state.apply({
    type: "event",
    event: "join",
    nick: "rob",
    room: "lobby",
    ts: 3,
  });
  assertEquals(pm.members, ["rob"]);
});

Deno.test("who is here is current only while connected: offline from the drop until the next welcome", () => {
  const state = welcomed();
  assertEquals(state.online, true);
  state.disconnected();
  assertEquals(state.online, false);
  state.apply(welcome());
  assertEquals(state.online, true);
});
