// deno-lint-ignore-file no-console
/**
 * `make soak`: the server-trust soak of issue 13, against a real
 * `lochat-server` on 127.0.0.1.
 *
 * One server (`--max-connections 1500 --max-per-address 5000`, history in
 * memory) is held for `--seconds` (60) by 2000 silent sockets (they neither
 * send nor read), 500 slowloris sockets (each sends a byte or three of a
 * line every 2 to 5 s, never a newline, and never reads) and 20 native
 * talkers, each sending a message every 200 ms and checking that every
 * message of every other talker arrives. The attackers outnumber the
 * server's places, so the server is full and evicts idle guests; an evicted
 * attacker does not come back. Every 2 s a new native user connects and must
 * be welcomed within 2 s. Then everything closes, and once the server's log
 * shows every session gone the server's memory is read again. The whole round
 * runs `--rounds` times (2) in the same server, after a warm-up: first
 * short-lived senders send, a burst each, as many messages as the server
 * remembers ids for resends (`rememberedIds` in
 * `lib/server/server_limits.ts`, 10,000), then the talkers talk alone for
 * 5 s. So the heap "at the start" is that of a server in service, its code
 * compiled, its rooms made and its bounded caches full (the answer cache of
 * remembered ids, about 1.6 MB when full, and the lobby's history). Without
 * the fill the rounds' own messages (6,000 a round) filled the cache, and
 * the heap after each of the first rounds grew by it though nothing leaked.
 *
 * Figures: the server's RSS from /proc (start, peak sampled every 200 ms and
 * VmHWM reset through `clear_refs`, after close); its JS heap in use after a
 * forced full GC, read over the V8 inspector (the server runs with
 * `--inspect=127.0.0.1:0`; the soak calls `HeapProfiler.collectGarbage` and
 * `Runtime.getHeapUsage`, so the server needs no hook); evictions and
 * disconnect reasons from its JSON log; messages sent, refused, delivered and
 * lost; joins tried, welcomed in time, and the slowest, with the server's log
 * times for a late one and whether it took the client for a text-mode user;
 * the worst stall of the server's event loop (the round trip of a zero-delay
 * timer the server is asked to run through the inspector), its CPU, and the
 * load average, since other work on the machine moves every figure.
 *
 * Criteria (exit 1 when one fails): every talker's accepted message reaches
 * every other talker and none is refused; every join is welcomed within 2 s;
 * the server evicts (else the soak did not test eviction); after each round
 * the JS heap is within 20% of its size before the first round; each later
 * round leaves the RSS after close within 10% of what the first left. (The
 * peak RSS is shown beside it, not judged: it follows how fast the server is
 * scheduled while the attack opens, so it moves with the machine's load by
 * more than 10% from one run to the next.)
 *
 * @module
 */

import { parseArgs } from "node:util";
import { PROTOCOL_LIMITS } from "../lib/shared/limits.ts";
import { SERVER_LIMITS } from "../lib/server/server_limits.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const HOST = "127.0.0.1";
const encoder = new TextEncoder();

const MAX_CONNECTIONS = 1500;
const MAX_PER_ADDRESS = 5000;
const SILENT = 2000;
const SLOWLORIS = 500;
const TALKERS = 20;
const TALK_EVERY_MS = 200;
const JOIN_EVERY_MS = 2000;
/** The server's wait for a `hello` before it takes a client for netcat. */
const HELLO_WAIT_MS = 300;
/** A new user must be welcomed this soon after starting to connect. */
const JOIN_WITHIN_MS = 2000;
/** A join still unanswered after this long is given up. */
const JOIN_GIVE_UP_MS = 5000;
/** A slowloris socket sends its next bytes this many ms later, at random. */
const SLOW_EVERY_MS = { min: 2000, max: 5000 } as const;
/** What the slowloris sockets send, a byte or three at a time. */
const SLOW_LINE = '{"type":"hello","v":1,"nick":"slowloris';
/** How long the talkers' last messages and answers may take to arrive. */
const DRAIN_MS = 10_000;
/** How long the server may take to notice that every socket closed. */
const SETTLE_MS = 30_000;
const RSS_SAMPLE_MS = 200;
/** The JS heap after a round may exceed its size before the first by this share. */
const HEAP_SLACK = 0.2;
/** A later round's RSS may exceed the first round's by this share. */
const RSS_SLACK = 0.1;
/** Attack sockets opened at once. */
const OPEN_BATCH = 100;

/** V8 flags for the server: `make soak` passes the Makefile's SERVER_V8_FLAGS. */
let serverV8Flags: string | undefined;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One line: a frame as the native protocol sends it. */
function frame(value: Record<string, unknown>): Uint8Array {
  return encoder.encode(JSON.stringify(value) + "\n");
}

/** Writes all of `bytes` (a socket may take less than all in one write). */
async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  let done = 0;
  while (done < bytes.length) done += await conn.write(bytes.subarray(done));
}

function closeQuietly(conn: Deno.Conn | undefined): void {
  try {
    conn?.close();
  } catch {
    // Closed already.
  }
}

/**
 * Reads `conn` line by line until it closes or `onLine` returns true.
 * Never rejects.
 */
async function readLines(
  conn: Deno.Conn,
  onLine: (line: string) => boolean | void,
): Promise<void> {
  const decoder = new TextDecoder();
  const buffer = new Uint8Array(65536);
  let rest = "";
  try {
    while (true) {
      const n = await conn.read(buffer);
      if (n === null) return;
      const text = rest +
        decoder.decode(buffer.subarray(0, n), { stream: true });
      let start = 0;
      for (
        let end = text.indexOf("\n");
        end !== -1;
        end = text.indexOf("\n", start)
      ) {
        if (onLine(text.slice(start, end).replace(/\r$/, "")) === true) return;
        start = end + 1;
      }
      rest = text.slice(start);
    }
  } catch {
    // Closed.
  }
}

/** A line as a frame, or undefined when it is not one (the banner). */
function parseFrame(line: string): Record<string, unknown> | undefined {
  if (!line.startsWith("{")) return undefined;
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
}

