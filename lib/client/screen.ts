/**
 * The terminal screen of the interactive client: a prompt line at the
 * bottom that incoming messages never scramble.
 *
 * Every line printed goes above the prompt: the prompt line is cleared, the
 * line written, and the prompt redrawn with the half-typed text and the
 * cursor where they were. The screen remembers where the person's own
 * messages were printed so their delivery ticks can be filled in in place
 * while the line is still on screen.
 *
 * @module
 */

import { displayWidth } from "./line_editor.ts";
import type { LineEditor } from "./line_editor.ts";

/** Where the screen writes, and how wide the terminal is. */
export interface ScreenIO {
  /** Writes text to the terminal. */
  write(text: string): void;
  /** The terminal's width. */
  columns(): number;
  /** The terminal's height. */
  rows(): number;
}

/** A line of the person's own, waiting for its tick. */
interface TickSpot {
  /** Screen rows printed up to and including this line. */
  row: number;
  /** Column (0-based) where the tick goes. */
  column: number;
}

const CLEAR_LINE = "\r\x1b[2K";

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
  #promptWidth: () => number;
  /** Rows printed since start, to find a line again for its tick. */
  #rows = 0;
  #ticks = new Map<string, TickSpot>();

  /**
   * Makes a Screen.
   *
   * @param options where to draw, the editor, the prompt
   */
  constructor(
    options: {
      io: ScreenIO;
      editor: LineEditor;
      prompt: () => string;
      promptWidth?: () => number;
    },
  ) {
    this.#io = options.io;
    this.#editor = options.editor;
    this.#prompt = options.prompt;
    this.#promptWidth = options.promptWidth ??
      (() => displayWidth(this.#prompt()));
  }

  /** Prints lines above the prompt and redraws it. */
  print(text: string): void {
    let out = CLEAR_LINE;
    for (const line of text.split("\n")) {
      out += `${line}\r\n`;
      this.#rows += this.#rowsOf(line);
    }
    this.#io.write(out + this.#promptLine());
  }

  /**
   * Prints one of the person's own lines and remembers where its tick goes
   * (`key` names it for {@linkcode Screen.tick}).
   */
  printOwn(key: string, line: string, placeholder: string): void {
    const columns = this.#io.columns();
    const width = displayWidth(line);
    this.print(`${line}${placeholder}`);
    const column = width % columns;
    // Only a line whose tick fits on its last row can be ticked in place.
    if (column + 8 < columns) this.#ticks.set(key, { row: this.#rows, column });
  }

  /**
   * Writes `tick` where {@linkcode Screen.printOwn} left room for it, if that
   * line is still on screen. Returns false when it is not. A `final` tick
   * forgets the spot; another may overwrite one that is not.
   */
  tick(key: string, tick: string, options: { final: boolean }): boolean {
    const spot = this.#ticks.get(key);
    if (options.final) this.#ticks.delete(key);
    if (spot === undefined) return false;
    const up = this.#rows - spot.row + 1;
    if (up >= this.#io.rows()) return false;
    this.#io.write(
      `\x1b[${up}A\x1b[${spot.column + 1}G${tick}\x1b[K\x1b[${up}B` +
        this.#promptLine(),
    );
    return true;
  }

  /** Forgets a line waiting for its tick. */
  forget(key: string): void {
    this.#ticks.delete(key);
  }

  /** Redraws the prompt line (after an edit or a resize). */
  redraw(): void {
    this.#io.write(this.#promptLine());
  }

  /** Clears the screen (Ctrl-L) and redraws the prompt at the top. */
  clear(): void {
    this.#ticks.clear();
    this.#io.write("\x1b[2J\x1b[H" + this.#promptLine());
  }

  /** The terminal's columns changed: wrapped rows no longer count the same. */
  resized(): void {
    this.#ticks.clear();
    this.redraw();
  }

  /** Rings the terminal bell. */
  bell(): void {
    this.#io.write("\x07");
  }

  /** Clears the prompt line for good (on exit). */
  close(): void {
    this.#io.write(CLEAR_LINE);
  }

  #promptLine(): string {
    const prompt = this.#prompt();
    const view = this.#editor.view(this.#io.columns(), this.#promptWidth());
    return `${CLEAR_LINE}${prompt}${view.text}\x1b[${view.cursorColumn + 1}G`;
  }

  #rowsOf(line: string): number {
    const width = displayWidth(line);
    return Math.max(1, Math.ceil(width / this.#io.columns()));
  }
}

/**
 * Asks for a secret on a terminal already in raw mode (so nothing typed is
 * echoed). Enter ends it; Ctrl-C or Ctrl-D gives up (an empty answer).
 */
export async function readSecret(
  io: {
    read(buffer: Uint8Array): Promise<number | null>;
    write(text: string): void;
  },
  prompt: string,
): Promise<string> {
  io.write(`\r\x1b[2K${prompt}`);
  const bytes: number[] = [];
  const buffer = new Uint8Array(256);
  try {
    reading: while (true) {
      const n = await io.read(buffer);
      if (n === null) break;
      for (const byte of buffer.subarray(0, n)) {
        if (byte === 0x0d || byte === 0x0a) break reading;
        if (byte === 0x03 || byte === 0x04) {
          bytes.length = 0;
          break reading;
        }
        if (byte === 0x7f || byte === 0x08) bytes.pop();
        else bytes.push(byte);
      }
    }
  } finally {
    io.write("\r\n");
  }
  return new TextDecoder().decode(new Uint8Array(bytes));
}
