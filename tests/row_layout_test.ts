import { assert, assertEquals } from "./assert.ts";
import { FIXED_INDENT, layoutRows } from "../lib/client/row_layout.ts";
import { TerminalWidths } from "../lib/client/terminal_widths.ts";

const rows = (line: string, columns: number) =>
  layoutRows(line, columns, new TerminalWidths()).rows;

Deno.test("a long notice wraps between words, its continuation rows indented under the marker", () => {
  const notice =
    "! Cannot connect to 127.0.0.1:4444: connection refused. Is lochat-server running there? " +
    "Start lochat-server there (or `make server` in a checkout), or pass --host and --port";
  for (const columns of [30, 40, 57, 80]) {
    const cut = rows(notice, columns);
    assert(cut.length > 1, `${columns}: it wraps`);
    for (const row of cut) assert(row.length <= columns, row);
    for (const row of cut.slice(1)) {
      assert(/^ {2}\S/.test(row), `${columns}: indented under "! ": ${row}`);
    }
    // Each row ends where the notice had a space: joined by one, it is whole.
    assertEquals(cut.map((row) => row.trim()).join(" "), notice);
  }
});

Deno.test("a message wraps between words under its text", () => {
  assertEquals(rows("[12:00] <bob> the quick brown fox jumps", 30), [
    "[12:00] <bob> the quick brown",
    `${" ".repeat(14)}fox jumps`,
  ]);
});

Deno.test("a word longer than a row is cut where the row ends", () => {
  assertEquals(rows(`[12:00] <bob> a ${"x".repeat(30)}`, 30), [
    "[12:00] <bob> a",
    `${" ".repeat(14)}${"x".repeat(16)}`,
    `${" ".repeat(14)}${"x".repeat(14)}`,
  ]);
});

Deno.test("the spaces of the prefix are no place to wrap: a line without a space past it is cut", () => {
  assertEquals(rows("[12:00] <bob> abcdefghijklmnopqrstuvwxyz", 30), [
    "[12:00] <bob> abcdefghijklmnop",
    `${" ".repeat(14)}qrstuvwxyz`,
  ]);
  assertEquals(rows("no prefix and a looooooooooooong word", 20), [
    "no prefix and a",
    `${" ".repeat(FIXED_INDENT)}looooooooooooong`,
    `${" ".repeat(FIXED_INDENT)}word`,
  ]);
});

Deno.test("colours on at a word break end with the row and start again after the indent", () => {
  const cut = rows(`[12:00] <bob> \x1b[1mbold words go on and on\x1b[22m`, 30);
  assertEquals(cut, [
    "[12:00] <bob> \x1b[1mbold words go on\x1b[0m",
    `${" ".repeat(14)}\x1b[1mand on\x1b[22m`,
  ]);
});
