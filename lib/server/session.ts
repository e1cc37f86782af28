/**
 * One connection's task, from greeting to goodbye: a state machine over a
 * {@linkcode Connection}.
 *
 * ```
 * handshake ──hello──► native ──┐
 *     │                         ├──► closed
 *     └──first line/silence──► text ─┘
 * ```
 *
 * The handshake ({@linkcode Handshake}) ends in a member; the member's lines
 * go through flood control to its transport's adapter (native frames, or
 * text mode) and from there to {@linkcode MemberInput}, which answers each
 * once. The session is the member's sink: what the hub sends it is encoded
 * in the member's wire format and queued on the connection. A native peer
 * that goes quiet is pinged, and dropped when it does not answer.
 *
 * @module
 */

import type { LineResult } from "../shared/lines.ts";
import type {
  ChatMessage,
  ErrorCode,
  ServerFrame,
} from "../shared/protocol.ts";
import { PROTOCOL_VERSION, ROOMS_VERSION } from "../shared/protocol.ts";
import { Acks } from "./acks.ts";
import {
  Connection,
  type ConnectionOptions,
  type ConnectionOwner,
} from "./connection.ts";
import { FloodControl, type FloodOptions } from "./flood_control.ts";
import { Handshake, type Hello, personOf } from "./handshake.ts";
import type { Member, MemberSink } from "./member.ts";
import { type InputHost, MemberInput } from "./member_input.ts";
import type { Hub } from "./hub.ts";
import type { Logger } from "../shared/log.ts";
import { encodeNative, nativeLine } from "./native.ts";
import { Outgoing } from "./outgoing.ts";
import type { ServerContext } from "./server_context.ts";
import { BANNER } from "./server_limits.ts";
import { encodeLines, textEncoder, textWelcome } from "./text_mode.ts";
import { recentFor, welcomeFor } from "./welcome.ts";
import type { Transport } from "../shared/transport.ts";

/**
 * What a session's peer may speak: `any` chooses by the first line (native
 * frames or text mode), `native` is frames only (the web page's WebSocket:
 * no banner, no text mode).
 */
export type Wire = "any" | "native";

/** Who is at the other end of a session. */
export interface Peer {
  /** Who the peer is, for logs: `127.0.0.1:51234`. */
  peer: string;
  /** The peer's address without the port, for bans. Default: `peer`. */
  address?: string;
}

/** Where a session is. */
type State =
  | { phase: "handshake"; handshake: Handshake }
  | {
    phase: "native";
    member: Member;
    input: MemberInput;
    /** The protocol version the client is answered in. */
    version: number;
    /** When the peer was last pinged (`performance.now()` time). */
    pingedAt: number;
  }
  | {
    phase: "text";
    member: Member;
    input: MemberInput;
    encode: (out: Outgoing) => Uint8Array;
  }
  /** Over; the member, if there was one, is kept for the log. */
  | { phase: "closed"; member: Member | undefined };

/** The options every session of a server shares, made once per context. */
interface SharedOptions {
  connection: ConnectionOptions;
  /** The same, for sessions of native frames only. */
  nativeConnection: ConnectionOptions;
  flood: FloodOptions;
}
const shared = new WeakMap<ServerContext, SharedOptions>();

function sharedOptions(context: ServerContext): SharedOptions {
  let options = shared.get(context);
  if (options === undefined) {
    const { limits, resources } = context;
    const connection: ConnectionOptions = {
      maxLineBytes: limits.lineBytes,
      maxQueueBytes: resources.queueBytes,
      maxQueueFrames: resources.queueFrames,
      writeRounds: context.writeRounds,
      closeFlushMs: resources.closeFlush * 1000,
    };
    options = {
      connection,
      nativeConnection: { ...connection, nativeOnly: true },
      flood: {
        rate: limits.rate,
        burst: limits.burst,
        windowSeconds: resources.floodWindow,
        sharePercent: resources.floodShare,
      },
    };
    shared.set(context, options);
  }
  return options;
}

/** A session's unique scope for message ids, until the client names one. */
let sessions = 0;
/** This server process, among all that used the same data directory. */
const BOOT = crypto.randomUUID().slice(0, 8);

/**
 * One connection, from greeting to goodbye.
 *
 * @example
 * ```ts
 * const session = new Session(conn, context, { peer: "127.0.0.1:5000" });
 * await session.run(); // resolves when the peer has gone
 * ```
 */
