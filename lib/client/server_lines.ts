/**
 * What a server sends, line by line, as the client reads it: frames, plain
 * lines (the banner, a refusal in plain text) and lines that are neither
 * (`undefined`).
 *
 * {@linkcode ServerLines} can look at the next line without taking it
 * ({@linkcode ServerLines.peek}), so the handshake can watch the connection
 * while it waits for something else (the person typing a password) and
 * leave what came for the reader after it. {@linkcode ServerLines.greeted}
 * waits, a few seconds at most, for the banner every Lochat server greets
 * with: a port that says nothing, or something else, is not a Lochat
 * server, and the client says so instead of waiting for ever.
 *
 * @module
 */

import { readLines } from "../shared/lines.ts";
import {
  decodeServerFrame,
  looksLikeFrame,
  type ServerFrame,
} from "../shared/protocol.ts";
import { preview } from "../shared/text.ts";
import type { Transport } from "../shared/transport.ts";
import { ConnectError } from "./connect_errors.ts";

/** The banner every Lochat server greets with. */
export const BANNER = "Welcome to LoChat!";

/**
 * How long the client waits for the banner after connecting, in ms: a
 * Lochat server sends it at once.
 */
export const GREETING_MS = 5000;

/**
 * The longest line the client reads from the server: far more than any
 * line the server accepts, since a `welcome` carries rooms' history.
 */
const MAX_SERVER_LINE_BYTES = 8 * 1024 * 1024;

/** One line from the server: a frame, a plain line, or an unreadable one. */
export type ServerLine = ServerFrame | string | undefined;

/**
 * The lines of one connection.
 *
 * @example
 * ```ts
 * const lines = new ServerLines(transport);
 * await lines.greeted("127.0.0.1:4444", GREETING_MS);
 * const next = await lines.next(); // the answer to the hello
 * ```
 */
export class ServerLines {
  #source: AsyncGenerator<ServerLine>;
  /** A read under way that no one has taken yet. */
  #ahead: Promise<IteratorResult<ServerLine>> | undefined;

  /**
   * Makes ServerLines.
   *
   * @param transport the connection to read
   */
  constructor(transport: Transport) {
    this.#source = decoded(transport);
  }

  /** The next line, taken. */
  next(): Promise<IteratorResult<ServerLine>> {
    const ahead = this.#ahead ?? this.#source.next();
    this.#ahead = undefined;
    return ahead;
  }

  /** The next line, left for the next {@linkcode ServerLines.next}. */
  peek(): Promise<IteratorResult<ServerLine>> {
    this.#ahead ??= this.#source.next();
    return this.#ahead;
  }

  /**
   * Waits up to `ms` for the banner and takes it. A frame first (a refusal
   * at the door) is left for the reader; plain lines before the banner are
   * skipped. Throws a {@linkcode ConnectError} when the banner does not come
   * in time, or the connection ends without it: whatever is there is not a
   * Lochat server.
   */
  async greeted(where: string, ms: number): Promise<void> {
    let said: string | undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<"late">((resolve) => {
      timer = setTimeout(() => resolve("late"), ms);
    });
    try {
      while (true) {
        const result = await Promise.race([this.peek(), late]);
        if (result === "late" || result.done) {
          throw new ConnectError(notLochat(where, said));
        }
        const line = result.value;
        if (typeof line !== "string") return;
        // A TLS alert record (0x15 0x03 …): plain text went to a TLS port.
        if (line.startsWith("\x15\x03")) {
          throw new ConnectError(
            `The server at ${where} speaks TLS; add --tls`,
          );
        }
        await this.next();
        if (line === BANNER) return;
        if (line.trim() !== "") said ??= line;
      }
    } finally {
      clearTimeout(timer);
    }
  }
}

/**
 * What the client says of a port that did not greet as a Lochat server;
 * `said`: the first thing it said, if anything.
 *
 * @example
 * ```ts
 * notLochat("127.0.0.1:22", "SSH-2.0-OpenSSH_9.6");
 * // '127.0.0.1:22 did not answer as a Lochat server (no `Welcome to LoChat!`);
 * //  it said "SSH-2.0-OpenSSH_9.6"; check --host and --port'
 * ```
 */
export function notLochat(where: string, said: string | undefined): string {
  const heard = said === undefined ? "" : `; it said "${preview(said, 60)}"`;
  return `${where} did not answer as a Lochat server (no \`${BANNER}\`)${heard}; check --host and --port`;
}

/**
 * Server lines from a transport: frames, plain lines (banner, refusals) as
 * strings, unreadable ones as `undefined`.
 */
async function* decoded(transport: Transport): AsyncGenerator<ServerLine> {
  for await (
    const result of readLines(transport, { maxBytes: MAX_SERVER_LINE_BYTES })
  ) {
    if (!result.ok) {
      yield undefined;
      continue;
    }
    if (!looksLikeFrame(result.line)) {
      yield result.line;
      continue;
    }
    const frame = decodeServerFrame(result.line);
    yield frame.ok ? frame.frame : undefined;
  }
}
