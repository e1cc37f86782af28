/**
 * Resend deduplication: the answers the server gave, by message key.
 *
 * A client that loses its connection sends every line it has no ack for
 * again, with the same id. Some of those the server may have accepted just
 * before the connection dropped; for those it answers with the ack it gave
 * the first time instead of delivering the message twice. The memory is
 * bounded: the oldest ids are forgotten first.
 *
 * The memory is also final once the cache is full. A V8 `Map` keeps a
 * deleted entry's slot until its table is full, and then doubles the table
 * unless at least half of it is deleted slots. A map that holds 10,000 ids
 * and deletes one for each it adds never has half of its 16,384 slots
 * deleted, so it would double to 32,768 slots (+460 KB of JS heap) at about
 * the 16,400th id, long after the cache looked full; and finding the oldest
 * id walks past every deleted slot before it. So the live answers are
 * copied, in order, into a new `Map` once every `capacity / 2` ids
 * forgotten: 10,000 ids and 5,000 deleted slots fit the 16,384 slots, the
 * table never fills, and its size is the one it had when the cache first
 * held 10,000 ids. (A copy takes about a millisecond, once every 5,000
 * messages.)
 *
 * @module
 */

import type { ErrorCode } from "../shared/protocol.ts";

/** What the server answered to a message the first time. */
export type Answer =
  | {
    /** When the server accepted the message. */
    ts: number;
    /** The message's sequence number, for chat messages. */
    seq?: number;
    /** Members it was handed to. */
    count?: number;
    /** Members it was meant for. */
    of?: number;
  }
  /** The line was refused, for a reason that will not change on a resend. */
  | { refused: { code: ErrorCode; message: string } };

/**
 * The last `capacity` answers, by id.
 *
 * @example
 * ```ts
 * const answers = new AnswerCache({ capacity: 2 });
 * answers.remember("a", { ts: 1 });
 * answers.get("a"); // { ts: 1 }
 * ```
 */
export class AnswerCache {
  #capacity: number;
  #answers = new Map<string, Answer>();
  /** Answers forgotten since `#answers` was last copied afresh. */
  #forgotten = 0;

  /**
   * Makes an AnswerCache.
   *
   * @param options.capacity answers kept before the oldest are forgotten
   */
  constructor(options: { capacity: number }) {
    this.#capacity = options.capacity;
  }

  /** The answer given to `id`, if it is still remembered. */
  get(id: string): Answer | undefined {
    return this.#answers.get(id);
  }

  /** Remembers the answer to `id`, forgetting the oldest when full. */
  remember(id: string, answer: Answer): void {
    if (this.#capacity <= 0) return;
    if (this.#answers.size >= this.#capacity) {
      // Maps iterate in insertion order: the first key is the oldest.
      this.#answers.delete(this.#answers.keys().next().value!);
      // Before the deleted slots fill the table (see the module doc): a
      // copy of the live answers, in their order, in a table without them.
      if (++this.#forgotten >= this.#capacity / 2) {
        this.#answers = new Map(this.#answers);
        this.#forgotten = 0;
      }
    }
    this.#answers.set(id, answer);
  }

  /** How many answers are remembered. */
  get size(): number {
    return this.#answers.size;
  }
}
