/**
 * Acknowledgements: every line a connection sends is answered exactly once,
 * and a line resent after a reconnect is answered as it was the first time.
 *
 * A native client's lines carry ids it chose; {@linkcode Acks} scopes them to
 * the client (its `hello.client` token, else its nick), so no client
 * can match, and so swallow, another's ids. The answers given are kept in the
 * server's {@linkcode AnswerCache}; with history on disk the store also
 * remembers which message each id became, so a resend that arrives after a
 * restart is recognised too.
 *
 * @module
 */

import type { ErrorCode, ServerFrame } from "../shared/protocol.ts";
import type { Answer, AnswerCache } from "./answer_cache.ts";
import type { Delivery, Reached } from "./hub.ts";

/** Options of {@linkcode Acks}. */
export interface AcksOptions {
  /** The server's answers to recent ids. */
  cache: AnswerCache;
  /** What the store kept for an id in an earlier run, if it keeps ids. */
  stored?:
    | ((key: string) => { seq: number; ts: number } | undefined)
    | undefined;
  /** Sends a frame to this connection's peer. */
  send(frame: ServerFrame): void;
  /** The key scope until the client names one: unique to this connection. */
  scope: string;
}

/**
 * One connection's acknowledgements.
 *
 * @example
 * ```ts
 * const acks = new Acks({ cache, send, scope: "conn:17" });
 * acks.earlier("m1");                      // undefined: a new line
 * acks.answer("m1", { ts: Date.now() });   // sends the ack, remembers it
 * acks.earlier("m1");                      // the same answer, for a resend
 * ```
 */
export class Acks {
  #options: AcksOptions;
  #scope: string;

  /**
   * Makes an Acks.
   *
   * @param options the cache, the store, where frames go, the first scope
   */
  constructor(options: AcksOptions) {
    this.#options = options;
    this.#scope = options.scope;
  }

  /** Scopes ids to `scope` from now on (the client's token, or its nick). */
  scopeTo(scope: string): void {
    this.#scope = scope;
  }

  /** The key `id` is remembered under. */
  key(id: string): string {
    return `${this.#scope}\n${id}`;
  }

  /**
   * The answer given to `id` before (this run, or, after a restart, what the
   * store kept for it), or undefined for a line not seen before.
   */
  earlier(id: string): Answer | undefined {
    const key = this.key(id);
    return this.#options.cache.get(key) ?? this.#options.stored?.(key);
  }

  /** Acknowledges `id` with what became of it, and remembers the answer. */
  accept(id: string, delivery: Delivery | Reached | undefined): void {
    const answer = answerOf(delivery);
    this.#options.cache.remember(this.key(id), answer);
    this.repeat(id, answer);
  }

  /** Acknowledges `id` without remembering it (text mode's own ids). */
  acknowledge(id: string, delivery: Delivery | Reached | undefined): void {
    this.repeat(id, answerOf(delivery));
  }

  /**
   * Refuses `id` with an `error` frame; `remember`: a resend of `id` is
   * refused the same way (a refusal that depends on the moment, such as a
   * full disk, is not remembered: a resend may succeed).
   */
  refuse(
    id: string,
    code: ErrorCode,
    message: string,
    remember: boolean,
  ): void {
    const answer: Answer = { refused: { code, message } };
    if (remember) this.#options.cache.remember(this.key(id), answer);
    this.repeat(id, answer);
  }

  /**
   * Sends the frames of `answer` for `id`: the ack, and `delivered` if
   * known; or the `error` of a refusal.
   */
  repeat(id: string, answer: Answer): void {
    const { send } = this.#options;
    if ("refused" in answer) {
      send({ type: "error", id, ...answer.refused });
      return;
    }
    send(
      answer.seq === undefined
        ? { type: "ack", id, ts: answer.ts }
        : { type: "ack", id, ts: answer.ts, seq: answer.seq },
    );
    // An answer from an earlier run knows the message, not whom it reached.
    if (answer.count !== undefined && answer.of !== undefined) {
      send({ type: "delivered", id, count: answer.count, of: answer.of });
    }
  }
}

/** The answer to a line: when it was accepted and, for a message, whom it reached. */
function answerOf(delivery: Delivery | Reached | undefined): Answer {
  if (delivery === undefined) return { ts: Date.now() };
  if (!("message" in delivery)) {
    // A private message: whom it reached, no place in a room's history.
    return { ts: Date.now(), count: delivery.count, of: delivery.of };
  }
  return {
    ts: delivery.message.ts,
    seq: delivery.message.seq,
    count: delivery.count,
    of: delivery.of,
  };
}
