/**
 * Who is in which room: a member joins, parts, moves (a one-room client),
 * enters in its first rooms and leaves them all; each room is told (unless
 * the member is quiet, or a guest not yet announced: its rooms are told
 * when it first speaks). A member is in a set of rooms,
 * at most `roomsPerMember`, and one of them is its current room; a room is
 * made on first join while the server holds fewer than its limit, and goes
 * when it empties (unless kept, see `room.ts`).
 *
 * @module
 */

import { ChatError } from "../shared/errors.ts";
import type { ProtocolLimits } from "../shared/limits.ts";
import { nickKey } from "../shared/names.ts";
import { DEFAULT_ROOM } from "../shared/protocol.ts";
import { cleanCut } from "../shared/text.ts";
import type { Member } from "./member.ts";
import { roomName } from "./message_rules.ts";
import type { Presence } from "./presence.ts";
import type { Rooms } from "./room.ts";

/**
 * The members of each room of a hub.
 *
 * @example
 * ```ts
 * const membership = new RoomMembership({ rooms, presence, limits });
 * membership.join(ann, "games"); // { room: "games", joined: true }
 * membership.part(ann, "games", "bye");
 * ```
 */
export class RoomMembership {
  #rooms: Rooms;
  #presence: Presence;
  #limits: ProtocolLimits;

  /**
   * Makes a RoomMembership.
   *
   * @param options.rooms the hub's rooms
   * @param options.presence how rooms are told of joins and parts
   * @param options.limits the protocol limits: rooms per member, reasons
   */
  constructor(
    options: { rooms: Rooms; presence: Presence; limits: ProtocolLimits },
  ) {
    this.#rooms = options.rooms;
    this.#presence = options.presence;
    this.#limits = options.limits;
  }

  /**
   * The rooms a member coming in starts in (default the lobby), by name,
   * once each. Throws a {@linkcode ChatError} when a room name is invalid,
   * there are more rooms than a member may be in, or the server cannot make
   * those that do not exist.
   */
  roomsToEnter(rooms: string[] = [DEFAULT_ROOM]): string[] {
    const names = [...new Set(rooms.map(roomName))];
    this.#checkRoomCount(names.length);
    this.#checkRoomsCanOpen(names);
    return names;
  }

  /**
   * Puts a member coming in into `names` (from {@linkcode roomsToEnter});
   * the first becomes its current room.
   */
  enter(member: Member, names: string[]): void {
    for (const name of names) this.#add(member, name);
    member.room = names[0];
  }

  /**
   * `member` has said something: a guest who joined unannounced is
   * announced now, in every room it is in, before its first words.
   */
  announce(member: Member): void {
    if (member.announced) return;
    member.announced = true;
    if (member.quiet) return;
    // The others learn of the guest now; the guest knows it came.
    for (const name of member.rooms) {
      this.#presence.roomEvent(
        this.#rooms.get(name)!,
        "join",
        member,
        {},
        member,
      );
    }
  }

  /**
   * Adds `member` to `room` (made on first join) and makes it the current
   * room; a room the member is in already only becomes current. Returns the
   * room's name and whether the member joined it just now.
   */
  join(member: Member, room: string): { room: string; joined: boolean } {
    const name = roomName(room);
    if (member.rooms.has(name)) {
      member.room = name;
      return { room: name, joined: false };
    }
    this.#checkRoomCount(member.rooms.size + 1);
    this.#add(member, name);
    member.room = name;
    return { room: name, joined: true };
  }

  /**
   * Moves a one-room member (a client older than version 3) from its room to
   * `room`: it leaves the one and joins the other, or, when it cannot join
   * (the server's room limit), stays where it is.
   */
  move(member: Member, room: string): void {
    const name = roomName(room);
    this.#checkRoomsCanOpen([name]);
    for (const old of [...member.rooms]) {
      if (old !== name) this.part(member, old);
    }
    this.join(member, name);
  }

  /**
   * Takes `member` out of `room`, telling the room why (`reason`, said by the
   * member, or who removed it: `by`, an operator's nick, for a kick). The
   * current room becomes the last one joined of those left, if any.
   */
  part(member: Member, room: string, reason = "", by?: string): void {
    const name = roomName(room);
    if (!member.rooms.has(name)) {
      throw new ChatError("not-now", `You are not in #${name}`);
    }
    const target = this.#rooms.get(name)!;
    const text = cleanCut(reason, this.#limits.reasonChars).trim();
    const extra = {
      ...(text === "" ? {} : { reason: text }),
      ...(by === undefined ? {} : { by }),
    };
    // The room hears of someone it was told of; the leaver always does.
    if (!member.quiet && member.announced) {
      this.#presence.roomEvent(target, "part", member, extra);
    } else this.#presence.selfEvent(target, "part", member, extra);
    this.#remove(member, name);
  }

  /** Takes `member` out of every room, quietly: it is leaving the chat. */
  leaveAll(member: Member): void {
    for (const name of [...member.rooms]) this.#remove(member, name);
  }

  /** The room a line of `member` goes to: `room`, or its current one. */
  roomOf(member: Member, room: string | undefined): string {
    const name = room === undefined ? member.room : roomName(room);
    if (name === undefined) {
      throw new ChatError("not-now", "You are in no room: /join ROOM");
    }
    if (!member.rooms.has(name)) {
      throw new ChatError("not-now", `You are not in #${name}: /join ${name}`);
    }
    return name;
  }

  /** The members of `room`, sorted by nick. */
  who(room: string): Member[] {
    const members = [...(this.#rooms.get(room)?.members ?? [])];
    return members.sort((a, b) =>
      nickKey(a.nick).localeCompare(nickKey(b.nick))
    );
  }

  #checkRoomCount(count: number): void {
    const max = this.#limits.roomsPerMember;
    if (count > max) {
      throw new ChatError(
        "room-limit",
        `You may be in ${rooms(max)} at once; /part one first`,
      );
    }
  }

  /** Throws `room-limit` when the rooms of `names` that do not exist cannot all be made. */
  #checkRoomsCanOpen(names: string[]): void {
    const missing = names.filter((name) => this.#rooms.get(name) === undefined);
    if (!this.#rooms.canOpen(missing.length)) {
      throw new ChatError(
        "room-limit",
        `The server holds ${
          rooms(this.#rooms.size)
        }, its limit; join one that exists (/rooms)`,
      );
    }
  }

  /** Puts `member` in the room `name` and tells the room. */
  #add(member: Member, name: string): void {
    this.#checkRoomsCanOpen([name]);
    const room = this.#rooms.open(name)!;
    if (!member.quiet && member.announced) {
      this.#presence.roomEvent(room, "join", member);
    }
    room.members.add(member);
    member.rooms.add(name);
  }

  /** Takes `member` out of the room `name`, quietly. */
  #remove(member: Member, name: string): void {
    const room = this.#rooms.get(name);
    member.rooms.delete(name);
    member.forgetShown(name);
    if (member.room === name) member.room = [...member.rooms].at(-1);
    if (room === undefined) return;
    room.members.delete(member);
    this.#rooms.close(room);
  }
}

/** "1 room", "20 rooms". */
function rooms(count: number): string {
  return count === 1 ? "1 room" : `${count} rooms`;
}
