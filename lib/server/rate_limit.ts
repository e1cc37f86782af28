/**
 * Flood control: a token bucket per connection.
 *
 * A connection may send `burst` lines at once (a pasted paragraph of a dozen
 * lines goes straight through) and `rate` lines a second after that. A line
 * over the limit is not refused: the session stops reading until a token is
 * there, so TCP slows the sender down and nothing is lost. A connection that
 * stays over the limit for `maxThrottledMs` on end is flooding and is
 * disconnected.
 *
 * @module
 */

/**
 * A token bucket.
 *
 * @example
 * ```ts
 * const bucket = new TokenBucket({ rate: 5, burst: 20 });
 * bucket.take(); // 0: go ahead
 * // ... after 20 quick lines:
 * bucket.take(); // 200: wait 200 ms for the next token
 * ```
 */
export class TokenBucket {
  #rate: number;
  #burst: number;
  #tokens: number;
  #updated: number;
  #now: () => number;

  /**
   * Makes a TokenBucket.
   *
   * @param options.rate tokens added per second; 0 means no limit
   * @param options.burst most tokens held
   */
  constructor(options: { rate: number; burst: number; now?: () => number }) {
    this.#rate = options.rate;
    this.#burst = Math.max(1, options.burst);
    this.#tokens = this.#burst;
    this.#now = options.now ?? performance.now.bind(performance);
    this.#updated = this.#now();
  }

  /** True when the bucket limits nothing (rate 0). */
  get unlimited(): boolean {
    return this.#rate <= 0;
  }

  /**
   * Takes a token. Returns 0 when one was there, or how many milliseconds
   * until one will be (the token is then already spoken for).
   */
  take(): number {
    if (this.#rate <= 0) return 0;
    const now = this.#now();
    this.#tokens = Math.min(
      this.#burst,
      this.#tokens + ((now - this.#updated) * this.#rate) / 1000,
    );
    this.#updated = now;
    this.#tokens -= 1;
    if (this.#tokens >= 0) return 0;
    return Math.ceil((-this.#tokens * 1000) / this.#rate);
  }
}
