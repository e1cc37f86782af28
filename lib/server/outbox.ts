/**
 * A connection's outbound frames, written many to a write from reused buffers.
 *
 * Fan-out hands the same encoded frame to many members. An {@linkcode Outbox}
 * keeps references to those shared bytes while they wait (a member that lags
 * holds a list of pointers, not its own copy of the room's traffic), and at
 * write time copies as many whole frames as fit into one buffer borrowed from
 * a shared {@linkcode BufferPool}, which gets it back once the write is done.
 * A fresh buffer for every write would mean zeroed pages, page faults and
 * garbage that V8 frees only when it next collects: under load, that was
 * most of the server's memory. An idle connection holds no buffer at all, the
 * pool's bound, not the number of connections, caps what is kept, and a pool
 * that has not been drawn on for a while lets its buffers go (a burst, such
 * as a join storm, leaves nothing behind once it is written).
 *
 * @module
 */

/** The smallest buffer the pool hands out. */
const SMALLEST = 4096;
/** Buffers up to this size are kept for reuse; larger ones are left to GC. */
const LARGEST_POOLED = 1024 * 1024;
/** The most bytes one write carries. */
const DEFAULT_WRITE_SIZE = 64 * 1024;
/** Total bytes of idle buffers the shared pool keeps. */
const DEFAULT_POOL_BYTES = 4 * 1024 * 1024;

/**
 * Buffers of power-of-two sizes, kept for reuse up to a total size.
 *
 * @example
 * ```ts
 * const pool = new BufferPool({ maxBytes: 1 << 20 });
 * const buffer = pool.take(5000); // 8192 bytes
 * pool.give(buffer);
 * pool.take(6000) === buffer; // true: reused
 * ```
 */
export class BufferPool {
  /** Free buffers by size class: index k holds buffers of SMALLEST << k bytes. */
  #free: Uint8Array[][] = [];
  #bytes = 0;
  #maxBytes: number;
  /** Buffers were taken since the last {@linkcode BufferPool.trim}. */
  #used = false;

  /**
   * Makes a BufferPool.
   *
   * @param options.maxBytes the most bytes of idle buffers kept for reuse
   */
  constructor(options: { maxBytes: number }) {
    this.#maxBytes = options.maxBytes;
  }

  /** Bytes of idle buffers the pool holds. */
  get bytes(): number {
    return this.#bytes;
  }

  /** A buffer of at least `size` bytes (its contents are not cleared). */
  take(size: number): Uint8Array {
    this.#used = true;
    const k = sizeClass(size);
    if (k < 0) return new Uint8Array(size);
    const buffer = this.#free[k]?.pop();
    if (buffer === undefined) return new Uint8Array(SMALLEST << k);
    this.#bytes -= buffer.length;
    return buffer;
  }

  /** Takes back a buffer from {@linkcode take}; kept while there is room. */
  give(buffer: Uint8Array): void {
    const k = sizeClass(buffer.length);
    if (k < 0 || buffer.length !== SMALLEST << k) return;
    if (this.#bytes + buffer.length > this.#maxBytes) return;
    (this.#free[k] ??= []).push(buffer);
    this.#bytes += buffer.length;
  }

  /**
   * Called now and then (the server does, every second): when no buffer was
   * taken since the last call, the idle buffers are let go.
   */
  trim(): void {
    if (!this.#used) {
      this.#free = [];
      this.#bytes = 0;
    }
    this.#used = false;
  }
}

/** The size class for `size` bytes, or -1 when too large to pool. */
function sizeClass(size: number): number {
  if (size > LARGEST_POOLED) return -1;
  let k = 0;
  while (SMALLEST << k < size) k++;
  return k;
}

/** What a written frame's place in the queue holds until it is compacted. */
const TAKEN = new Uint8Array(0);

/** The pool every outbox shares unless given its own. */
export const sharedPool: BufferPool = new BufferPool({
  maxBytes: DEFAULT_POOL_BYTES,
});

/**
 * Frames waiting to be written to one peer, handed out in bounded writes.
 *
 * The outbox keeps references to the frames' bytes (a broadcast's bytes are
 * shared by every member it reaches), not copies: a member that lags holds a
 * list of pointers, not its own copy of the room's traffic. At write time
 * {@linkcode take} copies as many whole frames as fit into one pooled buffer
 * (a single frame, or one larger than the buffer, goes out as it is).
 *
 * @example
 * ```ts
 * const outbox = new Outbox();
 * outbox.push(new TextEncoder().encode("one\n"));
 * outbox.push(new TextEncoder().encode("two\n"));
 * const data = outbox.take()!; // "one\ntwo\n": write it, then
 * outbox.written();
 * ```
 */
export class Outbox {
  #pool: BufferPool;
  #writeSize: number;
  /** Frames waiting; those before `#head` are already taken. */
  #frames: Uint8Array[] = [];
  #head = 0;
  #length = 0;
  /** The pooled buffer the last take() filled, until written(). */
  #inFlight: Uint8Array | undefined;

  /**
   * Makes an Outbox.
   *
   * @param options.pool where write buffers come from and go back to
   * @param options.writeSize the most bytes one take() copies together
   */
  constructor(
    options: { pool?: BufferPool; writeSize?: number } = {},
  ) {
    this.#pool = options.pool ?? sharedPool;
    this.#writeSize = options.writeSize ?? DEFAULT_WRITE_SIZE;
  }

  /** Bytes pushed and not yet taken. */
  get length(): number {
    return this.#length;
  }

  /** Frames pushed and not yet taken. */
  get frames(): number {
    return this.#frames.length - this.#head;
  }

  /** Queues one frame's bytes, which must not change afterwards. */
  push(bytes: Uint8Array): void {
    this.#frames.push(bytes);
    this.#length += bytes.length;
  }

  /**
   * The next bytes to write: whole frames, in order, up to the write size;
   * undefined when nothing waits. Call {@linkcode written} once they are
   * written, before the next take.
   */
  take(): Uint8Array | undefined {
    const frames = this.#frames;
    const count = frames.length - this.#head;
    if (count === 0) return undefined;
    const first = frames[this.#head]!;
    if (count === 1 || first.length * 2 > this.#writeSize) {
      // Nothing to join it with, or too big to be worth copying.
      this.#advance(1, first.length);
      return first;
    }
    const buffer = this.#pool.take(Math.min(this.#length, this.#writeSize));
    let size = 0;
    let i = this.#head;
    for (; i < frames.length; i++) {
      const frame = frames[i]!;
      if (size + frame.length > buffer.length) break;
      buffer.set(frame, size);
      size += frame.length;
    }
    this.#advance(i - this.#head, size);
    this.#inFlight = buffer;
    return buffer.subarray(0, size);
  }

  /** The bytes the last {@linkcode take} gave are written. */
  written(): void {
    if (this.#inFlight !== undefined) this.#pool.give(this.#inFlight);
    this.#inFlight = undefined;
  }

  /** Drops every frame waiting. */
  clear(): void {
    this.#frames = [];
    this.#head = 0;
    this.#length = 0;
  }

  #advance(count: number, bytes: number): void {
    const frames = this.#frames;
    // Written frames are let go at once, even while others still wait: a
    // reader that never quite catches up must not hold what it has read.
    frames.fill(TAKEN, this.#head, this.#head + count);
    this.#head += count;
    this.#length -= bytes;
    if (this.#head === frames.length) {
      // Drained: start over rather than shift.
      this.#frames = [];
      this.#head = 0;
    } else if (this.#head >= 1024 && this.#head * 2 >= frames.length) {
      this.#frames = frames.slice(this.#head);
      this.#head = 0;
    }
  }
}
