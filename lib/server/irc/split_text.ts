/**
 * Text that fits in IRC lines: a long Lochat message goes out as as many
 * PRIVMSGs as it takes, in order, none over `MAX_MESSAGE_BYTES` (512, from
 * `limits.ts`), none cutting a character. {@linkcode maxTextBytes} says how
 * many bytes of text one `:source COMMAND target :text` line has room for;
 * {@linkcode splitText} cuts the text into pieces of that size at
 * grapheme-cluster boundaries, using the shared `splitUtf8` from
 * `lib/shared/text.ts`; {@linkcode utf8ByteLength} measures without encoding.
 * Sizes are in bytes of UTF-8.
 *
 * @module
 */

import { splitUtf8 } from "../../shared/text.ts";
import { MAX_MESSAGE_BYTES } from "./limits.ts";

/**
 * How many bytes `text` takes in UTF-8, without encoding it. A lone
 * surrogate counts 3, as `TextEncoder` writes it as U+FFFD.
 *
 * @param text any string
 * @returns its length in UTF-8 bytes (not UTF-16 units, not characters)
 *
 * @example
 * ```ts
 * utf8ByteLength("né €😀"); // 1 + 2 + 1 + 3 + 4 = 11
 * ```
 */
export function utf8ByteLength(text: string): number {
  let bytes = 0;
  const length = text.length;
  for (let i = 0; i < length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (
      c >= 0xd800 && c <= 0xdbff && i + 1 < length &&
      (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00
    ) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

/**
 * How many bytes of text fit in one `:source COMMAND target :text` line
 * within {@linkcode MAX_MESSAGE_BYTES} (512, CR LF included; tags are
 * outside that budget — https://modern.ircdocs.horse/#message-format). Use
 * it as the `maxBytes` of {@linkcode splitText}.
 *
 * The text is always counted as trailing (`:` prefixed), as a message's
 * text may have spaces.
 *
 * @param source the source the line will carry, e.g. `nick!user@host`;
 *   `undefined` for a line with no source
 * @param target the channel or nick, e.g. `#games`
 * @param command `PRIVMSG` unless given (`NOTICE` costs one byte less)
 * @returns bytes (not characters) of text that fit; 0 if none do
 *
 * @example
 * ```ts
 * // 512 - 16 (":ann!ann@lochat ") - 8 ("PRIVMSG ") - 6 ("#games")
 * //     - 2 (" :") - 2 (CR LF)
 * maxTextBytes("ann!ann@lochat", "#games"); // 478
 * ```
 */
export function maxTextBytes(
  source: string | undefined,
  target: string,
  command = "PRIVMSG",
): number {
  const prefix = source === undefined ? 0 : 1 + utf8ByteLength(source) + 1;
  const overhead = prefix + utf8ByteLength(command) + 1 +
    utf8ByteLength(target) + 2 + 2; // " :" before the text, CR LF after
  return Math.max(0, MAX_MESSAGE_BYTES - overhead);
}

/**
 * Splits a message's text into pieces of at most `maxBytes` UTF-8 bytes,
 * each to be sent as one PRIVMSG: so a long Lochat message reaches IRC
 * clients whole, in order, and no piece cuts a character.
 *
 * Pieces end at grapheme-cluster boundaries (`splitUtf8` from
 * `lib/shared/text.ts`, through `Intl.Segmenter`), so an
 * emoji with modifiers, a flag or a letter with its accents stays in one
 * piece — the "last UTF-8 character or grapheme that fits" that
 * https://modern.ircdocs.horse/#compatibility-with-incorrect-software
 * prefers. Only a single grapheme longer than `maxBytes` is cut, and then
 * between code points. Pieces are as full as they can be; spaces are kept
 * where they fall, so joining the pieces gives `text` back.
 *
 * @param text the message text, any length
 * @param maxBytes the most UTF-8 bytes a piece may take, at least 4 (the
 *   longest code point); usually from {@linkcode maxTextBytes}
 * @returns the pieces, `[text]` when it fits, `[]` for `""`
 * @throws {RangeError} when `maxBytes` is not an integer of at least 4
 *
 * @example
 * ```ts
 * splitText("héllo wörld", 6); // ["héllo", " wörl", "d"]
 * splitText("ok", maxTextBytes("ann!ann@lochat", "#games")); // ["ok"]
 * ```
 */
export function splitText(text: string, maxBytes: number): string[] {
  if (!Number.isInteger(maxBytes) || maxBytes < 4) {
    throw new RangeError(`maxBytes must be an integer of at least 4`);
  }
  if (text === "") return [];
  // Checked here too, so text that fits is never segmented and any integer
  // limit is accepted: what reaches splitUtf8 is below the text's own size.
  if (text.length * 3 <= maxBytes || utf8ByteLength(text) <= maxBytes) {
    return [text];
  }
  return splitUtf8(text, maxBytes);
}
