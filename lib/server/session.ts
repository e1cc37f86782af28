/**
 * One connection's task: greeting, handshake, read loop and outbound queue.
 *
 * A session works on a {@linkcode Transport} (a `Deno.Conn`, a TLS
 * connection, or an in-memory pair in tests). It greets with the banner,
 * waits briefly for a native `hello`, and otherwise treats the peer as a
 * plain-text user (netcat, telnet). Input lines go to the hub and the command
 * table; frames for the peer go into a bounded queue that a single writer
 * drains, many frames to one write. A peer that lets its queue grow past the
 * bound is disconnected with a reason, so no reader can make the server hold
 * unbounded memory. Input is metered by a token bucket: a peer over its rate
 * is read more slowly (nothing is dropped), and one that stays over it is
 * disconnected as flooding. A native peer that goes quiet is pinged, and
 * dropped when it does not answer.
 *
 * @module
 */

import { runCommand } from "./commands.ts";
import type { CommandContext } from "./commands.ts";
import { parseInput } from "./commands.ts";
import type { Answer } from "./dedup.ts";
import { ChatError } from "../shared/errors.ts";
import type { Delivery, Hub, Member, MemberSink } from "./hub.ts";
import {
  BANNER,
  DEFAULT_BURST,
  HANDSHAKE_TIMEOUT_MS,
  MAX_ID_CHARS,
  MAX_QUEUE_FRAMES,
  PROTOCOL_VERSION,
} from "../shared/limits.ts";
import { LineSplitter } from "../shared/lines.ts";
import type { LineResult } from "../shared/lines.ts";
import {
  decodeClientFrame,
  encodeFrame,
  looksLikeFrame,
  Outgoing,
} from "../shared/protocol.ts";
import type {
  ChatMessage,
  ClientFrame,
  ErrorCode,
  ServerFrame,
} from "../shared/protocol.ts";
import { setImmediate } from "node:timers";
import { Outbox } from "./outbox.ts";
import { TokenBucket } from "./rate_limit.ts";
import { StoreError } from "./sqlite_history.ts";
import { nickKey } from "../shared/names.ts";
import { safeEqual } from "./secrets.ts";
import { renderFrame } from "../shared/render.ts";

/** The byte stream a session runs on. `Deno.Conn` is one. */
export interface Transport {
  /** Reads into `buffer`; resolves to the count read, or null at the end. */
  read(buffer: Uint8Array): Promise<number | null>;
  /** Writes `data`; resolves to the count written. */
  write(data: Uint8Array): Promise<number>;
  /** Closes the connection. */
  close(): void;
}

/** Limits a session enforces; the server fills them from its flags. */
export interface SessionLimits {
  /** Longest line accepted, newline included. */
  maxLineBytes: number;
  /** Unread bytes a member may lag behind before it is dropped. */
  maxQueueBytes: number;
  /** Frames a member may lag behind before it is dropped. */
  maxQueueFrames: number;
  /** Lines a second once the burst is spent; 0 turns flood control off. */
  rate: number;
  /** Lines that may come at once. */
  burst: number;
  /** Ping a quiet native peer after this long; drop it after twice this. 0: never. */
  pingIntervalMs: number;
  /** How long a connection may take to say a valid hello or password. */
  handshakeTimeoutMs: number;
}

/** Settings a session needs; the server fills them from its flags. */
export interface SessionOptions extends Partial<SessionLimits> {
  /** The hub the session's member joins. */
  hub: Hub;
  /** Who the peer is, for logs: `127.0.0.1:51234`. */
  peer: string;
  /** The peer's address without the port, for bans. Default: `peer`. */
  address?: string;
  /** The password the server asks for, if any. */
  password?: string | undefined;
  /** Name the server gives itself in `welcome`. */
  serverName: string;
  /** Longest line accepted, newline included. */
  maxLineBytes: number;
  /** Unread bytes a member may lag behind before it is dropped. */
  maxQueueBytes: number;
  /** How long to wait for `hello` before choosing text mode, in ms. */
  helloWaitMs: number;
  /** Where the session reports connects, disconnects and failures. */
  log: (event: string, fields: Record<string, unknown>) => void;
}

/** Wire formats, the slot each uses in an {@linkcode Outgoing}. */
const NATIVE = 0;
const TEXT = 1;

const encoder = new TextEncoder();
/**
 * Read buffers start small, so that an idle connection costs little, and
 * double (up to the largest) whenever a read fills one.
 */
