import { assertEquals } from "./assert.ts";
import { RoomActivity } from "../lib/client/room_activity.ts";

Deno.test("/rooms lists the rooms joined first, in the order joined, with their Alt numbers ascending, then the others", () => {
  const activity = new RoomActivity();
  activity.rooms("dev", ["lobby", "games", "dev"]);
  activity.said("games", true);
  // The server lists rooms by name.
  const list = activity.roomList([
    { name: "dev", members: 2 },
    { name: "games", members: 2 },
    { name: "lobby", members: 3 },
    { name: "news", members: 0, topic: "read only" },
  ]);
  assertEquals(list.split("\n").slice(1), [
    "1  #lobby (3)",
    "2  #games (2) [1 unread, 1 for you]",
    "3> #dev (2)",
    "   #news (0): read only",
  ]);
});

Deno.test("/rooms numbers the tenth room joined 0, as Alt-0 switches to it, and the rooms after it not at all", () => {
  const joined = Array.from({ length: 11 }, (_, i) => `r${i + 1}`);
  const activity = new RoomActivity();
  activity.rooms("r1", joined);
  const list = activity.roomList(
    joined.map((name) => ({ name, members: 1 })).reverse(),
  );
  assertEquals(list.split("\n").slice(-2), ["0  #r10 (1)", "   #r11 (1)"]);
});
