/**
 * History on disk: an embedded SQLite database (through `node:sqlite`, which
 * Deno ships), one file in the server's data directory, nothing to install.
 *
 * Durability: the database runs in WAL mode with `synchronous=FULL`, so a
 * commit returns only once the write-ahead log is on disk (fsync). The hub
 * broadcasts and acknowledges a message only after the commit that holds it,
 * so anything a sender saw acknowledged survives a crash, a `kill -9` or a
 * power cut. Commits are grouped: messages that arrive while one commit is
 * under way, or in the same turn of the event loop, share the next one, so
 * under load durability costs one fsync per batch, not one per message.
 *
 * Here are the queries and the grouped commits. The file itself (locking,
 * schema, migrations, why it cannot be opened) is `sqlite_schema.ts`'s; how
 * much history is kept, `sqlite_pruning.ts`'s.
 *
 * @module
 */

import type { DatabaseSync, StatementSync } from "node:sqlite";
import { errorMessage } from "../shared/errors.ts";
import { type HistoryStore, StoreError } from "./history.ts";
import type { ChatMessage } from "../shared/protocol.ts";
import type { TopicRecord } from "./room.ts";
import { openDatabase } from "./sqlite_schema.ts";
import { type HistoryLimit, prune, PRUNE_EVERY } from "./sqlite_pruning.ts";

/**
 * Room history in SQLite.
 *
 * @example
 * ```ts
 * const store = SqliteHistory.open("/var/lib/lochat", { limit: { messages: 10000 } });
 * store.append({ seq: 1, room: "lobby", from: "ann", text: "hi", ts: Date.now() });
 * await store.durable(); // on disk now
 * ```
 */
export class SqliteHistory implements HistoryStore {
  /** Where the database file is. */
  readonly file: string;
  #db: DatabaseSync;
  #insert: StatementSync;
  #recent: StatementSync;
  #limit: HistoryLimit;
  #pending: { message: ChatMessage; key: string | undefined }[] = [];
  /** Keys of pending messages, for resends that arrive before the commit. */
  #pendingKeys = new Map<string, ChatMessage>();
  #answered: StatementSync;
  #countAfter: StatementSync;
  #topic: StatementSync;
  #saveTopic: StatementSync;
  #forgetTopic: StatementSync;
  /** Waiters for the batch being gathered. */
  #waiters: { resolve: () => void; reject: (error: Error) => void }[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  #lastSeq: number;
  #sincePrune = 0;
  #topicsSincePrune = 0;
  #closed = false;
  #onError: ((message: string) => void) | undefined;

