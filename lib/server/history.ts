/**
 * Room history: the recent messages a joiner is shown.
 *
 * The hub talks to history only through {@linkcode HistoryStore}, so where
 * messages are kept (memory here, a file on disk elsewhere) changes nothing
 * in the hub.
 *
 * @module
 */

import type { ChatMessage } from "../shared/protocol.ts";
import type { TopicRecord, TopicStore } from "./room.ts";

/** A history store that cannot keep messages (a data directory the server
 * cannot use, a full disk), with what to do about it. */
export class StoreError extends Error {
  /**
   * Makes a StoreError.
   *
   * @param message what went wrong and what to do about it
   */
  constructor(message: string) {
    super(message);
    this.name = "StoreError";
  }
}

/** Where a hub keeps its rooms' messages and topics. */
export interface HistoryStore extends TopicStore {
  /**
   * Keeps `message`; its `seq` is higher than any kept before. `key` names
   * the client message it came from, for {@linkcode HistoryStore.answered}.
   */
  append(message: ChatMessage, key?: string): void;
  /**
   * The message kept for client message `key`, if this store remembers keys
   * (a store on disk does, so resends after a server restart are recognised).
   */
  answered?(key: string): { seq: number; ts: number } | undefined;
  /**
   * Up to `limit` messages of `room`, oldest first, ending with the newest,
   * or, given `beforeSeq`, with the newest older than that.
   */
  recent(room: string, limit: number, beforeSeq?: number): ChatMessage[];
  /**
   * How many messages of `room` are newer than `afterSeq`: what a client that
   * last saw `afterSeq` missed.
   */
  countAfter(room: string, afterSeq: number): number;
  /** The highest `seq` kept, or 0 when there is none. */
  lastSeq(): number;
  /**
   * Resolves once everything appended so far is on disk; rejects when it
   * could not be written. Stores that keep nothing on disk leave it out.
   */
  durable?(): Promise<void>;
  /** Writes what is pending and lets go of the store. */
  close?(): void;
}

/**
 * The most topics a {@linkcode MemoryHistory} keeps of rooms no operator
 * keeps (as many as on disk).
 */
const MEMORY_TOPICS = 10_000;

/**
 * History kept in memory: each room holds its newest `perRoom` messages, in a
 * ring, so memory stays bounded however long the server runs.
 *
 * @example
 * ```ts
 * const history = new MemoryHistory({ perRoom: 2 });
 * for (const seq of [1, 2, 3]) {
 *   history.append({ seq, room: "lobby", from: "ann", text: `m${seq}`, ts: 0 });
 * }
 * history.recent("lobby", 10).map((m) => m.text); // ["m2", "m3"]
 * ```
 */
export class MemoryHistory implements HistoryStore {
  #perRoom: number;
  /** Rooms whose messages are kept, at most; the least recently written go. */
  #maxRooms: number;
  /** Per room, its messages. */
  #rooms = new Map<string, ChatMessage[]>();
  #topics = new Map<string, TopicRecord>();
  #lastSeq = 0;

  /**
   * Makes a MemoryHistory.
   *
   * @param options.perRoom messages kept per room
   * @param options.maxRooms rooms whose messages are kept (default 1000, the
   *   server's room limit): a room quiet the longest is forgotten first, so
   *   rooms that come and go cannot grow memory without bound
   */
  constructor(options: { perRoom: number; maxRooms?: number }) {
    this.#perRoom = options.perRoom;
    this.#maxRooms = options.maxRooms ?? 1000;
  }

  append(message: ChatMessage): void {
    this.#lastSeq = message.seq;
    if (this.#perRoom <= 0) return;
    let messages = this.#rooms.get(message.room);
    if (messages === undefined) {
      if (this.#rooms.size >= this.#maxRooms) this.#forgetQuietest();
      messages = [];
      this.#rooms.set(message.room, messages);
    }
    messages.push(message);
    // Trim in batches: one splice per `perRoom` appends, not one per append.
    if (messages.length >= this.#perRoom * 2) {
      messages.splice(0, messages.length - this.#perRoom);
    }
  }

  /** Forgets the room written to longest ago (a scan, only when a room is new and the store full). */
  #forgetQuietest(): void {
    let quietest: string | undefined;
    let oldest = Infinity;
    for (const [room, messages] of this.#rooms) {
      const last = messages.at(-1)?.seq ?? -Infinity;
      if (last < oldest) {
        oldest = last;
        quietest = room;
      }
    }
    if (quietest !== undefined) this.#rooms.delete(quietest);
  }

  recent(room: string, limit: number, beforeSeq = Infinity): ChatMessage[] {
    const messages = this.#rooms.get(room);
    if (messages === undefined || limit <= 0) return [];
    const kept = messages.slice(-this.#perRoom);
    let end = kept.length;
    while (end > 0 && kept[end - 1]!.seq >= beforeSeq) end--;
    return kept.slice(Math.max(0, end - limit), end);
  }

  countAfter(room: string, afterSeq: number): number {
    const kept = (this.#rooms.get(room) ?? []).slice(-this.#perRoom);
    let count = 0;
    for (let i = kept.length - 1; i >= 0 && kept[i]!.seq > afterSeq; i--) {
      count++;
    }
    return count;
  }

  lastSeq(): number {
    return this.#lastSeq;
  }

  topic(room: string): TopicRecord | undefined {
    return this.#topics.get(room);
  }

  keptRooms(): TopicRecord[] {
    return [...this.#topics.values()].filter((record) => record.kept);
  }

  saveTopic(record: TopicRecord): void {
    this.#topics.delete(record.room);
    if (record.topic === "" && !record.locked && !record.kept) return;
    this.#topics.set(record.room, { ...record });
    // Bounded: the topic set longest ago of a room no operator keeps goes.
    if (this.#topics.size > MEMORY_TOPICS) {
      for (const [room, old] of this.#topics) {
        if (old.kept) continue;
        this.#topics.delete(room);
        break;
      }
    }
  }
}
