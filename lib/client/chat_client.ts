/**
 * The client's side of the wire: one connection, its lines and their acks.
 *
 * A {@linkcode ChatClient} owns one connection. It knows nothing of
 * terminals: the person's side (a prompt, a pipe, a script) calls
 * {@linkcode ChatClient.send} and reads frames with
 * {@linkcode ChatClient.next}. Every line sent carries an id and stays
 * pending until the server's `ack` or `error` names it; the rooms the client
 * is in and its nick follow what the server says.
 *
 * Getting in is `client_handshake.ts`'s (hello, nick retries, the
 * password); how it fails, `connect_errors.ts`'s. {@linkcode ChatClient.connect}
 * speaks the newest protocol version and falls back to version 1 for a
 * server that only speaks that.
 *
 * @module
 */

import { COMMAND_SPECS } from "../shared/command_specs.ts";
import {
  limitDefaults,
  PROTOCOL_LIMITS,
  type ProtocolLimits,
} from "../shared/limits.ts";
import {
  type ClientFrame,
  encodeFrame,
  PROTOCOL_VERSION,
  ROOMS_VERSION,
  type RoomState,
  type ServerFrame,
} from "../shared/protocol.ts";
import type { Transport } from "../shared/transport.ts";
import {
  type ConnectOptions,
  handshake,
  writeAll,
} from "./client_handshake.ts";
import { RefusedError } from "./connect_errors.ts";
import type { ServerLines } from "./server_lines.ts";

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
  /**
   * The rooms the client was in on arrival, as the welcome described them
   * (copies: the client loop drops from their history what it showed
   * before a reconnect).
   */
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
  #lines: ServerLines;
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
    lines: ServerLines,
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
    this.rooms = (welcome.rooms ??
      [{ name: welcome.room, members: [], history: welcome.history }])
      .map((room) => ({ ...room }));
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
    const { transport, lines, welcome, notices, password } = await handshake(
      options,
      version,
    );
    const client = new ChatClient(transport, lines, welcome, notices, password);
    for (const [id, text] of options.resend ?? []) {
      client.#sendAs(id, text, undefined);
    }
    return client;
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

function isRoomData(data: unknown): data is { room: string } {
  return typeof data === "object" && data !== null &&
    typeof (data as { room?: unknown }).room === "string";
}