const FIRST_READ_SIZE = 256;
const LARGEST_READ_SIZE = 16 * 1024;
/** Window over which flooding is judged. */
const FLOOD_WINDOW_MS = 10_000;
/** Share of that window spent held back that counts as flooding. */
const FLOOD_SHARE = 0.8;
/** The least time a text-mode user has to type the password. */
const TEXT_PASSWORD_TIMEOUT_MS = 60_000;
/** Wrong passwords before the connection is closed. */
const PASSWORD_TRIES = 3;

/**
 * One connection, from greeting to goodbye.
 *
 * @example
 * ```ts
 * const session = new Session(conn, { hub, peer: "127.0.0.1:5000", ... });
 * await session.run(); // resolves when the peer has gone
 * ```
 */
export class Session implements MemberSink {
  #transport: Transport;
  #options: SessionOptions;
  #mode: "pending" | "native" | "text" = "pending";
  #member: Member | undefined;
  #splitter: LineSplitter;
  /** Encoded frames waiting for the writer. */
  #outbox = new Outbox();
  /** Bytes of the write in progress, not yet written. */
  #writingBytes = 0;
  #writing = false;
  #closed = false;
  #closeReason = "";
  #drained: (() => void) | undefined;
  #textIds = 0;
  #helloTimer: ReturnType<typeof setTimeout> | undefined;
  /** Set by `/quit`: the session ends once the command's reply is queued. */
  #quitting: string | undefined;
  #limits: SessionLimits;
  #bucket: TokenBucket;
  /** When the peer was last heard from, and when it was last pinged. */
  #heardAt = performance.now();
  #pingedAt = 0;
  /** When the connection was accepted (`performance.now()` time). */
  readonly startedAt: number = performance.now();
  /** Flood accounting: time held back in the current window. */
  #heldMs = 0;
  #windowStart = performance.now();
  #warned = false;
  #passwordTries = 0;
  /** The client's token from `hello`, which scopes its message ids. */
  #clientKey: string | undefined;
  /**
   * This member's text-mode encoder, made once text mode starts (it is on
   * the delivery path; native sessions never need one).
   */
  #encodeText: ((frame: ServerFrame) => Uint8Array) | undefined;
  /** Text mode waiting for `/pass`. */
  #locked = false;

