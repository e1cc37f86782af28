/**
 * The terminal screen of the interactive client: a prompt line at the
 * bottom that incoming messages never scramble.
 *
 * Every line printed goes above the prompt: the prompt line is cleared, the
 * line written, and the prompt redrawn with the half-typed text. Nothing is
 * placed at a column computed from a width the terminal may disagree with:
 *
 * - The screen wraps its own lines. Each is cut into rows that fit the
 *   terminal's width by the widths the terminal itself gives each grapheme
 *   cluster (`terminal_widths.ts`: new clusters are measured with a cursor
 *   position report before the line that holds them is printed), and every
 *   row ends with CR LF, so the terminal never wraps by itself and rows are
 *   counted exactly. How a line is cut into rows (at the last space that
 *   fits, continuation rows indented under the text) is `row_layout.ts`'s.
 * - The prompt cursor is placed by the terminal: the text before it is
 *   drawn, the cursor saved (DECSC), the rest drawn, the cursor restored.
 * - A delivery tick is placed by reprinting the person's own line where it
 *   stands (the exact number of rows up) with the tick appended, so the
 *   terminal puts the tick after the text. An own line whose last row has
 *   no room for a tick is printed with a row of its own for it, where the
 *   tick starts at the indent, without the space that parts it from text.
 *
 * @module
 */

import type { LineEditor } from "./line_editor.ts";
import { layoutRows } from "./row_layout.ts";
import {
  type CursorReport,
  pieces,
  TerminalWidths,
} from "./terminal_widths.ts";

/** Where the screen writes, and how wide the terminal is. */
export interface ScreenIO {
  /** Writes text to the terminal. */
  write(text: string): void;
  /** The terminal's width. */
  columns(): number;
  /** The terminal's height. */
  rows(): number;
}

/** Options of a {@linkcode Screen}. */
export interface ScreenOptions {
  /** The terminal. */
  io: ScreenIO;
  /** The prompt line's editor. */
  editor: LineEditor;
  /** The prompt, colours included. */
  prompt: () => string;
  /**
   * True while the prompt asks for a secret: the prompt alone is drawn, and
   * nothing typed is shown.
   */
  secret?: () => boolean;
  /** The terminal's widths. Default: a new {@linkcode TerminalWidths}. */
  widths?: TerminalWidths;
  /**
   * How long a line holding clusters the terminal was just asked about
   * waits for the answers before it is printed with guessed widths, in ms.
   * Default 300.
   */
  answerWaitMs?: number;
  /**
   * Columns an own line keeps free on its last row for its tick; a line
   * with less room gets a row of its own for it. Default 12
   * (` ✓✓ 999/999` takes 11).
   */
  tickRoom?: number;
}

/** A line of the person's own, waiting for its tick. */
interface TickSpot {
  /** The index of its first row among all rows printed. */
  first: number;
  /** Its rows as printed, without the placeholder. */
  rows: string[];
  /** Columns taken on the last row, where the tick goes. */
  lastWidth: number;
  /** The tick has a row of its own: it starts there without its space. */
  ownRow: boolean;
}

const CLEAR_LINE = "\r\x1b[2K";
const SAVE_CURSOR = "\x1b7";
const RESTORE_CURSOR = "\x1b8";
const AUTOWRAP_OFF = "\x1b[?7l";
const AUTOWRAP_ON = "\x1b[?7h";
/**
 * The scrolling chat area and the prompt line.
 *
 * @example
 * ```ts
 * const screen = new Screen({ io, editor, prompt: () => "#lobby> " });
 * screen.print("[12:00] <bob> hi");  // above the prompt; the prompt is redrawn
 * ```
 */
export class Screen {
  #io: ScreenIO;
  #editor: LineEditor;
  #prompt: () => string;
  #secret: () => boolean;
  #widths: TerminalWidths;
  #answerWaitMs: number;
  #tickRoom: number;
  /** Rows printed since start, to find a line again for its tick. */
  #rows = 0;
  #ticks = new Map<string, TickSpot>();
  /** What waits for the terminal's answers, in order; undefined when nothing does. */
  #held: (() => void)[] | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;

  /**
   * Makes a Screen.
   *
   * @param options where to draw, the editor, the prompt
   */
  constructor(options: ScreenOptions) {
    this.#io = options.io;
    this.#editor = options.editor;
    this.#prompt = options.prompt;
    this.#secret = options.secret ?? (() => false);
    this.#widths = options.widths ?? new TerminalWidths();
    this.#answerWaitMs = options.answerWaitMs ?? 300;
    this.#tickRoom = options.tickRoom ?? 12;
  }