/** The server's log, tallied: events and disconnect reasons, per round. */
class LogTally {
  /** Sessions connected and not yet disconnected, over the server's life. */
  open = 0;
  /** The most sessions open at once this round. */
  maxOpen = 0;
  events = new Map<string, number>();
  reasons = new Map<string, number>();
  /** The first log entry of each event about a watched peer, by peer. */
  watched = new Map<string, Map<string, Record<string, unknown>>>();

  /** Starts a new round's counts (the open sessions carry over). */
  reset(): void {
    this.maxOpen = this.open;
    this.events.clear();
    this.reasons.clear();
  }

  count(entry: Record<string, unknown>): void {
    const event = String(entry.event);
    this.events.set(event, (this.events.get(event) ?? 0) + 1);
    const seen = this.watched.get(String(entry.peer));
    if (seen !== undefined && !seen.has(event)) seen.set(event, entry);
    if (event === "connect") {
      this.open++;
      this.maxOpen = Math.max(this.maxOpen, this.open);
    } else if (event === "disconnect") {
      this.open--;
      // Numbers vary from line to line; the kind of reason does not.
      const reason = String(entry.reason ?? "").replace(/\d+(\.\d+)?/g, "N");
      this.reasons.set(reason, (this.reasons.get(reason) ?? 0) + 1);
    }
  }

  event(name: string): number {
    return this.events.get(name) ?? 0;
  }
}

/** A DevTools protocol session with the server's V8 inspector. */
class Inspector {
  #ws: WebSocket;
  #next = 0;
  #pending = new Map<number, (reply: Record<string, unknown>) => void>();

  private constructor(ws: WebSocket) {
    this.#ws = ws;
    ws.onmessage = (event) => {
      const reply = JSON.parse(String(event.data));
      if (typeof reply.id === "number") {
        this.#pending.get(reply.id)?.(reply);
        this.#pending.delete(reply.id);
      }
    };
  }

  static async open(url: string): Promise<Inspector> {
    const ws = new WebSocket(url);
    await new Promise<void>((resolve, reject) => {
      ws.onopen = () => resolve();
      ws.onerror = () =>
        reject(new Error(`cannot open the inspector at ${url}`));
    });
    return new Inspector(ws);
  }

  /** Calls a DevTools protocol method; rejects on an error or after 30 s. */
  call(
    method: string,
    params: Record<string, unknown> = {},
  ): Promise<Record<string, unknown>> {
    const id = ++this.#next;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new Error(`${method}: no answer from the inspector in 30 s`));
      }, 30_000);
      this.#pending.set(id, (reply) => {
        clearTimeout(timer);
        if (reply.error !== undefined) {
          reject(new Error(`${method}: ${JSON.stringify(reply.error)}`));
        } else resolve((reply.result ?? {}) as Record<string, unknown>);
      });
      this.#ws.send(JSON.stringify({ id, method, params }));
    });
  }

  /**
   * Bytes of JS heap in use after two forced full collections, and of the
   * ArrayBuffers' backing stores, which live outside it.
   */
  async heapUsed(): Promise<{ used: number; buffers: number }> {
    await this.call("HeapProfiler.collectGarbage");
    await this.call("HeapProfiler.collectGarbage");
    const usage = await this.call("Runtime.getHeapUsage");
    return {
      used: Number(usage.usedSize),
      buffers: Number(usage.backingStorageSize),
    };
  }

  /** Closes the session (Deno waits at exit for an attached inspector). */
  async close(): Promise<void> {
    if (this.#ws.readyState === WebSocket.CLOSED) return;
    const closed = new Promise((resolve) => this.#ws.onclose = resolve);
    this.#ws.close();
    await Promise.race([closed, sleep(2000)]);
  }
}

interface ServerHandle {
  pid: number;
  port: number;
  process: Deno.ChildProcess;
  inspector: Inspector;
  log: LogTally;
  /** The last lines on stderr that were not log entries (errors). */
  otherStderr: string[];
  exited: boolean;
}

/** Reads a stream line by line until it ends, calling `onLine` for each. */
async function eachLine(
  stream: ReadableStream<Uint8Array>,
  onLine: (line: string) => void,
): Promise<void> {
  const decoder = new TextDecoder();
  let rest = "";
  for await (const chunk of stream) {
    const lines = (rest + decoder.decode(chunk, { stream: true })).split("\n");
    rest = lines.pop()!;
    for (const line of lines) onLine(line);
  }
  if (rest !== "") onLine(rest);
}

/** Starts the server with the soak's limits and its inspector, and connects to it. */
async function startServer(): Promise<ServerHandle> {
  const process = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-all",
      ...(serverV8Flags === undefined ? [] : [`--v8-flags=${serverV8Flags}`]),
      "--inspect=127.0.0.1:0",
      `${ROOT}server.ts`,
      "--host",
      HOST,
      "--port",
      "0",
      "--data-dir",
      "none",
      "--no-discovery",
      "--max-connections",
      String(MAX_CONNECTIONS),
      "--max-per-address",
      String(MAX_PER_ADDRESS),
      "--log",
      "json",
    ],
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
  }).spawn();
  const log = new LogTally();
  const otherStderr: string[] = [];
  const { promise: inspectorUrl, resolve: foundInspector } = Promise
    .withResolvers<string>();
  const { promise: port, resolve: foundPort } = Promise.withResolvers<
    number
  >();
  const gone = process.status.then((status) => {
    handle.exited = true;
    throw new Error(
      `The server exited (code ${status.code}): ${otherStderr.join("\n")}`,
    );
  });
  gone.catch(() => {});
  eachLine(process.stderr, (line) => {
    const entry = parseFrame(line);
    if (entry !== undefined && typeof entry.event === "string") {
      log.count(entry);
      return;
    }
    const url = /Debugger listening on (ws:\/\/\S+)/.exec(line);
    if (url !== null) foundInspector(url[1]!);
    else if (
      line.trim() !== "" && !line.startsWith("Visit chrome://") &&
      !line.startsWith("Debugger session")
    ) {
      otherStderr.push(line);
      if (otherStderr.length > 20) otherStderr.shift();
    }
  });
  eachLine(process.stdout, (line) => {
    const listening = /listening on .*:(\d+)/.exec(line);
    if (listening !== null) foundPort(Number(listening[1]));
  });
  const handle: ServerHandle = {
    pid: process.pid,
    port: 0,
    process,
    inspector: undefined as unknown as Inspector,
    log,
    otherStderr,
    exited: false,
  };
  handle.port = await Promise.race([port, gone]);
  handle.inspector = await Inspector.open(
    await Promise.race([inspectorUrl, gone]),
  );
  return handle;
}

