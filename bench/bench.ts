// deno-lint-ignore-file no-console
/**
 * `make bench`: a load generator that drives a real `lochat-server` on
 * 127.0.0.1 through the native protocol and reports what it costs.
 *
 * Scenarios (each against a fresh server process, bounded in count and time):
 * - fan-out at full speed, 10 clients × 1000 messages and 100 × 100, each
 *   sender with at most `WINDOW` messages in flight;
 * - the same 100 × 100 with history on disk (`--data-dir`) instead of memory;
 * - the same 100 × 100 with one more client that never reads;
 * - the same 100 × 100 over the web port's WebSocket (`ws` on `node:http`),
 *   and one room mixing WebSocket, native and text-mode clients (a third
 *   each; the text-mode guests only read);
 * - latency at a steady 200 messages a second across 100 clients;
 * - the same 100 × 100 with IRC clients on the IRC listener, with text-mode
 *   (netcat-style) clients, and with one room mixing IRC, native and
 *   text-mode clients (`irc_load_client.ts`);
 * - fan-out across rooms: 1000 clients in 100 rooms, each in three (about
 *   30 members a room), each message to one of its rooms;
 * - idle cost: server memory per connection with 1000 and 10000 idle clients
 *   in rooms of 100;
 * - join storms: 1000 clients joining one room at once (told of each other:
 *   half a million notices), and 1000 silent text-mode guests; peak memory,
 *   and memory per connection once settled.
 *
 * `--repeat N` runs each scenario N times and reports medians (CPU with its
 * range); `--only REGEX` picks scenarios; `--baseline` drives
 * `baseline_server.ts`, the leanest fan-out server this generator can drive,
 * instead of Lochat, to tell Deno's and the kernel's share from Lochat's.
 *
 * Server CPU is the server's threads' run time from /proc (schedstat) before
 * and after a run, with the kernel's part (stime); peak memory is its VmHWM;
 * latency is from the moment a sender builds a message to the read that
 * brings it, on one absolute clock (the steady clients run in worker
 * threads). Results go to stdout as a table and to `bench/results.json`.
 *
 * @module
 */

import { parseArgs } from "node:util";
import {
  type ClientKind,
  clock,
  connectAll,
  TextClient,
} from "./load_client.ts";
import { IrcClient, TextTalker } from "./irc_load_client.ts";
import type { SteadyReply, SteadyRequest } from "./steady_worker.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const encoder = new TextEncoder();
const decoder = new TextDecoder();
const CLOCK_TICK_US = 1_000_000 / 100; // CLK_TCK is 100 on Linux.
const WINDOW = 20;
/**
 * V8 flags for the server: `make bench` passes the Makefile's SERVER_V8_FLAGS
 * (`--server-v8-flags=--max-semi-space-size=4,--prof` to profile as well).
 */
let serverV8Flags: string | undefined;
/** The yardstick: the leanest fan-out server the generator can drive. */
const BASELINE_SCRIPT = `${ROOT}bench/baseline_server.ts`;
/** The server under test: Lochat, or the yardstick in `baseline_server.ts`. */
let serverScript = `${ROOT}server.ts`;
/** More server flags for every run (`--server-args="--max-queue 262144"`). */
let extraServerArgs: string[] = [];

interface ServerHandle {
  pid: number;
  port: number;
  /** The web page's port (0: none, as for the baseline). */
  webPort: number;
  /** The IRC listener's port, when started with `--irc-port 0`. */
  ircPort?: number;
  process: Deno.ChildProcess;
}

