/**
 * The IRC message grammar: what the IRC listener reads from irssi, WeeChat
 * and phone IRC apps, and what it writes back. {@linkcode parseMessage} turns
 * one line into an {@linkcode IrcMessage} (or a {@linkcode ParseError}; it
 * never throws), and {@linkcode serializeMessage} does the reverse, without
 * the CR LF. It follows the Modern IRC Client Protocol
 * (https://modern.ircdocs.horse/#messages), the IRCv3 message-tags
 * specification (https://ircv3.net/specs/extensions/message-tags), and
 * RFC 1459 / RFC 2812 where those are silent. Framing a connection's bytes
 * into lines is `line_splitter.ts`; fitting long text into lines is
 * `split_text.ts`; nick rules are `names.ts`; the limits are `limits.ts`.
 *
 * @module
 */

import { MAX_PARAMS } from "./limits.ts";
import { escapeTagValue, isTagKey, parseTags } from "./tags.ts";

/**
 * One IRC message, parsed.
 *
 * @example
 * ```ts
 * // "@+draft/reply=12 :ann!ann@lochat PRIVMSG #games :hi all" is
 * const message: IrcMessage = {
 *   tags: new Map([["+draft/reply", "12"]]),
 *   source: "ann!ann@lochat",
 *   command: "PRIVMSG",
 *   params: ["#games", "hi all"],
 * };
 * ```
 */
export interface IrcMessage {
  /**
   * Tag keys to unescaped values, in the order they came; a tag sent
   * without a value (`@ccc`) has the value `""`. Empty when the line had
   * none. A `Map` rather than a record: keys are whatever a client chose
   * (`+vendor.example/x`), and a Map has no inherited keys to collide with.
   * Each parsed message gets its own, so a relay may delete the tags it must
   * not pass on and add its own (`msgid`, `time`) in place.
   */
  tags: Map<string, string>;
  /** The source (prefix) without its `:`, e.g. `nick!user@host`; absent if none. */
  source?: string;
  /** Letters upper-cased (`PRIVMSG`), or a numeric of exactly 3 digits (`001`). */
  command: string;
  /**
   * Parameters in order, the trailing one (after ` :`) last like any other,
   * its `:` removed. At most {@linkcode MAX_PARAMS}.
   */
  params: string[];
}

/**
 * What {@linkcode serializeMessage} accepts: an {@linkcode IrcMessage}, or
 * one written by hand with no tags or no params.
 */
export interface IrcMessageInit {
  /** Tags to write, values unescaped; none when absent or empty. */
  tags?: ReadonlyMap<string, string> | undefined;
  /** The source (prefix) without its `:`; none when absent. */
  source?: string | undefined;
  /** Letters (`PRIVMSG`) or a 3-digit numeric (`433`), written as given. */
  command: string;
  /** Parameters, the last written as trailing when it needs to be. */
  params?: readonly string[] | undefined;
  /**
   * Write the last parameter as trailing (`:` prefixed) even when it need
   * not be: older clients (ii, some scripts) read a message's text, a new
   * nick or a numeric's last word only after the `:`.
   */
  trailing?: boolean | undefined;
}

/**
 * Why a line is not a message, from {@linkcode parseMessage}. Tell it from
 * an {@linkcode IrcMessage} with `"error" in result`.
 *
 * - `empty`: nothing but spaces. The modern protocol says to ignore these
 *   silently (https://modern.ircdocs.horse/#compatibility-with-incorrect-software).
 * - `bad-character`: a NUL, CR or LF inside the line, which no part of a
 *   message may hold.
 * - `bad-source`: a `:` with no source after it.
 * - `no-command`: tags or a source and then nothing.
 * - `bad-command`: a command that is neither letters nor 3 digits; it is in
 *   `command`, for a `421 ERR_UNKNOWNCOMMAND` reply.
 */
export type ParseError =
  | { error: "empty"; reason: string }
  | { error: "bad-character"; reason: string }
  | { error: "bad-source"; reason: string }
  | { error: "no-command"; reason: string }
  | { error: "bad-command"; reason: string; command: string };

