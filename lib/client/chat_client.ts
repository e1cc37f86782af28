/**
 * The client's side of the wire: connect, say hello, send lines, track acks.
 *
 * A {@linkcode ChatClient} owns one connection. It knows nothing of
 * terminals: the person's side (a prompt, a pipe, a script) calls
 * {@linkcode ChatClient.send} and reads frames with
 * {@linkcode ChatClient.next}. Every line sent carries an id and stays
 * pending until the server's `ack` or `error` names it.
 *
 * The handshake speaks the newest protocol version and falls back to version
 * 1 for a server that only speaks that. A refusal comes back as a
 * {@linkcode RefusedError} that says whether trying again can help: a ban,
 * a wrong password or a changed certificate is final; a full or closing
 * server, or a kick's cool-down, is worth waiting out.
 *
 * @module
 */

import { COMMAND_SPECS } from "../shared/command_specs.ts";
import { errorMessage } from "../shared/errors.ts";
import {
  limitDefaults,
  PROTOCOL_LIMITS,
  type ProtocolLimits,
} from "../shared/limits.ts";
import { readLines } from "../shared/lines.ts";
import {
  type ByeCode,
  type ClientFrame,
  decodeServerFrame,
  encodeFrame,
  looksLikeFrame,
  PROTOCOL_VERSION,
  ROOMS_VERSION,
  type RoomState,
  type ServerFrame,
} from "../shared/protocol.ts";
import type { Transport } from "../shared/transport.ts";

/** A command as the connected server describes it. */
export interface CommandInfo {
  /** Name, typed after the slash. */
  name: string;
  /** Arguments as shown in help. */
  args: string;
  /** One line of help. */
  help: string;
  /** Other names for it. */
  aliases?: string[];
  /** Only operators may run it. */
  operator?: boolean;
}

/** Where to connect and as whom. */
export interface ConnectOptions {
  /** Server address. */
  hostname: string;
  /** Server port. */
  port: number;
  /** Nick to ask for; none for a guest nick. */
  nick?: string | undefined;
  /**
   * Rooms to be in (the first is the current one); none for the lobby. A
   * server older than version 3 takes the first alone.
   */
  rooms?: string[] | undefined;
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
  /**
   * Asks the person for the password when the server wants one (or another
   * try, with why the last one failed); undefined: they gave up.
   */
  askPassword?:
    | ((problem: string | undefined) => Promise<string | undefined>)
    | undefined;
  /** The last `seq` seen per room: what was missed comes with the welcome. */
  since?: Record<string, number> | undefined;
  /** Join and leave without telling the room (scripts). */
  quiet?: boolean | undefined;
  /** How many recent messages to be shown on joining. */
  history?: number | undefined;
  /** The protocol version to ask for; default the newest. */
  version?: number;
  /** Opens the connection; default `Deno.connect`. For tests and TLS. */
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

/** Why the server (or its certificate) refused us, and whether to try again. */
export type RefusalKind = ByeCode | "certificate" | "refused";

/**
 * The server refused to let us in (or said goodbye), with its reason. Final
 * refusals (a ban, a wrong password, a changed certificate, a plain-text
 * refusal line) end the client; others say how long to wait, if the server
 * said.
 */
export class RefusedError extends ConnectError {
  /** Why: the `bye` code, or `certificate`, or `refused` for a plain line. */
  readonly kind: RefusalKind;
  /** Seconds the server will keep us out, when it said. */
  readonly retryAfter: number | undefined;

  /**
   * Makes a RefusedError.
   *
   * @param message the server's reason, for the person
   * @param kind why
   * @param retryAfter seconds to wait, if the server said
   */
  constructor(message: string, kind: RefusalKind, retryAfter?: number) {
    super(message);
    this.name = "RefusedError";
    this.kind = kind;
    this.retryAfter = retryAfter;
  }