/** Starts a server on 127.0.0.1:0 with flood control off, and waits for its port. */
async function startServer(extra: string[] = []): Promise<ServerHandle> {
  const process = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-all",
      ...(serverV8Flags === undefined ? [] : [`--v8-flags=${serverV8Flags}`]),
      serverScript,
      "--host",
      "127.0.0.1",
      "--port",
      "0",
      "--rate",
      "0",
      "--log",
      "off",
      "--max-per-address",
      "100000",
      "--max-connections",
      "100000",
      ...(extra.includes("--data-dir") ? [] : ["--data-dir", "none"]),
      ...extraServerArgs,
      ...extra,
    ],
    stdout: "piped",
    stderr: "inherit",
    stdin: "null",
  }).spawn();
  const reader = process.stdout.getReader();
  let text = "";
  const main = /^listening on .*:(\d+)$/m;
  // Lochat says where its web page is next; the baseline has none.
  const web = serverScript === BASELINE_SCRIPT
    ? undefined
    : /^web listening on .*:(\d+)\//m;
  const irc = /^irc listening on .*:(\d+)$/m;
  const wantIrc = extra.includes("--irc-port");
  while (
    !main.test(text) || (web !== undefined && !web.test(text)) ||
    (wantIrc && !irc.test(text))
  ) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`The server did not start: ${text}`);
    text += decoder.decode(value);
  }
  // Keep draining stdout so the server never blocks on it.
  (async () => {
    while (!(await reader.read()).done) { /* drain */ }
  })();
  return {
    pid: process.pid,
    port: Number(main.exec(text)![1]),
    webPort: web === undefined ? 0 : Number(web.exec(text)![1]),
    ...(wantIrc ? { ircPort: Number(irc.exec(text)![1]) } : {}),
    process,
  };
}

async function stopServer(server: ServerHandle): Promise<void> {
  try {
    server.process.kill("SIGTERM");
  } catch {
    // Gone already.
  }
  await server.process.status;
}

/** CPU time of a process, in µs: in all, and the kernel's part of it. */
interface CpuTime {
  total: number;
  system: number;
}

/**
 * CPU time of a process. The total is summed over its threads from
 * `/proc/PID/task/TID/schedstat` (nanoseconds), since the 10 ms clock ticks
 * of `/proc/PID/stat` would be a tenth of a short run's figure; the kernel's
 * part (stime) only comes in ticks.
 */
async function cpuTime(pid: number): Promise<CpuTime> {
  let total = 0;
  for await (const task of Deno.readDir(`/proc/${pid}/task`)) {
    try {
      const schedstat = await Deno.readTextFile(
        `/proc/${pid}/task/${task.name}/schedstat`,
      );
      total += Number(schedstat.split(" ")[0]) / 1000;
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  const stat = await Deno.readTextFile(`/proc/${pid}/stat`);
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return { total, system: Number(fields[12]) * CLOCK_TICK_US };
}

/** CPU µs per delivery between two readings: in all, and the kernel's share. */
function perDelivery(before: CpuTime, after: CpuTime, deliveries: number) {
  const system = after.system - before.system;
  return {
    serverCpuMicrosPerDelivery: (after.total - before.total) / deliveries,
    serverKernelMicrosPerDelivery: system / deliveries,
  };
}

/**
 * Resident and peak resident memory of a process, in KB, and the anonymous
 * part of the resident memory (heap and buffers, without the program's code
 * pages that the kernel reads in from its file on first use).
 */
async function memoryKb(
  pid: number,
): Promise<{ rss: number; peak: number; anon: number }> {
  const status = await Deno.readTextFile(`/proc/${pid}/status`);
  return {
    rss: Number(/VmRSS:\s+(\d+)/.exec(status)![1]),
    peak: Number(/VmHWM:\s+(\d+)/.exec(status)![1]),
    anon: Number(/RssAnon:\s+(\d+)/.exec(status)![1]),
  };
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[
    Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))
  ]!;
}

function latencyStats(
  values: number[],
): { p50: number; p99: number; max: number } {
  const sorted = Float64Array.from(values).sort();
  return {
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted[sorted.length - 1] ?? NaN,
  };
}

/** With --repeat: how many runs a row sums up, and the CPU figure's range. */
interface Repeated {
  runs?: number;
  cpuRange?: [number, number];
}

interface FanoutResult extends Repeated {
  scenario: string;
  clients: number;
  messagesPerClient: number;
  deliveries: number;
  lost: number;
  outOfOrder: number;
  seconds: number;
  deliveriesPerSecond: number;
  serverCpuMicrosPerDelivery: number;
  /** The part of it spent in the kernel (stime). */
  serverKernelMicrosPerDelivery: number;
  latencyMs: { p50: number; p99: number; max: number };
  peakRssMb: number;
  slowReaderDropped?: boolean;
}

