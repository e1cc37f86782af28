import { assert, assertEquals } from "./assert.ts";
import { Connection } from "../lib/server/connection.ts";
import {
  DO,
  DONT,
  IAC,
  IP,
  TelnetOption,
  WILL,
  WONT,
} from "../lib/server/telnet/commands.ts";
import { WriteRounds } from "../lib/server/write_rounds.ts";
import type { LineResult } from "../lib/shared/lines.ts";
import { type MemoryEnd, memoryPair } from "./util/memory_pair.ts";

const encoder = new TextEncoder();

/** Wakes whoever waits for a change, with a deadline. */
class Changes {
  #wake: (() => void) | undefined;

  notify(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  /** Waits until `done()` holds; fails after `ms`. */
  async until(done: () => boolean, what: string, ms = 2000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!done()) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`${what}: not within ${ms} ms`);
      let timer: ReturnType<typeof setTimeout> | undefined;
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
        timer = setTimeout(resolve, left);
      });
      clearTimeout(timer);
    }
  }
}

/**
 * A connection on one end of a memory pair, with what it handed up (lines,
 * interrupts) and what the peer read back (replies), and the peer's end.
 */
function open(options: { closeFlushMs?: number } = {}) {
  const [server, peer] = memoryPair();
  const changes = new Changes();
  const lines: string[] = [];
  let interrupts = 0;
  const connection = new Connection(server, {
    maxLineBytes: 256,
    maxQueueBytes: 1 << 20,
    maxQueueFrames: 1000,
    writeRounds: new WriteRounds(),
    closeFlushMs: options.closeFlushMs ?? 5000,
  }, {
    lines: (results: LineResult[]) => {
      for (const r of results) lines.push(r.ok ? r.line : `<${r.error}>`);
      changes.notify();
    },
    interrupted: () => {
      interrupts++;
      changes.notify();
    },
  });
  const running = connection.run();
  return {
    connection,
    running,
    peer,
    lines,
    changes,
    interrupts: () => interrupts,
    write: (data: string | number[]) =>
      peer.write(
        typeof data === "string" ? encoder.encode(data) : new Uint8Array(data),
      ),
  };
}

/** Reads what the connection sends `peer`, as it comes. */
function readAll(peer: MemoryEnd, changes: Changes) {
  const bytes: number[] = [];
  const done = (async () => {
    const buffer = new Uint8Array(1024);
    while (true) {
      const n = await peer.read(buffer);
      if (n === null) return;
      bytes.push(...buffer.subarray(0, n));
      changes.notify();
    }
  })();
  return { bytes, done };
}

for (
  const { name, sent, lines } of [
    {
      name: '"helo", two Backspaces and "llo" make "hello"',
      sent: ["helo\b\bllo\r\n"],
      lines: ["hello"],
    },
    {
      name: "DEL erases like Backspace",
      sent: ["helo\x7f\x7fllo\n"],
      lines: ["hello"],
    },
    {
      name: "a bare CR ends a line",
      sent: ["one\rtwo\r"],
      lines: ["one", "two"],
    },
    {
      name: "CR NUL ends a line",
      sent: ["one\r\0two\r\0"],
      lines: ["one", "two"],
    },
    {
      name: "CR LF split across reads ends one line, not two",
      sent: ["one\r", "\ntwo\r\n"],
      lines: ["one", "two"],
    },
    {
      name: "Backspace erases a whole emoji with its skin tone",
      sent: ["ok 👍🏽\b!\r\n"],
      lines: ["ok !"],
    },
  ]
) {
  Deno.test(`connection in text mode: ${name}`, async () => {
    const c = open();
    for (const chunk of sent) await c.write(chunk);
    await c.changes.until(() => c.lines.length >= lines.length, "lines");
    assertEquals(c.lines, lines);
    c.peer.close();
    await c.running;
  });
}

Deno.test("connection refuses PuTTY's opening negotiation with DONT and WONT, and keeps the line after it whole", async () => {
  const c = open();
  const replies = readAll(c.peer, c.changes);
  const { NAWS, TSPEED, TTYPE, NEW_ENVIRON, ECHO, SGA } = TelnetOption;
  await c.write([
    ...[IAC, WILL, NAWS, IAC, WILL, TSPEED, IAC, WILL, TTYPE],
    ...[IAC, WILL, NEW_ENVIRON, IAC, DO, ECHO, IAC, WILL, SGA, IAC, DO, SGA],
    ...encoder.encode("hello from putty\r\n"),
  ]);
  await c.changes.until(() => c.lines.length === 1, "the line");
  assertEquals(c.lines, ["hello from putty"]);
  await c.changes.until(() => replies.bytes.length >= 21, "the replies");
  assertEquals(replies.bytes, [
    ...[IAC, DONT, NAWS, IAC, DONT, TSPEED, IAC, DONT, TTYPE],
    ...[
      IAC,
      DONT,
      NEW_ENVIRON,
      IAC,
      WONT,
      ECHO,
      IAC,
      DONT,
      SGA,
      IAC,
      WONT,
      SGA,
    ],
  ]);
  c.peer.close();
  await Promise.all([c.running, replies.done]);
});

Deno.test("connection drops the line being typed on Interrupt Process and says so once", async () => {
  const c = open();
  await c.write("half a li");
  await c.write([IAC, IP]);
  await c.write("whole\r\n");
  await c.changes.until(() => c.lines.length === 1, "the line");
  assertEquals([c.lines, c.interrupts()], [["whole"], 1]);
  c.peer.close();
  await c.running;
});

Deno.test("connection knows since when a line has been left unfinished", async () => {
  const c = open();
  assertEquals(c.connection.partialSince, undefined);
  await c.write("{");
  await c.changes.until(
    () => c.connection.partialSince !== undefined,
    "a partial line",
  );
  await c.write('"type":"ping"}\n');
  await c.changes.until(() => c.lines.length === 1, "the line");
  assertEquals(c.connection.partialSince, undefined);
  c.peer.close();
  await c.running;
});

Deno.test("connection cuts off a closing peer that reads nothing once the flush time is up", async () => {
  const c = open({ closeFlushMs: 50 });
  // The peer never reads: the writer stalls on the first write.
  assert(c.connection.send(encoder.encode("a goodbye no one reads\r\n")));
  await c.write("/quit\r\n");
  await c.changes.until(() => c.lines.length === 1, "the /quit");
  c.connection.close("quit");
  let timer: ReturnType<typeof setTimeout> | undefined;
  const stuck = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve("still open after 2 s"), 2000);
  });
  const ended = await Promise.race([c.running.then(() => "closed"), stuck]);
  clearTimeout(timer);
  c.peer.close();
  await c.running;
  assertEquals(ended, "closed");
});
