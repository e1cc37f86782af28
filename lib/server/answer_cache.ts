/**
 * Resend deduplication: the answers the server gave, by message key.
 *
 * A client that loses its connection sends every line it has no ack for
 * again, with the same id. Some of those the server may have accepted just
 * before the connection dropped; for those it answers with the ack it gave
 * the first time instead of delivering the message twice. The memory is
 * bounded: the oldest ids are forgotten first.
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
    }
    this.#answers.set(id, answer);
  }

  /** How many answers are remembered. */
  get size(): number {
    return this.#answers.size;
  }
}
