/**
 * The client's side of the wire: connect, say hello, send lines, track acks.
 *
 * A {@linkcode ChatClient} owns one connection. It knows nothing of
 * terminals: the person's side (a prompt, a pipe, a script) calls
 * {@linkcode ChatClient.send} and reads frames with
 * {@linkcode ChatClient.next}. Every line sent carries an id and stays
 * pending until the server's `ack` or `error` names it, so a caller can wait
 * until nothing it sent is unacknowledged.
 *
 * @module
 */

import { errorMessage } from "../shared/errors.ts";
import type { Transport } from "../shared/transport.ts";
import { readLines } from "../shared/lines.ts";
import {
  decodeServerFrame,
  encodeFrame,
  looksLikeFrame,
  PROTOCOL_VERSION,
} from "../shared/protocol.ts";
import type { ClientFrame, ServerFrame } from "../shared/protocol.ts";

/** Where to connect and as whom. */
export interface ConnectOptions {
  /** Server address. */
  hostname: string;
  /** Server port. */
  port: number;
  /** Nick to ask for; none for a guest nick. */
  nick?: string | undefined;
  /** Room to start in; none for the lobby. */
  room?: string | undefined;
  /**
   * Lines sent on an earlier connection and not acknowledged, as
   * `[id, text]`: sent again, with the same ids, right after the welcome.
   * The server recognises ids it has already accepted and only acks them.
   */
  resend?: [string, string][];
  /** This client's token, the same on every reconnect; see `hello.client`. */
  clientToken?: string;
  /** The server's password, if it has one. */
  password?: string | undefined;
  /** Asks the person for the password when the server wants one (or another try). */
  askPassword?: (() => Promise<string>) | undefined;
  /** Opens the connection; default `Deno.connect`. For tests. */
  dial?: (hostname: string, port: number) => Promise<Transport>;
}

/** A failure to connect, worded for the person who ran the client. */
export class ConnectError extends Error {
  /**
   * Makes a ConnectError.
   *
   * @param message what went wrong and what to do about it
   */
  constructor(message: string) {
    super(message);
    this.name = "ConnectError";
  }
}

/**
 * The longest line the client reads from the server: far more than any
 * line the server accepts, since a `welcome` carries a room's history.
 */
const MAX_SERVER_LINE_BYTES = 8 * 1024 * 1024;

/** How many times a taken nick is swapped for the server's suggestion. */
const NICK_RETRIES = 5;

/**
 * One connection to a Lochat server.
 *
 * @example
 * ```ts
 * const client = await ChatClient.connect({ hostname: "127.0.0.1", port: 4444, nick: "ann" });
 * client.send("hello");
 * await client.drain(); // until the server has acked "hello"
 * client.close();
 * ```
 */
export class ChatClient {
  /** The nick the server granted. */
  nick: string;
  /** The room the client is in. */
  room: string;
  /** The `welcome` frame, with the room's recent history. */
  readonly welcome: Extract<ServerFrame, { type: "welcome" }>;
  /** What the server said while granting a nick other than the one asked for. */
  readonly notices: string[];
  #transport: Transport;
  #lines: AsyncGenerator<ServerFrame | string | undefined>;
  #pending = new Map<string, string>();
  #refused = 0;
  #ids = 0;
  /** Random per connection, so that no two connections' ids meet. */
  #idPrefix = crypto.randomUUID().replaceAll("-", "").slice(0, 12);
  #writes: Promise<unknown> = Promise.resolve();
  #closed = false;

  /** Makes a ChatClient. */
  private constructor(
    transport: Transport,
    lines: AsyncGenerator<ServerFrame | string | undefined>,
    welcome: Extract<ServerFrame, { type: "welcome" }>,
    notices: string[],
  ) {
    this.#transport = transport;
    this.#lines = lines;
    this.welcome = welcome;
    this.nick = welcome.nick;
    this.room = welcome.room;
    this.notices = notices;
  }

  /**
   * Connects and completes the handshake. A taken nick is replaced by the
   * server's suggestion (said in {@linkcode ChatClient.notices}); any other
   * refusal, or no server, throws a {@linkcode ConnectError}.
   */
  static async connect(options: ConnectOptions): Promise<ChatClient> {
    const dial = options.dial ??
      ((hostname, port) => Deno.connect({ hostname, port }));
    const where = `${options.hostname}:${options.port}`;
    let transport: Transport;
    try {
      transport = await dial(options.hostname, options.port);
    } catch (error) {
      throw new ConnectError(dialProblem(error, where));
    }
    const lines = frames(transport);
    const notices: string[] = [];
    let nick = options.nick;
    let password = options.password;
    try {
      for (let attempt = 0;; attempt++) {
        const hello: ClientFrame = { type: "hello", v: PROTOCOL_VERSION };
        if (nick !== undefined) hello.nick = nick;
        if (options.room !== undefined) hello.room = options.room;
        if (password !== undefined) hello.password = password;
        if (options.clientToken !== undefined) {
          hello.client = options.clientToken;
        }
        await writeAll(transport, encodeFrame(hello));
        const answer = await handshakeAnswer(lines, where);
        if (answer.type === "welcome") {
          const client = new ChatClient(transport, lines, answer, notices);
          for (const [id, text] of options.resend ?? []) {
            client.#sendAs(id, text);
          }
          return client;
        }
        if (
          answer.code === "nick-taken" && answer.suggest !== undefined &&
          attempt < NICK_RETRIES
        ) {
          notices.push(
            `${answer.message}; you are ${answer.suggest} (/nick to change)`,
          );
          nick = answer.suggest;
          continue;
        }
        if (
          answer.code === "password" && options.askPassword !== undefined &&
          attempt < NICK_RETRIES
        ) {
          if (password !== undefined) notices.push(answer.message);
          password = await options.askPassword();
          continue;
        }
        throw new ConnectError(
          `The server refused to let you in: ${answer.message}`,
        );
      }
    } catch (error) {
      transport.close();
      if (error instanceof ConnectError) throw error;
      throw new ConnectError(
        `Lost the connection to ${where} during the handshake: ${
          errorMessage(error)
        }`,
      );
    }
  }