export class Session implements MemberSink, ConnectionOwner, InputHost {
  /** What the server's sessions share. */
  readonly context: ServerContext;
  /** Who the peer is, for logs. */
  readonly peer: string;
  /** The peer's address, for bans and per-address limits. */
  readonly address: string;
  /** When the connection was accepted (`performance.now()` time). */
  readonly startedAt: number = performance.now();
  #connection: Connection;
  #flood: FloodControl;
  #acks: Acks;
  #state: State;
  #closeReason = "";
  /** True once the peer has sent a whole line. */
  #spoke = false;
  /** How rooms work for the member: see {@linkcode Session.multiRoom}. */
  #roomMode: "one-room" | "rooms" | "text" = "text";
  /** What the peer may speak. */
  #wire: Wire;

  /**
   * Makes a Session.
   *
   * @param transport the connection
   * @param context what the server's sessions share
   * @param peer who is at the other end
   * @param options.wire what the peer may speak (default `any`)
   */
  constructor(
    transport: Transport,
    context: ServerContext,
    peer: Peer,
    options: { wire?: Wire } = {},
  ) {
    this.context = context;
    this.peer = peer.peer;
    this.address = peer.address ?? peer.peer;
    this.#wire = options.wire ?? "any";
    const shared = sharedOptions(context);
    this.#connection = new Connection(
      transport,
      this.#wire === "native" ? shared.nativeConnection : shared.connection,
      this,
    );
    this.#flood = new FloodControl(shared.flood);
    this.#acks = new Acks({
      cache: context.answers,
      stored: context.answered,
      send: (frame) => this.#send(frame),
      // Unique across restarts too: ids kept on disk outlive the process.
      scope: `session:${BOOT}:${++sessions}`,
    });
    this.#state = {
      phase: "handshake",
      handshake: new Handshake(this, { nativeOnly: this.#wire === "native" }),
    };
  }

  /** True when the member has proved to be an operator. */
  get operator(): boolean {
    return this.#member?.op === true;
  }

  /** True once the peer has sent any byte. */
  get heard(): boolean {
    return this.#connection.bytesRead > 0;
  }

  /** True once the session is over. */
  get closed(): boolean {
    return this.#state.phase === "closed";
  }

  /**
   * When a guest who has never sent a whole line was last heard from, for
   * eviction when the server is full; undefined for anyone who has spoken
   * (or has not finished a password).
   */
  get idleGuestSince(): number | undefined {
    const phase = this.#state.phase;
    if (this.#spoke || (phase !== "handshake" && phase !== "text")) {
      return undefined;
    }
    return this.#connection.heardAt;
  }

  /** The protocol limits this session enforces. */
  get limits(): ServerContext["limits"] {
    return this.context.limits;
  }

  /** The member's nick, once the handshake is done. */
  get nick(): string | undefined {
    return this.#member?.nick;
  }

  /**
   * Greets the peer and serves it until it leaves or is closed. Never
   * rejects: a failure ends this session only.
   */
  run(): Promise<void> {
    const { log } = this.context;
    log("connect", { peer: this.peer });
    // A frames-only peer has no use for a plain line.
    if (this.#wire === "any") this.#connection.send(encodeLines(BANNER));
    const state = this.#state;
    if (state.phase === "handshake") state.handshake.start();
    // A promise chain, not an async function: one suspended frame less for
    // every idle connection.
    return this.#connection.run().then(() => {
      if (this.#state.phase !== "closed") {
        this.close(this.#connection.closeReason);
      }
      log("disconnect", {
        peer: this.peer,
        nick: this.#member?.nick,
        reason: this.#closeReason || this.#connection.closeReason || "quit",
      });
    });
  }

  /**
   * Housekeeping the server runs every few seconds: drops a connection that
   * has not finished its handshake in time, pings a quiet native peer, and
   * drops one that stopped answering.
   */
  tick(now: number): void {
    const state = this.#state;
    const partialSince = this.#connection.partialSince;
    const partialMs = this.context.resources.partialLine * 1000;
    if (partialSince !== undefined && now - partialSince > partialMs) {
      this.refuse(
        "too-long",
        `A line was not finished within ${partialMs / 1000} s; closing`,
      );
      this.close(`no end of line within ${partialMs / 1000} s`);
      return;
    }
    if (state.phase === "handshake") {
      if (now - this.startedAt > state.handshake.timeoutMs) {
        state.handshake.timedOut();
      }
      return;
    }
    if (state.phase !== "native") return;
    const pingMs = this.context.resources.pingInterval * 1000;
    if (pingMs <= 0) return;
    const heardAt = this.#connection.heardAt;
    const quiet = now - heardAt;
    if (quiet > 2 * pingMs) {
      this.abort(
        `ping timeout: nothing heard for ${Math.round(quiet / 1000)} s`,
      );
    } else if (quiet > pingMs && state.pingedAt < heardAt) {
      state.pingedAt = now;
      this.#send({ type: "ping", t: Date.now() });
    }
  }

  /**
   * Ends the session: the hub is told, queued frames are still written (up
   * to what the peer will take), then the connection closes.
   */
  close(reason: string, goodbye?: ServerFrame): void {
    const state = this.#state;
    if (state.phase === "closed") return;
    const last = goodbye === undefined
      ? undefined
      : this.#encode(new Outgoing(goodbye));
    const member = state.phase === "handshake" ? undefined : state.member;
    this.#state = { phase: "closed", member };
    this.#closeReason = reason;
    if (member === undefined) this.#handshakeOf(state)?.cancel();
    else this.context.hub.exit(member, reason);
    this.#connection.close(reason, last);
  }

  /** Closes the connection now, whatever is still queued. */
  abort(reason: string): void {
    this.close(reason);
    this.#connection.abort(reason);
  }

  /** Takes a frame for the peer; false when the session can take no more. */
  deliver(out: Outgoing): boolean {
    const bytes = this.#encode(out);
    if (bytes === undefined) return this.#state.phase !== "closed";
    return this.#connection.send(bytes);
  }

  /** The member, while there is one (and after close, for the log). */
  get #member(): Member | undefined {
    return "member" in this.#state ? this.#state.member : undefined;
  }

  #handshakeOf(state: State): Handshake | undefined {
    return state.phase === "handshake" ? state.handshake : undefined;
  }

  #encode(out: Outgoing): Uint8Array | undefined {
    const state = this.#state;
    switch (state.phase) {
      case "closed":
        return undefined;
      case "text": {
        const bytes = state.encode(out);
        return bytes.length === 0 ? undefined : bytes;
      }
      case "handshake":
        if (state.handshake.wire === "text") return textEncoder(undefined)(out);
        return encodeNative(out, PROTOCOL_VERSION);
      case "native": {
        const bytes = encodeNative(out, state.version);
        return bytes.length === 0 ? undefined : bytes;
      }
    }
  }

  #send(frame: ServerFrame): void {
    this.deliver(new Outgoing(frame));
  }

  /**
   * Handles the lines of one read (the connection calls it), holding back
   * when over the rate; `full`: the peer had more waiting than the read
   * took, which is what flooding looks like.
   */
  lines(lines: LineResult[], full = false): void | Promise<void> {
    for (let i = 0; i < lines.length; i++) {
      if (this.#state.phase === "closed") return;
      // Lines before hello or the password count too: no one gets answers
      // at wire speed.
      if (!this.#flood.unlimited) {
        const verdict = this.#flood.next(full);
        if (verdict.kind === "flooding") {
          this.#flooding(verdict.reason);
          return;
        }
        if (verdict.kind === "wait") {
          if (verdict.warn) {
            const { rate, burst } = this.limits;
            this.refuse(
              "rate-limited",
              `You are sending faster than ${rate} lines a second (bursts of ${burst}); your lines are being slowed down`,
            );
          }
          // Hold this line and the rest back: TCP slows the sender.
          return this.#later(verdict.ms, lines.slice(i), full);
        }
      }
      const held = this.#line(lines[i]!);
      // Applied once earlier lines are answered: read on after that.
      if (held !== undefined) {
        return this.#after(held, lines.slice(i + 1), full);
      }
    }
  }

  /** Goes on with `lines` once `held` settles. */
  async #after(
    held: Promise<void>,
    lines: LineResult[],
    full: boolean,
  ): Promise<void> {
    await held;
    const rest = this.lines(lines, full);
    if (rest !== undefined) await rest;
  }

  async #later(
    ms: number,
    lines: LineResult[],
    full: boolean,
  ): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, ms));
    if (this.#state.phase === "closed") return;
    const held = this.#line(lines[0]!);
    if (held !== undefined) await held;
    const rest = this.lines(lines.slice(1), full);
    if (rest !== undefined) await rest;
  }

  /** The connection closed for a reason of its own (the peer left, …). */
  ended(reason: string): void {
    this.close(reason);
  }

  /**
   * A telnet user pressed Ctrl-C (the connection calls it): the line was
   * dropped; say how to leave.
   */
  interrupted(): void {
    // After the telnet replies of the same read (telnet shows nothing until
    // its Ctrl-C is answered), which the decoder sends once it has read all.
    queueMicrotask(() => {
      if (this.#state.phase === "closed") return;
      this.sendLine(
        "(Ctrl-C drops the line being typed; /quit leaves, or Ctrl-] then quit closes telnet)",
      );
    });
  }

  #flooding(reason: string): void {
    this.context.log("refuse", {
      peer: this.peer,
      nick: this.nick,
      reason,
    });
    this.close(reason, {
      type: "bye",
      reason: `Disconnected for ${reason}`,
      code: "flooding",
    });
  }

  #line(result: LineResult): void | Promise<void> {
    const state = this.#state;
    if (result.ok) this.#spoke = true;
    switch (state.phase) {
      case "closed":
        return;
      case "handshake":
        return state.handshake.line(result);
      case "native":
      case "text":
        if (!result.ok) {
          this.refuse(
            result.error,
            result.error === "too-long"
              ? `Line longer than ${result.limit} bytes was dropped; split long text into several messages`
              : "Line was not valid UTF-8 and was dropped; send UTF-8 text",
          );
        } else if (state.phase === "native") {
          return nativeLine(this, state.input, result.line, state.version);
        } else if (result.line.trim() !== "") {
          return state.input.handle(result.line, undefined);
        }
        return;
    }
  }

  /** Refuses something: an `error` frame, in the peer's wire format. */
  refuse(
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

  /** Sends a frame to the peer. */
  send(frame: ServerFrame): void {
    this.#send(frame);
  }

  /** Sends a plain line (the handshake's prompts in text mode). */
  sendLine(line: string): void {
    this.#connection.send(encodeLines(line));
  }

  /** The handshake is over: a native client is in. */
  enterNative(member: Member, hello: Hello): void {
    // Ids are the client's own: scoped to its token, across reconnects; a
    // client without one keeps the scope of this connection.
    const person = personOf(hello, this.limits.idChars);
    if (person !== undefined) this.#acks.scopeTo(person);
    const version = Math.min(hello.v, PROTOCOL_VERSION);
    this.#roomMode = version < ROOMS_VERSION ? "one-room" : "rooms";
    this.#state = {
      phase: "native",
      member,
      input: new MemberInput(this, member),
      version,
      pingedAt: 0,
    };
    this.context.log("join", {
      peer: this.peer,
      nick: member.nick,
      mode: "native",
      version,
    });
    this.#send(
      welcomeFor(this.context, member, {
        version,
        since: hello.since,
        recent: hello.history,
      }).frame,
    );
  }

  /** Tells the member about a room it joined, or made current, in its terms. */
  #joined(
    kind: "one-room" | "rooms" | "text",
    room: string,
    joined: boolean,
  ): void {
    const member = this.#member;
    if (member === undefined) return;
    const { hub, limits } = this.context;
    if (!joined) {
      const text = kind === "text"
        ? `You are talking in #${room} now`
        : `#${room} is your current room`;
      this.#send({ type: "reply", cmd: "join", text, data: { room } });
      return;
    }
    const state = hub.roomState(member, room, {
      recent: recentFor(this.context, undefined),
      max: limits.catchUp,
    });
    if (kind === "one-room") {
      // As it always was: the history, then a reply that names the room.
      for (const m of state.history) {
        this.#send({ type: "msg", ...m, history: true });
      }
      const members = state.members.length;
      this.#send({
        type: "reply",
        cmd: "join",
        text: `You joined #${room} (${members} here)`,
        data: { room, members },
      });
      return;
    }
    this.#send({ type: "joined", ...state });
  }

  /** The handshake is over: a text-mode user is in. */
  enterText(member: Member, firstLine: string | undefined): void {
    this.#roomMode = "text";
    const input = new MemberInput(this, member);
    this.#state = {
      phase: "text",
      member,
      input,
      encode: textEncoder(member),
    };
    this.context.log("join", {
      peer: this.peer,
      nick: member.nick,
      mode: "text",
    });
    // Text mode renders the newest welcome; its history comes as lines.
    const { frame, rooms } = welcomeFor(this.context, member, {
      version: PROTOCOL_VERSION,
    });
    for (const line of textWelcome(frame, rooms)) this.#send(line);
    if (firstLine !== undefined) input.handle(firstLine, undefined);
  }

  /** The hub the member's input acts on. */
  get hub(): Hub {
    return this.context.hub;
  }

  /** This connection's acknowledgements. */
  get acks(): Acks {
    return this.#acks;
  }

  /** Where the session's failures are logged. */
  get log(): Logger {
    return this.context.log;
  }

  /**
   * Whether the member may be in several rooms: a version 3 client or a
   * text-mode user, not an older client (one room at a time).
   */
  get multiRoom(): boolean {
    return this.#roomMode !== "one-room";
  }

  /** Sends the member a reply to a command. */
  reply(cmd: string, text: string, data?: unknown): void {
    const frame: ServerFrame = { type: "reply", cmd, text };
    if (data !== undefined) frame.data = data;
    this.#send(frame);
  }

  /** Sends the member messages from history, marked as history. */
  replay(messages: ChatMessage[]): void {
    const member = this.#member;
    if (member === undefined) return;
    for (const m of member.visible(messages)) {
      this.#send({ type: "msg", ...m, history: true });
    }
  }

  /** Tells the member about a room it joined, or made current, in its terms. */
  joined(room: string, joined: boolean): void {
    this.#joined(this.#roomMode, room, joined);
  }
}
