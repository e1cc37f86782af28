/**
 * One connection's bytes: the read loop that turns them into lines, and the
 * bounded outbound queue that a single writer drains, many frames a write.
 *
 * A {@linkcode Connection} knows nothing of frames, members or modes: it
 * reads lines (bounded, UTF-8) and hands each read's lines to its owner, and
 * it takes encoded bytes to send. A peer that lets its queue grow past the
 * bound is disconnected with a reason, so no reader can make the server hold
 * unbounded memory. Writes wait for the server's next write round
 * ({@linkcode WriteRounds}), so a member that many messages reach in one
 * turn of the event loop gets them in one write.
 *
 * @module
 */

import { errorMessage } from "../shared/errors.ts";
import { LineSplitter } from "../shared/lines.ts";
import type { LineResult } from "../shared/lines.ts";
import { TelnetLineDecoder } from "./telnet/line_decoder.ts";
import type { Transport } from "../shared/transport.ts";
import { Outbox } from "./outbox.ts";
import type { Writer, WriteRounds } from "./write_rounds.ts";

/**
 * Read buffers start small, so that an idle connection costs little, and
 * double (up to the largest) whenever a read fills one.
 */
const FIRST_READ_SIZE = 256;
const LARGEST_READ_SIZE = 16 * 1024;

/**
 * Turns the bytes read into lines: a `LineSplitter`, a telnet-aware one, or
 * the IRC listener's `IrcLineSplitter`.
 */
export interface LineDecoder {
  /** Feeds one chunk as read; calls `onLine` for each line it completes. */
  push(chunk: Uint8Array, onLine: (result: LineResult) => void): void;
  /** Ends the stream: a last line without an ending still counts. */
  end(onLine: (result: LineResult) => void): void;
  /** Bytes of an unfinished line held between chunks (0 when none). */
  readonly holding: number;
}

/** A native client's first byte: the `{` of its `hello`. */
const OPEN_BRACE = 0x7b;

/**
 * Options of a {@linkcode Connection}: the same for every connection of a
 * server, so one object serves them all.
 */
export interface ConnectionOptions {
  /** Longest line accepted, newline included, in bytes. */
  maxLineBytes: number;
  /** Unread bytes the peer may lag behind before it is dropped. */
  maxQueueBytes: number;
  /** Unread frames the peer may lag behind before it is dropped. */
  maxQueueFrames: number;
  /** The server's write rounds. */
  writeRounds: WriteRounds;
  /** How long the writer may take once the connection is closing, in ms. */
  closeFlushMs: number;
  /**
   * Makes the connection's line decoder, instead of choosing one by the
   * first byte (the IRC listener frames its own lines).
   */
  lineDecoder?: (() => LineDecoder) | undefined;
  /**
   * Lines are native frames whatever the first byte (a WebSocket): no
   * telnet decoding.
   */
  nativeOnly?: boolean;
}

/**
 * Who a {@linkcode Connection} reports to (a session): methods, not
 * closures, so that an idle connection costs no more than it must.
 */
export interface ConnectionOwner {
  /**
   * Handles the lines of one read, in order. Returning a promise holds the
   * next read until it settles (flood control, ordering). `full` is true
   * when the read filled the buffer: the peer had more waiting than one
   * read takes.
   */
  lines(lines: LineResult[], full: boolean): void | Promise<void>;
  /**
   * Called once when the connection closes for a reason of its own (the
   * peer left, a read or write failed, the queue passed its bound), not
   * when its owner closes it.
   */
  ended?(reason: string): void;
  /** A telnet client sent Interrupt Process (Ctrl-C) or the like. */
  interrupted?(): void;
}

/**
 * A connection's line reader and frame writer.
 *
 * Lines are framed by the first byte: a native client's `{` gets the plain
 * splitter (LF or CR LF), anything else the telnet-aware decoder (telnet
 * commands parsed out and refused, BS and DEL erase, CR, CR NUL, CR LF and
 * LF end a line), which serves `nc` just as well.
 *
 * @example
 * ```ts
 * const options = { maxLineBytes: 8192, maxQueueBytes: 1 << 20, maxQueueFrames: 10000, writeRounds, closeFlushMs: 5000 };
 * const connection = new Connection(conn, options, {
 *   lines: (lines) => { for (const line of lines) console.log(line); },
 * });
 * connection.send(new TextEncoder().encode("Welcome to LoChat!\n"));
 * await connection.run();
 * ```
 */
export class Connection implements Writer {
  #transport: Transport;
  #options: ConnectionOptions;
  #owner: ConnectionOwner;
  /** Chosen by the first byte read. */
  #decoder: LineDecoder | undefined;
  /** Since when an unfinished line has been held (`performance.now()`). */
  #partialSince: number | undefined;
  #flushTimer: ReturnType<typeof setTimeout> | undefined;
  /** Encoded frames waiting for the writer. */
  #outbox = new Outbox();
  /** Bytes of the write in progress, not yet written. */
  #writingBytes = 0;
  #writing = false;
  #closed = false;
  #closeReason = "";
  #drained: (() => void) | undefined;
  /** When the peer was last heard from (`performance.now()` time). */
  heardAt: number = performance.now();
  /** Bytes read from the peer so far. */
  bytesRead = 0;

  /**
   * Makes a Connection.
   *
   * @param transport the socket
   * @param options line and queue bounds, the server's write rounds
   * @param owner who gets the lines and hears of the end
   */
  constructor(
    transport: Transport,
    options: ConnectionOptions,
    owner: ConnectionOwner,
  ) {
    this.#transport = transport;
    this.#options = options;
    this.#owner = owner;
  }

