/**
 * Control and escape stripping for every piece of user text.
 *
 * Text typed by one person is printed on everyone else's terminal, so nothing
 * in it may be read by a terminal as an instruction: no ESC sequences (colour,
 * cursor moves, title changes, OSC 52 clipboard writes), no C0 or C1 control
 * characters (U+0080–U+009F included: some terminals treat U+009B as CSI), and
 * no bidirectional overrides or isolates that would make a line read in an
 * order other than the one it was sent in. The server cleans text before it
 * stores or sends it; the client cleans again before it prints.
 *
 * @module
 */

/** C0 and C1 controls, DEL, and the bidirectional overrides and isolates. */
const CONTROL_CLASS = "[\\x00-\\x1f\\x7f-\\x9f\\u202a-\\u202e\\u2066-\\u2069]";
/** Whether there is anything to clean: one test, no copy, for the common case. */
const UNSAFE = new RegExp(CONTROL_CLASS);
const ESCAPE_SEQUENCE = new RegExp(
  [
    // OSC, DCS, SOS, PM, APC: up to BEL, ST (ESC \) or the end of the text.
    "\\x1b[\\]PX^_][\\s\\S]*?(?:\\x07|\\x1b\\\\|$)",
    // CSI: parameters, intermediates, one final byte.
    "\\x1b\\[[\\x30-\\x3f]*[\\x20-\\x2f]*[\\x40-\\x7e]?",
    // Any other ESC with its intermediates and final byte.
    "\\x1b[\\x20-\\x2f]*[\\x30-\\x7e]?",
  ].join("|"),
  "g",
);
const WHITESPACE_CONTROL = /[\t\n\r\v\f]/g;
const CONTROL = new RegExp(CONTROL_CLASS, "g");

/**
 * Returns `text` with every escape sequence and control character removed and
 * tabs and line breaks turned into spaces. Safe text comes back unchanged (the
 * same string, no copy).
 *
 * @example
 * ```ts
 * sanitize("hi \x1b[31mred\x1b[0m\u202e!"); // "hi red!"
 * ```
 */
export function sanitize(text: string): string {
  if (!UNSAFE.test(text)) return text;
  return text
    .replace(ESCAPE_SEQUENCE, "")
    .replace(WHITESPACE_CONTROL, " ")
    .replace(CONTROL, "");
}

/** True when `text` holds nothing that {@linkcode sanitize} would remove. */
export function isClean(text: string): boolean {
  return !UNSAFE.test(text);
}