async function fanout(
  name: string,
  clients: number,
  perClient: number,
  options: {
    onDisk?: boolean;
    slowReader?: boolean;
    /** How client `index` connects (default: native); text-mode ones only read. */
    kind?: (index: number) => ClientKind;
  } = {},
): Promise<FanoutResult> {
  // A fresh store each run: one left by an earlier run remembers the same
  // clients' message ids and would rightly take this run's as resends.
  const dataDir = options.onDisk
    ? await Deno.makeTempDir({ prefix: "lochat-bench-" })
    : undefined;
  const server = await startServer(
    dataDir === undefined ? [] : ["--data-dir", dataDir],
  );
  const latencies: number[] = [];
  let slow: Deno.TcpConn | undefined;
  try {
    if (options.slowReader) {
      slow = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
      await slow.write(
        encoder.encode('{"type":"hello","v":1,"nick":"slow"}\n'),
      );
    }
    const kindOf = options.kind ?? (() => "native");
    const all = await connectAll(
      server.port,
      clients,
      () => "lobby",
      latencies,
      {
        kind: (i) => {
          const kind = kindOf(i);
          return { kind, port: kind === "web" ? server.webPort : server.port };
        },
      },
    );
    const senders = all.filter((c) => c.kind !== "text");
    const expectedOf = (kind: ClientKind) =>
      (senders.length - (kind === "text" ? 0 : 1)) * perClient;
    const expectedAll = all.reduce((sum, c) => sum + expectedOf(c.kind), 0);
    latencies.length = 0;
    const cpu0 = await cpuTime(server.pid);
    const t0 = performance.now();
    const deadline = t0 + 120_000;
    await Promise.all(senders.map((c) => c.sendAll(perClient, WINDOW)));
    await Promise.all(all.map((c) => c.until(expectedOf(c.kind), deadline)));
    const seconds = (performance.now() - t0) / 1000;
    const cpu1 = await cpuTime(server.pid);
    const memory = await memoryKb(server.pid);
    const received = all.reduce((sum, c) => sum + c.received, 0);
    const outOfOrder = all.reduce((sum, c) => sum + c.outOfOrder, 0);
    await Promise.all(all.map((c) => c.close()));
    let slowReaderDropped: boolean | undefined;
    if (slow !== undefined) {
      // Dropped means the server closed it: reading now ends (after what it had queued).
      const buffer = new Uint8Array(1 << 20);
      const end = performance.now() + 5000;
      slowReaderDropped = false;
      while (performance.now() < end) {
        const n = await Promise.race([
          slow.read(buffer),
          new Promise<number>((r) => setTimeout(() => r(-1), 1000)),
        ]);
        if (n === null) {
          slowReaderDropped = true;
          break;
        }
        if (n === -1) break;
      }
    }
    return {
      scenario: name,
      clients,
      messagesPerClient: perClient,
      deliveries: received,
      lost: expectedAll - received,
      outOfOrder,
      seconds,
      deliveriesPerSecond: received / seconds,
      ...perDelivery(cpu0, cpu1, received),
      latencyMs: latencyStats(latencies),
      peakRssMb: memory.peak / 1024,
      ...(slowReaderDropped === undefined ? {} : { slowReaderDropped }),
    };
  } finally {
    slow?.close();
    await stopServer(server);
    if (dataDir !== undefined) await Deno.remove(dataDir, { recursive: true });
  }
}

/** How many clients of each kind share the room in a mixed fan-out. */
interface Mix {
  native: number;
  irc: number;
  text: number;
}

/**
 * Fan-out in one room at full speed with clients of every kind: native ones
 * (`load_client.ts`), IRC ones on the IRC listener and netcat-style text-mode
 * ones (`irc_load_client.ts`), each sending `perClient` lines with at most
 * `WINDOW` unanswered (an IRC line's answer is its `echo-message` echo).
 */
