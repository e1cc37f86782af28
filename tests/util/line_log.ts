/**
 * Output collected line by line, so a test can wait for the line it expects.
 * {@linkcode LineLog} reads any `read(buffer)` source (a socket, a memory
 * end, or a child's pipe through {@linkcode streamReader}) and keeps every
 * line; its waits wake on each new line and fail after
 * {@linkcode DEADLINE_MS} with what they saw. No helper in `tests/util/`
 * sleeps to synchronise, except where the thing watched has no events (tmux).
 *
 * @module
 */

import { readLines } from "../../lib/shared/lines.ts";

/** How long any single wait in the test helpers may take before the test fails. */
export const DEADLINE_MS = 15_000;

/** What {@linkcode LineLog} reads from: the `read(buffer)` shape of `Deno.Conn`. */
export type ReaderLike = {
  read(buffer: Uint8Array): Promise<number | null>;
};

/**
 * Lines read from a stream, kept so that a test can wait for one that
 * matches and then for the next, in order.
 */
export class LineLog {
  readonly label: string;
  readonly lines: string[] = [];
  #cursor = 0;
  #waiters = new Set<() => void>();
  #ended = false;
  readonly done: Promise<void>;

  constructor(source: ReaderLike, label: string) {
    this.label = label;
    this.done = (async () => {
      try {
        for await (
          const result of readLines(source, { maxBytes: 16 * 1024 * 1024 })
        ) {
          this.lines.push(result.ok ? result.line : `<${result.error}>`);
          for (const wake of this.#waiters) wake();
        }
      } catch {
        // The stream was closed under us: the log simply ends.
      } finally {
        this.#ended = true;
        for (const wake of this.#waiters) wake();
      }
    })();
  }

  /** Lines after the cursor. */
  get unread(): string[] {
    return this.lines.slice(this.#cursor);
  }

  /**
   * Waits for the next line after the cursor that satisfies `match`, moves
   * the cursor past it and returns it.
   */
  async waitFor(
    match: string | RegExp | ((line: string) => boolean),
    deadlineMs = DEADLINE_MS,
  ): Promise<string> {
    const test = typeof match === "function"
      ? match
      : typeof match === "string"
      ? (line: string) => line.includes(match)
      : (line: string) => match.test(line);
    const wanted = typeof match === "function"
      ? "the line it waited for"
      : `a line matching ${match}`;
    const started = Date.now();
    // Each line is tested once: a wake-up goes on from where the last look stopped.
    let scanned = this.#cursor;
    while (true) {
      for (; scanned < this.lines.length; scanned++) {
        if (test(this.lines[scanned]!)) {
          this.#cursor = scanned + 1;
          return this.lines[scanned]!;
        }
      }
      if (this.#ended) {
        throw new Error(
          `${this.label}: ended without ${wanted}; got:\n${
            this.unread.join("\n")
          }`,
        );
      }
      const left = deadlineMs - (Date.now() - started);
      if (left <= 0) {
        throw new Error(
          `${this.label}: did not get ${wanted} within ${deadlineMs} ms; got:\n${
            this.unread.join("\n")
          }`,
        );
      }
      await this.#wake(left);
    }
  }

  /**
   * Waits until `count` lines in the whole log (not only after the cursor)
   * satisfy `match`; leaves the cursor alone.
   */
  async waitForCount(
    match: (line: string) => boolean,
    count: number,
    deadlineMs = DEADLINE_MS,
  ): Promise<void> {
    const started = Date.now();
    let seen = 0;
    let scanned = 0;
    while (true) {
      for (; scanned < this.lines.length; scanned++) {
        if (match(this.lines[scanned]!)) seen++;
      }
      if (seen >= count) return;
      const left = deadlineMs - (Date.now() - started);
      if (this.#ended || left <= 0) {
        throw new Error(
          `${this.label}: ${seen} of ${count} awaited lines ${
            this.#ended ? "before the end" : `within ${deadlineMs} ms`
          }`,
        );
      }
      await this.#wake(left);
    }
  }

  /** Waits until the stream ends. */
  async ended(deadlineMs = DEADLINE_MS): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new Error(`${this.label}: did not end within ${deadlineMs} ms`),
          ),
        deadlineMs,
      );
    });
    try {
      await Promise.race([this.done, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  #wake(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      const waiters = this.#waiters;
      function done() {
        clearTimeout(timer);
        waiters.delete(done);
        resolve();
      }
      this.#waiters.add(done);
    });
  }
}

/**
 * Adapts a web stream to the `read(buffer)` shape that `readLines` takes
 * (Deno's child pipes are web streams).
 */
export function streamReader(stream: ReadableStream<Uint8Array>): ReaderLike {
  const reader = stream.getReader();
  let rest: Uint8Array | undefined;
  return {
    async read(buffer) {
      if (rest === undefined || rest.length === 0) {
        const { value, done } = await reader.read();
        if (done) return null;
        rest = value;
      }
      const n = Math.min(buffer.length, rest.length);
      buffer.set(rest.subarray(0, n));
      rest = rest.subarray(n);
      return n;
    },
  };
}
