/**
 * Whether and when the client tries again after a failed connection attempt
 * or a lost connection, and what the person is told meanwhile.
 *
 * A final refusal (a ban, a wrong password, a changed certificate, a `bye`
 * that says so) ends the run with its own exit code; so does finding no
 * server on the very first try, or any loss when reconnecting is off.
 * Anything else is waited out: the delay doubles from a first one up to a
 * cap, with "equal jitter" ({@linkcode backoffDelay}), unless the server
 * said how long to stay away (`retryAfter`), until the attempts run out.
 * {@linkcode ReconnectPolicy} keeps what this needs across attempts (the
 * last reason said, so it is said once); the loop keeps the attempt count in
 * its own state.
 *
 * @module
 */

import type { ServerFrame } from "../shared/protocol.ts";
import { CLIENT_SETTINGS } from "./client_settings.ts";
import { type ConnectError, isFinal, RefusedError } from "./connect_errors.ts";
import { EXIT, exitFor } from "./exit_codes.ts";

/**
 * The delay before reconnect attempt `attempt` (0-based): exponential, capped,
 * with "equal jitter" (half fixed, half random) so that many clients cut off
 * at once do not all come back in the same instant.
 *
 * @example
 * ```ts
 * backoffDelay(3, { firstMs: 100, maxMs: 1000 }, () => 1); // 800
 * backoffDelay(3, { firstMs: 100, maxMs: 1000 }, () => 0); // 400
 * ```
 */
export function backoffDelay(
  attempt: number,
  options: { firstMs: number; maxMs: number },
  random: () => number,
): number {
  const ceiling = Math.min(options.maxMs, options.firstMs * 2 ** attempt);
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}

/** Options of a {@linkcode ReconnectPolicy}. */
export interface ReconnectOptions {
  /** Reconnect when the connection drops. Default true. */
  reconnect?: boolean | undefined;
  /** Reconnect attempts before giving up. Default from the client settings. */
  maxAttempts?: number | undefined;
  /** Backoff: first delay and cap, in ms. Default from the client settings. */
  backoff?: { firstMs: number; maxMs: number } | undefined;
  /** For tests: the randomness of the jitter. */
  random?: (() => number) | undefined;
}

/** What a failed attempt or a lost connection leads to: the next attempt, or the end. */
export type AfterLoss =
  | {
    kind: "wait";
    /** The attempt waited for (1-based). */
    attempt: number;
    /** How long to wait before making it, in ms. */
    delay: number;
    /** The reason, when it is not the one said last. */
    notice: string | undefined;
    /** The prompt line's words while waiting. */
    status: string;
  }
  | {
    kind: "end";
    /** Why, for the person. */
    problem: string;
    /** The run's exit code. */
    code: number;
    /** The connection's state on the prompt line is out of date: clear it. */
    clearStatus: boolean;
  };

/**
 * The reconnects of one run of the client.
 *
 * @example
 * ```ts
 * const policy = new ReconnectPolicy({ maxAttempts: 3 });
 * policy.afterDrop(undefined, "lan:4444", 0);
 * // { kind: "wait", attempt: 1, delay: 200, notice: "Lost the connection to lan:4444",
 * //   status: "reconnect attempt 1 of 3 in 0.2 s; Ctrl-C leaves" }
 * ```
 */
export class ReconnectPolicy {
  #options: ReconnectOptions;
  /** The last reason for reconnecting shown, so it is shown once. */
  #lastWhy: string | undefined;

  /**
   * Makes a ReconnectPolicy.
   *
   * @param options whether to reconnect, attempts, delays, the jitter's randomness
   */
  constructor(options: ReconnectOptions) {
    this.#options = options;
  }

  /** How many attempts are made before giving up. */
  get maxAttempts(): number {
    return this.#options.maxAttempts ??
      CLIENT_SETTINGS.reconnectAttempts.default;
  }

