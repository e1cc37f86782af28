import { assert, assertEquals } from "./assert.ts";
import type { ChatClient } from "../lib/client/chat_client.ts";
import { inOrder, JoinedRooms, OWN_KEPT } from "../lib/client/joined_rooms.ts";
import type { ChatMessage, RoomState } from "../lib/shared/protocol.ts";

/** A connection as JoinedRooms reads it: the server's rooms, in its order. */
function arrival(
  joined: string[],
  history: ChatMessage[] = [],
): ChatClient {
  const rooms: RoomState[] = joined.map((name) => ({
    name,
    members: ["ann"],
    history: history.filter((m) => m.room === name),
  }));
  return {
    nick: "ann",
    version: 3,
    room: joined[0],
    joined,
    rooms,
  } as unknown as ChatClient;
}

const said = (seq: number, room: string, from: string, text: string) => ({
  seq,
  room,
  from,
  text,
  ts: 0,
});

Deno.test("the rooms keep the order they were joined in across reconnects, whatever order the reconnect asks for them in", () => {
  const told: string[][] = [];
  const rooms = new JoinedRooms(
    ["lobby", "games"],
    (_current, joined) => told.push([...joined]),
  );
  rooms.arrived(arrival(["lobby", "games"]));
  rooms.follow(
    { type: "joined", name: "dev", members: ["ann"], history: [] },
    arrival(["lobby", "games", "dev"]),
  );
  rooms.cycle(-1); // #games is current
  assertEquals(rooms.current, "games");
  // The reconnect asks for the current room first; the server answers so.
  assertEquals(rooms.wanted(true), ["games", "lobby", "dev"]);
  rooms.arrived(arrival(["games", "lobby", "dev"]));
  assertEquals(rooms.joined, ["lobby", "games", "dev"]);
  assertEquals(told.at(-1), ["lobby", "games", "dev"], "the view is told so");
  assertEquals(rooms.current, "games");
  // Alt-1 is still #lobby.
  rooms.select(1);
  assertEquals(rooms.current, "lobby");
});

Deno.test("rooms the server says we are in that the session did not know come last; rooms it left out go", () => {
  assertEquals(
    inOrder(["lobby", "games", "dev"], ["dev", "news", "lobby"]),
    ["lobby", "dev", "news"],
  );
});

Deno.test("after a reconnect the catch-up does not show the person's own acknowledged lines again", () => {
  const rooms = new JoinedRooms(["lobby"], () => {});
  rooms.arrived(arrival(["lobby"], [said(1, "lobby", "bob", "before")]));
  rooms.acknowledged(2);
  rooms.acknowledged(4);
  const back = arrival(["lobby"], [
    said(2, "lobby", "ann", "mine"),
    said(3, "lobby", "bob", "theirs"),
    said(4, "lobby", "ann", "mine again"),
    said(5, "lobby", "ann", "said elsewhere, not acked here"),
  ]);
  rooms.arrived(back);
  assertEquals(back.rooms[0]!.history.map((m) => m.text), [
    "theirs",
    "said elsewhere, not acked here",
  ]);
  // What was filtered out still counts as seen.
  assertEquals(rooms.since(), { lobby: 5 });
});

Deno.test("a line the server had but whose ack was lost (sent again after the reconnect) is not shown as missed either", () => {
  const rooms = new JoinedRooms(["lobby"], () => {});
  const back = arrival(["lobby"], [
    said(7, "lobby", "ann", "in flight"),
    said(8, "lobby", "bob", "theirs"),
  ]);
  rooms.arrived(back, (m) => m.from === "ann" && m.text === "in flight");
  assertEquals(back.rooms[0]!.history.map((m) => m.text), ["theirs"]);
});

Deno.test("the person's own acknowledged lines are remembered up to a bound", () => {
  const rooms = new JoinedRooms(["lobby"], () => {});
  for (let seq = 1; seq <= OWN_KEPT + 10; seq++) rooms.acknowledged(seq);
  const back = arrival(["lobby"], [
    said(1, "lobby", "ann", "forgotten"),
    said(OWN_KEPT + 10, "lobby", "ann", "remembered"),
  ]);
  rooms.arrived(back);
  assertEquals(back.rooms[0]!.history.map((m) => m.text), ["forgotten"]);
});

Deno.test("in no room is known only once the rooms are known", () => {
  const rooms = new JoinedRooms([], () => {});
  assert(!rooms.inNoRoom, "before the first welcome, the server's lobby");
  rooms.arrived(arrival(["lobby"]));
  rooms.follow(
    { type: "event", event: "part", nick: "ann", room: "lobby", ts: 0 },
    arrival([]),
  );
  assert(rooms.inNoRoom);
});
