import { assertEquals } from "./assert.ts";
import { JsonView, PlainView } from "../lib/client/script_views.ts";
import type { ChatClient } from "../lib/client/chat_client.ts";

function streams() {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    streams: {
      out: (l: string) => out.push(l),
      err: (l: string) => err.push(l),
    },
  };
}

const client = {
  nick: "ann",
  room: "lobby",
  notices: [],
  welcome: {
    type: "welcome",
    v: 1,
    banner: "Welcome to LoChat!",
    server: "s",
    nick: "ann",
    room: "lobby",
    history: [{ seq: 1, room: "lobby", from: "bob", text: "earlier", ts: 0 }],
  },
  rooms: [{
    name: "lobby",
    members: ["ann", "bob"],
    history: [{ seq: 1, room: "lobby", from: "bob", text: "earlier", ts: 0 }],
  }],
} as unknown as ChatClient;

Deno.test("plain view: chat on stdout without ticks, refusals on stderr", () => {
  const { out, err, streams: s } = streams();
  const view = new PlainView(s);
  view.connected(client, false);
  view.frame({ type: "ack", id: "1", ts: 0 }, client);
  view.frame({ type: "delivered", id: "1", count: 1, of: 1 }, client);
  view.frame({
    type: "error",
    code: "bad-args",
    message: "Usage: /nick NEW",
    id: "2",
  }, client);
  assertEquals(out.length, 2);
  assertEquals(
    out[0],
    "You are ann in #lobby on s. Type to chat; /help lists commands.",
  );
  assertEquals(out[1]!.endsWith("(history) <bob> earlier"), true);
  assertEquals(err, [
    "lochat-client: the server refused a line: Usage: /nick NEW",
  ]);
});

Deno.test("quiet view prints nothing but refusals", () => {
  const { out, err, streams: s } = streams();
  const view = new PlainView(s, { quiet: true });
  view.connected(client, false);
  view.frame({ type: "pong" }, client);
  view.frame({ type: "error", code: "internal", message: "boom" }, client);
  assertEquals([out, err.length], [[], 1]);
});

Deno.test("json view: every frame as one JSON line", () => {
  const { out, streams: s } = streams();
  const view = new JsonView(s);
  view.connected(client);
  view.frame({ type: "delivered", id: "1", count: 1, of: 2 });
  assertEquals(out.map((l) => JSON.parse(l).type), ["welcome", "delivered"]);
});
