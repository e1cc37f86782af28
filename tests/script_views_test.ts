import { assertEquals } from "./assert.ts";
import { JsonView, PlainView } from "../lib/client/script_views.ts";
import type { ChatClient } from "../lib/client/chat_client.ts";
import type { ServerFrame } from "../lib/shared/protocol.ts";

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

/** ann's client on arrival: two rooms, topics, no backlog (none asked for). */
const arrived = {
  ...client,
  welcome: {
    ...client.welcome,
    v: 3,
    history: [],
    rooms: [
      { name: "lobby", topic: "hello", members: ["ann", "bob"], history: [] },
      { name: "games", members: ["ann"], history: [] },
    ],
  },
  rooms: [
    { name: "lobby", topic: "hello", members: ["ann", "bob"], history: [] },
    { name: "games", members: ["ann"], history: [] },
  ],
} as unknown as ChatClient;

const joined: ServerFrame = {
  type: "joined",
  name: "dev",
  topic: "builds",
  members: ["ann", "bob"],
  history: ["d1", "d2", "d3"].map((text, i) => ({
    seq: i + 10,
    room: "dev",
    from: "bob",
    text,
    ts: 0,
  })),
};

Deno.test("a piped client is quiet: no welcome, rooms, topics or backlog; others' lines, what it asked for and refusals show", () => {
  const { out, err, streams: s } = streams();
  const view = new PlainView(s);
  view.rooms("lobby");
  view.connected(arrived, false);
  assertEquals(out.length, 0, "no welcome, no 'Also in', no topics");
  view.frame({ type: "ack", id: "1", ts: 0 }, arrived);
  view.frame({ type: "delivered", id: "1", count: 1, of: 1 }, arrived);
  view.rooms("dev");
  view.frame(joined, arrived);
  assertEquals(out.length, 0, "a /join shows no description and no backlog");
  view.frame({
    type: "reply",
    cmd: "who",
    text: "In #dev (2): ann, bob",
  }, arrived);
  view.frame(
    { type: "msg", seq: 20, room: "dev", from: "bob", text: "hi", ts: 0 },
    arrived,
  );
  view.frame({ type: "bye", reason: "The server is shutting down" }, arrived);
  view.frame({
    type: "error",
    code: "bad-args",
    message: "Usage: /nick NEW",
    id: "2",
  }, arrived);
  assertEquals(out.map((line) => line.replace(/\[\d\d:\d\d\] /, "")), [
    "In #dev (2): ann, bob",
    "<bob> hi",
  ]);
  assertEquals(err, [
    "lochat-client: the server refused a line: Usage: /nick NEW",
  ]);
});

Deno.test("--send shows only what it asked for: a command's answer, the backlog of --history N", () => {
  const { out, err, streams: s } = streams();
  const view = new PlainView(s, { live: false, history: 2 });
  view.connected(arrived, false);
  view.frame(
    { type: "msg", seq: 20, room: "lobby", from: "bob", text: "hi", ts: 0 },
    arrived,
  );
  view.frame({ type: "event", event: "quit", nick: "bob", ts: 0 }, arrived);
  view.frame(joined, arrived);
  view.frame({ type: "reply", cmd: "who", text: "In #dev (2)" }, arrived);
  view.frame({ type: "error", code: "internal", message: "boom" }, arrived);
  assertEquals(out.map((line) => line.replace(/\[\d\d:\d\d\] /, "")), [
    "[#dev] (history) <bob> d2",
    "[#dev] (history) <bob> d3",
    "In #dev (2)",
  ]);
  assertEquals(err.length, 1);
});

Deno.test("after a reconnect a script's view shows what was missed, marked, and says how much more there was on stderr", () => {
  const { out, err, streams: s } = streams();
  const view = new PlainView(s);
  view.rooms("lobby");
  const back = {
    ...client,
    rooms: [{ ...client.rooms[0], more: 3 }],
  } as unknown as ChatClient;
  view.connected(back, true);
  assertEquals(out.length, 1);
  assertEquals(out[0]!.endsWith("(missed) <bob> earlier"), true, out[0]);
  assertEquals(err, [
    "lochat-client: 3 older messages of #lobby not shown; /history shows them",
  ]);
});

Deno.test("json view: every frame as one JSON line", () => {
  const { out, streams: s } = streams();
  const view = new JsonView(s);
  view.connected(client);
  view.frame({ type: "delivered", id: "1", count: 1, of: 2 });
  assertEquals(out.map((l) => JSON.parse(l).type), ["welcome", "delivered"]);
});
