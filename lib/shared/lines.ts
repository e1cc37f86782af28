/**
 * Byte stream to bounded lines: the framing under both the native protocol
 * (one JSON object a line) and text mode (one message a line).
 *
 * A {@linkcode LineSplitter} is fed the chunks a socket reads, however they
 * fall: a line split across reads, many lines in one read. It hands back each
 * complete line decoded as UTF-8, without its `\n` (or `\r\n`). A line longer
 * than the limit is reported once and skipped up to its end, so one oversized
 * paste costs the sender an error, not the connection; bytes that are not
 * UTF-8 are reported the same way. Memory held never exceeds the limit.
 *
 * @module
 */

import type { ByteReader } from "./transport.ts";

/** What a {@linkcode LineSplitter} hands back for each line it finds. */
export type LineResult =
  | { ok: true; line: string }
  | { ok: false; error: "too-long"; limit: number }
  | { ok: false; error: "invalid-utf8" };

const NEWLINE = 0x0a;
/**
 * One decoder for every splitter: lines are decoded whole, so it keeps no
 * state between calls, and a connection does not pay for a decoder of its own.
 */
const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const RETURN = 0x0d;
/** What a splitter holds while no line spans reads: shared, so it costs nothing. */
const NOTHING = new Uint8Array(0);

/**
 * Splits a byte stream into bounded UTF-8 lines.
 *
 * @example
 * ```ts
 * const splitter = new LineSplitter({ maxBytes: 16 });
 * const lines: LineResult[] = [];
 * splitter.push(new TextEncoder().encode("hel"), (r) => lines.push(r));
 * splitter.push(new TextEncoder().encode("lo\nworld\n"), (r) => lines.push(r));
 * // lines: [{ ok: true, line: "hello" }, { ok: true, line: "world" }]
 * ```
 */
export class LineSplitter {
  #maxBytes: number;
  /**
   * Bytes of the line begun in an earlier chunk, not yet ended. Most lines
   * end inside the chunk they start in: no buffer until one does not.
   */
  #pending: Uint8Array = NOTHING;
  #pendingLength = 0;
  /** True while skipping the rest of a line already reported as too long. */
  #skipping = false;

  /**
   * Makes a LineSplitter.
   *
   * @param options.maxBytes the longest line accepted, newline included
   */
  constructor(options: { maxBytes: number }) {
    this.#maxBytes = options.maxBytes;
  }

  /** Bytes of an unfinished line held between chunks (0 when none). */
  get holding(): number {
    return this.#skipping ? 1 : this.#pendingLength;
  }

  /** Feeds one chunk; calls `onLine` for each line it completes, in order. */
  push(chunk: Uint8Array, onLine: (result: LineResult) => void): void {
    let start = 0;
    while (start < chunk.length) {
      const end = chunk.indexOf(NEWLINE, start);
      if (end === -1) {
        this.#keep(chunk.subarray(start), onLine);
        return;
      }
      if (this.#skipping) {
        this.#skipping = false;
      } else if (this.#pendingLength === 0) {
        // The common case: the whole line is inside this chunk, no copy.
        this.#emit(chunk.subarray(start, end), onLine);
      } else {
        this.#keep(chunk.subarray(start, end), onLine);
        if (!this.#skipping) {
          this.#emit(this.#pending.subarray(0, this.#pendingLength), onLine);
        }
        this.#skipping = false;
        this.#pendingLength = 0;
      }
      start = end + 1;
    }
  }

  /** Ends the stream: a last line without a newline still counts. */
  end(onLine: (result: LineResult) => void): void {
    if (this.#pendingLength > 0 && !this.#skipping) {
      this.#emit(this.#pending.subarray(0, this.#pendingLength), onLine);
    }
    this.#pendingLength = 0;
    this.#skipping = false;
  }

  #keep(bytes: Uint8Array, onLine: (result: LineResult) => void): void {
    if (this.#skipping) return;
    const needed = this.#pendingLength + bytes.length;
    // The newline itself counts towards the limit.
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

  #emit(bytes: Uint8Array, onLine: (result: LineResult) => void): void {
    if (bytes.length + 1 > this.#maxBytes) {
      onLine({ ok: false, error: "too-long", limit: this.#maxBytes });
      return;
    }
    const length = bytes.length > 0 && bytes[bytes.length - 1] === RETURN
      ? bytes.length - 1
      : bytes.length;
    let line: string;
    try {
      line = utf8.decode(bytes.subarray(0, length));
    } catch {
      onLine({ ok: false, error: "invalid-utf8" });
      return;
    }
    onLine({ ok: true, line });
  }
}

/**
 * Reads `reader` to its end as bounded lines.
 *
 * @example
 * ```ts
 * for await (const result of readLines(Deno.stdin, { maxBytes: 8192 })) {
 *   if (result.ok) console.log(result.line);
 * }
 * ```
 */
export async function* readLines(
  reader: ByteReader,
  options: { maxBytes: number; bufferSize?: number },
): AsyncGenerator<LineResult> {
  const splitter = new LineSplitter(options);
  const buffer = new Uint8Array(options.bufferSize ?? 16 * 1024);
  const ready: LineResult[] = [];
  const collect = (result: LineResult) => ready.push(result);
  while (true) {
    const n = await reader.read(buffer);
    if (n === null) {
      splitter.end(collect);
      yield* ready;
      return;
    }
    splitter.push(buffer.subarray(0, n), collect);
    yield* ready;
    ready.length = 0;
  }
}