async function mixedFanout(
  name: string,
  mix: Mix,
  perClient: number,
): Promise<FanoutResult> {
  const server = await startServer(["--irc-port", "0"]);
  const latencies: number[] = [];
  const clients = mix.native + mix.irc + mix.text;
  try {
    const all: {
      received: number;
      outOfOrder: number;
      sendAll(count: number, window: number): Promise<void>;
      until(expected: number, deadline: number): Promise<void>;
      close(): Promise<void>;
    }[] = [];
    all.push(
      ...await connectAll(server.port, mix.native, () => "lobby", latencies, {
        senders: clients,
      }),
    );
    for (let i = 0; i < mix.irc; i += 100) {
      all.push(
        ...await Promise.all(
          Array.from(
            { length: Math.min(100, mix.irc - i) },
            (_, k) =>
              IrcClient.connect(
                server.ircPort!,
                mix.native + i + k,
                "lobby",
                latencies,
                clients,
              ),
          ),
        ),
      );
    }
    for (let i = 0; i < mix.text; i += 100) {
      all.push(
        ...await Promise.all(
          Array.from(
            { length: Math.min(100, mix.text - i) },
            (_, k) =>
              TextTalker.connect(
                server.port,
                mix.native + mix.irc + i + k,
                "lobby",
                latencies,
                clients,
              ),
          ),
        ),
      );
    }
    const expected = (clients - 1) * perClient;
    latencies.length = 0;
    const cpu0 = await cpuTime(server.pid);
    const t0 = performance.now();
    const deadline = t0 + 120_000;
    // Bounded in time: an answer that never comes shows as lost, not as a hang.
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      Promise.all(all.map((c) => c.sendAll(perClient, WINDOW))),
      new Promise((resolve) => (timer = setTimeout(resolve, 120_000))),
    ]);
    clearTimeout(timer);
    await Promise.all(all.map((c) => c.until(expected, deadline)));
    const seconds = (performance.now() - t0) / 1000;
    const cpu1 = await cpuTime(server.pid);
    const memory = await memoryKb(server.pid);
    const received = all.reduce((sum, c) => sum + c.received, 0);
    const outOfOrder = all.reduce((sum, c) => sum + c.outOfOrder, 0);
    await Promise.all(all.map((c) => c.close()));
    return {
      scenario: name,
      clients,
      messagesPerClient: perClient,
      deliveries: received,
      lost: clients * expected - received,
      outOfOrder,
      seconds,
      deliveriesPerSecond: received / seconds,
      ...perDelivery(cpu0, cpu1, received),
      latencyMs: latencyStats(latencies),
      peakRssMb: memory.peak / 1024,
    };
  } finally {
    await stopServer(server);
  }
}

/**
 * The three rooms of client `i` among `rooms`, spread so that every room
 * gets the same share (with 1000 clients and 100 rooms: 30 a room).
 */
function threeRooms(i: number, rooms: number): string[] {
  return [0, 1, 2].map((k) => `r${(i + k * 33) % rooms}`);
}

/**
 * Fan-out across rooms at full speed: `clients` in `rooms` rooms, each in
 * three, each sending `perClient` messages to its rooms in turn.
 */
async function inRooms(
  name: string,
  clients: number,
  rooms: number,
  perClient: number,
): Promise<FanoutResult> {
  const server = await startServer();
  const latencies: number[] = [];
  try {
    const all = await connectAll(
      server.port,
      clients,
      (i) => threeRooms(i, rooms),
      latencies,
    );
    const members = new Map<string, number>();
    for (const client of all) {
      for (const room of client.rooms) {
        members.set(room, (members.get(room) ?? 0) + 1);
      }
    }
    // Each member says perClient / 3 in each of its rooms.
    const share = perClient / 3;
    const expected = all.map((client) =>
      client.rooms.reduce(
        (sum, room) => sum + (members.get(room)! - 1) * share,
        0,
      )
    );
    latencies.length = 0;
    const cpu0 = await cpuTime(server.pid);
    const t0 = performance.now();
    const deadline = t0 + 120_000;
    await Promise.all(all.map((c) => c.sendAll(perClient, WINDOW)));
    await Promise.all(all.map((c, i) => c.until(expected[i]!, deadline)));
    const seconds = (performance.now() - t0) / 1000;
    const cpu1 = await cpuTime(server.pid);
    const memory = await memoryKb(server.pid);
    const received = all.reduce((sum, c) => sum + c.received, 0);
    const outOfOrder = all.reduce((sum, c) => sum + c.outOfOrder, 0);
    await Promise.all(all.map((c) => c.close()));
    const total = expected.reduce((sum, n) => sum + n, 0);
    return {
      scenario: name,
      clients,
      messagesPerClient: perClient,
      deliveries: received,
      lost: total - received,
      outOfOrder,
      seconds,
      deliveriesPerSecond: received / seconds,
      ...perDelivery(cpu0, cpu1, received),
      latencyMs: latencyStats(latencies),
      peakRssMb: memory.peak / 1024,
    };
  } finally {
    await stopServer(server);
  }
}

