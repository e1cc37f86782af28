import { assert, assertEquals } from "./assert.ts";
import { BufferPool, Outbox } from "../lib/server/outbox.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const bytes = (text: string) => encoder.encode(text);
const text = (data: Uint8Array | undefined) =>
  data === undefined ? undefined : decoder.decode(data);

Deno.test("the pool hands out power-of-two buffers and reuses what it gets back", () => {
  const pool = new BufferPool({ maxBytes: 1 << 20 });
  const first = pool.take(5000);
  assertEquals(first.length, 8192);
  pool.give(first);
  assertEquals(pool.bytes, 8192);
  assert(pool.take(6000) === first, "the same buffer comes back");
  assertEquals(pool.bytes, 0);
  assertEquals(pool.take(1).length, 4096);
});

Deno.test("the pool keeps no more than its bound, nor buffers it did not size", () => {
  const pool = new BufferPool({ maxBytes: 8192 });
  pool.give(pool.take(8192));
  pool.give(pool.take(8192));
  assertEquals(pool.bytes, 8192);
  pool.give(new Uint8Array(5000));
  assertEquals(pool.bytes, 8192);
  const huge = pool.take(2 << 20);
  assertEquals(huge.length, 2 << 20);
  pool.give(huge);
  assertEquals(pool.bytes, 8192);
});

Deno.test("an outbox joins waiting frames into one write, in order", () => {
  const outbox = new Outbox({ pool: new BufferPool({ maxBytes: 1 << 20 }) });
  assertEquals(outbox.take(), undefined);
  outbox.push(bytes("one\n"));
  outbox.push(bytes("two\n"));
  outbox.push(bytes("three\n"));
  assertEquals([outbox.length, outbox.frames], [14, 3]);
  assertEquals(text(outbox.take()), "one\ntwo\nthree\n");
  assertEquals([outbox.length, outbox.frames], [0, 0]);
  outbox.written();
  assertEquals(outbox.take(), undefined);
});

Deno.test("an outbox hands a lone frame out as it is, without a copy", () => {
  const outbox = new Outbox();
  const frame = bytes("only\n");
  outbox.push(frame);
  assert(outbox.take() === frame, "the frame's own bytes");
  outbox.written();
});

Deno.test("an outbox stops a write at the write size and never splits a frame", () => {
  const outbox = new Outbox({
    pool: new BufferPool({ maxBytes: 1 << 20 }),
    writeSize: 4096,
  });
  const frame = bytes("x".repeat(999) + "\n");
  for (let i = 0; i < 10; i++) outbox.push(frame);
  const sizes: number[] = [];
  for (let data = outbox.take(); data !== undefined; data = outbox.take()) {
    sizes.push(data.length);
    outbox.written();
  }
  assertEquals(sizes, [4000, 4000, 2000]);
});

Deno.test("an outbox sends a frame larger than half a write on its own", () => {
  const outbox = new Outbox({ writeSize: 4096 });
  const big = new Uint8Array(3000).fill(0x61);
  outbox.push(bytes("a\n"));
  outbox.push(big);
  assertEquals(text(outbox.take()), "a\n" + "a".repeat(3000));
  outbox.written();
  outbox.push(big);
  outbox.push(bytes("b\n"));
  assert(outbox.take() === big, "the big frame goes alone");
  outbox.written();
  assertEquals(text(outbox.take()), "b\n");
});

Deno.test("frames pushed during a write are not touched by it and leave next", () => {
  const pool = new BufferPool({ maxBytes: 1 << 20 });
  const outbox = new Outbox({ pool });
  outbox.push(bytes("a\n"));
  outbox.push(bytes("b\n"));
  const inFlight = outbox.take()!;
  outbox.push(bytes("c\n"));
  outbox.push(bytes("d\n"));
  assertEquals(text(inFlight), "a\nb\n");
  outbox.written();
  assertEquals(pool.bytes, 4096, "the written buffer went back to the pool");
  assertEquals(text(outbox.take()), "c\nd\n");
  outbox.written();
});

Deno.test("clearing an outbox drops what waits", () => {
  const outbox = new Outbox();
  outbox.push(bytes("a\n"));
  outbox.push(bytes("b\n"));
  outbox.clear();
  assertEquals([outbox.length, outbox.frames, outbox.take()], [
    0,
    0,
    undefined,
  ]);
});
