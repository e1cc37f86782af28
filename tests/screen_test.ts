// deno-lint-ignore-file no-control-regex
import { assert, assertEquals } from "./assert.ts";
import { LineEditor } from "../lib/client/line_editor.ts";
import { Screen } from "../lib/client/screen.ts";
import { FIXED_INDENT } from "../lib/client/row_layout.ts";
import type { ScreenIO } from "../lib/client/screen.ts";
import {
  type CursorReport,
  TerminalWidths,
} from "../lib/client/terminal_widths.ts";
import stringWidth from "string-width";

/**
 * What the terminal in these tests draws, where string-width disagrees on
 * purpose: 👍🏽 four columns (as tmux draws it) where string-width says two,
 * the ZWJ family eight (one emoji after another) where it says two, ❤️ one
 * where it says two.
 */
const TERMINAL_WIDTHS: Record<string, number> = {
  "👍🏽": 4,
  "👨‍👩‍👧‍👦": 8,
  "❤️": 1,
};

const segmenter = new Intl.Segmenter(undefined, { granularity: "grapheme" });

/**
 * A small terminal the screen draws on: a grid of cells with autowrap,
 * scrolling, cursor moves, erasing, DECSC/DECRC and cursor position
 * reports, and widths of its own ({@linkcode TERMINAL_WIDTHS}). Rows it
 * wraps by itself are counted, so a test sees when the screen let it.
 */
class VirtualTerminal implements ScreenIO {
  readonly writes: string[] = [];
  /** Reports the terminal sent that the screen has not been given yet. */
  readonly reports: CursorReport[] = [];
  /** Rows scrolled off the top. */
  readonly scrolledOff: string[] = [];
  /** Times the terminal wrapped a row by itself. */
  wrapped = 0;
  x = 0;
  y = 0;
  #width: number;
  #height: number;
  #grid: string[][];
  #saved = { x: 0, y: 0 };
  #autowrap = true;
  #pendingWrap = false;

  constructor(width: number, height: number) {
    this.#width = width;
    this.#height = height;
    this.#grid = Array.from({ length: height }, () => this.#blank());
  }

  columns(): number {
    return this.#width;
  }

  rows(): number {
    return this.#height;
  }

  /** Changes the size (the rows already drawn stay as they are). */
  resize(width: number): void {
    this.#width = width;
  }