  /**
   * Since when the peer has held an unfinished line (`performance.now()`
   * time), or undefined when it holds none.
   */
  get partialSince(): number | undefined {
    return this.#partialSince;
  }

  /** True once the connection is closing or closed. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Why the connection closed, once it has. */
  get closeReason(): string {
    return this.#closeReason;
  }

  /**
   * Reads until the peer leaves or the connection is closed, handing each
   * read's lines to `handle`; a last line without a newline counts. Resolves
   * once the writer has finished too. Never rejects.
   */
  async run(): Promise<void> {
    const owner = this.#owner;
    let buffer = new Uint8Array(FIRST_READ_SIZE);
    const lines: LineResult[] = [];
    const collect = (result: LineResult) => lines.push(result);
    try {
      while (!this.#closed) {
        const n = await this.#transport.read(buffer);
        this.heardAt = performance.now();
        if (n !== null) this.bytesRead += n;
        if (n === null) {
          this.#decoder?.end(collect);
          await owner.lines(lines, false);
          this.#fail("connection closed by peer", false);
          break;
        }
        const decoder = this.#decoder ??= this.#decoderFor(buffer[0]!);
        decoder.push(buffer.subarray(0, n), collect);
        if (decoder.holding === 0) this.#partialSince = undefined;
        else this.#partialSince ??= this.heardAt;
        const held = owner.lines(lines, n === buffer.length);
        if (held !== undefined) await held;
        lines.length = 0;
        if (n === buffer.length && n < LARGEST_READ_SIZE) {
          buffer = new Uint8Array(n * 2);
        }
      }
    } catch (error) {
      this.#fail(`read failed: ${errorMessage(error)}`, false);
    }
    await this.#writerIdle();
  }

  /**
   * Queues bytes for the peer; false when the connection can take no more
   * (closed, or its queue is past the bound, which also aborts it).
   */
  send(bytes: Uint8Array): boolean {
    if (this.#closed) return false;
    const { maxQueueBytes, maxQueueFrames } = this.#options;
    const frames = this.#outbox.frames;
    if (
      this.#writingBytes + this.#outbox.length + bytes.length >
        maxQueueBytes ||
      frames >= maxQueueFrames
    ) {
      // Too far behind: what is queued is dropped with the connection.
      const over = frames >= maxQueueFrames
        ? `${maxQueueFrames} frames`
        : `${maxQueueBytes} bytes`;
      this.#fail(`too slow: more than ${over} waiting to be read`, true);
      return false;
    }
    this.#push(bytes);
    return true;
  }

  /**
   * Stops reading; `last` (a goodbye) is queued after what is queued, and the
   * connection closes once the writer is done. Safe to call more than once.
   */
  close(reason: string, last?: Uint8Array): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#closeReason = reason;
    if (last !== undefined) this.#push(last);
    if (!this.#writing) this.#closeTransport();
    else {
      // A peer that reads nothing must not hold the socket and its slot.
      this.#flushTimer = setTimeout(() => {
        this.#outbox.clear();
        this.#closeTransport();
      }, this.#options.closeFlushMs);
    }
  }

  /** Closes now, whatever is still queued. */
  abort(reason: string): void {
    this.close(reason);
    this.#outbox.clear();
    this.#closeTransport();
  }

  /** Closes for a reason of the connection's own, and tells the owner. */
  #fail(reason: string, abort: boolean): void {
    if (this.#closed) return;
    if (abort) this.abort(reason);
    else this.close(reason);
    this.#owner.ended?.(reason);
  }

  /** Starts the writer; the write rounds call it. */
  startWriting(): void {
    this.#write();
  }

  #push(bytes: Uint8Array): void {
    this.#outbox.push(bytes);
    if (!this.#writing) {
      this.#writing = true;
      // Written once the reads ready now have been handled: frames queued by
      // all of them share one write.
      this.#options.writeRounds.schedule(this);
    }
  }

  async #write(): Promise<void> {
    try {
      for (
        let data = this.#outbox.take();
        data !== undefined;
        data = this.#outbox.take()
      ) {
        this.#writingBytes = data.length;
        while (this.#writingBytes > 0) {
          this.#writingBytes -= await this.#transport.write(
            data.subarray(data.length - this.#writingBytes),
          );
        }
        this.#options.writeRounds.bytesWritten += data.length;
        this.#outbox.written();
      }
    } catch (error) {
      this.#outbox.clear();
      this.#fail(`write failed: ${errorMessage(error)}`, false);
    } finally {
      this.#outbox.written();
      this.#writing = false;
      this.#writingBytes = 0;
      if (this.#closed) {
        clearTimeout(this.#flushTimer);
        this.#closeTransport();
      }
      this.#drained?.();
    }
  }

  #decoderFor(first: number): LineDecoder {
    const own = this.#options.lineDecoder;
    if (own !== undefined) return own();
    const maxBytes = this.#options.maxLineBytes;
    if (first === OPEN_BRACE || this.#options.nativeOnly === true) {
      return new LineSplitter({ maxBytes });
    }
    return new TelnetLineDecoder({
      maxBytes,
      reply: (bytes) => this.send(bytes),
      interrupt: () => this.#owner.interrupted?.(),
    });
  }

  #writerIdle(): Promise<void> {
    if (!this.#writing) return Promise.resolve();
    return new Promise((resolve) => {
      this.#drained = resolve;
    });
  }

  #closeTransport(): void {
    try {
      this.#transport.close();
    } catch {
      // Already closed.
    }
  }
}
