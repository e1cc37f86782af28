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
 * The schema carries a version (`PRAGMA user_version`) and is migrated
 * forward on start; a database from a newer Lochat is refused, not touched.
 * The server holds the database with an exclusive lock, so a second server
 * on the same directory is refused instead of interleaving writes.
 *
 * @module
 */

import { DatabaseSync } from "node:sqlite";
import type { StatementSync } from "node:sqlite";
import { type HistoryStore, StoreError } from "./history.ts";
import type { ChatMessage } from "../shared/protocol.ts";
import type { TopicRecord } from "./room.ts";

/** The schema this Lochat writes. */
export const SCHEMA_VERSION = 3;

/** Migrations: entry `n` takes the schema from version `n` to `n + 1`. */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE messages (
     seq INTEGER PRIMARY KEY,
     room TEXT NOT NULL,
     sender TEXT NOT NULL,
     text TEXT NOT NULL,
     ts INTEGER NOT NULL,
     me INTEGER NOT NULL DEFAULT 0
   );
   CREATE INDEX messages_by_room ON messages (room, seq);`,
  // 2: the client message each message came from, so a resend after a
  // restart is answered with the message already kept, not stored twice.
  `ALTER TABLE messages ADD COLUMN dedup TEXT;
   CREATE UNIQUE INDEX messages_by_dedup ON messages (dedup) WHERE dedup IS NOT NULL;`,
  // 3: rooms' topics, whether an operator locked them, whether the room is
  // kept while empty (an operator set its topic), and when each was set.
  `CREATE TABLE rooms (
     name TEXT PRIMARY KEY,
     topic TEXT NOT NULL,
     locked INTEGER NOT NULL DEFAULT 0,
     kept INTEGER NOT NULL DEFAULT 0,
     set_at INTEGER NOT NULL DEFAULT 0
   );`,
];

/** How much history each room keeps. */
export interface HistoryLimit {
  /** Newest messages kept per room. */
  messages?: number;
  /** Days of messages kept. */
  days?: number;
}

/**
 * The most topics kept of rooms no operator keeps (the newest set): enough
 * for every room a server holds, bounded however many rooms come and go.
 */
export const TOPICS_REMEMBERED = 10_000;

/** How often, in appended messages, old history is pruned. */
const PRUNE_EVERY = 500;

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
      "INSERT INTO messages (seq, room, sender, text, ts, me, dedup) VALUES (?, ?, ?, ?, ?, ?, ?)",
    );
    this.#answered = db.prepare("SELECT seq, ts FROM messages WHERE dedup = ?");
    this.#countAfter = db.prepare(
      "SELECT count(*) AS n FROM messages WHERE room = ? AND seq > ?",
    );
    this.#recent = db.prepare(
      "SELECT seq, room, sender, text, ts, me FROM messages WHERE room = ? AND seq < ? ORDER BY seq DESC LIMIT ?",
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
    try {
      Deno.mkdirSync(dir, { recursive: true, mode: 0o700 });
    } catch (error) {
      throw new StoreError(
        `Cannot create the data directory ${dir}: ${
          reason(error)
        }; pass --data-dir with a writable directory, ` +
          "or --data-dir none to keep history in memory only",
      );
    }
    const file = `${dir}/lochat.db`;
    let db: DatabaseSync;
    try {
      db = new DatabaseSync(file);
    } catch (error) {
      const why = unwritable(dir) ??
        `Cannot open ${file}: ${
          reason(error)
        }; check the directory's permissions`;
      throw new StoreError(why);
    }
    try {
      // Hold the file for this server alone; a second one fails right here.
      db.exec("PRAGMA busy_timeout = 0");
      db.exec("PRAGMA locking_mode = EXCLUSIVE");
      db.exec("PRAGMA journal_mode = WAL");
      db.exec("PRAGMA synchronous = FULL");
      db.exec("BEGIN EXCLUSIVE");
      migrate(db, file);
      db.exec("COMMIT");
      prune(db, options.limit ?? {});
    } catch (error) {
      try {
        db.close();
      } catch {
        // Closing a half-opened database can fail too; the first error matters.
      }
      if (error instanceof StoreError) throw error;
      throw new StoreError(explain(error, dir, file));
    }
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
        `Could not keep the topic in ${this.file}: ${reason(error)}`,
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
        `Could not prune old history in ${this.file}: ${reason(error)}`,
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
        `Could not store messages in ${this.file}: ${reason(error)}`,
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
      this.#onError?.(`${reason(error)}; tried again after the next message`);
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
  return message;
}

/**
 * Drops history past `limit`, per room, and all but the newest
 * {@linkcode TOPICS_REMEMBERED} topics of rooms no operator keeps.
 */
function prune(db: DatabaseSync, limit: HistoryLimit): void {
  const { messages, days } = limit;
  if (days !== undefined) {
    db.prepare("DELETE FROM messages WHERE ts < ?").run(
      Date.now() - days * 86_400_000,
    );
  }
  if (messages !== undefined) {
    db.prepare(
      `DELETE FROM messages WHERE seq IN (
         SELECT seq FROM (
           SELECT seq, row_number() OVER (PARTITION BY room ORDER BY seq DESC) AS n FROM messages
         ) WHERE n > ?
       )`,
    ).run(messages);
  }
  db.prepare(
    `DELETE FROM rooms WHERE kept = 0 AND name NOT IN (
       SELECT name FROM rooms WHERE kept = 0 ORDER BY set_at DESC LIMIT ?
     )`,
  ).run(TOPICS_REMEMBERED);
}

function migrate(db: DatabaseSync, file: string): void {
  const { user_version: version } = db.prepare("PRAGMA user_version").get() as {
    user_version: number;
  };
  if (version > SCHEMA_VERSION) {
    throw new StoreError(
      `${file} was written by a newer Lochat (schema ${version}; this server knows up to ${SCHEMA_VERSION}). ` +
        "Upgrade lochat-server, or use another --data-dir; the file was not changed",
    );
  }
  for (let v = version; v < SCHEMA_VERSION; v++) {
    db.exec(MIGRATIONS[v]!);
    db.exec(`PRAGMA user_version = ${v + 1}`);
  }
}

/** Why nothing can be written in `dir`, when that is the trouble. */
function unwritable(dir: string): string | undefined {
  const probe = `${dir}/.lochat-write-test`;
  try {
    Deno.writeFileSync(probe, new Uint8Array(0));
    Deno.removeSync(probe);
    return undefined;
  } catch (error) {
    if (
      error instanceof Deno.errors.PermissionDenied ||
      /read-only/i.test(reason(error))
    ) {
      return `The data directory ${dir} is read-only (${
        reason(error)
      }); make it writable, or pass --data-dir with a writable directory`;
    }
    return undefined;
  }
}

function explain(error: unknown, dir: string, file: string): string {
  const text = reason(error);
  const readOnly = unwritable(dir);
  if (readOnly !== undefined) return readOnly;
  if (/locked|busy/i.test(text)) {
    return `Another lochat-server is using ${dir} (the database is locked); stop it, or give this one another --data-dir`;
  }
  if (/readonly|read-only|read only/i.test(text)) {
    return `The data directory ${dir} is read-only; make it writable, or pass --data-dir with a writable directory`;
  }
  if (/full|disk/i.test(text)) {
    return `The disk holding ${dir} is full; free some space, or pass --data-dir on another disk`;
  }
  if (/not a database|malformed|corrupt/i.test(text)) {
    return `${file} is not a Lochat database or is damaged (${text}); move it away, or pass another --data-dir`;
  }
  return `Cannot use ${file}: ${text}`;
}

function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
