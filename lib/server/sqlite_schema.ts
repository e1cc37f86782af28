/**
 * The SQLite file of the history store: opening it for this server alone,
 * its schema and the migrations that bring an older file forward, and what
 * a failure to open it means for the person running the server.
 *
 * The database runs in WAL mode with `synchronous=FULL`, so a commit
 * returns only once the write-ahead log is on disk (fsync). The schema
 * carries a version (`PRAGMA user_version`) and is migrated forward on
 * start; a database from a newer Lochat is refused, not touched. The server
 * holds the database with an exclusive lock, so a second server on the same
 * directory is refused instead of interleaving writes.
 *
 * @module
 */

import { DatabaseSync } from "node:sqlite";
import { errorMessage } from "../shared/errors.ts";
import { fileTrouble } from "../shared/file_problems.ts";
import { StoreError } from "./history.ts";
import { type HistoryLimit, prune } from "./sqlite_pruning.ts";

/** The schema this Lochat writes. */
export const SCHEMA_VERSION = 4;

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
  // 4: notices (IRC's NOTICE), kept as notices so that a replay never makes
  // one a message someone's bot may answer.
  `ALTER TABLE messages ADD COLUMN notice INTEGER NOT NULL DEFAULT 0;`,
];

/**
 * Opens (creating when needed) `lochat.db` in `dir`, locked for this
 * server, migrated to {@linkcode SCHEMA_VERSION} and pruned to `limit`.
 * Throws a {@linkcode StoreError} that says what is wrong and what to do.
 *
 * @example
 * ```ts
 * const { db, file } = openDatabase("/var/lib/lochat", { messages: 10000 });
 * ```
 */
export function openDatabase(
  dir: string,
  limit: HistoryLimit,
): { db: DatabaseSync; file: string } {
  try {
    Deno.mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw new StoreError(
      `Cannot create the data directory ${dir}: ${
        fileTrouble(error)
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
        errorMessage(error)
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
    prune(db, limit);
  } catch (error) {
    try {
      db.close();
    } catch {
      // Closing a half-opened database can fail too; the first error matters.
    }
    if (error instanceof StoreError) throw error;
    throw new StoreError(explain(error, dir, file));
  }
  return { db, file };
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
      /read-only/i.test(errorMessage(error))
    ) {
      return `The data directory ${dir} is read-only (${
        errorMessage(error)
      }); make it writable, or pass --data-dir with a writable directory`;
    }
    return undefined;
  }
}

function explain(error: unknown, dir: string, file: string): string {
  const text = errorMessage(error);
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
