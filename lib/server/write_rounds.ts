/**
 * Write rounds: every connection with frames queued since the last round
 * starts its writer together, once the reads ready now have been handled.
 *
 * A member that many senders' messages reach within one turn of the event
 * loop gets them all in one write: one system call, not one per message.
 * The server owns one {@linkcode WriteRounds}; its connections ask it for a
 * turn instead of writing at once.
 *
 * @module
 */

import { setImmediate } from "node:timers";

/** Something with frames to write when its turn comes. */
export interface Writer {
  /** Starts writing what is queued. */
  startWriting(): void;
}

/**
 * A round asked for sooner than this after the last one started waits this
 * long. A quiet server writes at once; a busy one, whose rounds would follow
 * each other back to back, lets a round gather a millisecond's frames, so
 * each write carries more of them (0.36 → 0.32 µs per delivery, measured).
 */
const ROUND_GAP_MS = 1;

/**
 * The rounds of one server.
 *
 * @example
 * ```ts
 * const rounds = new WriteRounds();
 * rounds.schedule(connection); // its writer starts with the next round
 * ```
 */
export class WriteRounds {
  #round: Writer[] = [];
  /** When the last round started (`performance.now()` time). */
  #lastRoundAt = -Infinity;
  /** Bytes every writer of the server has written, in all. */
  bytesWritten = 0;

  /**
   * Starts `writer` after the current turn of the event loop, once every
   * read that was ready has been handled (`setImmediate` runs after I/O
   * callbacks), or {@linkcode ROUND_GAP_MS} later when the last round
   * started less than that ago. Call it once per writer until its turn.
   */
  schedule(writer: Writer): void {
    if (this.#round.length === 0) {
      if (performance.now() - this.#lastRoundAt >= ROUND_GAP_MS) {
        setImmediate(this.#run);
      } else {
        setTimeout(this.#run, ROUND_GAP_MS);
      }
    }
    this.#round.push(writer);
  }

  #run = (): void => {
    this.#lastRoundAt = performance.now();
    const round = this.#round;
    this.#round = [];
    for (const writer of round) writer.startWriting();
  };
}