interface StormResult extends Repeated {
  scenario: string;
  clients: number;
  /** Resident memory added per connection once the storm has settled. */
  kbPerConnection: number;
  /** The same for anonymous memory alone (code pages read in left out). */
  anonKbPerConnection: number;
  serverRssMb: number;
  peakRssMb: number;
  /** Join notices received by all clients (native storm). */
  notices: number;
}

/**
 * A join storm: `clients` join one room at once (native clients, each told
 * of every later joiner: n(n-1)/2 notices; or silent text-mode guests),
 * then stay idle. Reports peak memory and memory per connection once the
 * server has written everything and its memory stops falling.
 */
async function joinStorm(
  clients: number,
  mode: "native" | "text",
): Promise<StormResult> {
  const server = await startServer(["--ping-interval", "0"]);
  const latencies: number[] = [];
  try {
    // Warm up with a storm of 100 of each kind, so the code every storm runs
    // is compiled and paged in before: what is measured is what stays.
    const warm = await connectAll(server.port, 100, () => "warm", latencies);
    // (The baseline has no text mode: no guests for it.)
    const guests = serverScript === BASELINE_SCRIPT
      ? []
      : await textClients(server.port, 100);
    await Promise.all(guests.map((c) => c.welcomed));
    const warmEnd = performance.now() + 10_000;
    await Promise.all(warm.map((c) =>
      c.untilCounted(
        () => warm.reduce((sum, x) => sum + x.events, 0) >= 100 * 99 / 2,
        warmEnd,
      )
    ));
    await Promise.all([...warm, ...guests].map((c) => c.close()));
    await settledRss(server.pid);
    const before = await memoryKb(server.pid);
    let notices = 0;
    let close: () => Promise<unknown>;
    if (mode === "native") {
      const all = await connectAll(
        server.port,
        clients,
        () => "storm",
        latencies,
        { senders: 0 },
      );
      const told = clients * (clients - 1) / 2;
      const deadline = performance.now() + 60_000;
      // Every notice written and read: the storm is over.
      await Promise.all(all.map((c) =>
        c.untilCounted(
          () => all.reduce((sum, x) => sum + x.events, 0) >= told,
          deadline,
        )
      ));
      notices = all.reduce((sum, c) => sum + c.events, 0);
      close = () => Promise.all(all.map((c) => c.close()));
    } else {
      const all = await textClients(server.port, clients);
      await Promise.all(all.map((c) => c.welcomed));
      close = () => Promise.all(all.map((c) => c.close()));
    }
    await settledRss(server.pid);
    const memory = await memoryKb(server.pid);
    await close();
    return {
      scenario: `join storm ${clients}, ${
        mode === "native" ? "clients" : "text mode"
      }`,
      clients,
      kbPerConnection: (memory.rss - before.rss) / clients,
      anonKbPerConnection: (memory.anon - before.anon) / clients,
      serverRssMb: memory.rss / 1024,
      peakRssMb: memory.peak / 1024,
      notices,
    };
  } finally {
    await stopServer(server);
  }
}

/** Connects `count` silent text-mode clients, a hundred at a time. */
async function textClients(port: number, count: number): Promise<TextClient[]> {
  const all: TextClient[] = [];
  for (let i = 0; i < count; i += 100) {
    all.push(
      ...await Promise.all(
        Array.from(
          { length: Math.min(100, count - i) },
          () => TextClient.connect(port),
        ),
      ),
    );
  }
  return all;
}

/**
 * The server's resident memory once it has settled: 20 s after the burst
 * (V8 gives back the pages its heap grew by some 10–15 s after the program
 * goes quiet), then once it has stopped falling for 3 s (sampled every
 * 500 ms, 20 s more at most). What the connections hold, not what a burst
 * left behind.
 */
async function settledRss(pid: number): Promise<number> {
  await new Promise((resolve) => setTimeout(resolve, 20_000));
  let last = (await memoryKb(pid)).rss;
  let steady = 0;
  const end = performance.now() + 20_000;
  while (performance.now() < end && steady < 6) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    const now = (await memoryKb(pid)).rss;
    steady = now >= last * 0.99 ? steady + 1 : 0;
    last = Math.min(now, last);
  }
  return last;
}

interface SteadyResult extends Repeated {
  scenario: string;
  clients: number;
  messagesPerSecond: number;
  seconds: number;
  deliveries: number;
  lost: number;
  latencyMs: { p50: number; p99: number; max: number };
  serverCpuMicrosPerDelivery: number;
  serverKernelMicrosPerDelivery: number;
}

