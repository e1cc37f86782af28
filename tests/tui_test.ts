import { assertEquals } from "./assert.ts";
import { LineEditor } from "../lib/client/line_editor.ts";
import { Screen } from "../lib/client/screen.ts";

function setup(columns = 40, rows = 10) {
  const writes: string[] = [];
  const editor = new LineEditor();
  const screen = new Screen({
    io: {
      write: (t) => writes.push(t),
      columns: () => columns,
      rows: () => rows,
    },
    editor,
    prompt: () => "> ",
  });
  return { writes, editor, screen };
}

Deno.test("printing clears the prompt line, writes above it and redraws the half-typed text", () => {
  const { writes, editor, screen } = setup();
  editor.insert("half");
  screen.print("hello");
  assertEquals(writes.at(-1), "\r\x1b[2Khello\r\n\r\x1b[2K> half\x1b[7G");
});

Deno.test("a tick is written in place while its line is still on screen", () => {
  const { writes, screen } = setup();
  screen.printOwn("id1", "<ann> hi", " …");
  screen.print("other");
  screen.tick("id1", " ✓", { final: false });
  // Two rows up (past "other" to "<ann> hi"), column 9, then back down.
  assertEquals(
    writes.at(-1),
    "\x1b[2A\x1b[9G ✓\x1b[K\x1b[2B\r\x1b[2K> \x1b[3G",
  );
  screen.tick("id1", " ✓✓ 1/1", { final: true });
  assertEquals(
    screen.tick("id1", "x", { final: true }),
    false,
    "a final tick forgets the spot",
  );
});

Deno.test("a tick for a line scrolled off screen is not written", () => {
  const { writes, screen } = setup(40, 3);
  screen.printOwn("id1", "<ann> hi", " …");
  for (let i = 0; i < 5; i++) screen.print(`line ${i}`);
  const before = writes.length;
  assertEquals(screen.tick("id1", " ✓", { final: true }), false);
  assertEquals(writes.length, before);
});

Deno.test("wrapped lines count as the rows they take", () => {
  const { writes, screen } = setup(30, 20);
  screen.printOwn("id1", "<ann> hi", " …");
  screen.print("x".repeat(70)); // three rows at 30 columns
  screen.tick("id1", " ✓", { final: true });
  assertEquals(writes.at(-1)!.startsWith("\x1b[4A"), true);
});
