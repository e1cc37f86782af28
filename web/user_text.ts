/**
 * People's text on the page: cleaned as the server cleans it, and kept in
 * its place. The server's hygiene (`lib/shared/text.ts`: no controls, no
 * bidi overrides or isolates, no invisible characters) is applied to the
 * person's own lines before they are shown, so the sender sees what
 * everyone else sees, and again to what the server sends.
 *
 * Lines the page composes around people's text (`bob is away: …`,
 * `cat is taken; you are cat2`) mark each piece of it with FIRST STRONG
 * ISOLATE … POP DIRECTIONAL ISOLATE, as the server marks the pieces it
 * quotes; the view turns every marked piece into a `<bdi>` element, so a
 * right-to-left piece can neither reorder the words around it nor be
 * reordered by them. Cleaning removes every isolate from the pieces
 * themselves, so none can close its wrapper early.
 *
 * Pure: no DOM, for the tests.
 *
 * @module
 */

import { cleanKeepingIsolates, isolate } from "../lib/shared/bidi.ts";
import { clean } from "../lib/shared/text.ts";

export { clean };

const FSI = "\u2068";
const PDI = "\u2069";

/**
 * A piece of a person's text (a nick, a reason, a topic) for a line the
 * page composes: cleaned and isolated.
 *
 * @example
 * ```ts
 * `${piece("bob")} is away: ${piece("שלום")}`; // each piece in FSI … PDI
 * ```
 */
export function piece(text: string): string {
  return isolate(clean(text));
}

/**
 * Text the server wrote (a reply, a refusal), cleaned as user text but
 * keeping the isolates it put around the pieces it quotes, when they pair up.
 */
export function serverText(text: string): string {
  return cleanKeepingIsolates(text);
}

/** The text without its isolate marks: for a notification, a title, a test. */
export function plain(text: string): string {
  return text.replace(/[\u2068\u2069]/g, "");
}

/** A run of a line: plain text, or one isolated piece (without its marks). */
export interface Segment {
  text: string;
  isolated: boolean;
}

/**
 * Splits `text` into plain runs and isolated pieces, for the view: each
 * outermost FSI … PDI becomes one isolated segment (an isolate nested in it
 * stays inside, as characters the browser honours). A mark that does not
 * pair up is dropped.
 *
 * @example
 * ```ts
 * segments("\u2068bob\u2069 left"); // [{ text: "bob", isolated: true }, { text: " left", isolated: false }]
 * ```
 */
export function segments(text: string): Segment[] {
  if (!text.includes(FSI) && !text.includes(PDI)) {
    return text === "" ? [] : [{ text, isolated: false }];
  }
  const balanced = cleanKeepingIsolates(text);
  const out: Segment[] = [];
  let depth = 0;
  let run = "";
  const flush = (isolated: boolean) => {
    if (run !== "") out.push({ text: run, isolated });
    run = "";
  };
  for (const char of balanced) {
    if (char === FSI) {
      if (depth === 0) flush(false);
      else run += char;
      depth++;
    } else if (char === PDI) {
      depth--;
      if (depth === 0) flush(true);
      else run += char;
    } else run += char;
  }
  flush(depth > 0);
  return out;
}
