/**
 * Room topics as members change them: any member of a room may set its
 * topic unless an operator locked it, and the room is told. The topic is
 * kept by the history store before it changes (see `room.ts`); when the
 * store fails, the topic stays as it was and the member is told why.
 *
 * @module
 */

import { ChatError } from "../shared/errors.ts";
import type { ProtocolLimits } from "../shared/limits.ts";
import { cleanCut, isBlank } from "../shared/text.ts";
import { StoreError } from "./history.ts";
import type { Member } from "./member.ts";
import type { Moderation } from "./moderation.ts";
import type { Presence } from "./presence.ts";
import type { Rooms } from "./room.ts";
import type { RoomMembership } from "./room_membership.ts";

/** What {@linkcode Topics} works with: the hub's other parts. */
export interface TopicsOptions {
  /** The hub's rooms, which hold the topics. */
  rooms: Rooms;
  /** Which room a member means. */
  membership: RoomMembership;
  /** How a room is told of a new topic. */
  presence: Presence;
  /** Who may lock a topic. */
  moderation: Moderation;
  /** The protocol limits: the longest topic. */
  limits: ProtocolLimits;
}

/**
 * The topics of a hub's rooms.
 *
 * @example
 * ```ts
 * const topics = new Topics({ rooms, membership, presence, moderation, limits });
 * topics.set(ann, "games", "Friday: chess"); // the room is told
 * topics.topic("games"); // "Friday: chess"
 * ```
 */
export class Topics {
  #rooms: Rooms;
  #membership: RoomMembership;
  #presence: Presence;
  #moderation: Moderation;
  #limits: ProtocolLimits;

  /**
   * Makes the Topics of a hub.
   *
   * @param options the hub's rooms, membership, presence, moderation, limits
   */
  constructor(options: TopicsOptions) {
    this.#rooms = options.rooms;
    this.#membership = options.membership;
    this.#presence = options.presence;
    this.#moderation = options.moderation;
    this.#limits = options.limits;
  }

  /**
   * Sets the topic of `room` (the member's current room when not given): any
   * member of the room may, unless an operator locked it. An operator's
   * topic keeps the room while it is empty. Returns the room's name.
   */
  set(member: Member, room: string | undefined, topic: string): string {
    const target = this.#rooms.get(this.#membership.roomOf(member, room))!;
    if (target.locked && !member.op) {
      throw new ChatError(
        "forbidden",
        `The topic of #${target.name} is locked; only operators may change it`,
      );
    }
    const text = cleanCut(topic, this.#limits.topicChars).trim();
    keep(() =>
      this.#rooms.setTopic(target, isBlank(text) ? "" : text, {
        byOperator: member.op,
      })
    );
    this.#presence.roomEvent(target, "topic", member, {
      reason: target.topic,
    });
    return target.name;
  }

  /** Locks (or unlocks) the topic of `room`: operators only. Returns the room's name. */
  lock(member: Member, room: string | undefined, locked: boolean): string {
    this.#moderation.requireOp(member);
    const target = this.#rooms.get(this.#membership.roomOf(member, room))!;
    keep(() =>
      this.#rooms.setTopic(target, target.topic, { locked, byOperator: true })
    );
    return target.name;
  }

  /** The topic of `room`, empty when none. */
  topic(room: string): string {
    return this.#rooms.get(room)?.topic ?? "";
  }

  /** True when the topic of `room` is locked: only operators may change it. */
  locked(room: string): boolean {
    return this.#rooms.get(room)?.locked === true;
  }
}

/** Runs a topic change, turning a store failure into a refusal. */
function keep(change: () => void): void {
  try {
    change();
  } catch (error) {
    if (!(error instanceof StoreError)) throw error;
    throw new ChatError(
      "storage",
      `The server could not keep the topic, so it is unchanged: ${error.message}; try again later`,
    );
  }
}