/** Stops the server: SIGTERM, then SIGKILL if it has not gone in 10 s. */
async function stopServer(server: ServerHandle): Promise<void> {
  await server.inspector?.close();
  const signal = (name: Deno.Signal) => {
    try {
      server.process.kill(name);
    } catch {
      // Gone already.
    }
  };
  signal("SIGTERM");
  const stopped = await Promise.race([
    server.process.status.then(() => true),
    sleep(10_000).then(() => false),
  ]);
  if (!stopped) {
    signal("SIGKILL");
    await server.process.status;
  }
}

/** Resident and peak resident memory of a process, in KB. */
async function memoryKb(pid: number): Promise<{ rss: number; peak: number }> {
  const status = await Deno.readTextFile(`/proc/${pid}/status`);
  return {
    rss: Number(/VmRSS:\s+(\d+)/.exec(status)![1]),
    peak: Number(/VmHWM:\s+(\d+)/.exec(status)![1]),
  };
}

/** Resets a process's VmHWM to its RSS; false when the kernel does not let us. */
async function resetPeak(pid: number): Promise<boolean> {
  try {
    await Deno.writeTextFile(`/proc/${pid}/clear_refs`, "5");
    return true;
  } catch {
    return false;
  }
}

/** The highest RSS seen, sampled until `stop` is called, in KB. */
function sampleRss(pid: number): { stop: () => number } {
  let max = 0;
  const timer = setInterval(() => {
    memoryKb(pid).then(({ rss }) => max = Math.max(max, rss), () => {});
  }, RSS_SAMPLE_MS);
  return {
    stop: () => {
      clearInterval(timer);
      return max;
    },
  };
}

