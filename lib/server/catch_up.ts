/**
 * What a member is shown of a room it joins: the topic, who is there, and
 * the messages before it came. A member back after a reconnect is shown
 * what it missed since the last message it saw (at most a limit, the
 * newest, with a count of those left out); anyone else the recent ones.
 * Each member's place in each room's history is remembered, so `/history`
 * goes on from the oldest message shown.
 *
 * @module
 */

import type { ChatMessage, RoomState } from "../shared/protocol.ts";
import type { HistoryStore } from "./history.ts";
import type { Member } from "./member.ts";
import type { RoomMembership } from "./room_membership.ts";
import type { Topics } from "./topics.ts";

/** How much of a room's history {@linkcode CatchUp.catchUp} shows. */
export interface CatchUpOptions {
  /** The last message the member saw before a reconnect, if any. */
  since?: number | undefined;
  /** How many recent messages to show when `since` is not given. */
  recent?: number;
  /** The most missed messages to show when `since` is given. */
  max: number;
}

/** What {@linkcode CatchUp} reads: the store and the hub's other parts. */
export interface CatchUpParts {
  /** Where the messages are kept. */
  store: HistoryStore;
  /** How many recent messages a joiner is shown. */
  historyOnJoin: number;
  /** The `seq` of the last message said. */
  lastSeq: () => number;
  /** The rooms' topics. */
  topics: Topics;
  /** Who is in each room. */
  membership: RoomMembership;
}

/**
 * Rooms as their joiners are shown them.
 *
 * @example
 * ```ts
 * const catchUp = new CatchUp({ store, historyOnJoin: 50, lastSeq, topics, membership });
 * catchUp.roomState(ann, "games", { since: 41, max: 500 }); // what ann missed
 * ```
 */
export class CatchUp {
  #store: HistoryStore;
  #historyOnJoin: number;
  #lastSeq: () => number;
  #topics: Topics;
  #membership: RoomMembership;

  /**
   * Makes a CatchUp.
   *
   * @param parts the store, how much a joiner sees, and the hub's parts
   */
  constructor(parts: CatchUpParts) {
    this.#store = parts.store;
    this.#historyOnJoin = parts.historyOnJoin;
    this.#lastSeq = parts.lastSeq;
    this.#topics = parts.topics;
    this.#membership = parts.membership;
  }

  /** The room's recent history, oldest first. */
  history(
    room: string,
    limit = this.#historyOnJoin,
    beforeSeq?: number,
  ): ChatMessage[] {
    return this.#store.recent(room, limit, beforeSeq);
  }

  /**
   * What `member` is shown of `room` on joining: the messages after
   * `since` (the last it saw before a reconnect; at most `max`, the newest,
   * with `more` counting those left out), or else the `recent` newest
   * messages. `/history` goes on from the oldest shown.
   */
  catchUp(
    member: Member,
    room: string,
    options: CatchUpOptions,
  ): { history: ChatMessage[]; more: number } {
    const { since, max } = options;
    const oldest = (history: ChatMessage[], fallback: number) => {
      member.shownFrom(room, history[0]?.seq ?? fallback);
      return history;
    };
    if (since === undefined) {
      const history = this.history(room, options.recent);
      return { history: oldest(history, this.#lastSeq() + 1), more: 0 };
    }
    const missed = this.#store.countAfter(room, since);
    const history = missed === 0
      ? []
      : this.history(room, Math.min(missed, max));
    return {
      history: oldest(history, since + 1),
      more: Math.max(0, missed - history.length),
    };
  }

  /** `room` as `member` is shown it on joining: its topic, who is there, history. */
  roomState(member: Member, room: string, options: CatchUpOptions): RoomState {
    const { history, more } = this.catchUp(member, room, options);
    const topic = this.#topics.topic(room);
    return {
      name: room,
      ...(topic === "" ? {} : { topic }),
      members: this.#membership.who(room).map((m) => m.nick),
      history: member.visible(history),
      ...(more > 0 ? { more } : {}),
    };
  }
}
