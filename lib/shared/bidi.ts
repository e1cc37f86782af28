/**
 * Bidirectional text kept in its place: each piece of user text shown on a
 * line is isolated (UAX #9 isolates, FSI … PDI), so right-to-left text can
 * neither reorder what is shown around it nor be reordered by it.
 *
 * Only pieces that hold right-to-left characters need it: a line with no
 * right-to-left character anywhere is laid out left to right as it is, and
 * terminals that draw the isolate characters as boxes should not show them
 * on every line. Server-generated text that quotes a person (a refusal that
 * names a bad nick, `/who` with away messages) isolates the quoted pieces
 * itself; {@linkcode cleanKeepingIsolates} cleans such text and keeps those
 * isolates when, and only when, they pair up.
 *
 * Source: UAX #9, Unicode Bidirectional Algorithm,
 * https://www.unicode.org/reports/tr9/ (isolates X5a–X5c, BD8, BD9).
 *
 * @module
 */

import { clean, preview } from "./text.ts";

const FSI = "\u2068";
const PDI = "\u2069";

/**
 * Characters that start right-to-left runs: the right-to-left scripts'
 * blocks (Hebrew, Arabic, Syriac, Thaana, N'Ko, Samaritan, Mandaic, Arabic
 * extensions and presentation forms, and the right-to-left blocks of the
 * supplementary planes) and the marks RLM and ALM.
 */
const RIGHT_TO_LEFT =
  /[\u0590-\u08ff\u200f\u061c\ufb1d-\ufdff\ufe70-\ufefe\u{10800}-\u{10fff}\u{1e800}-\u{1efff}]/u;

/**
 * Wraps `text` in FIRST STRONG ISOLATE U+2068 … POP DIRECTIONAL ISOLATE
 * U+2069, so its direction is taken from its own first strong letter and
 * nothing in it can reorder the text around it (nor the reverse). Pass text
 * that went through `clean`, which removes any isolate or PDI that could
 * close the wrapper early.
 *
 * @param text Cleaned text.
 * @returns `"\u2068" + text + "\u2069"`, two code points longer.
 * @example
 * ```ts
 * `<${isolate("مرحبا")}> hi`; // the nick stays inside its brackets
 * ```
 */
export function isolate(text: string): string {
  return `${FSI}${text}${PDI}`;
}

/**
 * True when `text` holds a right-to-left character (or mark), so that it
 * could reorder what is shown beside it.
 *
 * @example
 * ```ts
 * hasRightToLeft("שלום"); // true
 * hasRightToLeft("hello 👋"); // false
 * ```
 */
export function hasRightToLeft(text: string): boolean {
  return RIGHT_TO_LEFT.test(text);
}

/**
 * A piece of user text ready to be placed on a line: cleaned, and isolated
 * when it holds right-to-left characters.
 *
 * @param text Any user text (a message, a nick, a reason).
 * @returns `clean(text)`, wrapped in FSI … PDI when it needs to be.
 * @example
 * ```ts
 * userPiece("hi");    // "hi"
 * userPiece("مرحبا"); // "\u2068مرحبا\u2069"
 * ```
 */
export function userPiece(text: string): string {
  const safe = clean(text);
  return hasRightToLeft(safe) ? isolate(safe) : safe;
}

/**
 * Cleans server-generated text that may quote people in isolates: every
 * isolate that is closed by its own PDI, in order, is kept; an unmatched FSI
 * or PDI is dropped; everything between is cleaned as user text.
 *
 * @param text A server's reply, refusal or goodbye text.
 * @returns The cleaned text, with balanced isolates only.
 * @example
 * ```ts
 * cleanKeepingIsolates("bob is away: \u2068مرحبا\u2069"); // kept as it is
 * cleanKeepingIsolates("x\u2069y\u2068z"); // "xyz"
 * ```
 */
export function cleanKeepingIsolates(text: string): string {
  if (!text.includes(FSI) && !text.includes(PDI)) return clean(text);
  const parts = text.split(/([\u2068\u2069])/);
  // First pass: which FSI/PDI pair up (a stack of open FSIs).
  const keep = new Set<number>();
  const open: number[] = [];
  parts.forEach((part, i) => {
    if (part === FSI) open.push(i);
    else if (part === PDI && open.length > 0) {
      keep.add(open.pop()!);
      keep.add(i);
    }
  });
  return parts.map((part, i) =>
    part === FSI || part === PDI ? (keep.has(i) ? part : "") : clean(part)
  ).join("");
}

/**
 * A person's text quoted in a server's message: cleaned, cut to
 * `maxCodePoints` with `…`, isolated when it holds right-to-left characters,
 * in double quotes.
 *
 * @param text What the person sent (a nick, a room name, a command).
 * @param maxCodePoints The most code points shown before the `…`.
 * @returns The quoted piece, quotes included.
 * @example
 * ```ts
 * `${quote("9lives", 40)} is not a valid nick`; // '"9lives" is not a valid nick'
 * ```
 */
export function quote(text: string, maxCodePoints: number): string {
  const cut = preview(text, maxCodePoints);
  return `"${hasRightToLeft(cut) ? isolate(cut) : cut}"`;
}
