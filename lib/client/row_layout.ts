/**
 * How the terminal client cuts a printed line into rows that fit the
 * terminal's width, by the widths the terminal itself gives each grapheme
 * cluster (`terminal_widths.ts`).
 *
 * A row ends at the last space that fits, so words stay whole (a word
 * longer than a row is cut where the row ends). Continuation rows are
 * indented under the text, past the `[12:00] <nick> ` prefix or the `! `
 * and `-- ` of errors and notices (by {@linkcode FIXED_INDENT} when that is
 * over half the width, or there is none), so no row can pass for a message
 * of its own. A row cut inside colours ends them, and the next row takes
 * them up again.
 *
 * @module
 */

import { pieces, type TerminalWidths } from "./terminal_widths.ts";

/** A printed line cut into rows. */
export interface Layout {
  /** The rows, colours closed at the end of each and opened again. */
  rows: string[];
  /** Columns taken on the last row. */
  lastWidth: number;
  /** Columns continuation rows are indented by. */
  indent: number;
}

/**
 * The indent of continuation rows when a line's prefix is wider than half
 * the terminal, or the line has none.
 */
export const FIXED_INDENT = 4;

const RESET = "\x1b[0m";
/** What continuation rows are indented under: time, `(history)`, speaker. */
const PREFIX =
  /^\[\d\d:\d\d\] (?:\(history\) )?(?:<[^>]*> |\* \S+ |-> \*[^*]*\* |\*[^*]*\* |-- )?/;
/** The marker of a line without a time: an error or a notice. */
const MARKER = /^(?:! |-- )/;

/**
 * Cuts `line` into rows of at most `columns`, at the last space that fits
 * past the indent (the space goes); a word longer than a row is cut where
 * the row ends, and a cluster that does not fit at the end of a row starts
 * the next one, after the indent.
 *
 * @example
 * ```ts
 * layoutRows("! Cannot connect to lan:4444", 20, new TerminalWidths()).rows;
 * // ["! Cannot connect to", "  lan:4444"]
 * ```
 */
export function layoutRows(
  line: string,
  width: number,
  widths: TerminalWidths,
): Layout {
  const columns = Math.max(1, width);
  const parts = pieces(line);
  const plain = parts.filter((p) => p.kind === "cluster")
    .map((p) => p.text).join("");
  const indent = indentOf(plain, columns, widths);
  const rows: string[] = [];
  let row = "";
  let used = 0;
  let empty = true;
  let styles: string[] = [];
  /** The last space on this row a row may end at, and what was on in it. */
  let space: { at: number; used: number; styles: string[] } | undefined;
  const endRow = (text: string, on: string[]) =>
    rows.push(on.length > 0 ? text + RESET : text);
  for (const { kind, text } of parts) {
    if (kind === "escape") {
      row += text;
      if (text === "\x1b[m" || text === RESET) styles = [];
      else if (text.endsWith("m")) styles.push(text);
      continue;
    }
    const width = widths.width(text);
    if (!empty && used + width > columns) {
      if (space !== undefined && text !== " ") {
        // The words after the last space go on to the next row.
        const rest = row.slice(space.at + 1);
        endRow(row.slice(0, space.at), space.styles);
        row = " ".repeat(indent) + space.styles.join("") + rest;
        used = indent + used - space.used - 1;
      } else {
        endRow(row, styles);
        row = " ".repeat(indent) + styles.join("");
        used = indent;
        empty = true;
        if (text === " ") {
          space = undefined;
          continue; // A row ends at it.
        }
      }
      space = undefined;
    }
    if (text === " " && used > indent) {
      space = { at: row.length, used, styles: [...styles] };
    }
    row += text;
    used += width;
    if (width > 0) empty = false;
  }
  rows.push(row);
  return { rows, lastWidth: used, indent };
}

/** Columns continuation rows of a line are indented by. */
function indentOf(
  plain: string,
  columns: number,
  widths: TerminalWidths,
): number {
  const prefix = PREFIX.exec(plain) ?? MARKER.exec(plain);
  const width = prefix === null ? 0 : widths.measure(prefix[0]);
  const indent = width === 0 || width > columns / 2 ? FIXED_INDENT : width;
  return Math.min(indent, Math.floor(columns / 2));
}