  /** Prints lines above the prompt and redraws it. */
  print(text: string): void {
    this.#whenMeasured(text, () => {
      this.#emit(
        text.split("\n").flatMap((line) =>
          layoutRows(line, this.#io.columns(), this.#widths).rows
        ),
      );
    });
  }

  /**
   * Prints one of the person's own lines followed by `placeholder`, and
   * remembers where it is for its tick (`key` names it for
   * {@linkcode Screen.tick}).
   */
  printOwn(key: string, line: string, placeholder: string): void {
    this.#whenMeasured(line, () => {
      const { rows, lastWidth, indent } = layoutRows(
        line,
        this.#io.columns(),
        this.#widths,
      );
      let width = lastWidth;
      const ownRow = lastWidth + this.#tickRoom > this.#io.columns();
      if (ownRow) {
        rows.push(" ".repeat(indent));
        width = indent;
      }
      this.#ticks.set(key, {
        first: this.#rows,
        rows,
        lastWidth: width,
        ownRow,
      });
      const mark = ownRow ? withoutLeadingSpace(placeholder) : placeholder;
      this.#emit([...rows.slice(0, -1), rows.at(-1)! + mark]);
    });
  }

  /**
   * Puts `tick` after the line {@linkcode Screen.printOwn} printed, by
   * reprinting the rows of it still on screen; a line scrolled off is not
   * touched. A `final` tick forgets the line; another may replace one that
   * is not.
   */
  tick(key: string, tick: string, options: { final: boolean }): void {
    this.#inOrder(() => {
      const spot = this.#ticks.get(key);
      if (options.final) this.#ticks.delete(key);
      if (spot === undefined) return;
      const last = spot.first + spot.rows.length - 1;
      const top = Math.max(spot.first, this.#topOnScreen());
      if (top > last) return;
      const rows = spot.rows.slice(top - spot.first);
      const room = this.#io.columns() - spot.lastWidth;
      const mark = spot.ownRow ? withoutLeadingSpace(tick) : tick;
      rows.push(rows.pop()! + this.#cut(mark, room));
      const down = this.#rows - (last + 1);
      this.#write(
        `\x1b[${this.#rows - top}A` +
          rows.map((row) => `${CLEAR_LINE}${row}\r\n`).join("") +
          (down > 0 ? `\x1b[${down}B` : ""),
      );
    });
  }

  /** Redraws the prompt line (after an edit or a resize). */
  redraw(): void {
    this.#write("");
  }

  /** Clears the screen (Ctrl-L) and redraws the prompt at the top. */
  clear(): void {
    this.#inOrder(() => {
      this.#ticks.clear();
      this.#write("\x1b[2J\x1b[H");
    });
  }

  /** The terminal's columns changed: rows printed no longer count the same. */
  resized(): void {
    this.#ticks.clear();
    this.redraw();
  }

  /** Rings the terminal bell. */
  bell(): void {
    this.#io.write("\x07");
  }

  /**
   * The terminal answered a cursor position request: a width is known.
   * Once every answer is in, what waited for them is printed.
   */
  cursorReport(report: CursorReport): void {
    if (!this.#widths.answer(report)) return;
    if (this.#widths.waiting === 0) this.#release();
  }

  /** Prints what still waits, and clears the prompt line for good (on exit). */
  close(): void {
    if (this.#held !== undefined) {
      this.#widths.unanswered();
      this.#release();
    }
    this.#io.write(CLEAR_LINE);
  }

  /**
   * Runs `action` once the terminal has said how wide the clusters of
   * `text` are: asks it about those it was not asked about yet and holds
   * output until the answers come or {@linkcode ScreenOptions.answerWaitMs}
   * passes. A terminal that did not answer in time is not waited for again
   * until it answers.
   */
  #whenMeasured(text: string, action: () => void): void {
    const unknown = this.#widths.unknown(text);
    if (unknown.length > 0) {
      const ask = this.#widths.request(unknown);
      if (ask !== "") this.#write(ask);
      if (this.#widths.answering && this.#held === undefined) {
        this.#held = [];
        this.#timer = setTimeout(() => {
          this.#widths.unanswered();
          this.#release();
        }, this.#answerWaitMs);
      }
    }
    this.#inOrder(action);
  }

  #inOrder(action: () => void): void {
    if (this.#held !== undefined) this.#held.push(action);
    else action();
  }

  #release(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const held = this.#held ?? [];
    this.#held = undefined;
    for (const action of held) action();
    // Widths changed: the prompt line may show a different part.
    if (held.length === 0) this.redraw();
  }

  /** Writes rows above the prompt and redraws the prompt. */
  #emit(rows: string[]): void {
    this.#rows += rows.length;
    const top = this.#topOnScreen();
    for (const [key, spot] of this.#ticks) {
      if (spot.first + spot.rows.length <= top) this.#ticks.delete(key);
    }
    this.#write(rows.map((row) => `${CLEAR_LINE}${row}\r\n`).join(""));
  }

  /** Writes `body`, then the prompt line (measuring new clusters typed on it). */
  #write(body: string): void {
    const ask = this.#widths.request(this.#widths.unknown(this.#editor.text));
    this.#io.write(body + ask + this.#promptLine());
  }

  /** The index (among all rows printed) of the top row of the screen. */
  #topOnScreen(): number {
    return this.#rows - (this.#io.rows() - 1);
  }

  #promptLine(): string {
    const prompt = this.#prompt();
    if (this.#secret()) return `${CLEAR_LINE}${prompt}`;
    const view = this.#editor.view(
      this.#io.columns(),
      this.#widths.measure(prompt),
      (grapheme) => this.#widths.width(grapheme),
    );
    // Autowrap is off while drawing, so a line wider than guessed cannot
    // wrap and scroll the screen.
    return `${CLEAR_LINE}${AUTOWRAP_OFF}${prompt}${view.before}${SAVE_CURSOR}` +
      `${view.after}${AUTOWRAP_ON}${RESTORE_CURSOR}`;
  }

  /** The start of `text` that fits in `columns`, its escape sequences all kept. */
  #cut(text: string, columns: number): string {
    let out = "";
    let used = 0;
    let full = false;
    for (const { kind, text: piece } of pieces(text)) {
      if (kind === "cluster") {
        const width = this.#widths.width(piece);
        full ||= used + width > columns;
        if (full) continue;
        used += width;
      }
      out += piece;
    }
    return out;
  }
}

/** `text` without the space it starts with (escape sequences kept). */
function withoutLeadingSpace(text: string): string {
  let out = "";
  let dropped = false;
  for (const { kind, text: piece } of pieces(text)) {
    if (!dropped && kind === "cluster") {
      dropped = true;
      if (piece === " ") continue;
    }
    out += piece;
  }
  return out;
}
