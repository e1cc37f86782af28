/**
 * Framing for the IRC listener: a connection's bytes into IRC lines, however
 * the reads fall. An {@linkcode IrcLineSplitter} ends lines at CR LF, a bare
 * LF or a bare CR; enforces the spec's byte limits before anything is decoded
 * (`MAX_CLIENT_TAG_BYTES` for the tags, `MAX_MESSAGE_BYTES` for the rest, from
 * `limits.ts`), reporting an oversized line once and skipping it; and decodes
 * each line as UTF-8, falling back to Windows-1252 (Latin-1 as old clients
 * really send it) unless told not to. The lines it gives are what
 * `parseMessage` in `message.ts` reads.
 *
 * @module
 */

import { MAX_CLIENT_TAG_BYTES, MAX_MESSAGE_BYTES } from "./limits.ts";

/**
 * What an {@linkcode IrcLineSplitter} hands back for each line. A subtype of
 * `LineResult` from `lib/shared/lines.ts`: code that handles those handles
 * these.
 *
 * - `ok: true`: the line, without its line ending, and how it was decoded:
 *   `"utf-8"`, or `"windows-1252"` when it was not UTF-8 and the fallback
 *   is on.
 * - `too-long`: the line broke a limit, `section` says which: `"tags"`
 *   (`limit` {@linkcode MAX_CLIENT_TAG_BYTES}) or `"body"` (`limit`
 *   {@linkcode MAX_MESSAGE_BYTES}). The caller answers
 *   `417 ERR_INPUTTOOLONG`; the line itself is skipped.
 * - `invalid-utf8`: the line was not UTF-8 and the fallback is off.
 */
export type IrcLineResult =
  | { ok: true; line: string; encoding: "utf-8" | "windows-1252" }
  | {
    ok: false;
    error: "too-long";
    section: "tags" | "body";
    limit: number;
  }
  | { ok: false; error: "invalid-utf8" };

/** Options for an {@linkcode IrcLineSplitter}. */
export interface IrcLineSplitterOptions {
  /**
   * What to do with a line that is not UTF-8: `"windows-1252"` (the
   * default) decodes it as Windows-1252, which is what WHATWG's `latin1`
   * means and what old Latin-1 clients really send; `"none"` reports it as
   * `invalid-utf8`, for a server advertising `UTF8ONLY`
   * (https://ircv3.net/specs/extensions/utf8-only).
   */
  fallback?: "windows-1252" | "none";
}

const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const AT = 0x40;
/** The longest line the limits allow, line ending not counted. */
const MAX_LINE_BYTES = MAX_CLIENT_TAG_BYTES + MAX_MESSAGE_BYTES - 2;
const NOTHING = new Uint8Array(0);
/** Shared: lines are decoded whole, so the decoders keep no state. */
const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const windows1252 = new TextDecoder("windows-1252");

/**
 * Splits a connection's bytes into IRC lines, the way
 * https://modern.ircdocs.horse/#message-format asks of a server:
 *
 * - A line ends at CR LF, and also at a bare LF or a bare CR ("Servers
 *   SHOULD handle single `\n` character, and MAY handle a single `\r`
 *   character, as if it was a `\r\n` pair",
 *   https://modern.ircdocs.horse/#compatibility-with-incorrect-software);
 *   a CR LF split across two reads is still one ending. Empty lines are
 *   dropped silently, as the spec says to ignore them.
 * - Limits, counted on bytes as if every line ended in CR LF: a line that
 *   starts with `@` may have a tags section (`@`, tag data, the space) of
 *   at most {@linkcode MAX_CLIENT_TAG_BYTES} = 4096; the rest of the line
 *   at most {@linkcode MAX_MESSAGE_BYTES} = 512 with its CR LF, so 510.
 *   A line over either is reported once as `too-long` and skipped to its
 *   end, so one oversized paste costs the sender a `417`, not the
 *   connection.
 * - Each line is decoded as UTF-8; one that is not is decoded as
 *   Windows-1252 (Latin-1 as clients really send it) and says so, the
 *   "Hybrid" decoding the spec recommends
 *   (https://modern.ircdocs.horse/#character-encodings). Per line, since a
 *   line is the unit a client encodes. Lochat's other clients then get
 *   UTF-8 whatever an old client sent. Pass `fallback: "none"` to report
 *   such lines as `invalid-utf8` instead.
 *
 * Memory held never exceeds 4096 + 510 bytes however the bytes arrive.
 * The same shape as `LineSplitter` in `lib/shared/lines.ts`.
 *
 * @example
 * ```ts
 * const splitter = new IrcLineSplitter();
 * const results: IrcLineResult[] = [];
 * const bytes = new TextEncoder().encode("NICK ann\r\nUSER ann 0 * :Ann\nPI");
 * splitter.push(bytes, (r) => results.push(r));
 * splitter.push(new TextEncoder().encode("NG x\r"), (r) => results.push(r));
 * splitter.end((r) => results.push(r));
 * // results: NICK ann, USER ann 0 * :Ann, PING x — all ok, "utf-8"
 * ```
 */
export class IrcLineSplitter {
  #fallback: boolean;
  /** Bytes of a line begun in an earlier chunk; no buffer until needed. */
  #pending: Uint8Array = NOTHING;
  #pendingLength = 0;
  /**
   * Where the body of the current line starts: 0 without tags, just past
   * the space that ends the tags, or -1 while still inside the tags.
   */
  #bodyStart = 0;
  /** True while skipping the rest of a line already reported as too long. */
  #skipping = false;
  /** True when the last chunk ended in CR: an LF first in the next is its pair. */
  #afterCr = false;