  /**
   * What follows connection attempt `attempt` failing with `error`
   * (`again`: a reconnect, not the first try); `unsent` lines wait to be
   * delivered.
   */
  afterFailure(
    error: ConnectError,
    attempt: number,
    again: boolean,
    unsent: number,
  ): AfterLoss {
    if (error instanceof RefusedError && error.final) {
      return end(error.message, exitFor(error.kind), true);
    }
    const retryAfter = error instanceof RefusedError
      ? error.retryAfter
      : undefined;
    if (
      !again &&
      (this.#options.reconnect === false || !(error instanceof RefusedError))
    ) {
      // The first try: nothing there, or no retrying wanted.
      return end(error.message, EXIT.failed, false);
    }
    return this.#next(attempt, error.message, retryAfter, unsent);
  }

  /**
   * What follows the connection to `where` ending under us, with the
   * server's `bye` when it said one; `unsent` lines were not acknowledged.
   */
  afterDrop(
    bye: Extract<ServerFrame, { type: "bye" }> | undefined,
    where: string,
    unsent: number,
  ): AfterLoss {
    if (bye !== undefined && isFinal(bye.code ?? "refused")) {
      return end(
        `The server closed the connection: ${bye.reason}`,
        exitFor(bye.code),
        false,
      );
    }
    const why = bye === undefined
      ? `Lost the connection to ${where}`
      : `The server closed the connection: ${bye.reason}`;
    if (this.#options.reconnect === false) {
      const lost = unsent > 0 ? ` (${unsent} lines not acknowledged)` : "";
      return end(`${why}${lost}`, EXIT.failed, false);
    }
    return this.#next(0, why, bye?.retryAfter, unsent);
  }

  /** Waits before attempt `attempt + 1`, or gives up. */
  #next(
    attempt: number,
    why: string,
    retryAfter: number | undefined,
    unsent: number,
  ): AfterLoss {
    if (attempt + 1 > this.maxAttempts) {
      return end(
        `Gave up reconnecting after ${this.maxAttempts} attempts: ${why}`,
        EXIT.failed,
        true,
      );
    }
    const backoff = this.#options.backoff ?? {
      firstMs: CLIENT_SETTINGS.reconnectFirstMs.default,
      maxMs: CLIENT_SETTINGS.reconnectMaxMs.default,
    };
    const delay = retryAfter !== undefined
      ? retryAfter * 1000
      : backoffDelay(attempt, backoff, this.#options.random ?? Math.random);
    // The reason once, above the chat; the prompt line keeps the count.
    const notice = why !== this.#lastWhy ? why : undefined;
    this.#lastWhy = why;
    return {
      kind: "wait",
      attempt: attempt + 1,
      delay,
      notice,
      status: this.waiting(attempt + 1, delay, unsent),
    };
  }

  /**
   * The prompt line's words while attempt `attempt` (1-based) is `leftMs`
   * away; `unsent` lines wait to be delivered.
   */
  waiting(attempt: number, leftMs: number, unsent: number): string {
    const unsentNote = unsent > 0 ? `; ${unsent} unsent` : "";
    const left = leftMs < 10_000
      ? (leftMs / 1000).toFixed(1)
      : String(Math.round(leftMs / 1000));
    return `reconnect attempt ${attempt} of ${this.maxAttempts} in ${left} s; Ctrl-C leaves${unsentNote}`;
  }

  /** The prompt line's words while attempt `attempt` (1-based) connects. */
  connecting(attempt: number): string {
    return `reconnect attempt ${attempt} of ${this.maxAttempts}: connecting; Ctrl-C leaves`;
  }

  /** Connected again: the next loss is news, whatever its reason. */
  connected(): void {
    this.#lastWhy = undefined;
  }
}

/**
 * Waits `delayMs` with `sleep`, calling `tick` with the time left at each
 * whole second, so a status can count down. Steps are counted from the
 * delay, not the clock: a `sleep` that returns at once (tests) ends it at
 * once.
 *
 * @example
 * ```ts
 * await countDown(2500, sleep, (left) => console.log(left)); // 2000, 1000
 * ```
 */
export async function countDown(
  delayMs: number,
  sleep: (ms: number) => Promise<void>,
  tick: (leftMs: number) => void,
): Promise<void> {
  let left = delayMs;
  while (left > 0) {
    const step = left % 1000 || 1000;
    await sleep(step);
    left -= step;
    if (left > 0) tick(left);
  }
}

/**
 * What the person is told on getting back in: where, as whom, and in which
 * rooms.
 *
 * @example
 * ```ts
 * reconnectedNotice("lan:4444", "ann", ["lobby", "games"]);
 * // "Reconnected to lan:4444 as ann in #lobby, #games"
 * ```
 */
export function reconnectedNotice(
  where: string,
  nick: string,
  joined: readonly string[],
): string {
  return `Reconnected to ${where} as ${nick}${
    joined.length === 0
      ? ", in no room"
      : ` in ${joined.map((room) => `#${room}`).join(", ")}`
  }`;
}

function end(problem: string, code: number, clearStatus: boolean): AfterLoss {
  return { kind: "end", problem, code, clearStatus };
}
