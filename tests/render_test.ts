// deno-lint-ignore-file no-control-regex
import { assert, assertEquals, assertMatch } from "./assert.ts";
import {
  clock,
  mentions,
  nickColor,
  renderFrame,
} from "../lib/shared/render.ts";

const ts = new Date(2026, 0, 2, 9, 5).getTime();
const plain = { color: false };

Deno.test("messages render with local time and nick; history and actions are marked", () => {
  const msg = {
    type: "msg" as const,
    seq: 1,
    room: "lobby",
    from: "ann",
    text: "hi",
    ts,
  };
  assertEquals(renderFrame(msg, plain), "[09:05] <ann> hi");
  assertEquals(
    renderFrame({ ...msg, history: true }, plain),
    "[09:05] (history) <ann> hi",
  );
  assertEquals(renderFrame({ ...msg, me: true }, plain), "[09:05] * ann hi");
});

Deno.test("private messages show who they are from, or whom they went to", () => {
  const pm = { type: "pm" as const, from: "ann", to: "bob", text: "psst", ts };
  assertEquals(
    renderFrame(pm, { color: false, self: "bob" }),
    "[09:05] *ann* psst",
  );
  assertEquals(
    renderFrame(pm, { color: false, self: "ann" }),
    "[09:05] -> *bob* psst",
  );
});

Deno.test("a notice (IRC's NOTICE) shows as -nick-, in a room and in private", () => {
  const msg = {
    type: "msg" as const,
    seq: 1,
    room: "lobby",
    from: "ann",
    text: "deploy done",
    ts,
    notice: true,
  };
  assertEquals(renderFrame(msg, plain), "[09:05] -ann- deploy done");
  const pm = {
    type: "pm" as const,
    from: "ann",
    to: "bob",
    text: "psst",
    ts,
    notice: true,
  };
  assertEquals(
    renderFrame(pm, { color: false, self: "bob" }),
    "[09:05] -ann- psst",
  );
  assertEquals(
    renderFrame(pm, { color: false, self: "ann" }),
    "[09:05] -> -bob- psst",
  );
});

Deno.test("events read as sentences", () => {
  const base = { type: "event" as const, nick: "ann", room: "lobby", ts };
  assertEquals(
    renderFrame({ ...base, event: "join" }, plain),
    "[09:05] -- ann joined #lobby",
  );
  assertEquals(
    renderFrame({ ...base, event: "nick", to: "anna" }, plain),
    "[09:05] -- ann is now known as anna",
  );
  assertEquals(
    renderFrame({ ...base, event: "quit", reason: "bye" }, plain),
    "[09:05] -- ann quit (bye)",
  );
  assertEquals(
    renderFrame({ ...base, event: "away", reason: "lunch" }, plain),
    "[09:05] -- ann is away: lunch",
  );
});

Deno.test("ticks render as the original's Message Received", () => {
  assertEquals(
    renderFrame({ type: "delivered", id: "x", count: 2, of: 3 }, plain),
    "Message Received ✓✓ 2/3",
  );
  assertEquals(renderFrame({ type: "ack", id: "x", ts }, plain), undefined);
});

Deno.test("rendering strips escapes a hostile server might send", () => {
  const line = renderFrame({
    type: "msg",
    seq: 1,
    room: "r",
    from: "e\x1b[2Jvil",
    text: "\x1b]0;x\x07hi\u202e",
    ts,
  }, plain)!;
  assert(!/[\x00-\x1f\x7f-\x9f\u202e]/.test(line), JSON.stringify(line));
});

Deno.test("colour is used only when asked for", () => {
  const msg = {
    type: "msg" as const,
    seq: 1,
    room: "lobby",
    from: "ann",
    text: "hi bob",
    ts,
  };
  assert(!renderFrame(msg, plain)!.includes("\x1b"));
  assertMatch(
    renderFrame(msg, { color: true, self: "bob" })!,
    /\x1b\[1mhi bob/,
  );
});

Deno.test("a nick always gets the same colour, whatever its case", () => {
  assertEquals(nickColor("Ann"), nickColor("ann"));
});

Deno.test("mentions match the nick as a word", () => {
  assert(mentions("hey @Bob, look", "bob"));
  assert(mentions("bob", "bob"));
  assert(!mentions("bobby tables", "bob"));
  assert(mentions("ask x-y now", "x-y"));
});

Deno.test("clock pads hours and minutes", () => {
  assertEquals(clock(new Date(2026, 0, 1, 7, 3).getTime()), "[07:03]");
});
