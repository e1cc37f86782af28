/**
 * The rooms the person is in: entered from a welcome or a `joined` frame
 * (the room's conversation gets its topic, its members and its recent or
 * missed messages), left on a `part`, and asked for again by the next
 * `hello` in join order, the current one (where a line typed in a private
 * conversation, or a command, goes) first, with the last `seq` seen in
 * each, so that a reconnect gets what was missed and nothing twice.
 *
 * Pure: no DOM, no socket.
 *
 * @module
 */

import type { RoomState, ServerFrame } from "../lib/shared/protocol.ts";
import type { Conversation } from "./conversation.ts";
import type { Conversations } from "./conversations.ts";
import type { Inbox } from "./inbox.ts";
import { clean } from "./user_text.ts";

/**
 * The rooms joined, the current one, and what was seen in each.
 *
 * @example
 * ```ts
 * const rooms = new Rooms(["lobby", "games"], conversations, inbox);
 * rooms.current = "games";
 * rooms.helloFields(false); // { rooms: ["games", "lobby"], room: "games" }
 * ```
 */
export class Rooms {
  #conversations: Conversations;
  #inbox: Inbox;
  #joined: string[];
  /** The current room, if the person is in any. */
  current: string | undefined;
  /** The last `seq` seen per room. */
  #seen: Record<string, number> = {};

  /** Starts in `rooms`, the first the current one. */
  constructor(
    rooms: readonly string[],
    conversations: Conversations,
    inbox: Inbox,
  ) {
    this.#conversations = conversations;
    this.#inbox = inbox;
    this.#joined = [...new Set(rooms)];
    this.current = this.#joined[0];
    for (const room of this.#joined) conversations.room(room);
  }

  /** The rooms joined, in join order. */
  get list(): readonly string[] {
    return this.#joined;
  }

  /** True when the person is in `room`. */
  has(room: string): boolean {
    return this.#joined.includes(room);
  }

  /**
   * The person is in `room` now (added at the end when new): its topic, its
   * members, and its messages (`missed`: what a reconnect missed, new to
   * the person; else recent history).
   */
  enter(room: RoomState, missed: boolean): Conversation {
    const conversation = this.#conversations.room(room.name);
    conversation.joined = true;
    conversation.topic = clean(room.topic ?? "");
    conversation.members = [...room.members];
    if (!this.has(room.name)) this.#joined.push(room.name);
    if (room.more !== undefined && room.more > 0) {
      this.#conversations.notice(
        `${room.more} older messages of #${room.name} not shown; /history shows them`,
        false,
        conversation.key,
      );
    }
    for (const message of room.history) {
      this.see(message);
      this.#inbox.message(message, !missed);
    }
    return conversation;
  }

  /**
   * A welcome lists the rooms anew: each is entered again (`again`: a
   * reconnect, whose history is what was missed); one not given back (after
   * a kick, or a restart) is left. The current room stays when it is given
   * back, else it is the welcome's.
   */
  welcomed(
    frame: Extract<ServerFrame, { type: "welcome" }>,
    again: boolean,
  ): void {
    const rooms: RoomState[] = frame.rooms ??
      (frame.room === ""
        ? []
        : [{ name: frame.room, members: [], history: frame.history }]);
    this.#joined = [];
    for (const conversation of this.#conversations.values()) {
      if (conversation.kind === "room") conversation.joined = false;
    }
    for (const room of rooms) this.enter(room, again);
    if (this.current === undefined || !this.has(this.current)) {
      this.current = frame.room === "" ? this.#joined[0] : frame.room;
    }
  }

  /** The person left `room`; the current room falls back to the last joined. */
  leave(room: string): void {
    const conversation = this.#conversations.room(room);
    conversation.joined = false;
    this.#joined = this.#joined.filter((r) => r !== room);
    if (this.current === room) this.current = this.#joined.at(-1);
  }

  /** A message of `room` with `seq` was seen. */
  see(message: { room: string; seq: number }): void {
    if (message.seq > (this.#seen[message.room] ?? 0)) {
      this.#seen[message.room] = message.seq;
    }
  }

  /**
   * The fields of a `hello` about rooms: every room, the current first
   * (`room` too, for servers of version 1 and 2); after a welcome,
   * `since` the last seq seen per room.
   */
  helloFields(
    welcomed: boolean,
  ): { rooms?: string[]; room?: string; since?: Record<string, number> } {
    const fields: {
      rooms?: string[];
      room?: string;
      since?: Record<string, number>;
    } = {};
    if (welcomed || this.#joined.length > 0) {
      const first = this.current === undefined ? [] : [this.current];
      fields.rooms = [
        ...first,
        ...this.#joined.filter((r) => r !== this.current),
      ];
      if (fields.rooms[0] !== undefined) fields.room = fields.rooms[0];
    }
    if (welcomed) fields.since = { ...this.#seen };
    return fields;
  }
}
