/**
 * The line a person is typing on a telnet client, as the server holds it
 * until its line end: bytes kept up to a limit (a longer line is reported
 * once as `too-long` and its rest skipped), erased one grapheme cluster at a
 * time for BS, DEL and Erase Character (UAX #29, through `Intl.Segmenter`:
 * an emoji with its skin tone, a flag, a letter with its accents go whole,
 * as the person sees them), thrown away for Erase Line or Ctrl-C, and decoded
 * as UTF-8 when it ends. `line_decoder.ts` takes the telnet commands out of
 * the stream and tells a {@linkcode TypedLine} what is left.
 *
 * @module
 */

import type { LineResult } from "../../shared/lines.ts";

export type { LineResult };

/**
 * One decoder for every line: lines are decoded whole, so it keeps no state
 * between calls.
 */
const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const NOTHING = new Uint8Array(0);

/**
 * The bounded line being typed on one connection. Memory held stays under
 * `maxBytes`; a line that arrives whole in one read is decoded in place,
 * without a copy.
 *
 * @example
 * ```ts
 * const lines: LineResult[] = [];
 * const typed = new TypedLine(16);
 * typed.keep(new TextEncoder().encode("hi 👍🏽"), (r) => lines.push(r));
 * typed.erase(); // the thumb and its skin tone go together
 * typed.endLine(new Uint8Array(0), (r) => lines.push(r));
 * // lines: [{ ok: true, line: "hi " }]
 * ```
 */
export class TypedLine {
  #maxBytes: number;
  /** The line being typed, when it did not arrive whole in one run. */
  #pending: Uint8Array = NOTHING;
  #pendingLength = 0;
  /** True while skipping the rest of a line already reported as too long. */
  #skipping = false;

  /**
   * Makes the line of one connection.
   *
   * @param maxBytes the longest line accepted, in bytes of UTF-8, its line
   *   end counted as one
   */
  constructor(maxBytes: number) {
    this.#maxBytes = maxBytes;
  }

