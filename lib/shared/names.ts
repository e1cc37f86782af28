/**
 * Nicknames and room names: what is allowed, how they compare, what to
 * suggest when one is refused.
 *
 * Nicks are ASCII on purpose: letters, digits, `_` and `-`, starting with a
 * letter. Unicode nicks would let "аlice" (Cyrillic а) pass for "alice"; the
 * server is the only guard against impersonation, so it keeps the set small.
 * Nicks compare case-insensitively: "Alice" and "alice" are one person.
 *
 * @module
 */

import { PROTOCOL_LIMITS } from "./limits.ts";

const MAX_NICK_CHARS: number = PROTOCOL_LIMITS.nickChars.default;
const MAX_ROOM_CHARS: number = PROTOCOL_LIMITS.roomChars.default;
import { quote } from "./bidi.ts";

const NICK = /^[A-Za-z][A-Za-z0-9_-]*$/;
const ROOM = new RegExp(`^[a-z0-9][a-z0-9_-]{0,${MAX_ROOM_CHARS - 1}}$`);

/** The rule for nicks of at most `maxChars`, in words, for messages and help. */
export function nickRule(maxChars = MAX_NICK_CHARS): string {
  return `1–${maxChars} characters: letters, digits, "_" or "-", starting with a letter`;
}

/** The rule for room names, in words. */
export const ROOM_RULE =
  `1–${MAX_ROOM_CHARS} characters: lowercase letters, digits, "_" or "-" (a leading "#" is fine)`;

/** The key a nick is compared by. */
export function nickKey(nick: string): string {
  return nick.toLowerCase();
}

/** Returns why `nick` is not allowed, or `undefined` when it is. */
export function nickProblem(
  nick: string,
  maxChars = MAX_NICK_CHARS,
): string | undefined {
  if (nick.length <= maxChars && NICK.test(nick)) return undefined;
  return `${quote(nick, 40)} is not a valid nick: use ${nickRule(maxChars)}`;
}

/**
 * Turns what a person typed into a room name ("#Games" → "games"), or
 * returns why it cannot be one.
 */
export function parseRoom(
  input: string,
): { ok: true; room: string } | { ok: false; problem: string } {
  const room = input.replace(/^#/, "").toLowerCase();
  if (ROOM.test(room)) return { ok: true, room };
  return {
    ok: false,
    problem: `${quote(input, 40)} is not a valid room name: use ${ROOM_RULE}`,
  };
}

/**
 * Suggests a free nick close to `nick`: `nick2`, `nick3`, …, trimmed to fit.
 *
 * @example
 * ```ts
 * suggestNick("bob", (n) => n === "bob"); // "bob2"
 * ```
 */
export function suggestNick(
  nick: string,
  isTaken: (nick: string) => boolean,
  maxChars = MAX_NICK_CHARS,
): string {
  const base = nickProblem(nick, maxChars) === undefined ? nick : "guest";
  for (let n = 2;; n++) {
    const suffix = String(n);
    const candidate = base.slice(0, maxChars - suffix.length) + suffix;
    if (!isTaken(candidate)) return candidate;
  }
}
