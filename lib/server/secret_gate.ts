/**
 * Secrets cannot be guessed at wire speed: every failed password or `/oper`
 * from an address makes that address's next try wait, longer after each
 * failure, up to a cap, and the count is forgotten after a quiet period.
 *
 * The delay is per address, not per connection, since reconnecting is free;
 * it is capped, because a LAN behind one NAT shares an address and a person
 * who mistypes once should not wait long for someone else's guesses. The
 * failing try itself is answered at once; the next one from the address
 * waits. The log says when an address is being slowed down.
 *
 * @module
 */

import type { Logger } from "../shared/log.ts";
import { normaliseAddress } from "./admission.ts";

/** Options of {@linkcode SecretGate}; times in ms. */
export interface SecretGateOptions {
  /** Where throttling is logged. */
  log: Logger;
  /** The wait after the first failure; it doubles with each one. Default 500. */
  firstMs?: number;
  /** The longest wait. Default 10000. */
  capMs?: number;
  /** Failures are forgotten after this long without one. Default 10 minutes. */
  quietMs?: number;
  /** Addresses remembered at most; the oldest are forgotten first. Default 10000. */
  maxAddresses?: number;
  /** The clock (tests). Default `Date.now`. */
  now?: () => number;
  /** Waits (tests). Default a timer. */
  sleep?: (ms: number) => Promise<void>;
}

interface Entry {
  failures: number;
  lastFailure: number;
  /** Resolves when the address may try again. */
  gate: Promise<void>;
}

/**
 * Throttles secret checks per address.
 *
 * @example
 * ```ts
 * const gate = new SecretGate({ log });
 * const ok = await gate.check("192.0.2.7", "password", () => safeEqual(given, expected));
 * ```
 */
export class SecretGate {
  #entries = new Map<string, Entry>();
  #log: Logger;
  #firstMs: number;
  #capMs: number;
  #quietMs: number;
  #maxAddresses: number;
  #now: () => number;
  #sleep: (ms: number) => Promise<void>;

  /**
   * Makes a SecretGate.
   *
   * @param options the log, the delays and the clock
   */
  constructor(options: SecretGateOptions) {
    this.#log = options.log;
    this.#firstMs = options.firstMs ?? 500;
    this.#capMs = options.capMs ?? 10_000;
    this.#quietMs = options.quietMs ?? 600_000;
    this.#maxAddresses = options.maxAddresses ?? 10_000;
    this.#now = options.now ?? Date.now;
    this.#sleep = options.sleep ??
      ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  /**
   * Runs `test` (a constant-time comparison) once the address may try, and
   * resolves to its result. A failure makes the address's next try wait.
   *
   * @param address the peer's address
   * @param kind what is being tried, for the log: `password`, `oper`
   * @param test true when the secret is right
   */
  check(
    address: string,
    kind: string,
    test: () => boolean,
  ): Promise<boolean> {
    const key = normaliseAddress(address);
    const entry = this.#entry(key);
    const result = entry.gate.then(() => {
      const now = this.#now();
      if (entry.failures > 0 && now - entry.lastFailure > this.#quietMs) {
        entry.failures = 0;
      }
      if (test()) {
        entry.failures = 0;
        return { ok: true, waitMs: 0 };
      }
      entry.failures++;
      entry.lastFailure = now;
      const waitMs = Math.min(
        this.#capMs,
        this.#firstMs * 2 ** (entry.failures - 1),
      );
      this.#log("secret-throttled", {
        address: key,
        kind,
        failures: entry.failures,
        wait_ms: waitMs,
      });
      return { ok: false, waitMs };
    });
    entry.gate = result.then(({ waitMs }) =>
      waitMs > 0 ? this.#sleep(waitMs) : undefined
    );
    return result.then(({ ok }) => ok);
  }

  #entry(key: string): Entry {
    let entry = this.#entries.get(key);
    if (entry !== undefined) {
      // Most recently used last: the oldest are forgotten first.
      this.#entries.delete(key);
    } else {
      entry = { failures: 0, lastFailure: 0, gate: Promise.resolve() };
      if (this.#entries.size >= this.#maxAddresses) {
        this.#entries.delete(this.#entries.keys().next().value!);
      }
    }
    this.#entries.set(key, entry);
    return entry;
  }
}
