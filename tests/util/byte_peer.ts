/**
 * A raw TCP peer that keeps every byte the server sends, line ends and
 * telnet commands included: what a telnet client sees, where
 * {@linkcode RawPeer} (which reads lines of UTF-8) cannot tell CR LF from LF
 * or show an `IAC DONT` reply. {@linkcode BytePeer} connects to 127.0.0.1,
 * writes bytes, and waits, on each read, for what it expects. It is
 * `AsyncDisposable`: `await using` closes it and waits for its reader.
 *
 * @example
 * ```ts
 * await using putty = await BytePeer.connect(server.port);
 * await putty.write(new Uint8Array([255, 251, 31])); // IAC WILL NAWS
 * await putty.waitFor((bytes) => bytes.includes(254)); // an IAC DONT came back
 * ```
 *
 * @module
 */

import { DEADLINE_MS } from "./line_log.ts";

const encoder = new TextEncoder();
const lenient = new TextDecoder("utf-8", { fatal: false });

/** A raw TCP peer that keeps every byte it reads. */
export class BytePeer implements AsyncDisposable {
  readonly conn: Deno.TcpConn;
  readonly label: string;
  /** Resolves once the server has closed the connection (or it was closed here). */
  readonly done: Promise<void>;
  #chunks: Uint8Array[] = [];
  #length = 0;
  #joined: Uint8Array | undefined;
  #ended = false;
  #waiters = new Set<() => void>();

  private constructor(conn: Deno.TcpConn, label: string) {
    this.conn = conn;
    this.label = label;
    this.done = this.#read();
  }

  /** Connects to the server on 127.0.0.1:`port`. */
  static async connect(port: number, label = "peer"): Promise<BytePeer> {
    return new BytePeer(
      await Deno.connect({ hostname: "127.0.0.1", port }),
      label,
    );
  }

  /** Every byte read so far. */
  get bytes(): Uint8Array {
    if (this.#joined === undefined || this.#joined.length !== this.#length) {
      const joined = new Uint8Array(this.#length);
      let at = 0;
      for (const chunk of this.#chunks) {
        joined.set(chunk, at);
        at += chunk.length;
      }
      this.#joined = joined;
    }
    return this.#joined;
  }

  /** Every byte read so far as text; bytes that are not UTF-8 show as U+FFFD. */
  get text(): string {
    return lenient.decode(this.bytes);
  }

  /** Writes raw bytes or text. */
  async write(data: string | Uint8Array): Promise<void> {
    const bytes = typeof data === "string" ? encoder.encode(data) : data;
    let written = 0;
    while (written < bytes.length) {
      written += await this.conn.write(bytes.subarray(written));
    }
  }

  /** Waits until what was read so far satisfies `match`. */
  async waitFor(
    match: (bytes: Uint8Array) => boolean,
    deadlineMs = DEADLINE_MS,
  ): Promise<void> {
    const started = Date.now();
    while (!match(this.bytes)) {
      const left = deadlineMs - (Date.now() - started);
      if (this.#ended || left <= 0) {
        throw new Error(
          `${this.label}: ${
            this.#ended ? "ended" : `nothing matched within ${deadlineMs} ms`
          }; got ${JSON.stringify(this.text)}`,
        );
      }
      await this.#wake(left);
    }
  }

  /** Waits until the text read so far contains `text`. */
  waitForText(text: string, deadlineMs = DEADLINE_MS): Promise<void> {
    return this.waitFor(() => this.text.includes(text), deadlineMs);
  }

  /** Waits until the server closes the connection. */
  async ended(deadlineMs = DEADLINE_MS): Promise<void> {
    const started = Date.now();
    while (!this.#ended) {
      const left = deadlineMs - (Date.now() - started);
      if (left <= 0) {
        throw new Error(`${this.label}: did not end within ${deadlineMs} ms`);
      }
      await this.#wake(left);
    }
  }

  /** Closes and waits until the reader has stopped; closing twice is harmless. */
  async close(): Promise<void> {
    try {
      this.conn.close();
    } catch {
      // Closed already.
    }
    await this.done;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  async #read(): Promise<void> {
    const buffer = new Uint8Array(16 * 1024);
    try {
      while (true) {
        const n = await this.conn.read(buffer);
        if (n === null) break;
        this.#chunks.push(buffer.slice(0, n));
        this.#length += n;
        for (const wake of this.#waiters) wake();
      }
    } catch {
      // Closed under the reader: the log simply ends.
    } finally {
      this.#ended = true;
      for (const wake of this.#waiters) wake();
    }
  }

  #wake(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      const waiters = this.#waiters;
      function done() {
        clearTimeout(timer);
        waiters.delete(done);
        resolve();
      }
      this.#waiters.add(done);
    });
  }
}