/** Worker threads that run the steady scenario's clients. */
const STEADY_WORKERS = 2;

async function steady(
  clients: number,
  rate: number,
  seconds: number,
): Promise<SteadyResult> {
  const server = await startServer();
  const workers = Array.from(
    { length: STEADY_WORKERS },
    () =>
      new Worker(new URL("./steady_worker.ts", import.meta.url).href, {
        type: "module",
      }),
  );
  const ask = (worker: Worker, request: SteadyRequest) =>
    new Promise<SteadyReply>((resolve, reject) => {
      worker.onmessage = (event: MessageEvent<SteadyReply>) => {
        if (event.data.type === "failed") reject(new Error(event.data.message));
        else resolve(event.data);
      };
      worker.onerror = (event) => reject(new Error(event.message));
      worker.postMessage(request);
    });
  try {
    const share = Math.ceil(clients / STEADY_WORKERS);
    await Promise.all(workers.map((worker, w) =>
      ask(worker, {
        type: "connect",
        port: server.port,
        from: w * share,
        to: Math.min(clients, (w + 1) * share),
        clients,
      })
    ));
    const perClient = Math.round((rate * seconds) / clients);
    const interval = (1000 * clients) / rate;
    const cpu0 = await cpuTime(server.pid);
    const go: SteadyRequest = {
      type: "go",
      at: clock() + 100,
      interval,
      perClient,
      graceMs: 10_000,
    };
    const replies = await Promise.all(workers.map((w) => ask(w, go)));
    const cpu1 = await cpuTime(server.pid);
    const done = replies.filter((r) => r.type === "done");
    const received = done.reduce((sum, r) => sum + r.received, 0);
    const latencies: number[] = [];
    for (const r of done) latencies.push(...r.latencies);
    const expected = (clients - 1) * perClient;
    return {
      scenario: `steady ${rate}/s`,
      clients,
      messagesPerSecond: rate,
      seconds,
      deliveries: received,
      lost: clients * expected - received,
      latencyMs: latencyStats(latencies),
      ...perDelivery(cpu0, cpu1, received),
    };
  } finally {
    for (const worker of workers) worker.terminate();
    await stopServer(server);
  }
}

interface IdleResult extends Repeated {
  scenario: string;
  clients: number;
  kbPerConnection: number;
  serverRssMb: number;
}

async function idle(clients: number): Promise<IdleResult> {
  const server = await startServer(["--ping-interval", "0"]);
  const latencies: number[] = [];
  try {
    // Warm the server up with a few connections first, so the baseline includes
    // the code paths (JIT, buffers) every connection uses.
    const warm = await connectAll(server.port, 20, () => "warm", latencies);
    await Promise.all(warm.map((c) => c.close()));
    const before = (await memoryKb(server.pid)).rss;
    // Rooms of 100: join notices in one room of 10000 would cost 10000² deliveries.
    const all = await connectAll(
      server.port,
      clients,
      (i) => `idle${Math.floor(i / 100)}`,
      latencies,
      // No one sends: no per-sender order tables (10000² entries otherwise).
      { senders: 0 },
    );
    const after = (await memoryKb(server.pid)).rss;
    await Promise.all(all.map((c) => c.close()));
    return {
      scenario: `idle ${clients}`,
      clients,
      kbPerConnection: (after - before) / clients,
      serverRssMb: after / 1024,
    };
  } finally {
    await stopServer(server);
  }
}

/** The middle value (the mean of the two middle ones for an even count). */
function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? sorted[mid]!
    : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Each number's median across the runs of one scenario, nested objects too. */
function medianOf<T>(runs: T[]): T {
  const first = runs[0] as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(first)) {
    const values = runs.map((run) => (run as Record<string, unknown>)[key]);
    if (typeof value === "number") out[key] = median(values as number[]);
    else if (typeof value === "object" && value !== null) {
      out[key] = medianOf(values);
    } else out[key] = value;
  }
  return out as T;
}

/** One row for a scenario: the runs' medians, and the CPU figure's range. */
function summarize<
  T extends FanoutResult | SteadyResult | IdleResult | StormResult,
