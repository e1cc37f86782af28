/**
 * What an IRC user's lines do through Lochat's own {@linkcode MemberInput}:
 * channel messages are stored, broadcast and answered in order, exactly as
 * a native client's are, and every other command waits its turn behind
 * them (`inTurn`). The answer to a channel message is IRC's: with
 * `echo-message` (https://ircv3.net/specs/extensions/echo-message) the
 * message comes back, with its `time` and `msgid` when asked for: that is
 * the tick; a refusal is the numeric IRC has for it (`answers.ts`); without
 * `echo-message` a message that went through gets no answer at all, which
 * is what IRC clients expect. A `NOTICE` is never answered with an error
 * (https://modern.ircdocs.horse/#notice-message).
 *
 * @module
 */

import type { Logger } from "../../shared/log.ts";
import type {
  ChatMessage,
  ErrorCode,
  ServerFrame,
} from "../../shared/protocol.ts";
import { clean } from "../../shared/text.ts";
import { Acks } from "../acks.ts";
import type { Hub } from "../hub.ts";
import type { Member } from "../member.ts";
import { type InputHost, MemberInput } from "../member_input.ts";
import { messageLines, tagBits } from "./irc_out.ts";
import type { IrcSession } from "./irc_session.ts";

/** A channel message on its way, waiting for its answer. */
interface Pending {
  command: "PRIVMSG" | "NOTICE";
  /** The channel, `#room`. */
  target: string;
  /** The text as handed to Lochat. */
  text: string;
  /** An action (CTCP ACTION, `/me`). */
  me: boolean;
}

/** A session's unique scope for acknowledgements. */
let inputs = 0;

/**
 * One IRC member's input.
 *
 * @example
 * ```ts
 * const input = new ChannelInput(session, member);
 * input.say("PRIVMSG", "#games", "good game", false); // echoed once stored
 * input.inTurn(() => session.numeric("303", "ann")); // after earlier answers
 * ```
 */
export class ChannelInput implements InputHost {
  #session: IrcSession;
  #member: Member;
  #input: MemberInput;
  #acks: Acks;
  /** Channel messages said and not yet answered, oldest first. */
  #pending: Pending[] = [];

  /**
   * Makes a ChannelInput.
   *
   * @param session the member's session
   * @param member the member typing
   */
  constructor(session: IrcSession, member: Member) {
    this.#session = session;
    this.#member = member;
    this.#acks = new Acks({
      cache: session.context.answers,
      send: (frame) => this.#answer(frame),
      scope: `irc:${++inputs}`,
    });
    this.#input = new MemberInput(this, member);
  }

  /**
   * Says `text` in `channel` (`#room`): stored, broadcast and answered in
   * order, with the echo or an error numeric. A `NOTICE` is said as a
   * Lochat notice, and reaches IRC users as a `NOTICE` again.
   */
  say(
    command: "PRIVMSG" | "NOTICE",
    channel: string,
    text: string,
    me: boolean,
  ): void | Promise<void> {
    this.#pending.push({ command, target: channel, text, me });
    // Said as it is: a line starting with "/" is text here, not a command.
    return this.#input.handle(text, undefined, channel, {
      me,
      notice: command === "NOTICE",
    });
  }

  /** Runs `work` once every earlier line is answered (see `MemberInput`). */
  inTurn(work: () => void | Promise<void>): void | Promise<void> {
    return this.#input.inTurn(work);
  }

  /** An answer to a channel message: its echo, or why it was refused. */
  #answer(frame: ServerFrame): void {
    if (frame.type === "delivered") return;
    const pending = this.#pending.shift();
    if (pending === undefined) return;
    const session = this.#session;
    if (frame.type === "error") {
      if (pending.command === "NOTICE") return; // Never an automatic reply.
      session.refusal(
        pending.command,
        pending.target,
        frame.code,
        frame.message,
      );
      return;
    }
    if (frame.type !== "ack") return;
    if (!session.caps.has("echo-message")) return;
    session.writeText(messageLines(
      {
        from: this.#member.nick,
        text: clean(pending.text),
        ts: frame.ts,
        seq: frame.seq,
        me: pending.me,
        notice: pending.command === "NOTICE",
      },
      pending.target,
      tagBits(session.caps),
    ));
  }

  // InputHost: what the member's input calls.

  /** The hub. */
  get hub(): Hub {
    return this.#session.context.hub;
  }

  /** The protocol limits. */
  get limits(): IrcSession["context"]["limits"] {
    return this.#session.context.limits;
  }

  /** This member's acknowledgements. */
  get acks(): Acks {
    return this.#acks;
  }

  /** Where failures are logged. */
  get log(): Logger {
    return this.#session.context.log;
  }

  /** Who the peer is, for logs. */
  get peer(): string {
    return this.#session.peer;
  }

  /** An IRC user is in any number of channels. */
  get multiRoom(): boolean {
    return true;
  }

  /** A Lochat command's reply: a server notice. */
  reply(_cmd: string, text: string): void {
    this.#session.notice(text);
  }

  /** Messages from history: a history batch. */
  replay(messages: ChatMessage[]): void {
    const room = messages[0]?.room;
    if (room !== undefined) this.#session.history(room, messages);
  }

  /** Rooms are joined with `JOIN`, whose handler tells the client. */
  joined(_room: string, _joined: boolean): void {}

  /** A line's refusal: the oldest pending message is answered. */
  refuse(code: ErrorCode, message: string): void {
    this.#answer({ type: "error", code, message });
  }

  /** Ends the session. */
  close(reason: string): void {
    this.#session.close(reason);
  }
}