  write(text: string): void {
    this.writes.push(text);
    const tokens =
      /\x1b\[([?0-9;]*)([@-~])|\x1b([78])|([\r\n\x07])|([^\x1b\r\n\x07]+)/g;
    for (const m of text.matchAll(tokens)) {
      if (m[2] !== undefined) this.#csi(m[1]!, m[2]);
      else if (m[3] === "7") this.#saved = { x: this.x, y: this.y };
      else if (m[3] === "8") {
        ({ x: this.x, y: this.y } = this.#saved);
        this.#pendingWrap = false;
      } else if (m[4] === "\r") {
        this.x = 0;
        this.#pendingWrap = false;
      } else if (m[4] === "\n") this.#lineFeed();
      else if (m[5] !== undefined) {
        for (const { segment } of segmenter.segment(m[5])) this.#put(segment);
      }
    }
  }

  /** The screen, one string per row, trailing spaces trimmed. */
  screen(): string[] {
    return this.#grid.map((row) => row.join("").trimEnd());
  }

  /** Hands the reports sent so far to `screen`. */
  answer(screen: Screen): void {
    for (const report of this.reports.splice(0)) screen.cursorReport(report);
  }

  #blank(): string[] {
    return Array.from({ length: this.#width }, () => " ");
  }

  #put(cluster: string): void {
    const width = TERMINAL_WIDTHS[cluster] ?? stringWidth(cluster);
    const row = this.#grid[this.y]!;
    if (width === 0) {
      if (this.x > 0) row[this.x - 1] += cluster;
      return;
    }
    if (this.#pendingWrap || this.x + width > this.#width) {
      if (this.#autowrap) {
        this.wrapped++;
        this.x = 0;
        this.#lineFeed();
      } else this.x = this.#width - width;
    }
    const cells = this.#grid[this.y]!;
    cells[this.x] = cluster;
    for (let k = 1; k < width; k++) cells[this.x + k] = "";
    this.x += width;
    if (this.x >= this.#width) {
      this.x = this.#width - 1;
      this.#pendingWrap = this.#autowrap;
    }
  }

  #lineFeed(): void {
    this.#pendingWrap = false;
    if (this.y < this.#height - 1) {
      this.y++;
      return;
    }
    this.scrolledOff.push(this.#grid.shift()!.join("").trimEnd());
    this.#grid.push(this.#blank());
  }

  #csi(params: string, final: string): void {
    const n = Number(params.replace("?", "") || "1");
    if (final !== "m") this.#pendingWrap = false;
    const row = this.#grid[this.y]!;
    switch (final) {
      case "A":
        this.y = Math.max(0, this.y - n);
        break;
      case "B":
        this.y = Math.min(this.#height - 1, this.y + n);
        break;
      case "G":
        this.x = n - 1;
        break;
      case "H":
        this.x = this.y = 0;
        break;
      case "J":
        this.#grid = this.#grid.map(() => this.#blank());
        break;
      case "K":
        for (let i = params === "2" ? 0 : this.x; i < this.#width; i++) {
          row[i] = " ";
        }
        break;
      case "n":
        if (params === "6") {
          this.reports.push({ row: this.y + 1, column: this.x + 1 });
        }
        break;
      case "h":
      case "l":
        if (params === "?7") this.#autowrap = final === "h";
        break;
    }
  }
}

function setup(
  columns = 40,
  rows = 30,
  options: { answerWaitMs?: number } = {},
) {
  const terminal = new VirtualTerminal(columns, rows);
  const editor = new LineEditor();
  const screen = new Screen({
    io: terminal,
    editor,
    prompt: () => "> ",
    ...options,
  });
  return { terminal, editor, screen };
}

/** The rows of the line whose first row includes `start`: it and the indented rows after it. */
function rowsOf(screen: string[], start: string, indent: number): string[] {
  const first = screen.findIndex((row) => row.includes(start));
  assert(
    first >= 0,
    `no row has ${JSON.stringify(start)}:\n${screen.join("\n")}`,
  );
  const rows = [screen[first]!];
  for (const row of screen.slice(first + 1)) {
    if (!row.startsWith(" ".repeat(indent)) || row.trim() === "") break;
    rows.push(row);
  }
  return rows;
}

Deno.test("printing clears the prompt line, writes above it and redraws the half-typed text", () => {
  const { terminal, editor, screen } = setup();
  editor.insert("half");
  screen.print("hello");
  assertEquals(
    terminal.writes.at(-1),
    "\r\x1b[2Khello\r\n\r\x1b[2K\x1b[?7l> half\x1b7\x1b[?7h\x1b8",
  );
});

Deno.test("the prompt cursor lands where the terminal put it, after what it drew, however wide it drew it", () => {
  const { terminal, editor, screen } = setup();
  editor.insert("a👍🏽b❤️c");
  editor.handle({ name: "left" });
  screen.redraw();
  // Before any answer: string-width says 👍🏽 is 2 and ❤️ 2; the terminal drew 4 and 1.
  assertEquals([terminal.x, terminal.screen()[0]], [9, "> a👍🏽b❤️c"]);
  terminal.answer(screen);
  assertEquals([terminal.x, terminal.screen()[0]], [9, "> a👍🏽b❤️c"]);
});

Deno.test("new clusters are measured in one write, and a line holding them waits for the answers", () => {
  const { terminal, screen } = setup();
  screen.print("[12:00] <bob> 👍🏽 and 日本 and 👍🏽");
  assertEquals(terminal.writes.length, 1);
  assert(
    terminal.writes[0]!.startsWith(
      "\r👍🏽\x1b[6n\r日\x1b[6n\r本\x1b[6n\r\x1b[2K",
    ),
    JSON.stringify(terminal.writes[0]),
  );
  assert(!terminal.screen().some((row) => row.includes("bob")));
  assertEquals(terminal.reports.length, 3);
  terminal.answer(screen);
  assertEquals(terminal.screen()[0], "[12:00] <bob> 👍🏽 and 日本 and 👍🏽");
  const before = terminal.writes.length;
  screen.print("[12:00] <bob> 👍🏽 again");
  assertEquals(terminal.writes.length, before + 1, "nothing asked twice");
  assertEquals(terminal.screen()[1], "[12:00] <bob> 👍🏽 again");
});

Deno.test("a line is cut into rows by the terminal's widths, continuation rows indented under the prefix", () => {
  const { terminal, screen } = setup(30, 10);
  screen.print("[12:00] <bob> ab👍🏽cd👍🏽ef👍🏽gh");
  terminal.answer(screen);
  // 👍🏽 takes 4: the first row is full at 30 columns, the next starts with 👍🏽.
  assertEquals(terminal.screen().slice(0, 3), [
    "[12:00] <bob> ab👍🏽cd👍🏽ef",
    `${" ".repeat(14)}👍🏽gh`,
    ">",
  ]);
  assertEquals(terminal.wrapped, 0, "the terminal never wrapped a row");
});

Deno.test("a wide cluster that does not fit at the end of a row starts the next one", () => {
  const { terminal, screen } = setup(30, 10);
  screen.print("[12:00] <bob> abcdefghijklm日本語");
  terminal.answer(screen);
  assertEquals(terminal.screen().slice(0, 2), [
    "[12:00] <bob> abcdefghijklm日",
    `${" ".repeat(14)}本語`,
  ]);
  assertEquals(terminal.wrapped, 0);
});

Deno.test("spaces and a fake time stamp cannot start a row as if they were another message", () => {
  const { terminal, screen } = setup(80, 10);
  screen.print(`[12:00] <bob> look${" ".repeat(120)}[12:00] <boss> fired`);
  const [first, ...rest] = terminal.screen().slice(0, 3);
  assertEquals(first, "[12:00] <bob> look");
  for (const row of rest) assert(row.startsWith(" ".repeat(14)), row);
  assert(rest.join("").replaceAll(" ", "").endsWith("[12:00]<boss>fired"));
  assertEquals(terminal.screen()[3], ">");
});

Deno.test("continuation rows take a fixed indent when the prefix is over half the width, or there is none", () => {
  const { terminal, screen } = setup(24, 10);
  screen.print(`[12:00] <abcdefghijkl> ${"x".repeat(10)}`);
  screen.print(`no prefix here at all, and long`);
  screen.print("! an error that is long enough");
  assertEquals(terminal.screen().slice(0, 6), [
    "[12:00] <abcdefghijkl>",
    `${" ".repeat(FIXED_INDENT)}xxxxxxxxxx`,
    "no prefix here at all,",
    `${" ".repeat(FIXED_INDENT)}and long`,
    "! an error that is long",
    "  enough",
  ]);
});

Deno.test("colours cut at the end of a row end there and start again after the indent", () => {
  const { terminal, screen } = setup(30, 10);
  screen.print(`[12:00] <bob> \x1b[1m${"x".repeat(20)}\x1b[22m`);
  const rows = terminal.writes[0]!.split("\r\n");
  assertEquals(
    rows[0],
    `\r\x1b[2K[12:00] <bob> \x1b[1m${"x".repeat(16)}\x1b[0m`,
  );
  assertEquals(rows[1], `\r\x1b[2K${" ".repeat(14)}\x1b[1mxxxx\x1b[22m`);
});

Deno.test("every own line ends ticked however close to the right edge it ends, and no tick covers text", () => {
  const columns = 30;
  const { terminal, screen } = setup(columns, 200);
  const lines: string[] = [];
  const ends = ["👍🏽", "👨‍👩‍👧‍👦", "❤️", "日", "e\u0301"];
  for (let n = 0; n <= 24; n++) {
    const end = ends[n % ends.length]!;
    const line = `[12:00] <ann> L${String(n).padStart(2, "0")}${
      "x".repeat(n)
    }${end}`;
    lines.push(line);
    screen.printOwn(`id${n}`, line, " …");
    terminal.answer(screen);
    // A wrapped line in between: the tick goes up past its rows.
    screen.print(`[12:00] <bob> ${"y".repeat(30)}`);
    screen.tick(`id${n}`, " ✓", { final: false });
    screen.tick(`id${n}`, " ✓✓ 1/1", { final: true });
  }
  const shown = terminal.screen();
  assert(!shown.some((row) => row.includes("…")), shown.join("\n"));
  for (const [n, line] of lines.entries()) {
    const rows = rowsOf(shown, `L${String(n).padStart(2, "0")}`, 14);
    // A tick on a row of its own starts at the indent, without its space.
    const tick = rows.at(-1) === `${" ".repeat(14)}✓✓ 1/1` ? "" : " ";
    const text = rows[0]! + rows.slice(1).map((r) => r.slice(14)).join("");
    assertEquals(text, `${line}${tick}✓✓ 1/1`);
  }
  assertEquals(terminal.wrapped, 0);
  assertEquals(shown.findLast((row) => row !== ""), ">", "the prompt is last");
  assertEquals(terminal.y, shown.lastIndexOf(">"), "the cursor is on it");
});

Deno.test("an own line with no room for its tick on its last row gets a row of its own", () => {
  const { terminal, screen } = setup(30, 10);
  screen.printOwn("id", `[12:00] <ann> ${"x".repeat(16)}`, " …");
  // The tick starts the row at the indent: no space parts it from text.
  assertEquals(terminal.screen().slice(0, 3), [
    `[12:00] <ann> ${"x".repeat(16)}`,
    `${" ".repeat(14)}…`,
    ">",
  ]);
  screen.tick("id", " ✓✓ 12/12", { final: true });
  assertEquals(terminal.screen()[1], `${" ".repeat(14)}✓✓ 12/12`);
});

Deno.test("a tick waits behind its line while the line waits for the terminal's answers", () => {
  const { terminal, screen } = setup(40, 10);
  screen.printOwn("id", "[12:00] <ann> 👍🏽", " …");
  screen.tick("id", " ✓", { final: false });
  assert(!terminal.screen().some((row) => row.includes("ann")));
  terminal.answer(screen);
  assertEquals(terminal.screen()[0], "[12:00] <ann> 👍🏽 ✓");
});

Deno.test("a line scrolled off screen is not touched; one partly on screen is ticked on its visible rows", () => {
  const { terminal, screen } = setup(20, 5);
  // Three rows each: the prefix, the word, the tick's own row.
  screen.printOwn("a", `[12:00] <ann> ${"x".repeat(15)}`, " …");
  screen.printOwn("b", `[12:00] <ann> ${"z".repeat(15)}`, " …");
  screen.print("one");
  screen.print("two");
  // On screen: the "z" line's last two rows (its tick row), one, two.
  screen.tick("b", " ✓✓ 1/1", { final: true });
  assertEquals(terminal.screen(), [
    `${" ".repeat(FIXED_INDENT)}zzzzzzzzzzzzzzz`,
    `${" ".repeat(FIXED_INDENT)}✓✓ 1/1`,
    "one",
    "two",
    ">",
  ]);
  const writes = terminal.writes.length;
  screen.tick("a", " ✓✓ 1/1", { final: true });
  assertEquals(terminal.writes.length, writes, "nothing written");
});

Deno.test("a resize or Ctrl-L forgets the lines waiting for ticks", () => {
  const { terminal, screen } = setup(40, 10);
  screen.printOwn("a", "[12:00] <ann> a", " …");
  screen.printOwn("b", "[12:00] <ann> b", " …");
  terminal.resize(30);
  screen.resized();
  screen.tick("a", " ✓", { final: true });
  screen.clear();
  screen.tick("b", " ✓", { final: true });
  assert(!terminal.writes.some((w) => w.includes("✓")));
});

Deno.test("a terminal that does not answer is waited for once, then string-width's widths serve", async () => {
  const { terminal, screen } = setup(40, 10, { answerWaitMs: 20 });
  screen.print("[12:00] <bob> 👍🏽");
  assertEquals(terminal.screen()[0], ">");
  await new Promise((resolve) => setTimeout(resolve, 40));
  assertEquals(terminal.screen()[0], "[12:00] <bob> 👍🏽");
  screen.print("[12:00] <bob> 日本");
  assertEquals(terminal.screen()[1], "[12:00] <bob> 日本", "printed at once");
  // Late answers still count: the next new cluster is waited for again.
  terminal.answer(screen);
  screen.print("[12:00] <bob> ❤️");
  assertEquals(terminal.screen()[2], ">");
  terminal.answer(screen);
  assertEquals(terminal.screen()[2], "[12:00] <bob> ❤️");
});

Deno.test("a cursor report no one asked for is ignored", () => {
  const { terminal, screen } = setup();
  screen.cursorReport({ row: 1, column: 5 });
  assertEquals(terminal.writes, []);
});

Deno.test("close prints what waits for answers and clears the prompt line", () => {
  const { terminal, screen } = setup();
  screen.print("[12:00] <bob> 👍🏽");
  screen.close();
  assertEquals(terminal.screen()[0], "[12:00] <bob> 👍🏽");
  assertEquals(terminal.writes.at(-1), "\r\x1b[2K");
});

Deno.test("TerminalWidths guesses until the terminal answers, and asks about each cluster once", () => {
  const widths = new TerminalWidths();
  assertEquals(widths.unknown("plain ASCII"), []);
  assertEquals(widths.unknown("e\u0301👍🏽e\u0301"), ["e\u0301", "👍🏽"]);
  assertEquals(
    widths.request(["e\u0301", "👍🏽"]),
    "\re\u0301\x1b[6n\r👍🏽\x1b[6n",
  );
  assertEquals(widths.request(["👍🏽"]), "", "asked already");
  assertEquals(widths.measure("\x1b[1ma👍🏽\x1b[22m"), 3);
  widths.answer({ row: 3, column: 2 });
  widths.answer({ row: 3, column: 5 });
  assertEquals([widths.width("e\u0301"), widths.width("👍🏽")], [1, 4]);
  assertEquals(widths.waiting, 0);
  assertEquals(widths.answer({ row: 1, column: 5 }), false);
});