/** CPU time a process has used, user and kernel, in ms (from /proc, 10 ms ticks). */
async function cpuMs(pid: number): Promise<number> {
  const stat = await Deno.readTextFile(`/proc/${pid}/stat`);
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** How long the server's event loop stalled, as the inspector saw it. */
interface Stalls {
  worstMs: number;
  /** When the worst began, in ms into the round. */
  worstAt: number;
  /** Stalls longer than the server's 300 ms wait for a `hello`. */
  overHelloWait: number;
  /** The stalls over 100 ms, added up: time the loop was not serving. */
  totalMs: number;
}

/**
 * Has the server run a zero-delay timer every 100 ms until `stop`, through
 * the inspector (`Runtime.evaluate` of a promise the timer resolves): the
 * round trip is how long the server's event loop took to come round to it.
 */
function watchServerLoop(
  inspector: Inspector,
  begin: number,
): { stop: () => Promise<Stalls> } {
  const stalls: Stalls = {
    worstMs: 0,
    worstAt: 0,
    overHelloWait: 0,
    totalMs: 0,
  };
  let running = true;
  const loop = (async () => {
    while (running) {
      const sent = performance.now();
      await inspector.call("Runtime.evaluate", {
        expression: "new Promise((resolve) => setTimeout(resolve, 0))",
        awaitPromise: true,
      }).catch(() => {});
      const ms = performance.now() - sent;
      if (ms > stalls.worstMs) {
        stalls.worstMs = Math.round(ms);
        stalls.worstAt = Math.round(sent - begin);
      }
      if (ms > HELLO_WAIT_MS) stalls.overHelloWait++;
      if (ms > 100) stalls.totalMs += Math.round(ms);
      await sleep(100);
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return stalls;
    },
  };
}

/**
 * The worst lateness of a 50 ms timer in this process until `stop`: how far
 * the soak itself lagged, which its join times include.
 */
function watchLag(): { stop: () => number } {
  let worst = 0;
  let due = performance.now() + 50;
  const timer = setInterval(() => {
    const now = performance.now();
    worst = Math.max(worst, now - due);
    due = now + 50;
  }, 50);
  return {
    stop: () => {
      clearInterval(timer);
      return Math.round(worst);
    },
  };
}

async function loadAverage(): Promise<string> {
  return (await Deno.readTextFile("/proc/loadavg")).split(" ")
    .slice(0, 3).join(" ");
}

/** The soft limit on open files of this process, from /proc. */
function openFilesLimit(): number {
  const limits = Deno.readTextFileSync("/proc/self/limits");
  const row = /Max open files\s+(\d+|unlimited)/.exec(limits);
  return row === null || row[1] === "unlimited" ? Infinity : Number(row[1]);
}

/**
 * A native talker: sends a numbered message every 200 ms and records which
 * of the other talkers' messages arrive.
 */
class Talker {
  readonly index: number;
  readonly round: number;
  readonly conn: Deno.TcpConn;
  sent = 0;
  acked = 0;
  refused = 0;
  refusedCodes = new Map<string, number>();
  /** The seqs received from each talker, by talker index. */
  readonly got: Set<number>[];
  duplicates = 0;
  outOfOrder = 0;
  #last: Int32Array;
  closed = false;
  /** When the connection ended (`performance.now()` time). */
  closedAt: number | undefined;
  bye: string | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #writing: Promise<void> = Promise.resolve();
  #reading: Promise<void> | undefined;

  private constructor(conn: Deno.TcpConn, round: number, index: number) {
    this.conn = conn;
    this.round = round;
    this.index = index;
    this.got = Array.from({ length: TALKERS }, () => new Set<number>());
    this.#last = new Int32Array(TALKERS).fill(-1);
  }

  static async connect(
    port: number,
    round: number,
    index: number,
  ): Promise<Talker> {
    const conn = await Deno.connect({ hostname: HOST, port });
    const talker = new Talker(conn, round, index);
    await writeAll(
      conn,
      frame({ type: "hello", v: 1, nick: `r${round}t${index}` }),
    );
    const { promise: welcomed, resolve, reject } = Promise.withResolvers<
      void
    >();
    talker.#reading = readLines(conn, (line) => {
      const value = parseFrame(line);
      if (value?.type === "welcome") resolve();
      else if (value !== undefined) talker.#frame(value);
    }).finally(() => {
      talker.closed = true;
      talker.closedAt ??= performance.now();
      reject(new Error(`talker ${index} closed before its welcome`));
    });
    await welcomed;
    return talker;
  }

  #frame(value: Record<string, unknown>): void {
    switch (value.type) {
      case "msg": {
        if (value.history === true) return;
        const parts = /^soak (\d+) (\d+) (\d+)$/.exec(String(value.text));
        if (parts === null || Number(parts[1]) !== this.round) return;
        const sender = Number(parts[2]);
        const seq = Number(parts[3]);
        if (sender === this.index || sender >= TALKERS) return;
        const seen = this.got[sender]!;
        if (seen.has(seq)) this.duplicates++;
        seen.add(seq);
        if (seq < this.#last[sender]!) this.outOfOrder++;
        this.#last[sender] = Math.max(this.#last[sender]!, seq);
        return;
      }
      case "ack":
        this.acked++;
        return;
      case "error": {
        if (value.id === undefined) return;
        this.refused++;
        const code = String(value.code);
        this.refusedCodes.set(code, (this.refusedCodes.get(code) ?? 0) + 1);
        return;
      }
      case "ping":
        this.#write(frame({ type: "pong", t: value.t }));
        return;
      case "bye":
        this.bye = String(value.reason);
        return;
    }
  }

  #write(bytes: Uint8Array): void {
    this.#writing = this.#writing.then(() => writeAll(this.conn, bytes)).catch(
      () => {
        this.closed = true;
        this.closedAt ??= performance.now();
      },
    );
  }

  /** Starts sending, after `delayMs` (so the talkers do not send in step). */
  start(delayMs: number): void {
    this.#timer = setTimeout(() => {
      this.#timer = setInterval(() => {
        if (this.closed) return;
        const seq = this.sent++;
        this.#write(
          frame({
            type: "msg",
            id: `${seq}`,
            text: `soak ${this.round} ${this.index} ${seq}`,
          }),
        );
      }, TALK_EVERY_MS);
    }, delayMs);
  }

  stop(): void {
    clearTimeout(this.#timer);
    clearInterval(this.#timer);
  }

  async close(): Promise<void> {
    this.stop();
    closeQuietly(this.conn);
    await this.#reading;
  }
}

/** How the talkers fared in one round. */
interface TalkFigures {
  sent: number;
  accepted: number;
  refused: number;
  refusedCodes: Record<string, number>;
  unanswered: number;
  expected: number;
  received: number;
  /** Accepted messages that did not reach a talker still connected. */
  lost: number;
  /** Accepted messages that a talker the server disconnected did not get. */
  missedByDropped: number;
  duplicates: number;
  outOfOrder: number;
  talkersDropped: number;
  /** When the server disconnected talkers, in s into the round. */
  droppedAt: number[];
  byes: string[];
}

function talkFigures(talkers: Talker[], begin: number): TalkFigures {
  let expected = 0;
  let received = 0;
  let lost = 0;
  let missedByDropped = 0;
  for (const receiver of talkers) {
    for (const sender of talkers) {
      if (sender === receiver) continue;
      // Every accepted message counts, and any that came without an ack.
      const seen = receiver.got[sender.index]!;
      let missing = 0;
      for (let seq = 0; seq < sender.acked; seq++) {
        if (!seen.has(seq)) missing++;
      }
      expected += sender.acked;
      received += seen.size;
      if (receiver.closed) missedByDropped += missing;
      else lost += missing;
    }
  }
  const refusedCodes: Record<string, number> = {};
  for (const talker of talkers) {
    for (const [code, n] of talker.refusedCodes) {
      refusedCodes[code] = (refusedCodes[code] ?? 0) + n;
    }
  }
  const sum = (pick: (t: Talker) => number) =>
    talkers.reduce((total, t) => total + pick(t), 0);
  return {
    sent: sum((t) => t.sent),
    accepted: sum((t) => t.acked),
    refused: sum((t) => t.refused),
    refusedCodes,
    unanswered: sum((t) => t.sent - t.acked - t.refused),
    expected,
    received,
    lost,
    missedByDropped,
    duplicates: sum((t) => t.duplicates),
    outOfOrder: sum((t) => t.outOfOrder),
    talkersDropped: sum((t) => (t.closed ? 1 : 0)),
    droppedAt: talkers.flatMap((t) =>
      t.closedAt === undefined ? [] : [Math.round((t.closedAt - begin) / 1000)]
    ).sort((a, b) => a - b),
    byes: talkers.flatMap((t) => t.bye === undefined ? [] : [t.bye]),
  };
}

/** True when every talker has its answers and every accepted message of the others. */
function drained(talkers: Talker[]): boolean {
  const accepted = talkers.reduce((total, t) => total + t.acked, 0);
  return talkers.every((t) =>
    t.closed || (
      t.sent === t.acked + t.refused &&
      t.got.reduce((total, seen) => total + seen.size, 0) ===
        accepted - t.acked
    )
  );
}

interface JoinResult {
  welcomed: boolean;
  ms: number;
  why?: string;
  /** When it started, in ms into the round. */
  at: number;
  /** Until the TCP connection was open, in ms. */
  connectMs?: number;
  /** Until the server logged the connection, and the join, in ms. */
  serverConnectMs?: number;
  serverJoinMs?: number;
  /** How the server took it: "native", or "text" when it missed the hello. */
  mode?: string;
}

/**
 * A new native user: connect, hello, and the time until the welcome. The
 * server's log times for its peer tell where a slow join spent its time.
 */
async function join(
  port: number,
  nick: string,
  log: LogTally,
  at: number,
): Promise<JoinResult> {
  const startedAt = Date.now();
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  let connectMs: number | undefined;
  let serverLog: Map<string, Record<string, unknown>> | undefined;
  let conn: Deno.TcpConn | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  type Outcome = Pick<JoinResult, "welcomed" | "ms" | "why">;
  const timeout = new Promise<Outcome>((resolve) => {
    timer = setTimeout(() =>
      resolve({
        welcomed: false,
        ms: elapsed(),
        why: `no welcome within ${JOIN_GIVE_UP_MS / 1000} s`,
      }), JOIN_GIVE_UP_MS);
  });
  const attempt = (async (): Promise<Outcome> => {
    conn = await Deno.connect({ hostname: HOST, port });
    connectMs = elapsed();
    serverLog = new Map();
    log.watched.set(`${HOST}:${conn.localAddr.port}`, serverLog);
    await writeAll(conn, frame({ type: "hello", v: 1, nick }));
    let result: Outcome | undefined;
    await readLines(conn, (line) => {
      const value = parseFrame(line);
      if (value?.type === "welcome") result = { welcomed: true, ms: elapsed() };
      else if (value?.type === "bye" || value?.type === "error") {
        result = {
          welcomed: false,
          ms: elapsed(),
          why: String(value.reason ?? value.message),
        };
      }
      return result !== undefined;
    });
    return result ??
      { welcomed: false, ms: elapsed(), why: "closed before the welcome" };
  })().catch((error) => ({
    welcomed: false,
    ms: elapsed(),
    why: String(error),
  }));
  const result = await Promise.race([attempt, timeout]);
  clearTimeout(timer);
  closeQuietly(conn);
  await attempt;
  if (conn !== undefined) log.watched.delete(`${HOST}:${conn.localAddr.port}`);
  const serverMs = (event: string) => {
    const time = serverLog?.get(event)?.time;
    return time === undefined
      ? undefined
      : Date.parse(String(time)) - startedAt;
  };
  const mode = serverLog?.get("join")?.mode;
  return {
    ...result,
    at,
    ...(connectMs === undefined ? {} : { connectMs }),
    ...(mode === undefined ? {} : { mode: String(mode) }),
    ...optional("serverConnectMs", serverMs("connect")),
    ...optional("serverJoinMs", serverMs("join")),
  };
}

function optional<K extends string>(
  key: K,
  value: number | undefined,
): { [key in K]?: number } {
  return value === undefined ? {} : { [key]: value } as { [key in K]: number };
}

interface Slowloris {
  conn: Deno.TcpConn;
  nextAt: number;
  sent: number;
  busy: boolean;
  closed: boolean;
}

/** The attackers: silent sockets and slowloris sockets, opened once. */
class Attack {
  silent: Deno.TcpConn[] = [];
  slow: Slowloris[] = [];
  connectFailures = 0;
  connectErrors = new Set<string>();
  #timer: ReturnType<typeof setTimeout> | undefined;

  /** Opens the sockets, a batch at a time, silent and slowloris mixed. */
  async open(port: number, silent: number, slow: number): Promise<void> {
    // The slowloris sockets spread evenly through the silent ones.
    const kinds: ("silent" | "slow")[] = [];
    let slowSoFar = 0;
    for (let i = 0; i < silent + slow; i++) {
      const isSlow = slowSoFar < Math.round(((i + 1) * slow) / (silent + slow));
      if (isSlow) slowSoFar++;
      kinds.push(isSlow ? "slow" : "silent");
    }
    for (let i = 0; i < kinds.length; i += OPEN_BATCH) {
      await Promise.all(
        kinds.slice(i, i + OPEN_BATCH).map(async (kind) => {
          try {
            const conn = await Deno.connect({ hostname: HOST, port });
            if (kind === "silent") {
              this.silent.push(conn);
              return;
            }
            const socket: Slowloris = {
              conn,
              nextAt: 0,
              sent: 0,
              busy: false,
              closed: false,
            };
            this.slow.push(socket);
            this.#dribble(socket);
          } catch (error) {
            this.connectFailures++;
            this.connectErrors.add(String(error));
          }
        }),
      );
    }
  }

  /** Sends the next byte or three of a line that never ends. */
  #dribble(socket: Slowloris): void {
    if (socket.busy || socket.closed) return;
    const n = 1 + Math.floor(Math.random() * 3);
    let bytes = "";
    for (let k = 0; k < n; k++) {
      bytes += SLOW_LINE[(socket.sent + k) % SLOW_LINE.length];
    }
    socket.sent += n;
    socket.busy = true;
    socket.nextAt = performance.now() + SLOW_EVERY_MS.min +
      Math.random() * (SLOW_EVERY_MS.max - SLOW_EVERY_MS.min);
    writeAll(socket.conn, encoder.encode(bytes)).then(
      () => socket.busy = false,
      () => socket.closed = true,
    );
  }

  /** Keeps the slowloris sockets dribbling until `stop`. */
  start(): void {
    this.#timer = setInterval(() => {
      const now = performance.now();
      for (const socket of this.slow) {
        if (socket.nextAt <= now) this.#dribble(socket);
      }
    }, 250);
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  /** Slowloris sockets whose writes failed: the server closed them. */
  get slowClosed(): number {
    return this.slow.filter((s) => s.closed).length;
  }

  closeAll(): void {
    this.stop();
    for (const conn of this.silent) closeQuietly(conn);
    for (const socket of this.slow) closeQuietly(socket.conn);
  }
}

