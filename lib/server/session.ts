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
 * text mode) and from there to `MemberInput`, which answers each once
 * (`session_lines.ts`). The session is the member's sink: what the hub sends
 * it is encoded in the member's wire format (`session_phases.ts`) and queued
 * on the connection; what it is told of its rooms is worded in
 * `room_notices.ts`. A native peer that goes quiet is pinged, and dropped
 * when it does not answer (`session_timeouts.ts`); what every session of a
 * server shares is made once (`session_options.ts`).
 *
 * @module
 */

import type { LineResult } from "../shared/lines.ts";
import type {
  ChatMessage,
  ErrorCode,
  ServerFrame,
} from "../shared/protocol.ts";
import { Acks } from "./acks.ts";
import { Connection, type ConnectionOwner } from "./connection.ts";
import { FloodControl } from "./flood_control.ts";
import { Handshake, type Hello } from "./handshake.ts";
import type { Member, MemberSink } from "./member.ts";
import type { InputHost } from "./member_input.ts";
import type { Hub } from "./hub.ts";
import type { Logger } from "../shared/log.ts";
import { Outgoing } from "./outgoing.ts";
import {
  greetNative,
  greetText,
  type RoomMode,
  roomModeFor,
  tellJoined,
} from "./room_notices.ts";
import type { ServerContext } from "./server_context.ts";
import { BANNER } from "./server_limits.ts";
import { lineIn, type LinesHost, paceLines } from "./session_lines.ts";
import { type Peer, sharedOptions, type Wire } from "./session_options.ts";
import {
  encodeIn,
  nativePhase,
  type Phase,
  textPhase,
} from "./session_phases.ts";
import { checkTimeouts, type TimedHost } from "./session_timeouts.ts";
import { encodeLines } from "./text_mode.ts";
import type { Transport } from "../shared/transport.ts";

export type { Peer, Wire } from "./session_options.ts";

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
export class Session
  implements MemberSink, ConnectionOwner, InputHost, LinesHost, TimedHost {
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
  #state: Phase;
  #closeReason = "";
  /** True once the peer has sent a whole line. */
  #spoke = false;
  /** How rooms work for the member: see {@linkcode Session.multiRoom}. */
  #roomMode: RoomMode = "text";
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
    checkTimeouts(this, this.#connection, this.#state, now);
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
      : encodeIn(this.#state, new Outgoing(goodbye));
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
    const bytes = encodeIn(this.#state, out);
    if (bytes === undefined) return this.#state.phase !== "closed";
    return this.#connection.send(bytes);
  }

  /** The member, while there is one (and after close, for the log). */
  get #member(): Member | undefined {
    return "member" in this.#state ? this.#state.member : undefined;
  }

  #handshakeOf(state: Phase): Handshake | undefined {
    return state.phase === "handshake" ? state.handshake : undefined;
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
    return paceLines(this, this.#flood, lines, full);
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

  /**
   * Handles one line that flood control let through (see
   * {@linkcode Session.lines}): the handshake's, or the member's.
   */
  line(result: LineResult): void | Promise<void> {
    if (result.ok) this.#spoke = true;
    return lineIn(this, this.#state, result);
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
    const phase = nativePhase(this, member, hello);
    const { version } = phase;
    this.#roomMode = roomModeFor(version);
    this.#state = phase;
    this.context.log("join", {
      peer: this.peer,
      nick: member.nick,
      mode: "native",
      version,
    });
    greetNative(this, this.context, member, hello, version);
  }

  /** The handshake is over: a text-mode user is in. */
  enterText(member: Member, firstLine: string | undefined): void {
    this.#roomMode = "text";
    const phase = textPhase(this, member);
    this.#state = phase;
    this.context.log("join", {
      peer: this.peer,
      nick: member.nick,
      mode: "text",
    });
    // Text mode renders the newest welcome; its history comes as lines.
    greetText(this, this.context, member);
    if (firstLine !== undefined) phase.input.handle(firstLine, undefined);
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
    const member = this.#member;
    if (member === undefined) return;
    tellJoined(this, this.context, member, this.#roomMode, room, joined);
  }
}