const SPACE = 0x20;
const COLON = 0x3a;
const AT = 0x40;
const NOT_IN_A_LINE = /[\0\r\n]/;

/**
 * Parses one IRC line (without its CR LF) into its tags, source, command
 * and parameters. Never throws.
 *
 * The rules, from https://modern.ircdocs.horse/#messages and
 * https://ircv3.net/specs/extensions/message-tags:
 * - Tags only when `@` is the very first character: `key=value` pairs split
 *   on `;`, a key without `=` has the value `""`, values unescaped (`\:` is
 *   `;`, `\s` a space, `\\` a backslash, `\r` and `\n` CR and LF, a lone
 *   `\` at the end dropped, any other `\x` is `x`). Keys are opaque: any
 *   non-empty text; a repeated key keeps its last value.
 * - Parts are separated by one or more spaces (RFC 1459 §2.3.1); spaces
 *   before the source or command and after the last middle parameter are
 *   ignored. Only spaces: a tab is part of a word.
 * - A parameter starting with `:` is the trailing one: the rest of the line,
 *   spaces and colons included, possibly empty. So a middle parameter never
 *   starts with `:`.
 * - At most {@linkcode MAX_PARAMS}: after 14 middle parameters the rest of
 *   the line is the 15th, as if it followed ` :` — RFC 2812 §2.3.1's
 *   `14( SPACE middle ) [ SPACE [ ":" ] trailing ]`. Nothing is dropped and
 *   no command handler sees more than 15.
 * - The command is upper-cased; a numeric must be exactly 3 digits.
 *
 * Lengths are not checked here: `IrcLineSplitter` (`line_splitter.ts`) does
 * that on bytes, before decoding.
 *
 * @param line one line, without CR LF (as an `IrcLineSplitter` gives it)
 * @returns the message, or why the line is not one
 *
 * @example
 * ```ts
 * const result = parseMessage("@time=12 :ann!a@h privmsg #games :good game :)");
 * if (!("error" in result)) {
 *   result.command; // "PRIVMSG"
 *   result.params; // ["#games", "good game :)"]
 *   result.tags.get("time"); // "12"
 * }
 * ```
 */
export function parseMessage(line: string): IrcMessage | ParseError {
  const length = line.length;
  if (NOT_IN_A_LINE.test(line)) {
    return {
      error: "bad-character",
      reason: "a message may not hold NUL, CR or LF",
    };
  }
  let at = 0;
  const tags = new Map<string, string>();
  if (length > 0 && line.charCodeAt(0) === AT) {
    const end = line.indexOf(" ");
    if (end === -1) return noCommand();
    parseTags(line, 1, end, tags);
    at = end;
  }
  at = skipSpaces(line, at);
  if (at === length) {
    return line.charCodeAt(0) === AT
      ? noCommand()
      : { error: "empty", reason: "an empty line is not a message" };
  }
  let source: string | undefined;
  if (line.charCodeAt(at) === COLON) {
    const end = line.indexOf(" ", at);
    if (end === -1) return noCommand();
    if (end === at + 1) {
      return { error: "bad-source", reason: "a source may not be empty" };
    }
    source = line.slice(at + 1, end);
    at = skipSpaces(line, end);
    if (at === length) return noCommand();
  }
  let end = line.indexOf(" ", at);
  if (end === -1) end = length;
  const command = commandOf(line.slice(at, end));
  if (typeof command !== "string") return command;
  const params: string[] = [];
  at = end;
  while (true) {
    at = skipSpaces(line, at);
    if (at === length) break;
    if (line.charCodeAt(at) === COLON) {
      params.push(line.slice(at + 1));
      break;
    }
    if (params.length === MAX_PARAMS - 1) {
      params.push(line.slice(at));
      break;
    }
    end = line.indexOf(" ", at);
    if (end === -1) end = length;
    params.push(line.slice(at, end));
    at = end;
  }
  return source === undefined
    ? { tags, command, params }
    : { tags, source, command, params };
}

function noCommand(): ParseError {
  return { error: "no-command", reason: "a message needs a command" };
}

function skipSpaces(line: string, at: number): number {
  while (at < line.length && line.charCodeAt(at) === SPACE) at++;
  return at;
}