/** What one round measured. */
interface RoundResult {
  round: number;
  loadBefore: string;
  loadAfter: string;
  serverCpuPercent: number;
  soakLagMs: number;
  stalls: Stalls;
  rssStartKb: number;
  rssPeakKb: number;
  rssAfterKb: number;
  heapStart: number;
  heapAfter: number;
  buffersStart: number;
  buffersAfter: number;
  sessionsMax: number;
  sessionsLeft: number;
  settledMs: number;
  connects: number;
  evictions: number;
  refusals: number;
  serverErrors: number;
  disconnects: [string, number][];
  silentOpened: number;
  slowOpened: number;
  slowClosedByServer: number;
  connectFailures: number;
  talk: TalkFigures;
  joinsTried: number;
  joinsWelcomed: number;
  joinWorstMs: number;
  joinFailures: string[];
}

/** How long the talkers talk, alone, before the first round. */
const WARM_UP_MS = 5000;
/** Message ids the server remembers for resends, its answer cache's bound. */
const REMEMBERED_IDS = SERVER_LIMITS.rememberedIds.default;
/** Lines a connection may send at once before flood control holds it back. */
const BURST = PROTOCOL_LIMITS.burst.default;
/** Fillers (see {@linkcode fill}) at work at once. */
const FILLERS_AT_ONCE = 20;
/** How long a filler may wait for its answers. */
const FILL_GIVE_UP_MS = 20_000;