  /** How many lines sent are not yet acknowledged. */
  get pending(): number {
    return this.#pending.size;
  }

  /** How many lines the server refused with an error. */
  get refused(): number {
    return this.#refused;
  }

  /**
   * Sends one typed line (a message or a `/command`) and returns its id. It
   * stays pending until the server acks or refuses it.
   */
  send(text: string): string {
    const id = `${this.#idPrefix}-${++this.#ids}`;
    this.#sendAs(id, text);
    return id;
  }

  /** Lines sent and not yet acknowledged, oldest first, as `[id, text]`. */
  unacked(): [string, string][] {
    return [...this.#pending];
  }

  #sendAs(id: string, text: string): void {
    this.#pending.set(id, text);
    this.#write({ type: "msg", id, text });
  }

  /** Sends any frame (`ping`, `quit`). */
  sendFrame(frame: ClientFrame): void {
    this.#write(frame);
  }

  /**
   * The next frame from the server, or `undefined` when the connection has
   * ended. Acks and refusals settle pending lines on the way.
   */
  async next(): Promise<ServerFrame | undefined> {
    while (true) {
      let result: IteratorResult<ServerFrame | string | undefined>;
      try {
        result = await this.#lines.next();
      } catch {
        return undefined;
      }
      if (result.done) return undefined;
      const frame = result.value;
      if (frame === undefined || typeof frame === "string") continue;
      this.#track(frame);
      return frame;
    }
  }

  /** Waits until every write so far has reached the socket. */
  flushed(): Promise<unknown> {
    return this.#writes;
  }

  /** Closes the connection. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#transport.close();
    } catch {
      // Already closed by the peer.
    }
  }

  #track(frame: ServerFrame): void {
    switch (frame.type) {
      case "ping":
        this.#write(
          frame.t === undefined
            ? { type: "pong" }
            : { type: "pong", t: frame.t },
        );
        return;
      case "ack":
        this.#pending.delete(frame.id);
        return;
      case "error":
        if (frame.id !== undefined && this.#pending.delete(frame.id)) {
          this.#refused++;
        }
        return;
      case "event":
        if (
          frame.event === "nick" && frame.nick === this.nick &&
          frame.to !== undefined
        ) {
          this.nick = frame.to;
        }
        return;
      case "reply":
        if (frame.cmd === "join" && isRoomData(frame.data)) {
          this.room = frame.data.room;
        }
        return;
      default:
        return;
    }
  }

  #write(frame: ClientFrame): void {
    const bytes = encodeFrame(frame);
    // Chained so that frames leave in the order they were sent.
    this.#writes = this.#writes.then(() => writeAll(this.#transport, bytes))
      .catch(() => {
        // The reader sees the connection end and reports it.
      });
  }
}

/**
 * Server frames from a transport; lines that are not frames (the banner, a
 * refusal) come as strings, unreadable ones as `undefined`.
 */
async function* frames(
  transport: Transport,
): AsyncGenerator<ServerFrame | string | undefined> {
  // The server's lines can be longer than what it accepts: history in welcome.
  for await (
    const result of readLines(transport, { maxBytes: MAX_SERVER_LINE_BYTES })
  ) {
    if (!result.ok) {
      yield undefined;
      continue;
    }
    if (!looksLikeFrame(result.line)) {
      yield result.line; // The banner, or a refusal in plain text.
      continue;
    }
    const decoded = decodeServerFrame(result.line);
    yield decoded.ok ? decoded.frame : undefined;
  }
}

async function handshakeAnswer(
  lines: AsyncGenerator<ServerFrame | string | undefined>,
  where: string,
): Promise<Extract<ServerFrame, { type: "welcome" | "error" }>> {
  for await (const frame of iterate(lines)) {
    if (typeof frame === "string") {
      // A TLS alert record (0x15 0x03 …): we spoke plain text to a TLS port.
      if (frame.startsWith("\x15\x03")) {
        throw new ConnectError(`The server at ${where} speaks TLS; add --tls`);
      }
      continue;
    }
    if (frame?.type === "welcome" || frame?.type === "error") return frame;
    if (frame?.type === "bye") {
      throw new ConnectError(`The server at ${where} said: ${frame.reason}`);
    }
  }
  throw new ConnectError(
    `The server at ${where} closed the connection before welcoming us`,
  );
}

/** Iterates a generator without closing it when the loop exits early. */
async function* iterate<T>(generator: AsyncGenerator<T>): AsyncGenerator<T> {
  while (true) {
    const result = await generator.next();
    if (result.done) return;
    yield result.value;
  }
}

async function writeAll(
  transport: Transport,
  data: Uint8Array,
): Promise<void> {
  let written = 0;
  while (written < data.length) {
    written += await transport.write(data.subarray(written));
  }
}

function isRoomData(data: unknown): data is { room: string } {
  return typeof data === "object" && data !== null &&
    typeof (data as { room?: unknown }).room === "string";
}

function dialProblem(error: unknown, where: string): string {
  if (error instanceof Deno.errors.ConnectionRefused) {
    return `Cannot connect to ${where}: connection refused. Is lochat-server running there? ` +
      "Start one with `make server`, or pass --host and --port";
  }
  if (error instanceof Deno.errors.TimedOut) {
    return `Cannot connect to ${where}: timed out; check the address and that the port is not firewalled`;
  }
  return `Cannot connect to ${where}: ${errorMessage(error)}`;
}