  /** True when trying again cannot help. */
  get final(): boolean {
    return isFinal(this.kind);
  }
}

/** True for refusals that trying again cannot get past. */
export function isFinal(kind: RefusalKind | undefined): boolean {
  return kind === "banned" || kind === "password" || kind === "certificate" ||
    kind === "refused" || kind === "flooding" || kind === "version";
}

/**
 * The longest line the client reads from the server: far more than any
 * line the server accepts, since a `welcome` carries rooms' history.
 */
const MAX_SERVER_LINE_BYTES = 8 * 1024 * 1024;

/** How many times a taken nick is swapped for the server's suggestion. */
const NICK_RETRIES = 5;

/** The lines of a connection: frames, plain lines (banner, refusals), unreadable ones. */
type Lines = AsyncGenerator<ServerFrame | string | undefined>;

/**
 * One connection to a Lochat server.
 *
 * @example
 * ```ts
 * const client = await ChatClient.connect({ hostname: "127.0.0.1", port: 4444, nick: "ann" });
 * client.send("hello", "m1");
 * await client.next(); // the ack for m1
 * client.close();
 * ```
 */
export class ChatClient {
  /** The nick the server granted. */
  nick: string;
  /**
   * The current room: where a line without a room goes (the last joined,
   * unless switched); undefined once the client has left every room.
   */
  room: string | undefined;
  /** The rooms the client is in, in the order it joined them. */
  readonly joined: string[];
  /** The protocol version the server answered at. */
  readonly version: number;
  /** The `welcome` frame. */
  readonly welcome: Extract<ServerFrame, { type: "welcome" }>;
  /** The rooms the client was in on arrival, as the welcome described them. */
  readonly rooms: RoomState[];
  /** The limits the server enforces (its defaults for a version 1 server). */
  readonly limits: ProtocolLimits;
  /** The server's commands (this client's own table for a version 1 server). */
  readonly commands: CommandInfo[];
  /** What the server said while granting a nick other than the one asked for. */
  readonly notices: string[];
  /** The password that got us in, to be kept for reconnects. */
  readonly password: string | undefined;
  #transport: Transport;
  #lines: Lines;
  #pending = new Map<string, string>();
  #refused = 0;
  #ids = 0;
  /** Random per connection, for ids not chosen by the caller. */
  #idPrefix = crypto.randomUUID().replaceAll("-", "").slice(0, 12);
  #writes: Promise<unknown> = Promise.resolve();
  #closed = false;
  /** The last `bye` the server sent, if any. */
  bye: Extract<ServerFrame, { type: "bye" }> | undefined;

  /** Makes a ChatClient. */
  private constructor(
    transport: Transport,
    lines: Lines,
    welcome: Extract<ServerFrame, { type: "welcome" }>,
    notices: string[],
    password: string | undefined,
  ) {
    this.#transport = transport;
    this.#lines = lines;
    this.welcome = welcome;
    this.version = welcome.v;
    this.nick = welcome.nick;
    this.room = welcome.room === "" ? undefined : welcome.room;
    this.notices = notices;
    this.password = password;
    this.rooms = welcome.rooms ??
      [{ name: welcome.room, members: [], history: welcome.history }];
    this.joined = this.rooms.map((room) => room.name);
    this.limits = { ...limitDefaults(PROTOCOL_LIMITS), ...welcome.limits };
    this.commands = welcome.commands ??
      COMMAND_SPECS.map((c) => ({
        name: c.name,
        args: c.args,
        help: c.help,
        ...("aliases" in c ? { aliases: [...c.aliases] } : {}),
      }));
  }

  /**
   * Connects and completes the handshake. A taken nick is replaced by the
   * server's suggestion (said in {@linkcode ChatClient.notices}); a server
   * that speaks only version 1 is asked again in version 1. A refusal throws
   * a {@linkcode RefusedError}; no server, a {@linkcode ConnectError}.
   */
  static async connect(options: ConnectOptions): Promise<ChatClient> {
    const version = options.version ?? PROTOCOL_VERSION;
    try {
      return await ChatClient.#connectAt(options, version);
    } catch (error) {
      // An older server refuses the version and closes: ask again in its own.
      if (
        error instanceof RefusedError && error.kind === "version" &&
        version > 1
      ) {
        return await ChatClient.#connectAt(options, 1);
      }
      throw error;
    }
  }