  /**
   * Makes a Session.
   *
   * @param transport the connection
   * @param options limits, the hub, the logger
   */
  constructor(transport: Transport, options: SessionOptions) {
    this.#transport = transport;
    this.#options = options;
    this.#limits = {
      maxLineBytes: options.maxLineBytes,
      maxQueueBytes: options.maxQueueBytes,
      maxQueueFrames: options.maxQueueFrames ?? MAX_QUEUE_FRAMES,
      rate: options.rate ?? 0,
      burst: options.burst ?? DEFAULT_BURST,
      pingIntervalMs: options.pingIntervalMs ?? 0,
      handshakeTimeoutMs: options.handshakeTimeoutMs ?? HANDSHAKE_TIMEOUT_MS,
    };
    this.#splitter = new LineSplitter({ maxBytes: options.maxLineBytes });
    this.#bucket = new TokenBucket({
      rate: this.#limits.rate,
      burst: this.#limits.burst,
    });
  }

  /** The peer's address, for bans and per-address limits. */
  get address(): string {
    return this.#options.address ?? this.#options.peer;
  }

  /**
   * Housekeeping the server runs every few seconds: pings a quiet native
   * peer, drops one that stopped answering, and drops a connection that has
   * not finished its handshake in time.
   */
  tick(now: number): void {
    if (this.#closed) return;
    const { pingIntervalMs } = this.#limits;
    // A person typing a password at netcat gets at least a minute.
    const handshakeTimeoutMs = this.#locked
      ? Math.max(this.#limits.handshakeTimeoutMs, TEXT_PASSWORD_TIMEOUT_MS)
      : this.#limits.handshakeTimeoutMs;
    if (
      (this.#mode === "pending" || this.#locked) &&
      now - this.startedAt > handshakeTimeoutMs
    ) {
      const what = this.#locked ? "password" : "hello";
      this.#refuse(
        "not-now",
        `No valid ${what} within ${handshakeTimeoutMs / 1000} s; closing`,
      );
      this.close(`handshake timeout after ${handshakeTimeoutMs / 1000} s`);
      return;
    }
    if (this.#mode !== "native" || pingIntervalMs <= 0) return;
    const quiet = now - this.#heardAt;
    if (quiet > 2 * pingIntervalMs) {
      this.abort(
        `ping timeout: nothing heard for ${Math.round(quiet / 1000)} s`,
      );
    } else if (quiet > pingIntervalMs && this.#pingedAt < this.#heardAt) {
      this.#pingedAt = now;
      this.#send({ type: "ping", t: Date.now() });
    }
  }

  /** The member's nick, once the handshake is done. */
  get nick(): string | undefined {
    return this.#member?.nick;
  }

  /**
   * Greets the peer and serves it until it leaves or is closed. Never
   * rejects: a failure ends this session only.
   */
  async run(): Promise<void> {
    this.#options.log("connect", { peer: this.#options.peer });
    this.#enqueue(encoder.encode(`${BANNER}\n`));
    this.#helloTimer = setTimeout(() => {
      this.#helloTimer = undefined;
      if (this.#mode === "pending") this.#startText();
    }, this.#options.helloWaitMs);
    let buffer = new Uint8Array(FIRST_READ_SIZE);
    const lines: LineResult[] = [];
    const collect = (result: LineResult) => lines.push(result);
    try {
      while (!this.#closed) {
        const n = await this.#transport.read(buffer);
        this.#heardAt = performance.now();
        if (n === null) {
          this.#splitter.end(collect);
          await this.#handle(lines);
          this.close("connection closed by peer");
          break;
        }
        this.#splitter.push(buffer.subarray(0, n), collect);
        await this.#handle(lines);
        lines.length = 0;
        if (n === buffer.length && n < LARGEST_READ_SIZE) {
          buffer = new Uint8Array(n * 2);
        }
      }
    } catch (error) {
      if (!this.#closed) this.close(`read failed: ${describe(error)}`);
    } finally {
      this.#cancelHelloTimer();
    }
    await this.#writerIdle();
    this.#options.log("disconnect", {
      peer: this.#options.peer,
      nick: this.#member?.nick,
      reason: this.#closeReason,
    });
  }

  /** Handles the lines of one read, holding back when over the rate. */
  async #handle(lines: LineResult[]): Promise<void> {
    for (const result of lines) {
      if (this.#closed) return;
      if (this.#mode !== "pending" && !this.#bucket.unlimited) {
        const wait = this.#bucket.take();
        if (wait > 0 && !(await this.#holdBack(wait))) return;
      }
      this.#onLine(result);
    }
  }

  /** Waits `ms` for the rate limit; false when the peer is flooding. */
  async #holdBack(ms: number): Promise<boolean> {
    const now = performance.now();
    if (now - this.#windowStart > FLOOD_WINDOW_MS) {
      const share = this.#heldMs / (now - this.#windowStart);
      this.#windowStart = now;
      this.#heldMs = 0;
      if (share >= FLOOD_SHARE) {
        const { rate, burst } = this.#limits;
        const reason =
          `flooding: over ${rate} lines a second (bursts of ${burst}) for ${
            FLOOD_WINDOW_MS / 1000
          } s`;
        this.#options.log("refuse", {
          peer: this.#options.peer,
          nick: this.#member?.nick,
          reason,
        });
        this.close(reason, {
          type: "bye",
          reason: `Disconnected for ${reason}`,
        });
        return false;
      }
      this.#warned = false;
    }
    if (!this.#warned) {
      this.#warned = true;
      const { rate, burst } = this.#limits;
      this.#refuse(
        "rate-limited",
        `You are sending faster than ${rate} lines a second (bursts of ${burst}); your lines are being slowed down`,
      );
    }
    this.#heldMs += ms;
    await new Promise((resolve) => setTimeout(resolve, ms));
    return !this.#closed;
  }

  /**
   * Ends the session: the hub is told, queued frames are still written (up
   * to what the peer will take), then the connection closes.
   */
  close(reason: string, goodbye?: ServerFrame): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#closeReason = reason;
    this.#cancelHelloTimer();
    if (this.#member !== undefined) {
      this.#options.hub.exit(this.#member, reason);
    }
    if (goodbye !== undefined) this.#push(this.#encode(new Outgoing(goodbye)));
    if (!this.#writing) this.#closeTransport();
  }

  /** Closes the connection now, whatever is still queued. */
  abort(reason: string): void {
    this.close(reason);
    this.#outbox.clear();
    this.#closeTransport();
  }

  /** Takes a frame for the peer; false when the session can take no more. */
  deliver(out: Outgoing): boolean {
    if (this.#closed) return false;
    return this.#enqueue(this.#encode(out));
  }

  #encode(out: Outgoing): Uint8Array | undefined {
    if (this.#mode === "text") {
      const bytes = out.bytes(
        TEXT,
        this.#encodeText ??= (frame) => encodeText(frame, this.#member?.nick),
      );
      return bytes.length === 0 ? undefined : bytes;
    }
    return out.bytes(NATIVE, encodeFrame);
  }

  #send(frame: ServerFrame): void {
    this.deliver(new Outgoing(frame));
  }

  #enqueue(bytes: Uint8Array | undefined): boolean {
    if (bytes === undefined) return true;
    const { maxQueueBytes, maxQueueFrames } = this.#limits;
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
      this.abort(`too slow: more than ${over} waiting to be read`);
      return false;
    }
    this.#push(bytes);
    return true;
  }

  #push(bytes: Uint8Array | undefined): void {
    if (bytes === undefined) return;
    this.#outbox.push(bytes);
    if (!this.#writing) {
      this.#writing = true;
      // Written once the reads ready now have been handled: frames queued by
      // all of them share one write.
      writeSoon(this);
    }
  }

  /** Starts the writer; {@linkcode writeSoon} calls it. */
  startWriting(): void {
    this.#write();
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
        this.#outbox.written();
      }
    } catch (error) {
      this.#outbox.clear();
      this.close(`write failed: ${describe(error)}`);
    } finally {
      this.#outbox.written();
      this.#writing = false;
      this.#writingBytes = 0;
      if (this.#closed) this.#closeTransport();
      this.#drained?.();
    }
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

  #cancelHelloTimer(): void {
    if (this.#helloTimer !== undefined) clearTimeout(this.#helloTimer);
    this.#helloTimer = undefined;
  }

  #onLine(result: LineResult): void {
    if (this.#closed) return;
    if (!result.ok) {
      if (this.#mode === "pending") this.#startText();
      const message = result.error === "too-long"
        ? `Line longer than ${result.limit} bytes was dropped; split long text into several messages`
        : "Line was not valid UTF-8 and was dropped; send UTF-8 text";
      this.#refuse(result.error, message);
      return;
    }
    const line = result.line;
    switch (this.#mode) {
      case "pending":
        if (looksLikeFrame(line)) {
          const decoded = decodeClientFrame(line);
          if (decoded.ok && decoded.frame.type === "hello") {
            this.#startNative(decoded.frame);
            return;
          }
          if (decoded.ok) {
            this.#refuse(
              "bad-frame",
              `Send a "hello" frame first, not "${decoded.frame.type}"`,
            );
            return;
          }
        }
        this.#startText();
        this.#input(line, undefined);
        return;
      case "text":
        if (this.#locked) this.#unlock(line);
        else if (line.trim() !== "") this.#input(line, undefined);
        return;
      case "native":
        this.#onFrame(line);
        return;
    }
  }

  #onFrame(line: string): void {
    const decoded = decodeClientFrame(line);
    if (!decoded.ok) {
      this.#refuse(decoded.error.code, decoded.error.message, decoded.error.id);
      return;
    }
    const frame = decoded.frame;
    switch (frame.type) {
      case "msg":
        if (frame.id.length > MAX_ID_CHARS) {
          this.#refuse(
            "bad-frame",
            `A message id may have at most ${MAX_ID_CHARS} characters`,
          );
          return;
        }
        this.#input(frame.text, frame.id);
        return;
      case "ping":
        this.#send(
          frame.t === undefined
            ? { type: "pong" }
            : { type: "pong", t: frame.t },
        );
        return;
      case "pong":
        return; // Being heard from is all a pong is for.
      case "quit":
        this.close(frame.reason ?? "quit");
        return;
      case "hello":
        this.#refuse("bad-frame", "Already said hello; send msg, ping or quit");
        return;
    }
  }

  #startNative(hello: Extract<ClientFrame, { type: "hello" }>): void {
    const { v: version, nick, room } = hello;
    if (version !== PROTOCOL_VERSION) {
      this.#refuse(
        "version",
        `Protocol version ${version} is not supported; this server speaks version ${PROTOCOL_VERSION}`,
      );
      this.close(`protocol version ${version}`);
      return;
    }
    // A hello, even a refused one, makes this a native client: no text mode.
    this.#cancelHelloTimer();
    if (!this.#passwordAccepted(hello.password)) return;
    if (hello.client !== undefined) {
      this.#clientKey = `client:${hello.client.slice(0, MAX_ID_CHARS)}`;
    }
    const hub = this.#options.hub;
    let member: Member;
    try {
      member = hub.enter(nick ?? hub.guestNick(), this, room);
      member.address = this.address;
    } catch (error) {
      // Stay pending: the client may say hello again with another nick.
      if (!(error instanceof ChatError)) throw error;
      this.#refuse(error.code, error.message, undefined, error.suggest);
      return;
    }
    this.#cancelHelloTimer();
    this.#mode = "native";
    this.#member = member;
    this.#options.log("join", {
      peer: this.#options.peer,
      nick: member.nick,
      mode: "native",
    });
    this.#send({
      type: "welcome",
      v: PROTOCOL_VERSION,
      banner: BANNER,
      server: this.#options.serverName,
      nick: member.nick,
      room: member.room,
      history: hub.history(member.room),
    });
  }

  #startText(): void {
    this.#cancelHelloTimer();
    this.#mode = "text";
    if (this.#options.password !== undefined) {
      this.#locked = true;
      this.#enqueue(
        encoder.encode("This server needs a password: type /pass PASSWORD\n"),
      );
      return;
    }
    this.#enterText();
  }

  /** A locked text-mode line: only `/pass PASSWORD` opens the door. */
  #unlock(line: string): void {
    const match = /^\/pass\s+(.*)$/.exec(line.trim());
    if (match === null) {
      this.#refuse(
        "password",
        "This server needs a password first: type /pass PASSWORD",
      );
      return;
    }
    if (!this.#passwordAccepted(match[1]!)) return;
    this.#locked = false;
    this.#enterText();
  }

  /**
   * Checks a password in constant time. On a wrong one, says so, and closes
   * after {@linkcode PASSWORD_TRIES} tries.
   */
  #passwordAccepted(password: string | undefined): boolean {
    const expected = this.#options.password;
    if (expected === undefined) return true;
    if (password !== undefined && safeEqual(password, expected)) return true;
    this.#passwordTries++;
    const reason = password === undefined
      ? "This server needs a password: set LOCHAT_PASSWORD for lochat-client, or type /pass PASSWORD"
      : "Wrong password";
    this.#options.log("refuse", {
      peer: this.#options.peer,
      reason: password === undefined ? "no password" : "wrong password",
    });
    this.#refuse("password", reason);
    if (this.#passwordTries >= PASSWORD_TRIES) {
      this.close(`wrong password ${PASSWORD_TRIES} times`);
    }
    return false;
  }

  #enterText(): void {
    const hub = this.#options.hub;
    this.#member = hub.enter(hub.guestNick(), this);
    this.#member.address = this.address;
    this.#options.log("join", {
      peer: this.#options.peer,
      nick: this.#member.nick,
      mode: "text",
    });
    const welcome: ServerFrame = {
      type: "welcome",
      v: PROTOCOL_VERSION,
      banner: BANNER,
      server: this.#options.serverName,
      nick: this.#member.nick,
      room: this.#member.room,
      history: [],
    };
    this.#send(welcome);
    this.#replay(hub.history(this.#member.room));
  }

  #replay(messages: ChatMessage[]): void {
    for (const message of messages) {
      this.#send({ type: "msg", ...message, history: true });
    }
  }

  /** One line of input: a chat message or a command. */
  #input(text: string, id: string | undefined): void {
    const member = this.#member;
    if (member === undefined) return;
    const answers = this.#options.hub.answers;
    // Ids are the client's own: only its resends may match them.
    const key = id === undefined
      ? undefined
      : `${this.#clientKey ?? `nick:${nickKey(member.nick)}`}\n${id}`;
    if (key !== undefined && id !== undefined) {
      // This run's answer, or, after a restart, what the store kept for it.
      const earlier: Answer | undefined = answers.get(key) ??
        this.#options.hub.answered(key);
      if (earlier !== undefined) {
        // A resend after a reconnect: acknowledge again, deliver nothing.
        this.#acknowledge(id, earlier);
        return;
      }
    }
    const ackId = id ?? `t${++this.#textIds}`;
    let result: Delivery | Promise<Delivery> | undefined;
    try {
      const parsed = parseInput(text);
      result = parsed.kind === "text"
        ? this.#options.hub.say(member, parsed.text, { key })
        : runCommand(this.#context(member, key), parsed.name, parsed.args);
    } catch (error) {
      this.#fail(error, id);
    }
    if (result instanceof Promise) {
      // Written to disk first: acknowledged once it is durable.
      result.then(
        (delivery) => this.#answer(key, ackId, delivery),
        (error) => this.#fail(error, id),
      );
    } else {
      this.#answer(key, ackId, result);
    }
    if (this.#quitting !== undefined) this.close(this.#quitting);
  }

  /** Acknowledges a line, and remembers the answer for resends. */
  #answer(
    key: string | undefined,
    ackId: string,
    delivery: Delivery | undefined,
  ): void {
    const answer: Answer = delivery === undefined ? { ts: Date.now() } : {
      ts: delivery.message.ts,
      seq: delivery.message.seq,
      count: delivery.count,
      of: delivery.of,
    };
    if (key !== undefined) this.#options.hub.answers.remember(key, answer);
    this.#acknowledge(ackId, answer);
  }

  /** Tells the sender why its line was refused or failed. */
  #fail(error: unknown, id: string | undefined): void {
    if (error instanceof ChatError) {
      this.#refuse(error.code, error.message, id);
    } else if (error instanceof StoreError) {
      this.#options.log("store-failed", {
        peer: this.#options.peer,
        error: error.message,
      });
      this.#refuse(
        "storage",
        `The server could not store your message, so it was not sent: ${error.message}`,
        id,
      );
    } else {
      this.#options.log("error", {
        peer: this.#options.peer,
        error: describe(error),
      });
      this.#refuse("internal", "Internal error; the server logged it", id);
    }
  }

  #acknowledge(id: string, answer: Answer): void {
    if (answer.seq === undefined) {
      this.#send({ type: "ack", id, ts: answer.ts });
      return;
    }
    this.#send({ type: "ack", id, ts: answer.ts, seq: answer.seq });
    // An answer from an earlier run knows the message, not whom it reached.
    if (answer.count !== undefined && answer.of !== undefined) {
      this.#send({ type: "delivered", id, count: answer.count, of: answer.of });
    }
  }

  #context(member: Member, key: string | undefined): CommandContext {
    return {
      hub: this.#options.hub,
      member,
      key,
      reply: (cmd, text, data) => {
        const frame: ServerFrame = { type: "reply", cmd, text };
        if (data !== undefined) frame.data = data;
        this.#send(frame);
      },
      replay: (messages) => this.#replay(messages),
      quit: (reason) => {
        this.#quitting = reason;
      },
    };
  }

  #refuse(
    code: ErrorCode,
    message: string,
    id?: string,
    suggest?: string,
  ): void {
    const frame: ServerFrame = { type: "error", code, message };
    if (id !== undefined) frame.id = id;
    if (suggest !== undefined) frame.suggest = suggest;
    this.#send(frame);
  }
}

