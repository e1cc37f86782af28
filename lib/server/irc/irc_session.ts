/**
 * One IRC connection, from `CAP LS` to `QUIT`: the IRC listener's
 * counterpart of `session.ts`, built from the same pieces.
 *
 * ```
 * registering ──NICK, USER, (PASS|SASL), CAP END──► registered ──► closed
 * ```
 *
 * Bytes are framed by `IrcLineSplitter` (512 bytes plus 4096 of tags;
 * longer is `417 ERR_INPUTTOOLONG`), every line counts against flood
 * control, and each is parsed (`message.ts`) and handed to its command
 * (`irc_commands.ts`; before registration, `registration.ts`). An IRC user
 * is a member of the hub like any other: the session is its
 * {@linkcode MemberSink}, and the hub's frames become IRC lines
 * (`irc_out.ts`). Channel messages go through {@linkcode MemberInput}, which
 * stores, broadcasts and answers them in order: the answer is the echo
 * (`echo-message`, the tick) or an error numeric; without `echo-message`
 * a message that went through gets no answer, as IRC clients expect.
 * A quiet peer is pinged, and dropped when it does not answer
 * (`timeouts.ts`, with the other clocks of a connection).
 *
 * @module
 */

import type { LineResult } from "../../shared/lines.ts";
import type {
  ChatMessage,
  ErrorCode,
  ServerFrame,
} from "../../shared/protocol.ts";
import { clean } from "../../shared/text.ts";
import type { Transport } from "../../shared/transport.ts";
import type { Served } from "../chat_server.ts";
import { Connection, type ConnectionOwner } from "../connection.ts";
import { FloodControl } from "../flood_control.ts";
import type { Hub } from "../hub.ts";
import type { Member, MemberSink } from "../member.ts";
import { Outgoing } from "../outgoing.ts";
import type { ServerContext } from "../server_context.ts";
import type { Peer } from "../session.ts";
import { answerError } from "./answers.ts";
import { ChannelInput } from "./channel_input.ts";
import { runCommand } from "./irc_commands.ts";
import { ircMember } from "./irc_members.ts";
import { opMode } from "./operators.ts";
import { seenRooms, SentRooms } from "./seen_rooms.ts";
import {
  encodeIrc,
  historyBatch,
  type IrcReader,
  line,
  noticeLines,
} from "./irc_out.ts";
import { paced, type PacedHost } from "./paced.ts";
import { IrcLineSplitter } from "./line_splitter.ts";
import { type IrcMessageInit, parseMessage } from "./message.ts";
import * as N from "./numerics.ts";
import { Registration } from "./registration.ts";
import { IrcTimeouts } from "./timeouts.ts";

/** Where a session is. */
type State =
  | { phase: "registering"; registration: Registration }
  | { phase: "registered"; member: Member; input: ChannelInput }
  | { phase: "closed"; member: Member | undefined };

/** What the sessions of one IRC entrance share. */
export interface IrcOptions {
  /** The server's name as an IRC source: no spaces. */
  readonly serverName: string;
  /** When the server started, for `RPL_CREATED`. */
  readonly created: Date;
}

const encoder = new TextEncoder();

/**
 * One IRC connection.
 *
 * @example
 * ```ts
 * const session = new IrcSession(conn, context, { peer: "127.0.0.1:5000" }, options);
 * await session.run(); // resolves when the peer has gone
 * ```
 */
