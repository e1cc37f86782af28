/**
 * A `node:net` or `node:tls` socket as a {@linkcode Transport}: the same
 * `read`/`write`/`close` shape as `Deno.Conn`, so what runs on a Deno
 * connection runs on a Node socket unchanged.
 *
 * Deno's own TLS listener cannot close a connection whose handshake never
 * finished (the socket stays open until the peer leaves), and its client
 * cannot hand over an unverified certificate for pinning; `node:tls`, which
 * Deno ships, can do both, so TLS on either side goes through a Node socket.
 * Reads have backpressure: past {@linkcode HIGH_WATER} unread bytes the
 * socket is paused (TCP then slows the sender) until the reader catches up.
 * For a TLS socket over a `node:net` one, the plain socket under it is what
 * must be paused: under Deno, pausing the TLS socket stops nothing (measured:
 * 100 MB read into memory while "paused"; pausing the socket under it holds
 * the sender at the kernel's buffers).
 *
 * @module
 */

import type { Socket } from "node:net";
import { TLSSocket } from "node:tls";
import type { Transport } from "./transport.ts";

/** Unread bytes past which the socket stops reading. */
export const HIGH_WATER = 64 * 1024;

/**
 * How long a TLS socket's orderly close (close_notify, then the end of the
 * stream) may take before the socket is cut.
 */
export const CLOSE_NOTIFY_MS = 2000;

/** What a reader pauses when it falls behind: a socket, or what stands for one. */
export interface Flow {
  /** Stops reading. */
  pause(): unknown;
  /** Reads again. */
  resume(): unknown;
  /** True while stopped. */
  isPaused(): boolean;
}

/**
 * A Node socket as a transport.
 *
 * @example
 * ```ts
 * const transport = new NodeSocketTransport(tlsSocket);
 * const n = await transport.read(buffer); // null once the peer has gone
 * ```
 */
export class NodeSocketTransport implements Transport {
  #socket: Socket;
  /** The socket whose reading is paused and resumed. */
  #flow: Flow;
  #chunks: Uint8Array[] = [];
  #buffered = 0;
  #ended = false;
  #failure: Error | undefined;
  #wake: (() => void) | undefined;

  /**
   * Makes a NodeSocketTransport.
   *
   * @param socket a connected socket (plain or TLS); its data events are taken over
   * @param options.flow the socket to pause when the reader falls behind:
   *   for a TLS socket over a plain one, the plain one (default `socket`)
   */
  constructor(socket: Socket, options: { flow?: Flow } = {}) {
    this.#socket = socket;
    this.#flow = options.flow ?? socket;
    socket.on("data", (data: Uint8Array) => {
      this.#chunks.push(data);
      this.#buffered += data.length;
      if (this.#buffered > HIGH_WATER) this.#flow.pause();
      this.#notify();
    });
    socket.on("end", () => {
      this.#ended = true;
      this.#notify();
    });
    socket.on("close", () => {
      this.#ended = true;
      this.#notify();
    });
    socket.on("error", (error: Error) => {
      this.#failure = error;
      this.#notify();
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
    if (this.#buffered <= HIGH_WATER / 2 && this.#flow.isPaused()) {
      this.#flow.resume();
    }
    return n;
  }

  /** Writes `data`; resolves once the socket has taken it all. */
  write(data: Uint8Array): Promise<number> {
    return new Promise((resolve, reject) => {
      if (this.#socket.destroyed) {
        reject(new Error("the connection is closed"));
        return;
      }
      this.#socket.write(
        data,
        (error) => (error ? reject(error) : resolve(data.length)),
      );
    });
  }

  /**
   * Closes the connection: at once for a plain socket; a TLS socket first
   * says so (close_notify: without it irssi reports "unexpected eof" and
   * WeeChat "non-properly terminated"), and is cut if that takes longer
   * than {@linkcode CLOSE_NOTIFY_MS}.
   */
  close(): void {
    this.#ended = true;
    const socket = this.#socket;
    if (socket instanceof TLSSocket && !socket.destroyed) {
      const timer = setTimeout(() => socket.destroy(), CLOSE_NOTIFY_MS);
      socket.once("close", () => clearTimeout(timer));
      socket.end();
    } else socket.destroy();
    this.#notify();
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }
}
