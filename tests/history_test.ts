import { assertEquals } from "./assert.ts";
import { MemoryHistory } from "../lib/server/history.ts";

const message = (seq: number, room = "lobby") => ({
  seq,
  room,
  from: "ann",
  text: `m${seq}`,
  ts: seq,
});

Deno.test("memory history keeps each room's newest messages, oldest first", () => {
  const history = new MemoryHistory({ perRoom: 3 });
  for (let seq = 1; seq <= 10; seq++) {
    history.append(message(seq, seq % 2 === 0 ? "even" : "odd"));
  }
  assertEquals(history.recent("even", 10).map((m) => m.seq), [6, 8, 10]);
  assertEquals(history.recent("odd", 2).map((m) => m.seq), [7, 9]);
  assertEquals(history.recent("none", 5), []);
  assertEquals(history.lastSeq(), 10);
});

Deno.test("memory history pages back before a sequence number", () => {
  const history = new MemoryHistory({ perRoom: 100 });
  for (let seq = 1; seq <= 20; seq++) history.append(message(seq));
  assertEquals(history.recent("lobby", 5, 11).map((m) => m.seq), [
    6,
    7,
    8,
    9,
    10,
  ]);
  assertEquals(history.recent("lobby", 5, 3).map((m) => m.seq), [1, 2]);
});

Deno.test("memory history with no room for messages keeps none but counts them", () => {
  const history = new MemoryHistory({ perRoom: 0 });
  history.append(message(1));
  assertEquals(history.recent("lobby", 5), []);
  assertEquals(history.lastSeq(), 1);
});

Deno.test("in memory, rooms that come and go cannot grow the history without bound: the room written to longest ago is forgotten first", () => {
  const history = new MemoryHistory({ perRoom: 10, maxRooms: 3 });
  history.append(message(1, "a"));
  history.append(message(2, "b"));
  history.append(message(3, "c"));
  history.append(message(4, "a")); // a is busy again; b is now the quietest.
  history.append(message(5, "d"));
  assertEquals(
    ["a", "b", "c", "d"].map((room) => history.recent(room, 10).length),
    [2, 0, 1, 1],
  );
  for (let seq = 6; seq < 1006; seq++) history.append(message(seq, `r${seq}`));
  assertEquals(history.recent("r1005", 10).map((m) => m.seq), [1005]);
  assertEquals(history.recent("a", 10), [], "a room quiet for long forgotten");
});