  /** Makes a SqliteHistory. */
  private constructor(file: string, db: DatabaseSync, limit: HistoryLimit) {
    this.file = file;
    this.#db = db;
    this.#limit = limit;
    this.#insert = db.prepare(
      "INSERT INTO messages (seq, room, sender, text, ts, me, notice, dedup) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    );
    this.#answered = db.prepare("SELECT seq, ts FROM messages WHERE dedup = ?");
    this.#countAfter = db.prepare(
      "SELECT count(*) AS n FROM messages WHERE room = ? AND seq > ?",
    );
    this.#recent = db.prepare(
      "SELECT seq, room, sender, text, ts, me, notice FROM messages WHERE room = ? AND seq < ? ORDER BY seq DESC LIMIT ?",
    );
    this.#topic = db.prepare(
      "SELECT name, topic, locked, kept FROM rooms WHERE name = ?",
    );
    this.#saveTopic = db.prepare(
      `INSERT INTO rooms (name, topic, locked, kept, set_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (name) DO UPDATE SET topic = excluded.topic, locked = excluded.locked,
         kept = excluded.kept, set_at = excluded.set_at`,
    );
    this.#forgetTopic = db.prepare("DELETE FROM rooms WHERE name = ?");
    const row = db.prepare("SELECT max(seq) AS seq FROM messages").get() as {
      seq: number | null;
    } | undefined;
    this.#lastSeq = row?.seq ?? 0;
  }

  /**
   * Opens (creating when needed) the database in `dir`. Throws a
   * {@linkcode StoreError} that says what is wrong and what to do.
   */
  static open(
    dir: string,
    options: {
      limit?: HistoryLimit;
      /** Told of a failure the store recovers from (a prune on a full disk). */
      onError?: (message: string) => void;
    } = {},
  ): SqliteHistory {
    const { db, file } = openDatabase(dir, options.limit ?? {});
    const store = new SqliteHistory(file, db, options.limit ?? {});
    store.#onError = options.onError;
    return store;
  }

  append(message: ChatMessage, key?: string): void {
    if (this.#closed) throw new Error("The history store is closed");
    this.#pending.push({ message, key });
    if (key !== undefined) this.#pendingKeys.set(key, message);
    this.#lastSeq = message.seq;
    // Everything appended in this turn of the event loop shares one commit.
    this.#timer ??= setTimeout(() => this.#flush(), 0);
  }

  durable(): Promise<void> {
    if (this.#pending.length === 0) return Promise.resolve();
    return new Promise((resolve, reject) =>
      this.#waiters.push({ resolve, reject })
    );
  }

  recent(
    room: string,
    limit: number,
    beforeSeq = Number.MAX_SAFE_INTEGER,
  ): ChatMessage[] {
    if (limit <= 0) return [];
    const rows = this.#recent.all(
      room,
      Math.min(beforeSeq, Number.MAX_SAFE_INTEGER),
      limit,
    ) as unknown as Row[]; // Our own schema: the columns are known.
    return rows.reverse().map(toMessage);
  }

  countAfter(room: string, afterSeq: number): number {
    const row = this.#countAfter.get(room, afterSeq) as { n: number };
    // Messages still waiting for their commit count too.
    return row.n +
      this.#pending.filter((p) =>
        p.message.room === room && p.message.seq > afterSeq
      ).length;
  }

  answered(key: string): { seq: number; ts: number } | undefined {
    const pending = this.#pendingKeys.get(key);
    if (pending !== undefined) return { seq: pending.seq, ts: pending.ts };
    const row = this.#answered.get(key) as
      | { seq: number; ts: number }
      | undefined;
    return row === undefined ? undefined : { seq: row.seq, ts: row.ts };
  }

  lastSeq(): number {
    return this.#lastSeq;
  }

  topic(room: string): TopicRecord | undefined {
    const row = this.#topic.get(room) as RoomRow | undefined;
    return row === undefined ? undefined : toTopic(row);
  }

  keptRooms(): TopicRecord[] {
    const rows = this.#db.prepare(
      "SELECT name, topic, locked, kept FROM rooms WHERE kept = 1",
    ).all() as unknown as RoomRow[]; // Our own schema: the columns are known.
    return rows.map(toTopic);
  }

  /**
   * Keeps a room's topic, on disk before it returns. Throws a
   * {@linkcode StoreError} when it cannot be written (a full disk).
   */
  saveTopic(record: TopicRecord): void {
    if (this.#closed) throw new Error("The history store is closed");
    if (++this.#topicsSincePrune >= PRUNE_EVERY) {
      this.#topicsSincePrune = 0;
      this.#pruneOrSay();
    }
    try {
      if (record.topic === "" && !record.locked && !record.kept) {
        this.#forgetTopic.run(record.room);
      } else {
        this.#saveTopic.run(
          record.room,
          record.topic,
          record.locked ? 1 : 0,
          record.kept ? 1 : 0,
          Date.now(),
        );
      }
    } catch (error) {
      throw new StoreError(
        `Could not keep the topic in ${this.file}: ${errorMessage(error)}`,
      );
    }
  }

  /**
   * Drops history past the limit, per room. Throws a {@linkcode StoreError}
   * when the database cannot be written (a full disk).
   */
  prune(): void {
    try {
      prune(this.#db, this.#limit);
    } catch (error) {
      throw new StoreError(
        `Could not prune old history in ${this.file}: ${errorMessage(error)}`,
      );
    }
  }

  /** Writes what is pending and closes the database. */
  close(): void {
    if (this.#closed) return;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#flush();
    this.#closed = true;
    this.#db.close();
  }

  #flush(): void {
    this.#timer = undefined;
    const batch = this.#pending;
    const waiters = this.#waiters;
    this.#pending = [];
    this.#waiters = [];
    this.#pendingKeys.clear();
    if (batch.length === 0) {
      for (const waiter of waiters) waiter.resolve();
      return;
    }
    try {
      this.#db.exec("BEGIN");
      for (const { message: m, key } of batch) {
        this.#insert.run(
          m.seq,
          m.room,
          m.from,
          m.text,
          m.ts,
          m.me ? 1 : 0,
          m.notice ? 1 : 0,
          key ?? null,
        );
      }
      this.#db.exec("COMMIT");
    } catch (error) {
      try {
        this.#db.exec("ROLLBACK");
      } catch {
        // The failed commit may have rolled back already.
      }
      const failure = new StoreError(
        `Could not store messages in ${this.file}: ${errorMessage(error)}`,
      );
      for (const waiter of waiters) waiter.reject(failure);
      return;
    }
    for (const waiter of waiters) waiter.resolve();
    this.#sincePrune += batch.length;
    if (this.#sincePrune >= PRUNE_EVERY && this.#pruneOrSay()) {
      this.#sincePrune = 0;
    }
  }

  /** Prunes; a failure is said and tried again later. True when pruned. */
  #pruneOrSay(): boolean {
    try {
      this.prune();
      return true;
    } catch (error) {
      // Tried again after the next commit; the server goes on meanwhile.
      this.#onError?.(
        `${errorMessage(error)}; tried again after the next message`,
      );
      return false;
    }
  }
}

interface Row {
  seq: number;
  room: string;
  sender: string;
  text: string;
  ts: number;
  me: number;
  notice: number;
}

interface RoomRow {
  name: string;
  topic: string;
  locked: number;
  kept: number;
}

function toTopic(row: RoomRow): TopicRecord {
  return {
    room: row.name,
    topic: row.topic,
    locked: row.locked === 1,
    kept: row.kept === 1,
  };
}

function toMessage(row: Row): ChatMessage {
  const message: ChatMessage = {
    seq: row.seq,
    room: row.room,
    from: row.sender,
    text: row.text,
    ts: row.ts,
  };
  if (row.me === 1) message.me = true;
  if (row.notice === 1) message.notice = true;
  return message;
}
