/**
 * How far each IRC user has been sent each room, so that joining a room
 * again (after `/cycle`, a kick, a reconnect) replays only what that user
 * has not been sent yet, not the whole backlog again: IRC clients show
 * every line they get, so a second replay shows every line twice.
 *
 * While a user is in a room it is sent every line of it (its own it showed
 * as typed; an ignored person's are not for it), so nothing is counted per
 * delivery: when the user leaves a room or the connection, the room's newest
 * `seq` at that moment is where it left, remembered for the server's life by
 * the user's address and nick (IRC clients reconnect
 * from the same machine with the same nick), at most
 * {@linkcode SEEN_PLACES} of them, the least recently left forgotten
 * first. Someone forgotten, or new, is shown the room's recent messages.
 *
 * @module
 */

import { nickKey } from "../../shared/names.ts";
import type { Hub } from "../hub.ts";

/** The most (address, nick, room) places remembered per server. */
export const SEEN_PLACES = 10_000;

/**
 * The places of the users who left, bounded.
 *
 * @example
 * ```ts
 * const seen = new SeenRooms();
 * seen.left("192.0.2.7", "ann", new Map([["lobby", 48]]));
 * seen.last("192.0.2.7", "Ann", "lobby"); // 48
 * ```
 */
export class SeenRooms {
  #places = new Map<string, number>();
  #max: number;

  /**
   * Makes a SeenRooms.
   *
   * @param max the most places remembered
   */
  constructor(max = SEEN_PLACES) {
    this.#max = max;
  }

  /** How many places are remembered. */
  get size(): number {
    return this.#places.size;
  }

  /** The last `seq` sent to `nick` from `address` in `room`, if remembered. */
  last(address: string, nick: string, room: string): number | undefined {
    return this.#places.get(key(address, nick, room));
  }

  /** Remembers where `nick` from `address` left each room of `rooms`. */
  left(
    address: string,
    nick: string,
    rooms: ReadonlyMap<string, number>,
  ): void {
    for (const [room, seq] of rooms) {
      const place = key(address, nick, room);
      // Deleted first, so that the Map's order is the order of leaving.
      this.#places.delete(place);
      this.#places.set(place, seq);
      if (this.#places.size > this.#max) {
        this.#places.delete(this.#places.keys().next().value!);
      }
    }
  }
}

/**
 * One session's side of {@linkcode SeenRooms}: where its user left each
 * room, read when the user joins again and written when it leaves.
 *
 * @example
 * ```ts
 * const sent = new SentRooms(seenRooms(hub), "192.0.2.7", (room) => 48);
 * sent.left("ann", ["lobby"]); // lobby's newest line was 48
 * sent.since("ann", "lobby");  // 48: a rejoin replays from 49 on
 * ```
 */
export class SentRooms {
  #seen: SeenRooms;
  #address: string;
  #newest: (room: string) => number | undefined;

  /**
   * Makes a SentRooms.
   *
   * @param seen the server's places
   * @param address the user's address
   * @param newest the `seq` of a room's newest message, if it has any
   */
  constructor(
    seen: SeenRooms,
    address: string,
    newest: (room: string) => number | undefined,
  ) {
    this.#seen = seen;
    this.#address = address;
    this.#newest = newest;
  }

  /** The last `seq` `nick` was sent in `room` before it left, if remembered. */
  since(nick: string, room: string): number | undefined {
    return this.#seen.last(this.#address, nick, room);
  }

  /** `nick` leaves `rooms`: each room's newest line is where it left. */
  left(nick: string, rooms: Iterable<string>): void {
    const places = new Map<string, number>();
    for (const room of rooms) {
      const seq = this.#newest(room);
      if (seq !== undefined) places.set(room, seq);
    }
    if (places.size > 0) this.#seen.left(this.#address, nick, places);
  }
}

function key(address: string, nick: string, room: string): string {
  return `${address}\n${nickKey(nick)}\n${room}`;
}

const servers = new WeakMap<Hub, SeenRooms>();

/** The places remembered for the IRC users of `hub`'s server. */
export function seenRooms(hub: Hub): SeenRooms {
  let seen = servers.get(hub);
  if (seen === undefined) servers.set(hub, seen = new SeenRooms());
  return seen;
}