  static async #connectAt(
    options: ConnectOptions,
    version: number,
  ): Promise<ChatClient> {
    const dial = options.dial ??
      ((hostname, port) => Deno.connect({ hostname, port }));
    const where = `${options.hostname}:${options.port}`;
    let transport: Transport;
    try {
      transport = await dial(options.hostname, options.port);
    } catch (error) {
      if (error instanceof ConnectError) throw error;
      throw new ConnectError(dialProblem(error, where));
    }
    const lines = frames(transport);
    const notices: string[] = [];
    let nick = options.nick;
    let password = options.password;
    try {
      for (let attempt = 0;; attempt++) {
        await writeAll(
          transport,
          encodeFrame(hello(options, version, nick, password)),
        );
        const answer = await handshakeAnswer(lines, where);
        if (answer.type === "welcome") {
          const client = new ChatClient(
            transport,
            lines,
            answer,
            notices,
            password,
          );
          for (const [id, text] of options.resend ?? []) {
            client.#sendAs(id, text, undefined);
          }
          return client;
        }
        if (answer.code === "version") {
          throw new RefusedError(answer.message, "version");
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
          // Say why the last try failed before asking again.
          const asked = await options.askPassword(
            password === undefined ? undefined : answer.message,
          );
          if (asked === undefined) {
            throw new RefusedError("No password given", "password");
          }
          password = asked;
          continue;
        }
        throw new RefusedError(
          `The server refused to let you in: ${answer.message}`,
          answer.code === "password" ? "password" : "refused",
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
   * Sends one typed line (a message or a `/command`) and returns its id,
   * `id` when given. It stays pending until the server acks or refuses it.
   */
  send(
    text: string,
    id = `${this.#idPrefix}-${++this.#ids}`,
    room?: string,
  ): string {
    this.#sendAs(id, text, room);
    return id;
  }

  /** Lines sent and not yet acknowledged, oldest first, as `[id, text]`. */
  unacked(): [string, string][] {
    return [...this.#pending];
  }

  /**
   * Sends a line; `room` names the room it is said in (a server older than version 3
   * knows only its own idea of the current room, so it is left out).
   */
  #sendAs(id: string, text: string, room: string | undefined): void {
    this.#pending.set(id, text);
    const frame: ClientFrame = { type: "msg", id, text };
    if (room !== undefined && this.version >= ROOMS_VERSION) frame.room = room;
    this.#write(frame);
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
      case "bye":
        this.bye = frame;
        return;
      case "joined":
        // Joining adds the room and makes it current.
        if (!this.joined.includes(frame.name)) this.joined.push(frame.name);
        this.room = frame.name;
        return;
      case "event":
        if (
          frame.event === "nick" && frame.nick === this.nick &&
          frame.to !== undefined
        ) {
          this.nick = frame.to;
        }
        if (
          frame.event === "part" && frame.nick === this.nick &&
          frame.room !== undefined
        ) {
          this.#parted(frame.room);
        }
        return;
      case "reply":
        if (frame.cmd === "join" && isRoomData(frame.data)) {
          // A one-room server (older than 3) moved us; a newer one switched rooms.
          if (this.version < ROOMS_VERSION) this.joined.splice(0, Infinity);
          if (!this.joined.includes(frame.data.room)) {
            this.joined.push(frame.data.room);
          }
          this.room = frame.data.room;
        }
        return;
      default:
        return;
    }
  }

  /** We left `room` (or were taken out of it). */
  #parted(room: string): void {
    const at = this.joined.indexOf(room);
    if (at >= 0) this.joined.splice(at, 1);
    if (this.room === room) this.room = this.joined.at(-1);
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

/** The `hello` for one try of the handshake. */
function hello(
  options: ConnectOptions,
  version: number,
  nick: string | undefined,
  password: string | undefined,
): ClientFrame {
  const frame: ClientFrame = { type: "hello", v: version };
  if (nick !== undefined) frame.nick = nick;
  // Version 3 takes the list (empty: in no room); older ones the first.
  if (options.rooms?.[0] !== undefined) frame.room = options.rooms[0];
  if (options.rooms !== undefined && version >= ROOMS_VERSION) {
    frame.rooms = options.rooms;
  }
  if (password !== undefined) frame.password = password;
  if (options.clientToken !== undefined) frame.client = options.clientToken;
  if (version >= 2) {
    if (options.since !== undefined) frame.since = options.since;
    if (options.quiet === true) frame.quiet = true;
    if (options.history !== undefined) frame.history = options.history;
  }
  return frame;
}

/**
 * Server frames from a transport; lines that are not frames (the banner, a
 * refusal) come as strings, unreadable ones as `undefined`.
 */
async function* frames(transport: Transport): Lines {
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

/** The banner every Lochat server greets with. */
const BANNER = "Welcome to LoChat!";

async function handshakeAnswer(
  lines: Lines,
  where: string,
): Promise<Extract<ServerFrame, { type: "welcome" | "error" }>> {
  /** A plain line other than the banner: a refusal, as an older server says it. */
  let said: string | undefined;
  for await (const frame of iterate(lines)) {
    if (typeof frame === "string") {
      // A TLS alert record (0x15 0x03 …): we spoke plain text to a TLS port.
      if (frame.startsWith("\x15\x03")) {
        throw new ConnectError(`The server at ${where} speaks TLS; add --tls`);
      }
      if (frame !== BANNER && frame.trim() !== "") said = frame;
      continue;
    }
    if (frame?.type === "welcome" || frame?.type === "error") return frame;
    if (frame?.type === "bye") {
      throw new RefusedError(
        `The server at ${where} said: ${frame.reason}`,
        frame.code ?? "refused",
        frame.retryAfter,
      );
    }
  }
  if (said !== undefined) {
    throw new RefusedError(`The server at ${where} said: ${said}`, "refused");
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

async function writeAll(transport: Transport, data: Uint8Array): Promise<void> {
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
