/**
 * The prompt line's editing state: text, cursor, input history, completion.
 *
 * Pure state, no terminal: {@linkcode LineEditor} takes {@linkcode Key}s and
 * says what the line looks like; the terminal side draws it. Text is held as
 * grapheme clusters, so the cursor never lands inside an emoji or between a
 * letter and its combining accent. {@linkcode LineEditor.view} splits the
 * visible part of the line at the cursor, so the screen can let the terminal
 * put the cursor after what it drew (no column is computed from a width the
 * terminal may disagree with); the widths it is given only choose which part
 * of a long line is shown.
 *
 * @module
 */

import stringWidth from "string-width";
import type { Key } from "./keys.ts";

const segmenter = new Intl.Segmenter(undefined, { granularity: "grapheme" });

/** Splits text into grapheme clusters (what a person sees as characters). */
export function graphemes(text: string): string[] {
  return Array.from(segmenter.segment(text), (s) => s.segment);
}

/**
 * Columns `text` takes on a terminal, as `string-width` guesses them (the
 * terminal may disagree: see `terminal_widths.ts`).
 */
export function displayWidth(text: string): number {
  return stringWidth(text);
}

/**
 * `text` cut to at most `columns` terminal columns, whole grapheme clusters
 * only, ending in "…" when cut.
 *
 * @example
 * ```ts
 * cutToWidth("reconnecting in 2.0 s", 10); // "reconnect…"
 * ```
 */
export function cutToWidth(text: string, columns: number): string {
  if (displayWidth(text) <= columns) return text;
  let out = "";
  let used = 1; // the "…"
  for (const grapheme of graphemes(text)) {
    const width = displayWidth(grapheme);
    if (used + width > columns) break;
    out += grapheme;
    used += width;
  }
  return `${out}…`;
}

/** What the editor wants done after a key. */
export type EditResult =
  | { kind: "edited" }
  | { kind: "submit"; line: string }
  | { kind: "complete"; candidates: string[] }
  | { kind: "interrupt" }
  | { kind: "eof" }
  | { kind: "clear-screen" }
  | { kind: "none" };

/** Options of a {@linkcode LineEditor}. */
export interface LineEditorOptions {
  /** Input history entries kept. Default 500. */
  historySize?: number;
  /** Words Tab may complete the word at the cursor with. */
  completions?: (word: string, atLineStart: boolean) => string[];
}

/**
 * One editable line with history.
 *
 * @example
 * ```ts
 * const editor = new LineEditor();
 * editor.handle({ name: "text", text: "helo" });
 * editor.handle({ name: "left" });
 * editor.handle({ name: "text", text: "l" });
 * editor.handle({ name: "enter" }); // { kind: "submit", line: "hello" }
 * ```
 */
export class LineEditor {
  #chars: string[] = [];
  #cursor = 0;
  #history: string[] = [];
  /** Index into history while browsing it; `history.length` is the draft. */
  #historyIndex = 0;
  #draft: string[] = [];
  #historySize: number;
  #completions: (word: string, atLineStart: boolean) => string[];

  /**
   * Makes a LineEditor.
   *
   * @param options history size and completion source
   */
  constructor(options: LineEditorOptions = {}) {
    this.#historySize = options.historySize ?? 500;
    this.#completions = options.completions ?? (() => []);
  }

  /** The text on the line. */
  get text(): string {
    return this.#chars.join("");
  }

  /** The cursor, in graphemes from the start of the line. */
  get cursor(): number {
    return this.#cursor;
  }