  /**
   * Makes an IrcLineSplitter for one connection.
   *
   * @param options.fallback what to do with lines that are not UTF-8;
   *   `"windows-1252"` when absent
   */
  constructor(options: IrcLineSplitterOptions = {}) {
    this.#fallback = (options.fallback ?? "windows-1252") === "windows-1252";
  }

  /** Bytes of an unfinished line held between chunks (0 when none). */
  get holding(): number {
    return this.#skipping ? 1 : this.#pendingLength;
  }

  /**
   * Feeds one chunk as read from the socket; calls `onLine` for each line
   * it completes, in order. A line not yet ended waits for the next chunk.
   *
   * @param chunk bytes in the order read, split anywhere
   * @param onLine called with each line or error, synchronously
   */
  push(chunk: Uint8Array, onLine: (result: IrcLineResult) => void): void {
    let start = 0;
    if (this.#afterCr && chunk.length > 0) {
      this.#afterCr = false;
      if (chunk[0] === LF) start = 1;
    }
    // Next LF and CR at or after `start`; -2 for not yet looked, -1 for none.
    let lf = -2;
    let cr = -2;
    while (start < chunk.length) {
      if (lf !== -1 && lf < start) lf = chunk.indexOf(LF, start);
      if (cr !== -1 && cr < start) cr = chunk.indexOf(CR, start);
      const end = lf === -1 ? cr : cr === -1 ? lf : Math.min(lf, cr);
      if (end === -1) {
        this.#take(chunk.subarray(start), false, onLine);
        return;
      }
      this.#take(chunk.subarray(start, end), true, onLine);
      start = end + 1;
      if (end === cr) {
        if (start === chunk.length) this.#afterCr = true;
        else if (chunk[start] === LF) start++;
      }
    }
  }

  /**
   * Ends the stream: a last line without a line ending still counts. The
   * splitter is then empty and may be fed again.
   *
   * @param onLine called with the last line, if there is one
   */
  end(onLine: (result: IrcLineResult) => void): void {
    if (this.#pendingLength > 0 && !this.#skipping) {
      const line = this.#pending.subarray(0, this.#pendingLength);
      this.#pendingLength = 0;
      this.#emit(line, onLine);
    }
    this.#pendingLength = 0;
    this.#pending = NOTHING;
    this.#skipping = false;
    this.#afterCr = false;
  }

  /** Takes the next piece of the current line; `complete` if it ends it. */
  #take(
    bytes: Uint8Array,
    complete: boolean,
    onLine: (result: IrcLineResult) => void,
  ): void {
    if (this.#skipping) {
      if (complete) this.#skipping = false;
      return;
    }
    const tooLong = this.#measure(bytes);
    if (tooLong !== undefined) {
      this.#pendingLength = 0;
      this.#skipping = !complete;
      onLine(tooLong);
      return;
    }
    if (!complete) {
      this.#keep(bytes);
    } else if (this.#pendingLength === 0) {
      // The common case: the whole line is in this chunk, no copy.
      if (bytes.length > 0) this.#emit(bytes, onLine);
    } else {
      this.#keep(bytes);
      const line = this.#pending.subarray(0, this.#pendingLength);
      this.#pendingLength = 0;
      this.#emit(line, onLine);
    }
  }

  /**
   * Checks the line so far plus `bytes` against the limits; the result to
   * report when it breaks one.
   */
  #measure(bytes: Uint8Array): IrcLineResult | undefined {
    const before = this.#pendingLength;
    if (before === 0) this.#bodyStart = bytes[0] === AT ? -1 : 0;
    if (this.#bodyStart === -1) {
      const space = bytes.indexOf(SPACE);
      if (space !== -1) this.#bodyStart = before + space + 1;
    }
    const length = before + bytes.length;
    // Still in the tags: `@` and tag data so far, the space yet to come.
    const tagsTooLong = this.#bodyStart === -1
      ? length + 1 > MAX_CLIENT_TAG_BYTES
      : this.#bodyStart > MAX_CLIENT_TAG_BYTES;
    if (tagsTooLong) {
      return {
        ok: false,
        error: "too-long",
        section: "tags",
        limit: MAX_CLIENT_TAG_BYTES,
      };
    }
    if (
      this.#bodyStart !== -1 &&
      length - this.#bodyStart + 2 > MAX_MESSAGE_BYTES
    ) {
      return {
        ok: false,
        error: "too-long",
        section: "body",
        limit: MAX_MESSAGE_BYTES,
      };
    }
    return undefined;
  }

  /** Appends to the pending line; {@linkcode #measure} bounded its size. */
  #keep(bytes: Uint8Array): void {
    const needed = this.#pendingLength + bytes.length;
    if (needed > this.#pending.length) {
      const grown = new Uint8Array(
        Math.min(
          MAX_LINE_BYTES,
          Math.max(needed, this.#pending.length * 2, 512),
        ),
      );
      grown.set(this.#pending.subarray(0, this.#pendingLength));
      this.#pending = grown;
    }
    this.#pending.set(bytes, this.#pendingLength);
    this.#pendingLength = needed;
  }

  #emit(bytes: Uint8Array, onLine: (result: IrcLineResult) => void): void {
    let line: string | undefined;
    try {
      line = utf8.decode(bytes);
    } catch {
      line = undefined;
    }
    if (line !== undefined) {
      onLine({ ok: true, line, encoding: "utf-8" });
    } else if (this.#fallback) {
      onLine({
        ok: true,
        line: windows1252.decode(bytes),
        encoding: "windows-1252",
      });
    } else {
      onLine({ ok: false, error: "invalid-utf8" });
    }
  }
}
