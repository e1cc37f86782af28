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
 * unbounded memory.
 *
 * @module
 */

import { runCommand } from "./commands.ts";
import type { CommandContext } from "./commands.ts";
import { parseInput } from "./commands.ts";
import type { Answer } from "./dedup.ts";
import { ChatError } from "./errors.ts";
import type { Delivery, Hub, Member, MemberSink } from "./hub.ts";
import { BANNER, PROTOCOL_VERSION } from "./limits.ts";
import { LineSplitter } from "./lines.ts";
import type { LineResult } from "./lines.ts";
import {
  decodeClientFrame,
  encodeFrame,
  looksLikeFrame,
  Outgoing,
} from "./protocol.ts";
import type { ChatMessage, ErrorCode, ServerFrame } from "./protocol.ts";
import { renderFrame } from "./render.ts";

/** The byte stream a session runs on. `Deno.Conn` is one. */
export interface Transport {
  read(buffer: Uint8Array): Promise<number | null>;
  write(data: Uint8Array): Promise<number>;
  close(): void;
}

/** Settings a session needs; the server fills them from its flags. */
export interface SessionOptions {
  hub: Hub;
  /** Who the peer is, for logs: `127.0.0.1:51234`. */
  peer: string;
  /** Name the server gives itself in `welcome`. */
  serverName: string;
  maxLineBytes: number;
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
const READ_SIZE = 16 * 1024;

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
  #queue: Uint8Array[] = [];
  /** Bytes in `#queue` plus the write in progress. */
  #queuedBytes = 0;
  #writing = false;
  #closed = false;
  #closeReason = "";
  #drained: (() => void) | undefined;
  #textIds = 0;
  #helloTimer: ReturnType<typeof setTimeout> | undefined;
  /** Set by `/quit`: the session ends once the command's reply is queued. */
  #quitting: string | undefined;

  constructor(transport: Transport, options: SessionOptions) {
    this.#transport = transport;
    this.#options = options;
    this.#splitter = new LineSplitter({ maxBytes: options.maxLineBytes });
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
    const buffer = new Uint8Array(READ_SIZE);
    const onLine = (result: LineResult) => this.#onLine(result);
    try {
      while (!this.#closed) {
        const n = await this.#transport.read(buffer);
        if (n === null) {
          this.#splitter.end(onLine);
          this.close("connection closed by peer");
          break;
        }
        this.#splitter.push(buffer.subarray(0, n), onLine);
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
    this.#queue = [];
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
        (frame) => encodeText(frame, this.#member?.nick),
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
    if (this.#queuedBytes + bytes.length > this.#options.maxQueueBytes) {
      // Too far behind: what is queued is dropped with the connection.
      this.abort(
        `too slow: more than ${this.#options.maxQueueBytes} bytes waiting to be read`,
      );
      return false;
    }
    this.#push(bytes);
    return true;
  }

  #push(bytes: Uint8Array | undefined): void {
    if (bytes === undefined) return;
    this.#queue.push(bytes);
    this.#queuedBytes += bytes.length;
    if (!this.#writing) {
      this.#writing = true;
      // Start on a microtask so frames queued in the same turn share a write.
      queueMicrotask(() => this.#write());
    }
  }

  async #write(): Promise<void> {
    try {
      while (this.#queue.length > 0) {
        const chunks = this.#queue;
        this.#queue = [];
        const data = chunks.length === 1 ? chunks[0]! : concat(chunks);
        let written = 0;
        while (written < data.length) {
          written += await this.#transport.write(data.subarray(written));
        }
        this.#queuedBytes -= data.length;
      }
    } catch (error) {
      this.#queue = [];
      this.close(`write failed: ${describe(error)}`);
    } finally {
      this.#writing = false;
      this.#queuedBytes = 0;
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
            this.#startNative(
              decoded.frame.v,
              decoded.frame.nick,
              decoded.frame.room,
            );
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
        if (line.trim() !== "") this.#input(line, undefined);
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
        this.#input(frame.text, frame.id);
        return;
      case "ping":
        this.#send(
          frame.t === undefined
            ? { type: "pong" }
            : { type: "pong", t: frame.t },
        );
        return;
      case "quit":
        this.close(frame.reason ?? "quit");
        return;
      case "hello":
        this.#refuse("bad-frame", "Already said hello; send msg, ping or quit");
        return;
    }
  }

  #startNative(
    version: number,
    nick: string | undefined,
    room: string | undefined,
  ): void {
    if (version !== PROTOCOL_VERSION) {
      this.#refuse(
        "version",
        `Protocol version ${version} is not supported; this server speaks version ${PROTOCOL_VERSION}`,
      );
      this.close(`protocol version ${version}`);
      return;
    }
    const hub = this.#options.hub;
    let member: Member;
    try {
      member = hub.enter(nick ?? hub.guestNick(), this, room);
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
    const hub = this.#options.hub;
    this.#mode = "text";
    this.#member = hub.enter(hub.guestNick(), this);
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
    if (id !== undefined) {
      const earlier = answers.get(id);
      if (earlier !== undefined) {
        // A resend after a reconnect: acknowledge again, deliver nothing.
        this.#acknowledge(id, earlier);
        return;
      }
    }
    const ackId = id ?? `t${++this.#textIds}`;
    try {
      const parsed = parseInput(text);
      let delivery: Delivery | undefined;
      if (parsed.kind === "text") {
        delivery = this.#options.hub.say(member, parsed.text);
      } else {
        delivery = runCommand(this.#context(member), parsed.name, parsed.args);
      }
      const answer: Answer = delivery === undefined ? { ts: Date.now() } : {
        ts: delivery.message.ts,
        seq: delivery.message.seq,
        count: delivery.count,
        of: delivery.of,
      };
      if (id !== undefined) answers.remember(id, answer);
      this.#acknowledge(ackId, answer);
    } catch (error) {
      if (error instanceof ChatError) {
        this.#refuse(error.code, error.message, id);
      } else {
        this.#options.log("error", {
          peer: this.#options.peer,
          error: describe(error),
        });
        this.#refuse("internal", "Internal error; the server logged it", id);
      }
    }
    if (this.#quitting !== undefined) this.close(this.#quitting);
  }

  #acknowledge(id: string, answer: Answer): void {
    if (answer.seq === undefined) {
      this.#send({ type: "ack", id, ts: answer.ts });
      return;
    }
    this.#send({ type: "ack", id, ts: answer.ts, seq: answer.seq });
    this.#send({
      type: "delivered",
      id,
      count: answer.count ?? 0,
      of: answer.of ?? 0,
    });
  }

  #context(member: Member): CommandContext {
    return {
      hub: this.#options.hub,
      member,
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

/** A frame as a text-mode line, or no bytes when it has no line. */
function encodeText(frame: ServerFrame, self: string | undefined): Uint8Array {
  const options = self === undefined
    ? { color: false }
    : { color: false, self };
  const text = renderFrame(frame, options);
  return text === undefined ? new Uint8Array(0) : encoder.encode(`${text}\n`);
}

function concat(chunks: Uint8Array[]): Uint8Array {
  let size = 0;
  for (const chunk of chunks) size += chunk.length;
  const data = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    data.set(chunk, offset);
    offset += chunk.length;
  }
  return data;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
