/**
 * What members say reaching the others: a room message is numbered, kept
 * by the history store, then handed to everyone else in the room; a
 * private message goes to one member (and back to the sender); an
 * announcement goes to every member. Each reader is handed the same
 * {@linkcode Outgoing}, encoded at most once per wire format, and the
 * hand-over returns at once: a slow reader never holds up anyone else.
 *
 * @module
 */

import type { ProtocolLimits } from "../shared/limits.ts";
import type { ChatMessage, ServerFrame } from "../shared/protocol.ts";
import type { HistoryStore } from "./history.ts";
import type { Member } from "./member.ts";
import type { MemberRegistry } from "./member_registry.ts";
import { messageText } from "./message_rules.ts";
import { Outgoing } from "./outgoing.ts";
import type { Rooms } from "./room.ts";
import type { RoomMembership } from "./room_membership.ts";

/** What {@linkcode Broadcast.say} did with a message. */
export interface Reached {
  /** Members the message was handed to. */
  count: number;
  /** Members it was meant for (the room, less the sender; 1 for a private message). */
  of: number;
}

/** What became of a room message: kept (`message`) and handed out. */
export interface Delivery extends Reached {
  /** The message as kept and sent. */
  message: ChatMessage;
}

/** How a message is said: an action (`/me`), a notice (IRC's `NOTICE`). */
export interface SayOptions {
  /** An action (`/me waves`). */
  me?: boolean;
  /** A notice: shown as such, never to be answered automatically. */
  notice?: boolean;
}

/** What {@linkcode Broadcast} works with: the store and the hub's parts. */
export interface BroadcastParts {
  /** Where messages are kept. */
  store: HistoryStore;
  /** The hub's rooms, whose members read. */
  rooms: Rooms;
  /** Who is online, for private messages and announcements. */
  members: MemberRegistry;
  /** Which room a member means. */
  membership: RoomMembership;
  /** The protocol limits: the longest message. */
  limits: ProtocolLimits;
  /** The clock that stamps each message. */
  now: () => number;
}

/**
 * Messages, private messages and announcements.
 *
 * @example
 * ```ts
 * const broadcast = new Broadcast({ store, rooms, members, membership, limits, now: Date.now });
 * broadcast.say(ann, "hello", { room: "games" }); // everyone else in #games gets it
 * ```
 */
export class Broadcast {
  #store: HistoryStore;
  #rooms: Rooms;
  #members: MemberRegistry;
  #membership: RoomMembership;
  #limits: ProtocolLimits;
  #now: () => number;
  #seq: number;

  /**
   * Makes a Broadcast, numbering messages on from the store's last.
   *
   * @param parts the store, the hub's parts, the limits and the clock
   */
  constructor(parts: BroadcastParts) {
    this.#store = parts.store;
    this.#rooms = parts.rooms;
    this.#members = parts.members;
    this.#membership = parts.membership;
    this.#limits = parts.limits;
    this.#now = parts.now;
    this.#seq = parts.store.lastSeq();
  }

  /** The `seq` of the last message said. */
  get lastSeq(): number {
    return this.#seq;
  }

  /**
   * Says `text` from `member` in `room` (default its current room) to
   * everyone else there. With a store that writes to disk, the message is
   * broadcast, and the delivery resolved, only once it is durable: what is
   * acknowledged is never lost. With memory history, at once.
   */
  say(
    member: Member,
    text: string,
    options: SayOptions & { key?: string | undefined; room?: string } = {},
  ): Delivery | Promise<Delivery> {
    const room = this.#membership.roomOf(member, options.room);
    const message: ChatMessage = {
      seq: ++this.#seq,
      room,
      from: member.nick,
      text: messageText(text, this.#limits.textChars),
      ts: this.#now(),
    };
    if (options.me) message.me = true;
    if (options.notice) message.notice = true;
    this.#store.append(message, options.key);
    const durable = this.#store.durable?.();
    if (durable === undefined) return this.#broadcast(member, message);
    return durable.then(() => this.#broadcast(member, message));
  }

  #broadcast(member: Member, message: ChatMessage): Delivery {
    const members = this.#rooms.get(message.room)?.members;
    let count = 0;
    let of = 0;
    if (members !== undefined) {
      const out = new Outgoing({ type: "msg", ...message });
      for (const other of members) {
        if (other === member) continue;
        of++;
        if (other.ignoring(member)) {
          count++; // Ignoring is private: the sender sees it delivered.
          continue;
        }
        if (other.sink.deliver(out)) count++;
      }
    }
    return { message, count, of };
  }

  /**
   * Sends `text` from `member` to `nick` alone. Returns the recipient, whose
   * away message the sender may want to see.
   */
  whisper(
    member: Member,
    nick: string,
    text: string,
    options: SayOptions = {},
  ): Member {
    const target = this.#members.online(nick);
    const frame: ServerFrame = {
      type: "pm",
      from: member.nick,
      to: target.nick,
      text: messageText(text, this.#limits.textChars),
      ts: this.#now(),
    };
    if (options.me) frame.me = true;
    if (options.notice) frame.notice = true;
    if (!target.ignoring(member)) {
      // A note to oneself is no one's to reply to.
      if (target !== member) target.lastPrivateFrom = member;
      target.send(frame);
    }
    if (target !== member) member.send(frame);
    return target;
  }

  /** Sends one frame to every member (a server announcement). */
  announce(frame: ServerFrame): void {
    const out = new Outgoing(frame);
    for (const member of this.#members) member.sink.deliver(out);
  }
}