  /** Applies one key. */
  handle(key: Key): EditResult {
    switch (key.name) {
      case "text":
        this.insert(key.text);
        return { kind: "edited" };
      case "enter":
        return { kind: "submit", line: this.#submit() };
      case "tab":
        return this.#complete();
      case "backspace":
        if (this.#cursor === 0) return { kind: "none" };
        this.#chars.splice(--this.#cursor, 1);
        return { kind: "edited" };
      case "delete":
        if (this.#cursor >= this.#chars.length) return { kind: "none" };
        this.#chars.splice(this.#cursor, 1);
        return { kind: "edited" };
      case "left":
        return this.#move(this.#cursor - 1);
      case "right":
        return this.#move(this.#cursor + 1);
      case "home":
        return this.#move(0);
      case "end":
        return this.#move(this.#chars.length);
      case "word-left":
        return this.#move(this.#wordStart());
      case "word-right":
        return this.#move(this.#wordEnd());
      case "kill-line-start":
        this.#chars.splice(0, this.#cursor);
        this.#cursor = 0;
        return { kind: "edited" };
      case "kill-line-end":
        this.#chars.splice(this.#cursor);
        return { kind: "edited" };
      case "kill-word": {
        const start = this.#wordStart();
        this.#chars.splice(start, this.#cursor - start);
        this.#cursor = start;
        return { kind: "edited" };
      }
      case "up":
        return this.#browse(-1);
      case "down":
        return this.#browse(1);
      case "interrupt":
        return { kind: "interrupt" };
      case "eof":
        // Ctrl-D on an empty line leaves; elsewhere it deletes, as in a shell.
        if (this.#chars.length === 0) return { kind: "eof" };
        return this.handle({ name: "delete" });
      case "clear-screen":
        return { kind: "clear-screen" };
      case "cursor-position":
      case "room":
      case "next-room":
      case "previous-room":
        // The terminal's answer to the screen, or a room switch: not edits.
        return { kind: "none" };
    }
  }

  /** Inserts text at the cursor. */
  insert(text: string): void {
    const added = graphemes(text);
    this.#chars.splice(this.#cursor, 0, ...added);
    this.#cursor += added.length;
  }

  /**
   * What to draw in `columns` terminal columns after a prompt `promptWidth`
   * wide: the part of the line around the cursor, split at the cursor.
   * `width` gives a grapheme's columns (default: `string-width`'s guess); it
   * only chooses the part shown, leaving the last column free.
   *
   * @example
   * ```ts
   * editor.view(80, 8); // { before: "hel", after: "lo" } with the cursor after "hel"
   * ```
   */
  view(
    columns: number,
    promptWidth: number,
    width: (grapheme: string) => number = displayWidth,
  ): { before: string; after: string } {
    const room = Math.max(1, columns - promptWidth - 1);
    const widths = this.#chars.map(width);
    let start = 0;
    let before = widths.slice(0, this.#cursor).reduce((a, b) => a + b, 0);
    // Scroll right until the cursor fits, keeping as much as possible before it.
    while (before > room && start < this.#cursor) before -= widths[start++]!;
    let end = this.#cursor;
    let used = before;
    while (end < this.#chars.length && used + widths[end]! <= room) {
      used += widths[end++]!;
    }
    return {
      before: this.#chars.slice(start, this.#cursor).join(""),
      after: this.#chars.slice(this.#cursor, end).join(""),
    };
  }

  #submit(): string {
    const line = this.text;
    if (line.trim() !== "" && this.#history.at(-1) !== line) {
      this.#history.push(line);
      if (this.#history.length > this.#historySize) this.#history.shift();
    }
    this.#historyIndex = this.#history.length;
    this.#chars = [];
    this.#draft = [];
    this.#cursor = 0;
    return line;
  }

  #move(to: number): EditResult {
    const next = Math.max(0, Math.min(this.#chars.length, to));
    if (next === this.#cursor) return { kind: "none" };
    this.#cursor = next;
    return { kind: "edited" };
  }

  #browse(step: number): EditResult {
    const next = this.#historyIndex + step;
    if (next < 0 || next > this.#history.length) return { kind: "none" };
    if (this.#historyIndex === this.#history.length) this.#draft = this.#chars;
    this.#historyIndex = next;
    this.#chars = next === this.#history.length
      ? this.#draft
      : graphemes(this.#history[next]!);
    this.#cursor = this.#chars.length;
    return { kind: "edited" };
  }

  #wordStart(): number {
    let i = this.#cursor;
    while (i > 0 && /\s/.test(this.#chars[i - 1]!)) i--;
    while (i > 0 && !/\s/.test(this.#chars[i - 1]!)) i--;
    return i;
  }

  #wordEnd(): number {
    let i = this.#cursor;
    while (i < this.#chars.length && /\s/.test(this.#chars[i]!)) i++;
    while (i < this.#chars.length && !/\s/.test(this.#chars[i]!)) i++;
    return i;
  }

  #complete(): EditResult {
    let start = this.#cursor;
    while (start > 0 && !/\s/.test(this.#chars[start - 1]!)) start--;
    const word = this.#chars.slice(start, this.#cursor).join("");
    const atLineStart = this.#chars.slice(0, start).every((c) => /\s/.test(c));
    const candidates = this.#completions(word, atLineStart)
      .filter((c) => c.toLowerCase().startsWith(word.toLowerCase()));
    if (candidates.length === 0) return { kind: "none" };
    if (candidates.length === 1) {
      const only = candidates[0]!;
      // A nick at the start of a line is an address: "ann: ".
      const suffix = atLineStart && !only.startsWith("/") ? ": " : " ";
      this.#replaceWord(start, only + suffix);
      return { kind: "edited" };
    }
    const common = commonPrefix(candidates);
    if (common.length > word.length) this.#replaceWord(start, common);
    return { kind: "complete", candidates };
  }

  #replaceWord(start: number, text: string): void {
    this.#chars.splice(start, this.#cursor - start);
    this.#cursor = start;
    this.insert(text);
  }
}

function commonPrefix(words: string[]): string {
  let prefix = words[0]!;
  for (const word of words) {
    while (!word.toLowerCase().startsWith(prefix.toLowerCase())) {
      prefix = prefix.slice(0, -1);
    }
  }
  return prefix;
}
