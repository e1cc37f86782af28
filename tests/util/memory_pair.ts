/**
 * An in-memory connection for unit tests: {@linkcode memoryPair} gives two
 * {@linkcode MemoryEnd}s with the `read`/`write`/`close` shape of a socket,
 * so a session or a client runs without the network. Writes are unbuffered,
 * so a reader that stalls stalls its writer, as a stalled TCP peer
 * eventually does.
 *
 * @module
 */

/** One end of an in-memory connection (see {@linkcode memoryPair}). */
export interface MemoryEnd {
  read(buffer: Uint8Array): Promise<number | null>;
  write(data: Uint8Array): Promise<number>;
  close(): void;
  readonly closed: boolean;
}

/**
 * Two connected in-memory ends, like a socket pair with no buffer: a write
 * completes only once the other end has read it, so an end that never
 * reads stalls its writer, as a stalled TCP peer eventually does.
 */
export function memoryPair(): [MemoryEnd, MemoryEnd] {
  type Pending = {
    data: Uint8Array;
    done: (n: number) => void;
    fail: (e: Error) => void;
  };
  const state = { closed: false };
  const inbound: [Pending[], Pending[]] = [[], []];
  const readers: [(() => void) | undefined, (() => void) | undefined] = [
    undefined,
    undefined,
  ];
  const wake = (side: 0 | 1) => {
    const reader = readers[side];
    readers[side] = undefined;
    reader?.();
  };
  const end = (me: 0 | 1): MemoryEnd => {
    const other = me === 0 ? 1 : 0;
    return {
      get closed() {
        return state.closed;
      },
      async read(buffer) {
        while (inbound[me].length === 0) {
          if (state.closed) return null;
          await new Promise<void>((resolve) => (readers[me] = resolve));
        }
        const head = inbound[me][0]!;
        const n = Math.min(buffer.length, head.data.length);
        buffer.set(head.data.subarray(0, n));
        head.data = head.data.subarray(n);
        if (head.data.length === 0) {
          inbound[me].shift();
          head.done(n);
        }
        return n;
      },
      write(data) {
        if (state.closed) {
          return Promise.reject(new Deno.errors.BrokenPipe("closed"));
        }
        return new Promise<number>((done, fail) => {
          const length = data.length;
          inbound[other].push({
            data: data.slice(),
            done: () => done(length),
            fail,
          });
          wake(other);
        });
      },
      close() {
        if (state.closed) return;
        state.closed = true;
        for (const side of [0, 1] as const) {
          for (const pending of inbound[side]) {
            pending.fail(new Deno.errors.BrokenPipe("closed"));
          }
          inbound[side] = [];
          wake(side);
        }
      },
    };
  };
  return [end(0), end(1)];
}
