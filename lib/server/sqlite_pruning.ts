/**
 * How much history the SQLite store keeps, and the pruning that holds it
 * there: per room the newest messages up to a count, and those younger
 * than a number of days; and the topics of rooms no operator keeps, up to
 * {@linkcode TOPICS_REMEMBERED}.
 *
 * The store prunes when it opens, then every {@linkcode PRUNE_EVERY}
 * messages (and topics) written.
 *
 * @module
 */

import type { DatabaseSync } from "node:sqlite";

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
export const PRUNE_EVERY = 500;

/**
 * Drops history past `limit`, per room, and all but the newest
 * {@linkcode TOPICS_REMEMBERED} topics of rooms no operator keeps. Throws
 * what SQLite throws (a full disk).
 *
 * @example
 * ```ts
 * prune(db, { messages: 10_000, days: 30 });
 * ```
 */
export function prune(db: DatabaseSync, limit: HistoryLimit): void {
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
