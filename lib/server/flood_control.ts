/**
 * Flood control: a token bucket per connection, and the window that tells a
 * busy sender from a flooder.
 *
 * A connection may send `burst` lines at once (a pasted paragraph of a dozen
 * lines goes straight through) and `rate` lines a second after that. A line
 * over the limit is not refused: the session stops reading until a token is
 * there, so TCP slows the sender down and nothing is lost; the sender is
 * told once per episode (an episode ends with the first line that needs no
 * waiting). A connection held back for `share` of a `window` while it is
 * more than a read's worth of input ahead of the server is flooding and is
 * disconnected. Being held back with little waiting is not flooding: a
 * sender at the rate whose lines arrive bunched (the server was busy, the
 * network bursty) only waits for its turn.
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
   * @param options.now the clock, in ms (tests); default `performance.now`
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

/** What to do with the next line a connection sent. */
export type FloodVerdict =
  | { kind: "go" }
  /** Hold the line back `ms`; `warn`: tell the sender (once an episode). */
  | { kind: "wait"; ms: number; warn: boolean }
  /** The sender has been held back too long: disconnect, saying `reason`. */
  | { kind: "flooding"; reason: string };

/** Options of {@linkcode FloodControl}. */
export interface FloodOptions {
  /** Lines a second once the burst is spent; 0 turns flood control off. */
  rate: number;
  /** Lines that may come at once. */
  burst: number;
  /** The window over which flooding is judged, in seconds. */
  windowSeconds: number;
  /** Percent of the window spent held back that counts as flooding. */
  sharePercent: number;
  /** The clock, in ms (tests); default `performance.now`. */
  now?: () => number;
}

/**
 * One connection's flood control.
 *
 * @example
 * ```ts
 * const flood = new FloodControl({ rate: 5, burst: 20, windowSeconds: 10, sharePercent: 80 });
 * const verdict = flood.next(); // { kind: "go" } for the first 20 lines
 * ```
 */
export class FloodControl {
  #bucket: TokenBucket;
  #options: FloodOptions;
  #now: () => number;
  /** Time held back in the current window. */
  #heldMs = 0;
  #windowStart: number;
  #warned = false;

  /**
   * Makes a FloodControl.
   *
   * @param options the rate, the burst and the flood window
   */
  constructor(options: FloodOptions) {
    this.#options = options;
    this.#now = options.now ?? performance.now.bind(performance);
    this.#bucket = new TokenBucket({
      rate: options.rate,
      burst: options.burst,
      now: this.#now,
    });
    this.#windowStart = this.#now();
  }

  /** True when nothing is limited (rate 0). */
  get unlimited(): boolean {
    return this.#bucket.unlimited;
  }

  /**
   * Takes a token for the next line and says what to do with it. `pressed`:
   * the peer has more waiting than the server reads at once (its last read
   * came back full), which a sender at the rate never has.
   */
  next(pressed = false): FloodVerdict {
    const ms = this.#bucket.take();
    if (ms <= 0) {
      this.#warned = false;
      return { kind: "go" };
    }
    const now = this.#now();
    const windowMs = this.#options.windowSeconds * 1000;
    if (now - this.#windowStart > windowMs) {
      const share = this.#heldMs / (now - this.#windowStart);
      this.#windowStart = now;
      this.#heldMs = 0;
      this.#warned = false;
      if (share * 100 >= this.#options.sharePercent) {
        const { rate, burst, windowSeconds } = this.#options;
        return {
          kind: "flooding",
          reason:
            `flooding: over ${rate} lines a second (bursts of ${burst}) for ${windowSeconds} s`,
        };
      }
    }
    const warn = !this.#warned;
    this.#warned = true;
    if (pressed) this.#heldMs += ms;
    return { kind: "wait", ms, warn };
  }
}
