/**
 * A seeded fuzzer for a live server: random and mutated frames, oversized
 * lines, invalid UTF-8, half-closed and abandoned sockets, thrown at the
 * server while two control clients keep talking through it.
 *
 * `tests/e2e_fuzz_test.ts` runs a short, bounded round in `make test`;
 * `make fuzz` runs a long one (`deno run -A tests/fuzz.ts --count N --seed S`).
 * The same seed replays the same cases.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { RawPeer } from "./util/raw_peer.ts";
import { ServerProcess } from "./util/program.ts";

const encoder = new TextEncoder();

/** A small, fast, seedable generator (mulberry32). */
export function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SEEDS = [
  '{"type":"hello","v":1,"nick":"fuzz"}',
  '{"type":"msg","id":"f1","text":"hello"}',
  '{"type":"msg","id":"f2","text":"/join games"}',
  '{"type":"msg","id":"f3","text":"/msg control-b hi"}',
  '{"type":"ping","t":1}',
  '{"type":"quit","reason":"x"}',
  "/nick someone",
  "/who",
  "plain text line",
];

/** One case: the bytes to send, and how to leave the socket afterwards. */
interface Case {
  bytes: Uint8Array;
  ending: "close" | "half-close" | "abandon";
}

function makeCase(next: () => number): Case {
  const pick = <T>(items: readonly T[]): T =>
    items[Math.floor(next() * items.length)]!;
  const int = (max: number) => Math.floor(next() * max);
  const parts: Uint8Array[] = [];
  // Half the connections start as native clients, so frames after hello count.
  if (next() < 0.5) {
    parts.push(
      encoder.encode(`{"type":"hello","v":1,"nick":"f${int(1e6)}"}\n`),
    );
  }
  const lines = 1 + int(6);
  for (let i = 0; i < lines; i++) {
    switch (int(7)) {
      case 0: { // random bytes
        const bytes = new Uint8Array(int(300));
        for (let j = 0; j < bytes.length; j++) bytes[j] = int(256);
        parts.push(bytes, encoder.encode("\n"));
        break;
      }
      case 1: { // a mutated seed
        const chars = [...pick(SEEDS)];
        for (let m = 0; m < 1 + int(4); m++) {
          const at = int(chars.length + 1);
          const op = int(3);
          if (op === 0) chars.splice(at, 1);
          else if (op === 1) {
            chars.splice(at, 0, String.fromCharCode(int(0x3000)));
          } else {chars.splice(
              at,
              0,
              ...chars.slice(int(chars.length), int(chars.length) + 5),
            );}
        }
        parts.push(encoder.encode(chars.join("") + "\n"));
        break;
      }
      case 2: // an oversized line
        parts.push(encoder.encode("x".repeat(8192 + int(20000)) + "\n"));
        break;
      case 3: // invalid UTF-8 inside otherwise good JSON
        parts.push(
          encoder.encode('{"type":"msg","id":"u","text":"'),
          new Uint8Array([0xc3, 0x28, 0xff]),
          encoder.encode('"}\n'),
        );
        break;
      case 4: // valid JSON of the wrong shape
        parts.push(
          encoder.encode(
            pick([
              '{"type":"msg","id":5,"text":[]}',
              '{"type":"hello","v":"1"}',
              '{"type":"__proto__"}',
              '{"type":"msg","id":"d","text":"' + "\\u001b[2J".repeat(int(50)) +
              '"}',
              "[".repeat(3000) + "]".repeat(3000),
              '{"type":"msg","id":"n","text":"' + "\\ud800".repeat(10) + '"}',
              "null",
            ]) + "\n",
          ),
        );
        break;
      case 5: // a seed as it is
        parts.push(encoder.encode(pick(SEEDS) + "\n"));
        break;
      default: // control characters and escapes in text mode
        parts.push(
          encoder.encode(`\x1b]0;owned\x07\u202e${"\x9b31m"}text\r\n`),
        );
        break;
    }
  }
  const total = parts.reduce((n, p) => n + p.length, 0);
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    bytes.set(part, offset);
    offset += part.length;
  }
  // Sometimes stop mid-line.
  const cut = next() < 0.2 ? int(bytes.length) : bytes.length;
  return {
    bytes: bytes.subarray(0, cut),
    ending: pick(["close", "half-close", "abandon"] as const),
  };
}

/** What a fuzz run did. */
export interface FuzzReport {
  cases: number;
  controlMessages: number;
}

/**
 * Runs `count` cases against the server on `port`, `parallel` at a time,
 * while control-a sends control-b a message after every `every` cases.
 * Throws if control-b misses one.
 */
export async function fuzz(
  options: {
    port: number;
    seed: number;
    count: number;
    parallel?: number;
    every?: number;
  },
): Promise<FuzzReport> {
  const next = random(options.seed);
  const parallel = options.parallel ?? 8;
  const every = options.every ?? 25;
  const a = await RawPeer.native(options.port, "control-a");
  const b = await RawPeer.native(options.port, "control-b");
  const abandoned: Deno.TcpConn[] = [];
  let sent = 0;
  try {
    for (let done = 0; done < options.count; done += parallel) {
      const batch = Array.from({
        length: Math.min(parallel, options.count - done),
      }, () => makeCase(next));
      await Promise.all(batch.map((c) => play(options.port, c, abandoned)));
      if (Math.floor((done + parallel) / every) > Math.floor(done / every)) {
        const text = `control ${sent++}`;
        await a.send({
          type: "msg",
          id: `c${sent}`,
          text: `/msg control-b ${text}`,
        });
        await b.frame((f) => f.type === "pm" && f.text === text);
      }
    }
    return { cases: options.count, controlMessages: sent };
  } finally {
    for (const conn of abandoned) {
      try {
        conn.close();
      } catch {
        // Closed by the server already.
      }
    }
    await Promise.all([a.close(), b.close()]);
  }
}

async function play(
  port: number,
  c: Case,
  abandoned: Deno.TcpConn[],
): Promise<void> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    let written = 0;
    while (written < c.bytes.length) {
      written += await conn.write(c.bytes.subarray(written));
    }
  } catch {
    // The server may close a connection mid-write (too long, flooding): fine.
  }
  if (c.ending === "abandon") {
    abandoned.push(conn);
    return;
  }
  try {
    if (c.ending === "half-close") await conn.closeWrite();
    else conn.close();
  } catch {
    // Already closed by the server.
  }
  if (c.ending === "half-close") {
    // Read whatever the server says until it closes: it must not hang.
    const buffer = new Uint8Array(65536);
    try {
      while ((await conn.read(buffer)) !== null) { /* drain */ }
    } catch {
      // Reset by the server: also an end.
    }
    conn.close();
  }
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      count: { type: "string", default: "20000" },
      seed: { type: "string", default: `${Date.now()}` },
    },
  });
  const count = Number(values.count);
  const seed = Number(values.seed);
  await using server = await ServerProcess.start([
    "--log",
    "off",
    "--max-per-address",
    "100000",
  ]);
  const started = performance.now();
  const report = await fuzz({ port: server.port, seed, count });
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  // deno-lint-ignore no-console
  console.log(
    `fuzz: ${report.cases} cases, seed ${seed}, ${seconds} s; ${report.controlMessages} control messages all delivered; server still up`,
  );
}
