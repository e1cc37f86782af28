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