export class IrcSession
  implements Served, MemberSink, ConnectionOwner, IrcReader {
  /** What the server's sessions share. */
  readonly context: ServerContext;
  /** What the IRC entrance's sessions share. */
  readonly options: IrcOptions;
  /** Who the peer is, for logs. */
  readonly peer: string;
  /** The peer's address, for bans and per-address limits. */
  readonly address: string;
  /** The capabilities the client enabled. */
  caps: Set<string> = new Set();
  /** How far the user has been sent each room (`seen_rooms.ts`). */
  readonly sent: SentRooms;
  #connection: Connection;
  #flood: FloodControl;
  #timeouts: IrcTimeouts;
  #state: State;
  #closeReason = "";

  /**
   * Makes an IrcSession.
   *
   * @param transport the connection
   * @param context what the server's sessions share
   * @param peer who is at the other end
   * @param options what the IRC entrance's sessions share
   */
  constructor(
    transport: Transport,
    context: ServerContext,
    peer: Peer,
    options: IrcOptions,
  ) {
    this.context = context;
    this.options = options;
    this.peer = peer.peer;
    this.address = peer.address ?? peer.peer;
    const { limits, resources } = context;
    this.#connection = new Connection(transport, {
      maxLineBytes: 0, // The IRC splitter has its own limits.
      maxQueueBytes: resources.queueBytes,
      maxQueueFrames: resources.queueFrames,
      writeRounds: context.writeRounds,
      closeFlushMs: resources.closeFlush * 1000,
      lineDecoder: () => new IrcLineSplitter(),
    }, this);
    this.#flood = new FloodControl({
      rate: limits.rate,
      burst: limits.burst,
      windowSeconds: resources.floodWindow,
      sharePercent: resources.floodShare,
    });
    this.#timeouts = new IrcTimeouts(this, resources);
    this.sent = new SentRooms(
      seenRooms(context.hub),
      this.address,
      (room) => context.hub.history(room, 1).at(-1)?.seq,
    );
    this.#state = {
      phase: "registering",
      registration: new Registration(this),
    };
  }

  /** True when the member has proved to be an operator. */
  get operator(): boolean {
    return this.member?.op === true;
  }

  /** The member's nick once registered; the nick asked for before; `*`. */
  get nick(): string {
    const state = this.#state;
    if (state.phase === "registering") return state.registration.nick ?? "*";
    return state.member?.nick ?? "*";
  }

  /** The member, once registered (and after close, for the log). */
  get member(): Member | undefined {
    return "member" in this.#state ? this.#state.member : undefined;
  }

  /** The member's input, once registered. */
  get input(): ChannelInput | undefined {
    return this.#state.phase === "registered" ? this.#state.input : undefined;
  }

  /** IRC users are not guests to evict: they said who they are. */
  get idleGuestSince(): number | undefined {
    return undefined;
  }

  /** True once the session is over. */
  get closed(): boolean {
    return this.#state.phase === "closed";
  }

  /** The hub the member's input acts on. */
  get hub(): Hub {
    return this.context.hub;
  }

  /** The protocol limits. */
  get limits(): ServerContext["limits"] {
    return this.context.limits;
  }

  /** Serves the peer until it leaves or is closed. Never rejects. */
  run(): Promise<void> {
    const { log } = this.context;
    log("connect", { peer: this.peer, via: "irc" });
    return this.#connection.run().then(() => {
      if (this.#state.phase !== "closed") {
        this.close(this.#connection.closeReason);
      }
      log("disconnect", {
        peer: this.peer,
        nick: this.member?.nick,
        reason: this.#closeReason || this.#connection.closeReason || "quit",
      });
    });
  }

  /**
   * Housekeeping, every second: the registration, unfinished-line and ping
   * timeouts ({@linkcode IrcTimeouts}).
   */
  tick(now: number): void {
    this.#timeouts.tick(now, this.#state.phase, this.#connection);
  }

  /**
   * Ends the session: the hub is told, `ERROR` with the reason is the last
   * line (https://modern.ircdocs.horse/#error-message), then the
   * connection closes once written.
   */
  close(reason: string, goodbye?: ServerFrame): void {
    const state = this.#state;
    if (state.phase === "closed") return;
    const said = goodbye?.type === "bye" ? goodbye.reason : reason;
    const last = encoder.encode(
      line({ command: "ERROR", params: [clean(said) || "Closing link"] }),
    );
    const member = state.phase === "registered" ? state.member : undefined;
    this.#state = { phase: "closed", member };
    this.#closeReason = reason;
    if (member !== undefined) {
      this.sent.left(member.nick, member.rooms);
      this.context.hub.exit(member, reason);
    }
    this.#connection.close(reason, last);
  }

  /** Closes the connection now, whatever is still queued. */
  abort(reason: string): void {
    this.close(reason);
    this.#connection.abort(reason);
  }

  /** Takes a hub frame for the peer; false when it can take no more. */
  deliver(out: Outgoing): boolean {
    const state = this.#state;
    if (state.phase !== "registered") return state.phase !== "closed";
    const frame = out.frame;
    if (frame.type === "event" && frame.nick === state.member.nick) {
      if (frame.event === "away") {
        this.numeric(N.RPL_NOWAWAY, "You have been marked as being away");
        return true;
      }
      if (frame.event === "back") {
        this.numeric(N.RPL_UNAWAY, "You are no longer marked as being away");
        return true;
      }
    }
    if (frame.type === "error" || frame.type === "reply") {
      this.notice(frame.type === "error" ? frame.message : frame.text);
      return true;
    }
    if (frame.type === "bye") {
      this.close(frame.reason, frame);
      return true;
    }
    const bytes = encodeIrc(out, this);
    const taken = bytes.length === 0 || this.#connection.send(bytes);
    if (frame.type === "event" && frame.room !== undefined) {
      const own = frame.nick === state.member.nick;
      if (own && (frame.event === "part" || frame.event === "leave")) {
        this.sent.left(frame.nick, [frame.room]);
      }
      // IRC clients keep their nick lists' `@` by MODE: an operator joining.
      if (!own && frame.event === "join" && this.hub.find(frame.nick)?.op) {
        this.write(opMode(this, frame.room, frame.nick));
      }
    }
    return taken;
  }

  /** Sends one IRC message. */
  write(message: IrcMessageInit): boolean {
    return this.writeText(line(message));
  }

  /** Sends IRC lines already written, each ending in CR LF. */
  writeText(text: string): boolean {
    if (text === "") return true;
    return this.#connection.send(encoder.encode(text));
  }

  /** Sends a numeric reply to the peer: `:server CODE nick PARAMS…`. */
  numeric(code: string, ...params: string[]): void {
    this.write({
      source: this.options.serverName,
      command: code,
      params: [this.nick, ...params],
    });
  }

  /**
   * Sends the peer a server notice: a line each for multi-line text, each
   * cut to fit in 512 bytes.
   */
  notice(text: string): void {
    this.writeText(noticeLines(this.options.serverName, this.nick, text));
  }

  /**
   * Tells the peer why Lochat refused what `command` asked (about `target`):
   * the numeric IRC has for it, or a notice when it has none.
   */
  refusal(
    command: string,
    target: string,
    code: ErrorCode,
    message: string,
  ): void {
    const answer = answerError(command, target, code, message);
    if (answer === undefined) this.notice(message);
    else this.numeric(answer.code, ...answer.params);
  }

  /** The member is in: the registration is over. */
  registered(member: Member): void {
    ircMember(member, this);
    this.#state = {
      phase: "registered",
      member,
      input: new ChannelInput(this, member),
    };
    this.context.log("join", {
      peer: this.peer,
      nick: member.nick,
      mode: "irc",
    });
  }

  /** A room's recent messages, as a history batch when the client takes one. */
  history(room: string, messages: ChatMessage[]): void {
    const member = this.member;
    if (member === undefined) return;
    const visible = member.visible(messages);
    this.writeText(historyBatch(this.options.serverName, this, room, visible));
  }

  /**
   * Handles the lines of one read (the connection calls it), at the pace
   * flood control allows.
   */
  lines(lines: LineResult[], full = false): void | Promise<void> {
    return paced(this.#flood, lines, full, this.#pacing);
  }

  /** What {@linkcode paced} calls: methods, made once per session. */
  #pacing: PacedHost<LineResult> = {
    handle: (line) => this.#line(line),
    flooding: (reason) => {
      this.context.log("refuse", {
        peer: this.peer,
        nick: this.member?.nick,
        reason,
      });
      this.close(reason, {
        type: "bye",
        reason: `Excess Flood (${reason})`,
        code: "flooding",
      });
    },
    isClosed: () => this.closed,
  };

  /** The connection closed for a reason of its own. */
  ended(reason: string): void {
    this.close(reason);
  }

  #line(result: LineResult): void | Promise<void> {
    if (!result.ok) {
      if (result.error === "too-long") {
        this.numeric(N.ERR_INPUTTOOLONG, "Input line was too long");
      }
      return;
    }
    const message = parseMessage(result.line);
    if ("error" in message) {
      if (message.error === "bad-command") {
        this.numeric(N.ERR_UNKNOWNCOMMAND, message.command, "Unknown command");
      }
      return;
    }
    const state = this.#state;
    if (state.phase === "registering") {
      return state.registration.message(message);
    }
    if (state.phase === "registered") {
      return runCommand(this, message);
    }
  }

  /** Sends a frame from the hub or the input. */
  send(frame: ServerFrame): void {
    this.deliver(new Outgoing(frame));
  }
}