>(
  runs: T[],
): T {
  if (runs.length === 1) return runs[0]!;
  const summary = medianOf(runs);
  summary.runs = runs.length;
  // A loss in any run is a loss: lost counts take the worst run, not the median.
  if ("lost" in summary) {
    summary.lost = Math.max(...runs.map((r) => (r as { lost: number }).lost));
  }
  if ("outOfOrder" in summary) {
    summary.outOfOrder = Math.max(
      ...runs.map((r) => (r as FanoutResult).outOfOrder),
    );
  }
  if ("serverCpuMicrosPerDelivery" in summary) {
    const cpu = runs.map((r) => (r as FanoutResult).serverCpuMicrosPerDelivery);
    summary.cpuRange = [Math.min(...cpu), Math.max(...cpu)];
  }
  return summary;
}

function table(
  results: (FanoutResult | SteadyResult | IdleResult | StormResult)[],
): string {
  const rows = [[
    "scenario",
    "deliveries/s",
    "CPU µs/delivery",
    "kernel",
    "p50 ms",
    "p99 ms",
    "max ms",
    "lost",
    "peak RSS MB",
    "KB/conn",
    "anon KB/conn",
  ]];
  const f = (
    n: number | undefined,
    digits = 2,
  ) => (n === undefined || Number.isNaN(n) ? "" : n.toFixed(digits));
  const cpu = (r: FanoutResult | SteadyResult) =>
    f(r.serverCpuMicrosPerDelivery) +
    (r.cpuRange === undefined
      ? ""
      : ` (${f(r.cpuRange[0])}–${f(r.cpuRange[1])})`);
  const name = (r: Repeated & { scenario: string }) =>
    r.runs === undefined ? r.scenario : `${r.scenario}, median of ${r.runs}`;
  for (const r of results) {
    if ("kbPerConnection" in r) {
      rows.push([
        name(r),
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        // A storm's peak; an idle run's memory at the end.
        f("peakRssMb" in r ? r.peakRssMb : r.serverRssMb, 1),
        f(r.kbPerConnection, 1),
        f("anonKbPerConnection" in r ? r.anonKbPerConnection : undefined, 1),
      ]);
    } else if ("messagesPerSecond" in r) {
      rows.push([
        name(r),
        "",
        cpu(r),
        f(r.serverKernelMicrosPerDelivery),
        f(r.latencyMs.p50),
        f(r.latencyMs.p99),
        f(r.latencyMs.max),
        `${r.lost}`,
        "",
        "",
        "",
      ]);
    } else {
      rows.push([
        name(r) +
        (r.slowReaderDropped === undefined
          ? ""
          : r.slowReaderDropped
          ? " (slow one dropped)"
          : " (slow one kept)"),
        f(r.deliveriesPerSecond, 0),
        cpu(r),
        f(r.serverKernelMicrosPerDelivery),
        f(r.latencyMs.p50),
        f(r.latencyMs.p99),
        f(r.latencyMs.max),
        `${r.lost}${r.outOfOrder > 0 ? ` (${r.outOfOrder} out of order)` : ""}`,
        f(r.peakRssMb, 1),
        "",
        "",
      ]);
    }
  }
  const widths = rows[0]!.map((_, i) =>
    Math.max(...rows.map((row) => row[i]!.length))
  );
  return rows.map((row) =>
    row.map((
      cell,
      i,
    ) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join(
      "  ",
    )
  )
    .join("\n");
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      quick: { type: "boolean" },
      baseline: { type: "boolean" },
      only: { type: "string" },
      repeat: { type: "string", default: "1" },
      "server-v8-flags": { type: "string" },
      "server-args": { type: "string" },
      out: { type: "string", default: `${ROOT}bench/results.json` },
    },
  });
  const quick = values.quick === true;
  let only: RegExp | undefined;
  try {
    only = values.only === undefined ? undefined : new RegExp(values.only);
  } catch (error) {
    console.error(`--only takes a regular expression: ${String(error)}`);
    Deno.exit(2);
  }
  const repeat = Number(values.repeat);
  if (!Number.isInteger(repeat) || repeat < 1 || repeat > 20) {
    console.error(
      `--repeat takes a whole number from 1 to 20, not "${values.repeat}"`,
    );
    Deno.exit(2);
  }
  serverV8Flags = values["server-v8-flags"];
  const baseline = values.baseline === true;
  if (baseline) serverScript = BASELINE_SCRIPT;
  extraServerArgs = values["server-args"]?.split(" ").filter((a) => a !== "") ??
    [];
  const results: (FanoutResult | SteadyResult | IdleResult | StormResult)[] =
    [];
  const allRuns: (FanoutResult | SteadyResult | IdleResult | StormResult)[] =
    [];
  const run = async <
    T extends FanoutResult | SteadyResult | IdleResult | StormResult,
  >(
    label: string,
    job: () => Promise<T>,
  ) => {
    if (only !== undefined && !only.test(label)) return;
    const runs: T[] = [];
    for (let i = 0; i < repeat; i++) {
      console.error(`running ${label} (${i + 1} of ${repeat}) …`);
      runs.push(await job());
    }
    allRuns.push(...runs);
    results.push(summarize(runs));
  };
  await run(
    "fan-out 10 × 1000",
    () => fanout("fan-out 10×1000", 10, quick ? 200 : 1000),
  );
  await run(
    "fan-out 100 × 100",
    () => fanout("fan-out 100×100", 100, quick ? 20 : 100),
  );
  // The baseline keeps no history, so it has no on-disk run.
  if (!baseline) {
    await run(
      "fan-out 100 × 100, history on disk",
      () =>
        fanout("fan-out 100×100, on disk", 100, quick ? 20 : 100, {
          onDisk: true,
        }),
    );
  }
  await run(
    "fan-out 100 × 100 with a slow reader",
    () =>
      fanout("fan-out 100×100 + slow reader", 100, quick ? 20 : 100, {
        slowReader: true,
      }),
  );
  // The baseline has no web port.
  if (!baseline) {
    await run(
      "fan-out 100 × 100, WebSocket",
      () =>
        fanout("fan-out 100×100, WebSocket", 100, quick ? 20 : 100, {
          kind: () => "web",
        }),
    );
    await run(
      "fan-out 100 × 100, mixed WebSocket, native and text mode",
      () =>
        fanout("fan-out 100, mixed ws/native/text", 100, quick ? 20 : 100, {
          kind: (i) => (["web", "native", "text"] as const)[i % 3]!,
        }),
    );
    await run(
      "fan-out 100 × 100, IRC clients",
      () =>
        mixedFanout(
          "fan-out 100×100, IRC",
          { native: 0, irc: 100, text: 0 },
          quick ? 20 : 100,
        ),
    );
    await run(
      "fan-out 100 × 100, text mode",
      () =>
        mixedFanout(
          "fan-out 100×100, text mode",
          { native: 0, irc: 0, text: 100 },
          quick ? 20 : 100,
        ),
    );
    await run(
      "fan-out 100 × 100, IRC, native and text mode in one room",
      () =>
        mixedFanout(
          "100×100 mixed: 34 IRC, 33 native, 33 text",
          { native: 33, irc: 34, text: 33 },
          quick ? 20 : 100,
        ),
    );
  }
  await run(
    "steady 200/s across 100 clients",
    () => steady(100, 200, quick ? 3 : 10),
  );
  await run(
    "rooms: 1000 clients × 100 rooms, 3 rooms each",
    () => inRooms("1000 in 100 rooms ×3", 1000, 100, quick ? 6 : 30),
  );
  await run("idle 1000", () => idle(1000));
  if (!quick) await run("idle 10000", () => idle(10_000));
  await run("join storm 1000, clients", () => joinStorm(1000, "native"));
  // The baseline has no text mode.
  if (!baseline) {
    await run("join storm 1000, text mode", () => joinStorm(1000, "text"));
  }
  const report = {
    date: new Date().toISOString(),
    cores: navigator.hardwareConcurrency,
    deno: Deno.version.deno,
    window: WINDOW,
    repeat,
    results,
    ...(repeat > 1 ? { runs: allRuns } : {}),
  };
  await Deno.writeTextFile(values.out!, JSON.stringify(report, null, 2) + "\n");
  console.log(table(results));
  console.log(
    `\n${navigator.hardwareConcurrency} cores, Deno ${Deno.version.deno}; JSON in ${values.out}`,
  );
  const lossy = results.filter((r) => "lost" in r && r.lost > 0);
  if (lossy.length > 0) {
    console.error(
      `Messages were lost in: ${lossy.map((r) => r.scenario).join(", ")}`,
    );
    Deno.exit(1);
  }
}