/**
 * One filler: comes in as `nick`, sends a burst of messages, waits for the
 * answer to each, and leaves. Returns how many were acknowledged.
 */
async function fill(port: number, nick: string): Promise<number> {
  let conn: Deno.TcpConn | undefined;
  let acked = 0;
  let answered = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    conn = await Deno.connect({ hostname: HOST, port });
    const open = conn;
    timer = setTimeout(() => closeQuietly(open), FILL_GIVE_UP_MS);
    await writeAll(open, frame({ type: "hello", v: 1, nick }));
    await readLines(open, (line) => {
      const value = parseFrame(line);
      if (value?.type === "welcome") {
        // Ids such that the keys the server remembers them by (nick, line
        // feed, id) are as long as those of the talkers' messages.
        const lines = Array.from(
          { length: BURST },
          (_, i) =>
            JSON.stringify({
              type: "msg",
              id: String(i).padStart(3, "0"),
              text: `soak 0 f ${i}`,
            }) + "\n",
        );
        writeAll(open, encoder.encode(lines.join("")))
          .catch(() => closeQuietly(open));
      } else if (value?.type === "ack" && value.id !== undefined) {
        acked++;
        answered++;
      } else if (value?.type === "error" && value.id !== undefined) {
        answered++;
      } else if (value?.type === "bye") return true;
      return answered >= BURST;
    });
  } catch {
    // Counted by what was acknowledged.
  } finally {
    clearTimeout(timer);
    closeQuietly(conn);
  }
  return acked;
}

/**
 * The talkers talk for a few seconds and leave, before the first round's
 * figures are taken: the server's code is compiled and its rooms exist, so
 * the JS heap "at the start" is a serving server's, and what the rounds are
 * judged on is what the attack leaves behind. Before them, fillers (a burst
 * each, {@linkcode FILLERS_AT_ONCE} at a time) send as many messages as the
 * server remembers ids for resends, so that its bounded caches (the answer
 * cache, the lobby's history) are full at the start and not filled by the
 * rounds. Returns how many of the fillers' messages were acknowledged.
 */
async function warmUp(server: ServerHandle): Promise<number> {
  const fillers = Math.ceil(REMEMBERED_IDS / BURST);
  let acked = 0;
  for (let first = 0; first < fillers; first += FILLERS_AT_ONCE) {
    const batch = Array.from(
      { length: Math.min(FILLERS_AT_ONCE, fillers - first) },
      // Nicks of one length, as the talkers' are.
      (_, i) => fill(server.port, `r0f${String(first + i).padStart(3, "0")}`),
    );
    for (const count of await Promise.all(batch)) acked += count;
  }
  const talkers = await Promise.all(
    Array.from(
      { length: TALKERS },
      (_, index) => Talker.connect(server.port, 0, index),
    ),
  );
  talkers.forEach((talker, index) =>
    talker.start((index * TALK_EVERY_MS) / TALKERS)
  );
  await sleep(WARM_UP_MS);
  talkers.forEach((talker) => talker.stop());
  const drainUntil = performance.now() + DRAIN_MS;
  while (!drained(talkers) && performance.now() < drainUntil) await sleep(100);
  await Promise.all(talkers.map((talker) => talker.close()));
  const closedAt = performance.now();
  while (server.log.open > 0 && performance.now() - closedAt < SETTLE_MS) {
    await sleep(100);
  }
  return acked;
}

async function runRound(
  server: ServerHandle,
  round: number,
  seconds: number,
): Promise<RoundResult> {
  const { pid, port, log } = server;
  const loadBefore = await loadAverage();
  log.reset();
  const { used: heapStart, buffers: buffersStart } = await server.inspector
    .heapUsed();
  const rssStartKb = (await memoryKb(pid)).rss;
  const peakReset = await resetPeak(pid);
  const sampler = sampleRss(pid);

  const talkers = await Promise.all(
    Array.from(
      { length: TALKERS },
      (_, index) => Talker.connect(port, round, index),
    ),
  );
  talkers.forEach((talker, index) =>
    talker.start((index * TALK_EVERY_MS) / TALKERS)
  );
  const begin = performance.now();
  const end = begin + seconds * 1000;
  const cpuBefore = await cpuMs(pid);
  const lag = watchLag();
  const serverLoop = watchServerLoop(server.inspector, begin);

  // A new user every 2 s, the first a second in, the last before the end.
  const joins: Promise<JoinResult>[] = [];
  const joinLoop = (async () => {
    for (let at = 1000; begin + at < end; at += JOIN_EVERY_MS) {
      await sleep(Math.max(0, begin + at - performance.now()));
      joins.push(join(port, `r${round}j${joins.length}`, log, at));
    }
  })();

  const attack = new Attack();
  await attack.open(port, SILENT, SLOWLORIS);
  attack.start();
  console.error(
    `  round ${round}: ${attack.silent.length} silent and ${attack.slow.length} slowloris sockets open in ${
      ((performance.now() - begin) / 1000).toFixed(1)
    } s; holding for ${seconds} s …`,
  );

  await sleep(Math.max(0, end - performance.now()));
  const serverCpuPercent = Math.round(
    ((await cpuMs(pid)) - cpuBefore) / (performance.now() - begin) * 100,
  );
  await joinLoop;
  talkers.forEach((talker) => talker.stop());
  attack.stop();
  const joinResults = await Promise.all(joins);
  const drainUntil = performance.now() + DRAIN_MS;
  while (!drained(talkers) && performance.now() < drainUntil) await sleep(100);
  const talk = talkFigures(talkers, begin);
  const soakLagMs = lag.stop();
  const stalls = await serverLoop.stop();
  const slowClosedByServer = attack.slowClosed;
  let rssPeakKb = sampler.stop();
  if (peakReset) rssPeakKb = Math.max(rssPeakKb, (await memoryKb(pid)).peak);

  attack.closeAll();
  await Promise.all(talkers.map((talker) => talker.close()));
  const closedAt = performance.now();
  while (log.open > 0 && performance.now() - closedAt < SETTLE_MS) {
    await sleep(100);
  }
  const settledMs = Math.round(performance.now() - closedAt);
  await sleep(1000);
  const { used: heapAfter, buffers: buffersAfter } = await server.inspector
    .heapUsed();
  const rssAfterKb = (await memoryKb(pid)).rss;

  const welcomed = joinResults.filter((j) =>
    j.welcomed && j.ms <= JOIN_WITHIN_MS
  );
  return {
    round,
    loadBefore,
    loadAfter: await loadAverage(),
    serverCpuPercent,
    soakLagMs,
    stalls,
    rssStartKb,
    rssPeakKb,
    rssAfterKb,
    heapStart,
    heapAfter,
    buffersStart,
    buffersAfter,
    sessionsMax: log.maxOpen,
    sessionsLeft: log.open,
    settledMs,
    connects: log.event("connect"),
    evictions: log.event("evict"),
    refusals: log.event("refuse"),
    serverErrors: log.event("error"),
    disconnects: [...log.reasons].sort((a, b) => b[1] - a[1]),
    silentOpened: attack.silent.length,
    slowOpened: attack.slow.length,
    slowClosedByServer,
    connectFailures: attack.connectFailures,
    talk,
    joinsTried: joinResults.length,
    joinsWelcomed: welcomed.length,
    joinWorstMs: Math.max(0, ...joinResults.map((j) => j.ms)),
    joinFailures: joinResults.flatMap((j) =>
      j.welcomed && j.ms <= JOIN_WITHIN_MS ? [] : [describeJoin(j)]
    ),
  };
}

