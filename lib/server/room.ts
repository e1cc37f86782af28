/**
 * Rooms: who is in each, its topic, and which rooms exist.
 *
 * A room exists while someone is in it; an empty room is kept, topic and
 * all, only when an operator set its topic, so no one can fill the
 * server's room limit with throwaway topics. Topics (and whether they are
 * locked, and whether an operator set them) are kept by the history store,
 * so they survive a restart; the history of a room outlives its members
 * either way.
 *
 * @module
 */

import type { Member } from "./member.ts";

/** A room's topic as the store keeps it. */
export interface TopicRecord {
  /** The room's name. */
  room: string;
  /** The topic; empty when none. */
  topic: string;
  /** Only operators may change it. */
  locked: boolean;
  /** An operator set it: the room is kept while empty. */
  kept: boolean;
}

/**
 * Where topics are kept: the history store, beside the room's messages, so
 * a room that empties, or a server that restarts, gets its topic back.
 */
export interface TopicStore {
  /** The topic kept for `room`, if any. */
  topic(room: string): TopicRecord | undefined;
  /** The rooms an operator asked to keep while empty, with their topics. */
  keptRooms(): TopicRecord[];
  /** Keeps a room's topic (forgets it, given an empty topic and no flags). */
  saveTopic(record: TopicRecord): void;
}

/** One room. */
export class Room {
  /** The room's name, without `#`. */
  readonly name: string;
  /** Who is in it, in the order they came. */
  readonly members: Set<Member> = new Set();
  /** The topic, empty when none. */
  topic = "";
  /** Only operators may change the topic. */
  locked = false;
  /** An operator set the topic: the room is kept while empty. */
  kept = false;

  /**
   * Makes a Room.
   *
   * @param name the room's name, without `#`
   */
  constructor(name: string) {
    this.name = name;
  }
}

/** What {@linkcode Rooms.list} says of a room. */
export interface RoomInfo {
  /** Room name, without the `#`. */
  name: string;
  /** How many members are in it. */
  members: number;
  /** Its topic, if it has one. */
  topic?: string;
}

/**
 * The rooms of a hub.
 *
 * @example
 * ```ts
 * const rooms = new Rooms({ maxRooms: 1000 });
 * const games = rooms.open("games"); // made on first use
 * rooms.close(games);                // gone again once empty, unless kept
 * ```
 */
export class Rooms {
  #rooms = new Map<string, Room>();
  #maxRooms: number;
  #store: TopicStore | undefined;

  /**
   * Makes the rooms of a hub, with the topics the store kept.
   *
   * @param options.maxRooms the most rooms that may exist at once
   * @param options.store where topics are kept, if anywhere
   */
  constructor(options: { maxRooms: number; store?: TopicStore | undefined }) {
    this.#maxRooms = options.maxRooms;
    this.#store = options.store;
    for (const record of options.store?.keptRooms() ?? []) {
      this.#rooms.set(record.room, restore(new Room(record.room), record));
    }
  }

  /** The room called `name`, if it exists. */
  get(name: string): Room | undefined {
    return this.#rooms.get(name);
  }

  /** How many rooms exist. */
  get size(): number {
    return this.#rooms.size;
  }

  /** True when `count` more rooms may be made. */
  canOpen(count: number): boolean {
    return count === 0 || this.#rooms.size + count <= this.#maxRooms;
  }

  /**
   * The room called `name`, made when it does not exist; undefined when the
   * server has as many rooms as it may hold.
   */
  open(name: string): Room | undefined {
    let room = this.#rooms.get(name);
    if (room !== undefined) return room;
    if (this.#rooms.size >= this.#maxRooms) return undefined;
    room = new Room(name);
    // A room that was empty (or the server restarted) gets its topic back.
    const record = this.#store?.topic(name);
    if (record !== undefined) restore(room, record);
    this.#rooms.set(name, room);
    return room;
  }

  /** Forgets `room` when no one is in it and no operator asked to keep it. */
  close(room: Room): void {
    if (room.members.size > 0 || room.kept) return;
    this.#rooms.delete(room.name);
  }

  /**
   * Sets a room's topic and keeps it in the store first (whatever the store
   * throws, such as a `StoreError`, leaves the room unchanged); a
   * topic set by an operator keeps the room while it is empty.
   */
  setTopic(
    room: Room,
    topic: string,
    options: { locked?: boolean; byOperator: boolean },
  ): void {
    const locked = options.locked ?? room.locked;
    const kept = options.byOperator ? topic !== "" || locked : room.kept;
    this.#store?.saveTopic({ room: room.name, topic, locked, kept });
    room.topic = topic;
    room.locked = locked;
    room.kept = kept;
    this.close(room);
  }

  /** Every room, sorted by name (code point order). */
  list(): RoomInfo[] {
    return [...this.#rooms.values()]
      .map((room) => ({
        name: room.name,
        members: room.members.size,
        ...(room.topic === "" ? {} : { topic: room.topic }),
      }))
      .sort((a, b) => a.name.localeCompare(b.name));
  }
}

function restore(room: Room, record: TopicRecord): Room {
  room.topic = record.topic;
  room.locked = record.locked;
  room.kept = record.kept;
  return room;
}
