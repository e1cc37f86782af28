/**
 * Gives memory freed after a burst back to the operating system.
 *
 * A burst (a join storm, a fan-out to a thousand readers) allocates and
 * frees many short-lived buffers through the C allocator: encoded frames,
 * write buffers, the runtime's own per-read state. glibc's `malloc` keeps
 * freed memory in its heap for reuse, and can only give back the top of it
 * by itself; every connection's long-lived allocations made during the
 * burst pin the rest. Measured with `make bench` (the join storm), that was
 * most of what 1000 connections cost once idle: the JavaScript heap grew by
 * 2–3 MB, the C heap by 11–15 MB. `malloc_trim(0)` (glibc,
 * <https://man7.org/linux/man-pages/man3/malloc_trim.3.html>) hands the
 * free pages anywhere in the heap back to the kernel.
 *
 * The server calls {@linkcode MemoryTrim.tick} every second with the bytes
 * it has written and the connections it has opened meanwhile. After a busy
 * spell (at least `burstBytes`, or `burstConnections`, in a second) it trims
 * on the 2nd, 5th, 10th, 20th and 30th quiet second: buffers the JavaScript
 * side dropped are freed only when V8 collects them, which it does on its
 * own some seconds after the program goes quiet, or at once when V8 lets
 * the program ask (`--v8-flags=--expose-gc`, which the Makefile gives the
 * server): then each trim follows a full collection, and the pages V8's
 * own heap grew by go back too. A collection and a trim of a heap of a
 * hundred megabytes take a few milliseconds. Where there is no glibc
 * (macOS, musl) or no permission to load it (`--allow-ffi`), nothing
 * happens: memory is then only reused, not given back.
 *
 * @module
 */

/** What {@linkcode MemoryTrim} calls; the real one is glibc's. */
export type Trimmer = () => void;

/** The quiet seconds after a burst on which memory is trimmed. */
const TRIM_AFTER = [2, 5, 10, 20, 30];

/** Options of a {@linkcode MemoryTrim}. */
export interface MemoryTrimOptions {
  /** Bytes written in a second that count as busy. Default 1 MiB. */
  burstBytes?: number;
  /** Connections opened in a second that count as busy. Default 100. */
  burstConnections?: number;
  /** The trim itself; default glibc's `malloc_trim(0)`, when it is there. */
  trim?: Trimmer | undefined;
  /** A full garbage collection first; default V8's `gc()`, when exposed. */
  collect?: (() => void) | undefined;
}

/**
 * Decides when to trim.
 *
 * @example
 * ```ts
 * const trim = new MemoryTrim();
 * setInterval(() => trim.tick(bytesWrittenThisSecond(), connectionsThisSecond()), 1000);
 * ```
 */
export class MemoryTrim {
  #burstBytes: number;
  #burstConnections: number;
  #trim: Trimmer | undefined;
  #collect: (() => void) | undefined;
  /** Quiet seconds since the last burst; undefined when there was none. */
  #quiet: number | undefined;
  /** How many times it has trimmed. */
  trims = 0;

  /**
   * Makes a MemoryTrim.
   *
   * @param options what counts as a burst, and the trim
   */
  constructor(options: MemoryTrimOptions = {}) {
    this.#burstBytes = options.burstBytes ?? 1 << 20;
    this.#burstConnections = options.burstConnections ?? 100;
    this.#trim = "trim" in options ? options.trim : glibcTrim();
    this.#collect = "collect" in options
      ? options.collect
      : (globalThis as { gc?: () => void }).gc;
  }

  /** True when there is a way to trim here. */
  get available(): boolean {
    return this.#trim !== undefined;
  }

  /** A second went by in which `bytes` were written, `connections` opened. */
  tick(bytes: number, connections = 0): void {
    if (bytes >= this.#burstBytes || connections >= this.#burstConnections) {
      this.#quiet = 0;
      return;
    }
    if (this.#quiet === undefined || this.#trim === undefined) return;
    this.#quiet++;
    if (TRIM_AFTER.includes(this.#quiet)) {
      this.trims++;
      this.#collect?.();
      this.#trim();
    }
    if (this.#quiet >= TRIM_AFTER.at(-1)!) this.#quiet = undefined;
  }
}

/** glibc's `malloc_trim(0)`, or undefined where it cannot be had. */
function glibcTrim(): Trimmer | undefined {
  if (Deno.build.os !== "linux") return undefined;
  try {
    if (Deno.permissions.querySync({ name: "ffi" }).state !== "granted") {
      return undefined;
    }
    const libc = Deno.dlopen("libc.so.6", {
      malloc_trim: { parameters: ["usize"], result: "i32" },
    });
    return () => void libc.symbols.malloc_trim(0n);
  } catch {
    return undefined; // Not glibc (musl has no libc.so.6 of this kind).
  }
}
