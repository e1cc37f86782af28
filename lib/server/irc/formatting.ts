/**
 * What an IRC user's text becomes in Lochat: mIRC formatting codes stripped
 * and CTCP `ACTION` read as `/me`. Lochat shows text the same to everyone,
 * whatever their client, and has no colours or bold in messages, so the
 * codes (https://modern.ircdocs.horse/formatting) are removed rather than
 * mapped: bold `\x02`, colour `\x03` with its `N[,M]` digits, hex colour
 * `\x04` with its `RRGGBB[,RRGGBB]`, reset `\x0f`, monospace `\x11`,
 * reverse `\x16`, italics `\x1d`, strikethrough `\x1e`, underline `\x1f`.
 * The rest of the text is then cleaned by Lochat's own hygiene, like any
 * other transport's.
 *
 * @module
 */

/** The codes, with the digits a colour code takes. */
const FORMATTING = new RegExp(
  "\x03(?:\\d{1,2}(?:,\\d{1,2})?)?" +
    "|\x04(?:[0-9a-fA-F]{6}(?:,[0-9a-fA-F]{6})?)?" +
    "|[\x02\x0f\x11\x16\x1d\x1e\x1f]",
  "g",
);

/**
 * Removes mIRC formatting codes from `text`.
 *
 * @param text a message's text as an IRC client sent it
 * @returns it without formatting codes; other characters untouched
 *
 * @example
 * ```ts
 * stripFormatting("\x02bold\x02 \x0304,12red on blue\x03 plain"); // "bold red on blue plain"
 * ```
 */
export function stripFormatting(text: string): string {
  return text.replace(FORMATTING, "");
}

/** What a PRIVMSG's text is, for Lochat. */
export type IrcText =
  | { kind: "text"; text: string }
  | { kind: "action"; text: string }
  /** Another CTCP (`VERSION`, `PING`, …): not text (see `ctcp.ts`). */
  | { kind: "ctcp"; command: string };

/**
 * Reads a PRIVMSG or NOTICE text: a CTCP `ACTION` (`\x01ACTION waves\x01`,
 * https://modern.ircdocs.horse/ctcp#action) is an action (`/me waves`),
 * another CTCP is reported as such, anything else is text; formatting
 * codes are stripped from the text either way.
 *
 * @param text the trailing parameter as sent
 * @returns what it is
 *
 * @example
 * ```ts
 * readText("\x01ACTION waves\x01"); // { kind: "action", text: "waves" }
 * readText("\x01VERSION\x01");      // { kind: "ctcp", command: "VERSION" }
 * ```
 */
export function readText(text: string): IrcText {
  if (text.charCodeAt(0) === 1) {
    const body = text.slice(1, text.endsWith("\x01") ? -1 : undefined);
    const space = body.indexOf(" ");
    const command = (space === -1 ? body : body.slice(0, space)).toUpperCase();
    if (command === "ACTION") {
      return {
        kind: "action",
        text: stripFormatting(space === -1 ? "" : body.slice(space + 1)),
      };
    }
    return { kind: "ctcp", command };
  }
  return { kind: "text", text: stripFormatting(text) };
}