  /**
   * Adds bytes to the line, or reports it too long (once) and skips the rest
   * of it.
   *
   * @param bytes data bytes, not kept after the call returns
   * @param onLine receives the `too-long` error, if the line becomes one
   */
  keep(bytes: Uint8Array, onLine: (result: LineResult) => void): void {
    if (this.#skipping || bytes.length === 0) return;
    const needed = this.#pendingLength + bytes.length;
    // The line end counts towards the limit.
    if (needed + 1 > this.#maxBytes) {
      this.#skipping = true;
      this.#pendingLength = 0;
      onLine({ ok: false, error: "too-long", limit: this.#maxBytes });
      return;
    }
    if (needed > this.#pending.length) {
      const grown = new Uint8Array(
        Math.min(
          this.#maxBytes,
          Math.max(needed, this.#pending.length * 2, 256),
        ),
      );
      grown.set(this.#pending.subarray(0, this.#pendingLength));
      this.#pending = grown;
    }
    this.#pending.set(bytes, this.#pendingLength);
    this.#pendingLength = needed;
  }

  /**
   * Ends the line at a line end: reports it, unless it was already reported
   * as too long.
   *
   * @param run the line's last bytes, from the current chunk
   * @param onLine receives the line, or the error for it
   */
  endLine(run: Uint8Array, onLine: (result: LineResult) => void): void {
    if (this.#skipping) {
      this.#skipping = false;
      this.#pendingLength = 0;
    } else if (this.#pendingLength === 0) {
      // The common case: the whole line is inside this chunk, no copy.
      this.#emit(run, onLine);
    } else {
      this.keep(run, onLine);
      if (!this.#skipping) {
        this.#emit(this.#pending.subarray(0, this.#pendingLength), onLine);
      }
      this.#skipping = false;
      this.#pendingLength = 0;
    }
  }

  /**
   * Ends the stream: a last line without a line end still counts, unless it
   * was reported too long. The line is then empty.
   *
   * @param onLine receives the last line, if there is one
   */
  endStream(onLine: (result: LineResult) => void): void {
    if (this.#pendingLength > 0 && !this.#skipping) {
      this.#emit(this.#pending.subarray(0, this.#pendingLength), onLine);
    }
    this.clear();
  }

  /** Bytes of the line typed so far (0 when no line is begun). */
  get holding(): number {
    return this.#skipping ? 1 : this.#pendingLength;
  }

  /** Throws the line away (Erase Line, Ctrl-C); what follows is a new line. */
  clear(): void {
    this.#pendingLength = 0;
    this.#skipping = false;
  }

  /** Throws the line away and drops the rest of it, unreported. */
  skipRest(): void {
    this.#pendingLength = 0;
    this.#skipping = true;
  }

  /** Takes the last grapheme cluster off the line (BS, DEL, Erase Character). */
  erase(): void {
    const length = this.#pendingLength;
    if (this.#skipping || length === 0) return;
    this.#pendingLength = length -
      lastGraphemeBytes(this.#pending.subarray(0, length));
  }

  #emit(bytes: Uint8Array, onLine: (result: LineResult) => void): void {
    if (bytes.length + 1 > this.#maxBytes) {
      onLine({ ok: false, error: "too-long", limit: this.#maxBytes });
      return;
    }
    let line: string;
    try {
      line = utf8.decode(bytes);
    } catch {
      onLine({ ok: false, error: "invalid-utf8" });
      return;
    }
    onLine({ ok: true, line });
  }
}

const graphemes = new Intl.Segmenter(undefined, { granularity: "grapheme" });
/** How far back an erase looks for the start of the last grapheme cluster. */
const ERASE_WINDOW = 256;

/**
 * Bytes in the last grapheme cluster of `line`: what one erase takes off.
 * 0 for an empty line.
 */
function lastGraphemeBytes(line: Uint8Array): number {
  const end = line.length;
  if (end === 0) return 0;
  // ASCII after ASCII is a cluster of its own: no need to segment.
  if (line[end - 1]! < 0x80 && (end === 1 || line[end - 2]! < 0x80)) return 1;
  return lastClusterBytes(line);
}

/**
 * Bytes in the last grapheme cluster of `line` (UAX #29, through
 * `Intl.Segmenter`). Segments only the tail that can matter: from the last
 * boundary that is certain (between two ASCII characters, or the start of
 * the line), at most {@linkcode ERASE_WINDOW} bytes back, so a long line
 * erased character by character costs no more per erase than a short one.
 * Bytes that are not UTF-8 are erased one code point's worth at a time.
 */
function lastClusterBytes(line: Uint8Array): number {
  const end = line.length;
  const floor = Math.max(0, end - ERASE_WINDOW);
  let start = end - 1;
  while (start > floor && !(line[start]! < 0x80 && line[start - 1]! < 0x80)) {
    start--;
  }
  // Where the window was cut short, start at a character.
  while (start < end - 1 && (line[start]! & 0xc0) === 0x80) start++;
  let text: string;
  try {
    text = utf8.decode(line.subarray(start, end));
  } catch {
    return lastCodePointBytes(line);
  }
  const last = graphemes.segment(text).containing(text.length - 1);
  return last === undefined
    ? lastCodePointBytes(line)
    : utf8Length(last.segment);
}

/**
 * Bytes in the last UTF-8 sequence of `line`, a lead byte and as many
 * continuation bytes as it calls for; 1 when the tail is no such sequence.
 */
function lastCodePointBytes(line: Uint8Array): number {
  const end = line.length;
  for (let count = 1; count <= 4 && count <= end; count++) {
    const lead = line[end - count]!;
    if ((lead & 0xc0) === 0x80) continue;
    const length = lead < 0xc0 ? 1 : lead < 0xe0 ? 2 : lead < 0xf0 ? 3 : 4;
    return length >= count ? count : 1;
  }
  return 1;
}

/** Bytes `text` takes in UTF-8 (it has no lone surrogates). */
function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (unit >= 0xd800 && unit <= 0xdbff) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}