/** Sessions with frames queued since the last round of writes. */
let writeRound: Session[] = [];
/** When the last round of writes started (`performance.now()` time). */
let lastRoundAt = -Infinity;
/**
 * A round asked for sooner than this after the last one started waits this
 * long. A quiet server writes at once; a busy one, whose rounds would follow
 * each other back to back, lets a round gather a millisecond's frames, so
 * each write carries more of them.
 */
const ROUND_GAP_MS = 1;

/**
 * Starts `session`'s writer after the current turn of the event loop, once
 * every read that was ready has been handled (`setImmediate` runs after I/O
 * callbacks), or {@linkcode ROUND_GAP_MS} later when the last round started
 * less than that ago. A member that many senders' messages reach meanwhile
 * gets them all in one write: one system call, not one per message.
 */
function writeSoon(session: Session): void {
  if (writeRound.length === 0) {
    if (performance.now() - lastRoundAt >= ROUND_GAP_MS) {
      setImmediate(runWriteRound);
    } else {
      setTimeout(runWriteRound, ROUND_GAP_MS);
    }
  }
  writeRound.push(session);
}

function runWriteRound(): void {
  lastRoundAt = performance.now();
  const round = writeRound;
  writeRound = [];
  for (const s of round) s.startWriting();
}

/** A frame as a text-mode line, or no bytes when it has no line. */
function encodeText(frame: ServerFrame, self: string | undefined): Uint8Array {
  const options = self === undefined
    ? { color: false }
    : { color: false, self };
  const text = renderFrame(frame, options);
  return text === undefined ? new Uint8Array(0) : encoder.encode(`${text}\n`);
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
