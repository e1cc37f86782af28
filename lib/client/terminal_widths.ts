/**
 * How many columns the terminal itself gives each grapheme cluster.
 *
 * Terminals disagree about emoji sequences: tmux draws 👍🏽 four columns
 * wide where `string-width` (and many other terminals) say two. Text placed
 * at a column computed from the wrong width lands on other text, so the
 * screen asks the terminal. The first time a cluster other than ASCII is to
 * be printed, {@linkcode TerminalWidths.request} gives the bytes that print
 * it at the start of the prompt row followed by a cursor position request
 * (`ESC [ 6 n`); the terminal answers `ESC [ row ; column R` on its input,
 * in order, and {@linkcode TerminalWidths.answer} takes the column as the
 * cluster's width. Until an answer comes, and for terminals that never
 * answer, the width is `string-width`'s guess.
 *
 * @module
 */

import stringWidth from "string-width";

const segmenter = new Intl.Segmenter(undefined, { granularity: "grapheme" });

/** Control sequences in the screen's own output (colours): no columns. */
// deno-lint-ignore no-control-regex
const ESCAPE = /\x1b\[[0-?]*[ -/]*[@-~]/g;
/** A cluster the terminal needs no asking about: one printable ASCII character. */
const ASCII = /^[\x20-\x7e]$/;
/** Clusters that take no column and need no asking: controls. */
// deno-lint-ignore no-control-regex
const CONTROL = /^[\x00-\x1f\x7f]+$/;

/** A piece of a line: an escape sequence (no columns) or a grapheme cluster. */
export interface Piece {
  /** Which of the two it is. */
  kind: "escape" | "cluster";
  /** Its text. */
  text: string;
}

/**
 * Splits `text` into escape sequences and grapheme clusters, in order.
 *
 * @example
 * ```ts
 * pieces("\x1b[2mé\x1b[22m"); // escape, cluster "é", escape
 * ```
 */
export function pieces(text: string): Piece[] {
  const out: Piece[] = [];
  const clusters = (from: number, to: number) => {
    for (const { segment } of segmenter.segment(text.slice(from, to))) {
      out.push({ kind: "cluster", text: segment });
    }
  };
  let last = 0;
  for (const match of text.matchAll(ESCAPE)) {
    clusters(last, match.index);
    out.push({ kind: "escape", text: match[0] });
    last = match.index + match[0].length;
  }
  clusters(last, text.length);
  return out;
}

/** A cursor position report: 1-based row and column. */
export interface CursorReport {
  /** The cursor's row, from 1. */
  row: number;
  /** The cursor's column, from 1. */
  column: number;
}

/** Options of {@linkcode TerminalWidths}. */
export interface TerminalWidthsOptions {
  /** The width of a cluster not measured (yet). Default: `string-width`. */
  fallback?: (cluster: string) => number;
}

/**
 * Widths of grapheme clusters as measured on the terminal, with a guess
 * until then.
 *
 * @example
 * ```ts
 * const widths = new TerminalWidths();
 * io.write(widths.request(widths.unknown("👍🏽 hi"))); // "\r👍🏽\x1b[6n"
 * widths.width("👍🏽"); // 2, string-width's guess
 * widths.answer({ row: 24, column: 5 }); // what tmux says
 * widths.width("👍🏽"); // 4
 * ```
 */
export class TerminalWidths {
  #measured = new Map<string, number>();
  /** Clusters asked about, oldest first: answers come in this order. */
  #asked: string[] = [];
  #askedSet = new Set<string>();
  #fallback: (cluster: string) => number;
  #answering = true;

  /**
   * Makes a TerminalWidths.
   *
   * @param options the width used until a cluster is measured
   */
  constructor(options: TerminalWidthsOptions = {}) {
    this.#fallback = options.fallback ?? stringWidth;
  }

  /** Columns `cluster` takes: as the terminal said, else the guess. */
  width(cluster: string): number {
    if (ASCII.test(cluster)) return 1;
    if (CONTROL.test(cluster)) return 0;
    return this.#measured.get(cluster) ?? this.#fallback(cluster);
  }

  /** Columns `text` takes; escape sequences take none. */
  measure(text: string): number {
    let columns = 0;
    for (const piece of pieces(text)) {
      if (piece.kind === "cluster") columns += this.width(piece.text);
    }
    return columns;
  }

  /** True when the terminal said how wide `cluster` is (or it is ASCII). */
  known(cluster: string): boolean {
    return ASCII.test(cluster) || CONTROL.test(cluster) ||
      this.#measured.has(cluster);
  }

  /**
   * The distinct clusters of `text` the terminal has not measured yet,
   * whether or not they were asked about.
   */
  unknown(text: string): string[] {
    // Most lines are ASCII: no segmenting for them.
    if (/^[ -~]*$/.test(text)) return [];
    const found = new Set<string>();
    for (const piece of pieces(text)) {
      if (piece.kind === "cluster" && !this.known(piece.text)) {
        found.add(piece.text);
      }
    }
    return [...found];
  }

  /**
   * The bytes that measure `clusters` in one write: each one not known and
   * not asked about yet is printed at the start of the current row and
   * followed by a cursor position request. The row is left dirty; the
   * caller redraws it. Empty when there is nothing to ask.
   */
  request(clusters: string[]): string {
    let out = "";
    for (const cluster of clusters) {
      if (this.known(cluster) || this.#askedSet.has(cluster)) continue;
      this.#asked.push(cluster);
      this.#askedSet.add(cluster);
      out += `\r${cluster}\x1b[6n`;
    }
    return out;
  }

  /**
   * Takes a cursor position report as the answer for the oldest cluster
   * asked about. Returns false when nothing was asked (a report no one
   * asked for, or a key that looks like one, such as Ctrl-F3).
   */
  answer(report: CursorReport): boolean {
    const cluster = this.#asked.shift();
    if (cluster === undefined) return false;
    this.#askedSet.delete(cluster);
    this.#answering = true;
    this.#measured.set(cluster, Math.max(0, report.column - 1));
    return true;
  }

  /** Answers still awaited. */
  get waiting(): number {
    return this.#asked.length;
  }

  /**
   * False after {@linkcode TerminalWidths.unanswered}, until an answer
   * comes: then the screen does not wait for answers before printing.
   */
  get answering(): boolean {
    return this.#answering;
  }

  /**
   * The terminal did not answer in time. The clusters asked about stay
   * asked (a late answer still counts); the guess serves meanwhile.
   */
  unanswered(): void {
    this.#answering = false;
  }
}
