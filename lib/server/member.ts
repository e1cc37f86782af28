/**
 * One person in the chat, as the hub sees them: a nick, a room, what they
 * chose (away, ignores) and a {@linkcode MemberSink} that takes their frames.
 *
 * @module
 */

import { DEFAULT_ROOM, type ServerFrame } from "../shared/protocol.ts";
import { Outgoing } from "./outgoing.ts";

/** Where a member's frames go: a session's outbound queue, or a test. */
export interface MemberSink {
  /**
   * Queues one frame for the member. Returns false when the member cannot
   * take it (its queue is full and it is being disconnected).
   */
  deliver(out: Outgoing): boolean;
  /** Disconnects the member (a kick); `goodbye` is the last frame it gets. */
  close?(reason: string, goodbye?: ServerFrame): void;
}

/** One person in the chat. */
export class Member {
  /** Display nick; compare with {@linkcode nickKey}. */
  nick: string;
  /** The room the member is in. */
  room: string = DEFAULT_ROOM;
  /** Away message, when away. */
  away: string | undefined = undefined;
  /** Nick of whoever sent the member the last private message. */
  lastPrivateFrom: string | undefined = undefined;
  /** Oldest message of the room the member has been shown: where `/history` goes on. */
  historyBefore: number | undefined = undefined;
  /** True once the member has proved to be an operator (`/oper`). */
  op = false;
  /** The member's network address, for bans; unset in tests. */
  address: string | undefined = undefined;
  /** Keys of the nicks whose messages this member does not want. */
  readonly ignores = new Set<string>();
  /** Where the member's frames go. */
  readonly sink: MemberSink;

  /**
   * Makes a Member.
   *
   * @param nick the member's nick
   * @param sink where its frames go
   */
  constructor(nick: string, sink: MemberSink) {
    this.nick = nick;
    this.sink = sink;
  }

  /** Sends one frame to this member alone. */
  send(frame: ServerFrame): boolean {
    return this.sink.deliver(new Outgoing(frame));
  }
}
