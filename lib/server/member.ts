/**
 * One person in the chat, as the hub sees them: a nick, a room, what they
 * chose (away, ignores) and a {@linkcode MemberSink} that takes their frames.
 *
 * @module
 */

import type { ChatMessage, ServerFrame } from "../shared/protocol.ts";
import { nickKey } from "../shared/names.ts";
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
  /**
   * The rooms the member is in, in the order joined. A member may be in
   * none (private messages still reach it).
   */
  readonly rooms: Set<string> = new Set();
  /**
   * The current room: where a line without a room of its own goes (text
   * mode, clients older than version 3), and what `/who` and `/topic` mean alone. The
   * last room joined or switched to; undefined in no room.
   */
  room: string | undefined = undefined;
  /** Away message when away (empty: away without a message). */
  away: string | undefined = undefined;
  /** When the member came in and last sent a line (ms since the epoch), for `/whois`. */
  readonly joinedAt: number = Date.now();
  /** When the member last sent a line. */
  activeAt: number = Date.now();
  /**
   * Whoever sent the member the last private message (the member, not the
   * nick: `/reply` follows a rename). Never the member itself.
   */
  lastPrivateFrom: Member | undefined = undefined;
  /**
   * Per room, the `seq` of the oldest message the member has been shown
   * (where `/history` goes on), as `[room, seq, room, seq, …]`: a member is
   * in a few rooms, and a flat array costs a fraction of a Map.
   */
  #historyBefore: (string | number)[] = [];
  /** Joins and leaves without telling the room (a script's one-shot visit). */
  quiet = false;
  /**
   * How many recent messages a room shows this member on joining, when it
   * asked for fewer than the server's default (`hello.history`).
   */
  recent: number | undefined = undefined;
  /**
   * Whether the room has been told this member joined. A text-mode guest is
   * announced when it first says something: a silent socket, or a crowd of
   * them, costs the room no notices at all.
   */
  announced = true;
  /** True once the member has proved to be an operator (`/oper`). */
  op = false;
  /** The member's network address, for bans; unset in tests. */
  address: string | undefined = undefined;
  /** Made on the first `/ignore`: most members never ignore anyone. */
  #ignores: Map<string, Set<string>> | undefined;
  /**
   * Who this is across nick changes and, for a native client, across its
   * reconnects (its `hello.client` token): what per-person state is kept by.
   */
  readonly person: string;
  /** Where the member's frames go. */
  readonly sink: MemberSink;

  /**
   * Makes a Member.
   *
   * @param nick the member's nick
   * @param sink where its frames go
   * @param person who this is across nick changes (see {@linkcode person})
   */
  constructor(nick: string, sink: MemberSink, person: string) {
    this.nick = nick;
    this.sink = sink;
    this.person = person;
  }

  /**
   * Whom this member ignores: each person's key, and the nicks seen for them
   * (to hide their lines from history, which knows nicks only).
   */
  get ignores(): Map<string, Set<string>> {
    return this.#ignores ??= new Map();
  }

  /** Someone this member ignores is now called `nick` too. */
  ignoredRenamed(person: string, nick: string): void {
    this.#ignores?.get(person)?.add(nickKey(nick));
  }

  /** `messages` without the lines of people this member ignores. */
  visible(messages: ChatMessage[]): ChatMessage[] {
    return this.#ignores === undefined || this.#ignores.size === 0
      ? messages
      : messages.filter((m) => !this.ignoringNick(m.from));
  }

  /** True when this member ignores `other`. */
  ignoring(other: Member): boolean {
    return this.#ignores !== undefined && this.#ignores.has(other.person);
  }

  /**
   * True when a line of history from `nick` came from someone this member
   * ignores (by a nick they were seen with).
   */
  ignoringNick(nick: string): boolean {
    if (this.#ignores === undefined) return false;
    const key = nickKey(nick);
    for (const nicks of this.#ignores.values()) if (nicks.has(key)) return true;
    return false;
  }

  /** The `seq` `/history` in `room` goes on from, if the member was shown any. */
  historyBefore(room: string): number | undefined {
    const at = this.#historyBefore.indexOf(room);
    return at < 0 ? undefined : this.#historyBefore[at + 1] as number;
  }

  /** Notes that the oldest message of `room` the member was shown is `seq`. */
  shownFrom(room: string, seq: number): void {
    const at = this.#historyBefore.indexOf(room);
    if (at < 0) this.#historyBefore.push(room, seq);
    else this.#historyBefore[at + 1] = seq;
  }

  /** Forgets what the member was shown of `room` (it left). */
  forgetShown(room: string): void {
    const at = this.#historyBefore.indexOf(room);
    if (at >= 0) this.#historyBefore.splice(at, 2);
  }

  /** Sends one frame to this member alone. */
  send(frame: ServerFrame): boolean {
    return this.sink.deliver(new Outgoing(frame));
  }
}