/** A join that failed or was late, with where its time went. */
function describeJoin(j: JoinResult): string {
  const steps = [
    ["TCP open", j.connectMs],
    ["server logged the connection", j.serverConnectMs],
    [`and its ${j.mode ?? ""} join`, j.serverJoinMs],
  ].filter(([, ms]) => ms !== undefined).map(([what, ms]) => `${what} ${ms}`);
  return `${
    j.welcomed ? `welcomed after ${j.ms} ms` : `${j.why} (${j.ms} ms)`
  }, started ${(j.at / 1000).toFixed(0)} s into the round` +
    (steps.length > 0 ? ` (ms: ${steps.join(", ")})` : "");
}

const mb = (kb: number) => (kb / 1024).toFixed(1);
const heapMb = (bytes: number) => (bytes / 1024 / 1024).toFixed(2);
const percent = (ratio: number) =>
  `${ratio >= 1 ? "+" : ""}${((ratio - 1) * 100).toFixed(1)}%`;

function table(results: RoundResult[]): string {
  const rows: [string, (r: RoundResult) => string][] = [
    ["load average before / after", (r) => `${r.loadBefore} / ${r.loadAfter}`],
    ["server CPU, % of a core", (r) => `${r.serverCpuPercent}`],
    ["soak's own worst event-loop lag, ms", (r) => `${r.soakLagMs}`],
    [
      "server loop's worst stall ms (at s)",
      (r) => `${r.stalls.worstMs} (${(r.stalls.worstAt / 1000).toFixed(1)})`,
    ],
    [
      `server stalls over ${HELLO_WAIT_MS} ms / over 100 ms in all, s`,
      (r) =>
        `${r.stalls.overHelloWait} / ${(r.stalls.totalMs / 1000).toFixed(1)}`,
    ],
    ["RSS start MB", (r) => mb(r.rssStartKb)],
    ["RSS peak MB", (r) => mb(r.rssPeakKb)],
    ["RSS after close MB", (r) => mb(r.rssAfterKb)],
    ["JS heap start MB", (r) => heapMb(r.heapStart)],
    ["JS heap after close MB", (r) => heapMb(r.heapAfter)],
    [
      "ArrayBuffers start / after close MB",
      (r) => `${heapMb(r.buffersStart)} / ${heapMb(r.buffersAfter)}`,
    ],
    [
      "attack sockets opened (silent + slow)",
      (r) =>
        `${r.silentOpened} + ${r.slowOpened}` +
        (r.connectFailures > 0 ? ` (${r.connectFailures} failed)` : ""),
    ],
    ["sessions open at most (per the log)", (r) => `${r.sessionsMax}`],
    [
      "connects / evictions / refusals",
      (r) => `${r.connects} / ${r.evictions} / ${r.refusals}`,
    ],
    ["slowloris closed by the server", (r) => `${r.slowClosedByServer}`],
    ["server errors logged", (r) => `${r.serverErrors}`],
    [
      "messages sent / accepted / refused",
      (r) => `${r.talk.sent} / ${r.talk.accepted} / ${r.talk.refused}`,
    ],
    [
      "deliveries expected / received / lost",
      (r) => `${r.talk.expected} / ${r.talk.received} / ${r.talk.lost}`,
    ],
    [
      "deliveries missed by dropped talkers",
      (r) => `${r.talk.missedByDropped}`,
    ],
    [
      "duplicates / out of order / unanswered",
      (r) =>
        `${r.talk.duplicates} / ${r.talk.outOfOrder} / ${r.talk.unanswered}`,
    ],
    ["talkers dropped (at s)", (r) =>
      `${r.talk.talkersDropped}` +
      (r.talk.droppedAt.length > 0 ? ` (${r.talk.droppedAt.join(" ")})` : "")],
    [
      "joins tried / welcomed in 2 s / worst ms",
      (r) => `${r.joinsTried} / ${r.joinsWelcomed} / ${r.joinWorstMs}`,
    ],
    [
      "all sessions gone after close, in ms",
      (r) =>
        r.sessionsLeft === 0 ? `${r.settledMs}` : `no: ${r.sessionsLeft} left`,
    ],
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  const header = "".padEnd(width) +
    results.map((r) => `  round ${r.round}`.padEnd(24)).join("");
  return [
    header,
    ...rows.map(([label, cell]) =>
      label.padEnd(width) +
      results.map((r) => `  ${cell(r)}`.padEnd(24)).join("")
    ),
  ].join("\n");
}

/** Each criterion of the issue: its verdict and the figures behind it. */
function criteria(results: RoundResult[]): [boolean, string][] {
  const first = results[0]!;
  const out: [boolean, string][] = [];
  for (const r of results) {
    const t = r.talk;
    out.push([
      t.lost === 0 && t.refused === 0 && t.unanswered === 0 &&
      t.talkersDropped === 0 && t.accepted > 0,
      `round ${r.round}: the talkers' messages all arrive (${t.received} of ${t.expected} deliveries, ${t.lost} lost, ${t.missedByDropped} missed by dropped talkers, ${t.refused} refused` +
      (t.refused > 0 ? ` ${JSON.stringify(t.refusedCodes)}` : "") +
      `, ${t.talkersDropped} talkers dropped${
        t.byes.length > 0 ? `: ${t.byes[0]}` : ""
      })`,
    ]);
    out.push([
      r.joinsTried > 0 && r.joinsWelcomed === r.joinsTried,
      `round ${r.round}: a new user can join at any moment (${r.joinsWelcomed} of ${r.joinsTried} welcomed within ${
        JOIN_WITHIN_MS / 1000
      } s, worst ${r.joinWorstMs} ms)` +
      (r.joinFailures.length > 0 ? `: ${r.joinFailures.join("; ")}` : ""),
    ]);
    out.push([
      r.evictions > 0,
      `round ${r.round}: eviction is exercised (${r.evictions} evictions)`,
    ]);
    const heapRatio = r.heapAfter / first.heapStart;
    out.push([
      heapRatio <= 1 + HEAP_SLACK && r.sessionsLeft === 0,
      `round ${r.round}: the JS heap returns to within ${
        HEAP_SLACK * 100
      }% of its start (${heapMb(first.heapStart)} → ${
        heapMb(r.heapAfter)
      } MB, ${percent(heapRatio)}` +
      (r.sessionsLeft === 0 ? ")" : `; ${r.sessionsLeft} sessions still open)`),
    ]);
  }
  for (const r of results.slice(1)) {
    const peak = r.rssPeakKb / first.rssPeakKb;
    const after = r.rssAfterKb / first.rssAfterKb;
    out.push([
      after <= 1 + RSS_SLACK,
      `round ${r.round} raises RSS by at most ${
        RSS_SLACK * 100
      }% over round 1 (after close ${mb(first.rssAfterKb)} → ${
        mb(r.rssAfterKb)
      } MB, ${percent(after)}; the peak, not judged, ${mb(first.rssPeakKb)} → ${
        mb(r.rssPeakKb)
      } MB, ${percent(peak)})`,
    ]);
  }
  return out;
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      seconds: { type: "string", default: "60" },
      rounds: { type: "string", default: "2" },
      "server-v8-flags": { type: "string" },
    },
  });
  const seconds = Number(values.seconds);
  if (!Number.isInteger(seconds) || seconds < 5 || seconds > 600) {
    console.error(
      `--seconds takes a whole number from 5 to 600, not "${values.seconds}"`,
    );
    Deno.exit(2);
  }
  const rounds = Number(values.rounds);
  if (!Number.isInteger(rounds) || rounds < 1 || rounds > 5) {
    console.error(
      `--rounds takes a whole number from 1 to 5, not "${values.rounds}"`,
    );
    Deno.exit(2);
  }
  serverV8Flags = values["server-v8-flags"];
  const needFiles = SILENT + SLOWLORIS + TALKERS + 100;
  if (openFilesLimit() < needFiles) {
    console.error(
      `The soak holds ${
        SILENT + SLOWLORIS + TALKERS
      } sockets; the open-files limit is ${openFilesLimit()}. Raise it (ulimit -n ${needFiles}) or run \`make soak\`.`,
    );
    Deno.exit(2);
  }

  const server = await startServer();
  const results: RoundResult[] = [];
  let failure: unknown;
  try {
    console.error(
      `warming up: ${REMEMBERED_IDS} messages from ${
        Math.ceil(REMEMBERED_IDS / BURST)
      } fillers, then ${TALKERS} talkers for ${WARM_UP_MS / 1000} s …`,
    );
    const filled = await warmUp(server);
    console.error(`  ${filled} of the fillers' messages acknowledged`);
    for (let round = 1; round <= rounds; round++) {
      console.error(`running round ${round} of ${rounds} …`);
      results.push(await runRound(server, round, seconds));
      if (server.exited) throw new Error("The server exited during the soak");
    }
  } catch (error) {
    failure = error;
  } finally {
    await stopServer(server);
  }
  if (failure !== undefined) {
    console.error(`The soak could not finish: ${String(failure)}`);
    if (server.otherStderr.length > 0) {
      console.error(`The server said:\n${server.otherStderr.join("\n")}`);
    }
    Deno.exit(1);
  }

  console.log(table(results));
  for (const r of results) {
    console.log(
      `\nround ${r.round} disconnect reasons: ${
        r.disconnects.slice(0, 6).map(([reason, n]) => `${n} ${reason}`)
          .join("; ")
      }`,
    );
  }
  console.log(
    `\n${navigator.hardwareConcurrency} cores, Deno ${Deno.version.deno}; ` +
      `${SILENT} silent + ${SLOWLORIS} slowloris sockets, ${TALKERS} talkers, ` +
      `${seconds} s a round; server --max-connections ${MAX_CONNECTIONS} --max-per-address ${MAX_PER_ADDRESS}` +
      (serverV8Flags === undefined ? "" : `, --v8-flags=${serverV8Flags}`),
  );
  if (server.otherStderr.length > 0) {
    console.log(`The server also said:\n${server.otherStderr.join("\n")}`);
  }
  const verdicts = criteria(results);
  console.log("");
  for (const [ok, text] of verdicts) {
    console.log(`${ok ? "ok  " : "FAIL"}  ${text}`);
  }
  if (verdicts.some(([ok]) => !ok)) Deno.exit(1);
}
