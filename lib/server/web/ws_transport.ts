/**
 * A WebSocket (npm `ws`) as a {@linkcode Transport}, so that a web page's
 * connection is served by the same {@linkcode Session} as a native client's.
 *
 * The wire is the native one, one frame a message: each text message that
 * comes in is one line (a newline is added), and each line written goes out
 * as one text message. A binary message, or one with a newline in it, is not
 * a frame: the peer gets an `error` frame and the connection is closed (a
 * page never sends one; dropping it quietly instead would let a peer make
 * the server answer without limit).
 *
 * Reads have backpressure: past {@linkcode HIGH_WATER} unread bytes the
 * WebSocket is paused (and, under TLS, the plain socket beneath it, which is
 * what really stops reading under Deno) until the reader catches up. Messages
 * `ws` had already read when it was paused still arrive; they are queued too,
 * which bounds the queue at about one more read.
 *
 * @module
 */

import type { Socket } from "node:net";
import type { WebSocket } from "ws";
import { encodeFrame } from "../../shared/protocol.ts";
import type { Transport } from "../../shared/transport.ts";

/** Unread bytes past which the WebSocket stops reading. */
export const HIGH_WATER = 64 * 1024;

/** Close code for a binary message: the peer sent a kind of data not taken. */
export const CLOSE_UNSUPPORTED = 1003;
/** Close code for a message that is not one line. */
export const CLOSE_NOT_ONE_LINE = 1007;

const NEWLINE = new Uint8Array([0x0a]);

/**
 * A WebSocket as a transport: text messages in as lines, lines out as text
 * messages.
 *
 * @example
 * ```ts
 * const transport = new WebSocketTransport(ws);
 * const n = await transport.read(buffer); // a message and its "\n"
 * await transport.write(new TextEncoder().encode('{"type":"ping"}\n'));
 * ```
 */
export class WebSocketTransport implements Transport {
  #ws: WebSocket;
  /** The socket to pause when the reader falls behind, beside the WebSocket. */
  #flow: Socket | undefined;
  #chunks: Uint8Array[] = [];
  #buffered = 0;
  #paused = false;
  #ended = false;
  #failure: Error | undefined;
  #wake: (() => void) | undefined;
  /** The start of a line written without its newline yet. */
  #partial: Uint8Array | undefined;

  /**
   * Makes a WebSocketTransport.
   *
   * @param ws an open WebSocket; its message events are taken over
   * @param flow under TLS, the plain socket beneath the TLS one, paused with
   *   the WebSocket
   */
  constructor(ws: WebSocket, flow?: Socket) {
    this.#ws = ws;
    this.#flow = flow;
    ws.on("message", (data: Uint8Array, isBinary: boolean) => {
      if (this.#failure !== undefined || this.#ended) return;
      if (isBinary) {
        this.#refuse(
          CLOSE_UNSUPPORTED,
          "A binary message is not a Lochat frame; send each frame as one text message",
        );
      } else if (data.includes(0x0a)) {
        this.#refuse(
          CLOSE_NOT_ONE_LINE,
          "A message had a newline in it; send each frame as one text message of one line",
        );
      } else {
        this.#chunks.push(data, NEWLINE);
        this.#buffered += data.length + 1;
        if (this.#buffered > HIGH_WATER && !this.#paused) {
          this.#paused = true;
          ws.pause();
          this.#reading(false);
        }
      }
      this.#notify();
    });
    ws.on("close", () => {
      this.#ended = true;
      this.#notify();
    });
    ws.on("error", (error: Error) => {
      this.#failure ??= error;
      this.#notify();
      // ws has sent its close frame (1009 for a message over the limit) and
      // would read and discard until the peer answers: stop sooner.
      setTimeout(() => ws.terminate(), 100);
    });
  }

  /** Reads into `buffer`; resolves to the count read, or null at the end. */
  async read(buffer: Uint8Array): Promise<number | null> {
    while (this.#chunks.length === 0) {
      if (this.#failure !== undefined) throw this.#failure;
      if (this.#ended) return null;
      await new Promise<void>((resolve) => (this.#wake = resolve));
    }
    const head = this.#chunks[0]!;
    const n = Math.min(buffer.length, head.length);
    buffer.set(head.subarray(0, n));
    if (n === head.length) this.#chunks.shift();
    else this.#chunks[0] = head.subarray(n);
    this.#buffered -= n;
    if (this.#paused && this.#buffered <= HIGH_WATER / 2) {
      this.#paused = false;
      this.#ws.resume();
      this.#reading(true);
    }
    return n;
  }

  /**
   * Sends each whole line of `data` as one text message (an unfinished
   * line waits for its end); resolves once the socket has taken them.
   */
  write(data: Uint8Array): Promise<number> {
    const ws = this.#ws;
    if (ws.readyState !== ws.OPEN) {
      return Promise.reject(new Error("the connection is closed"));
    }
    let bytes = data;
    if (this.#partial !== undefined) {
      bytes = new Uint8Array(this.#partial.length + data.length);
      bytes.set(this.#partial);
      bytes.set(data, this.#partial.length);
      this.#partial = undefined;
    }
    const lines: Uint8Array[] = [];
    let start = 0;
    for (
      let end = bytes.indexOf(0x0a);
      end !== -1;
      end = bytes.indexOf(0x0a, start)
    ) {
      if (end > start) lines.push(bytes.subarray(start, end));
      start = end + 1;
    }
    if (start < bytes.length) this.#partial = bytes.slice(start);
    if (lines.length === 0) return Promise.resolve(data.length);
    return new Promise((resolve, reject) => {
      // ws calls back with null, undefined or an Error.
      const done = (error?: Error | null) =>
        error === undefined || error === null
          ? resolve(data.length)
          : reject(error);
      // Many messages, one write to the socket.
      const socket = (ws as unknown as { _socket?: Socket })._socket;
      socket?.cork();
      for (let i = 0; i < lines.length; i++) {
        ws.send(
          lines[i]!,
          { binary: false, compress: false, fin: true },
          i === lines.length - 1 ? done : undefined,
        );
      }
      socket?.uncork();
    });
  }

  /**
   * Closes the connection: a close handshake when everything written has
   * gone out, else at once.
   */
  close(): void {
    this.#ended = true;
    this.#notify();
    const ws = this.#ws;
    // Closing already: ws ends it when the peer answers, or after its
    // close timeout.
    if (ws.readyState !== ws.OPEN) return;
    // Unsent bytes left (a peer too slow to read) are not waited for.
    if (ws.bufferedAmount > 0) ws.terminate();
    else ws.close(1000);
  }

  /**
   * Stops or restarts reading the plain socket under TLS. Pausing it as a
   * stream is not enough under Deno (measured: a paused page over WSS still
   * had 70 MB read into memory); its handle must stop reading.
   */
  #reading(on: boolean): void {
    const flow = this.#flow;
    if (flow === undefined) return;
    const handle = (flow as unknown as {
      _handle?: { readStart?(): void; readStop?(): void };
    })._handle;
    if (on) {
      handle?.readStart?.();
      flow.resume();
    } else {
      flow.pause();
      handle?.readStop?.();
    }
  }

  /** Tells the peer why its message was refused, and closes. */
  #refuse(code: number, message: string): void {
    this.#failure = new Error(message);
    const ws = this.#ws;
    const frame = encodeFrame({ type: "error", code: "bad-frame", message });
    ws.send(frame.subarray(0, frame.length - 1), { binary: false });
    // A close reason is at most 123 bytes.
    ws.close(code, message.slice(0, 120));
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }
}