/** The command upper-cased, or why it is not one. */
function commandOf(word: string): string | ParseError {
  const length = word.length;
  let letters = true;
  let digits = true;
  for (let i = 0; i < length; i++) {
    const c = word.charCodeAt(i);
    if (!isLetter(c)) letters = false;
    if (c < 0x30 || c > 0x39) digits = false;
  }
  if (letters && length > 0) return word.toUpperCase();
  if (digits && length === 3) return word;
  return {
    error: "bad-command",
    reason: `"${word}" is not a command: letters, or a numeric of 3 digits`,
    command: word,
  };
}

function isLetter(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

/**
 * Writes a message as one IRC line, without the CR LF (the caller adds it
 * when sending).
 *
 * Tags come first in the map's order, values escaped, a `""` value written
 * as the bare key (the normalisation message-tags allows). The last
 * parameter is written as trailing (`:` prefixed) when it must be: when it
 * is empty, holds a space, or starts with `:`
 * (https://modern.ircdocs.horse/#parameters). So
 * `parseMessage(serializeMessage(m))` gives `m` back for every message this
 * accepts, with an upper-case command.
 *
 * Lengths are not checked: use `maxTextBytes` and `splitText`
 * (`split_text.ts`) to make text fit in `MAX_MESSAGE_BYTES`.
 *
 * @param message what to write
 * @returns the line, without CR LF
 * @throws {TypeError} when the message cannot be written faithfully, which
 *   is a bug in the caller: a command that is not letters or 3 digits; an
 *   empty source or one with a space; a tag key outside the spec's grammar;
 *   a NUL in a tag value; a parameter with CR, LF or NUL; a parameter other
 *   than the last that is empty, has a space or starts with `:`; more than
 *   {@linkcode MAX_PARAMS} parameters.
 *
 * @example
 * ```ts
 * serializeMessage({
 *   source: "ann!ann@lochat",
 *   command: "PRIVMSG",
 *   params: ["#games", "good game"],
 * }); // ":ann!ann@lochat PRIVMSG #games :good game"
 * serializeMessage({ command: "PING", params: ["lochat"] }); // "PING lochat"
 * ```
 */
export function serializeMessage(message: IrcMessageInit): string {
  let line = "";
  const tags = message.tags;
  if (tags !== undefined && tags.size > 0) {
    let first = true;
    for (const [key, value] of tags) {
      if (!isTagKey(key)) {
        throw new TypeError(`"${key}" is not a valid tag key`);
      }
      if (value.includes("\0")) {
        throw new TypeError(`the value of tag "${key}" holds a NUL`);
      }
      line += (first ? "@" : ";") + key;
      if (value !== "") line += "=" + escapeTagValue(value);
      first = false;
    }
    line += " ";
  }
  const source = message.source;
  if (source !== undefined) {
    if (source === "" || source.includes(" ") || NOT_IN_A_LINE.test(source)) {
      throw new TypeError(
        `"${source}" is not a valid source: non-empty, no space, CR, LF or NUL`,
      );
    }
    line += ":" + source + " ";
  }
  const command = message.command;
  if (typeof commandOf(command) !== "string") {
    throw new TypeError(
      `"${command}" is not a command: letters, or a numeric of 3 digits`,
    );
  }
  line += command;
  const params = message.params ?? [];
  if (params.length > MAX_PARAMS) {
    throw new TypeError(
      `${params.length} parameters: a message has at most ${MAX_PARAMS}`,
    );
  }
  const last = params.length - 1;
  for (let i = 0; i <= last; i++) {
    const param = params[i] ?? "";
    if (NOT_IN_A_LINE.test(param)) {
      throw new TypeError(`parameter ${i + 1} holds CR, LF or NUL`);
    }
    const plain = param !== "" && !param.includes(" ") &&
      param.charCodeAt(0) !== COLON && !(i === last && message.trailing);
    if (plain) line += " " + param;
    else if (i === last) line += " :" + param;
    else {
      throw new TypeError(
        `parameter ${i + 1} of ${last + 1} is empty, has a space or starts ` +
          `with ":": only the last one may`,
      );
    }
  }
  return line;
}
