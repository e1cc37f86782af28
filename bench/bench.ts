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
 * - latency at a steady 200 messages a second across 100 clients;
 * - idle cost: server memory per connection with 1000 and 10000 idle clients.
 *
 * `--repeat N` runs each scenario N times and reports medians (CPU with its
 * range); `--only REGEX` picks scenarios; `--baseline` drives
 * `baseline_server.ts`, the leanest fan-out server this generator can drive,
 * instead of Lochat, to tell Deno's and the kernel's share from Lochat's.
 *
 * Server CPU is the server's threads' run time from /proc (schedstat) before
 * and after a run, with the kernel's part (stime); peak memory is its VmHWM;
 * latency is from a sender's `performance.now()` to the read that brought the
 * message, both in this process. Results go to stdout as a table and to
 * `bench/results.json`.
 *
 * @module
 */

import { parseArgs } from "node:util";

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
/** The server under test: Lochat, or the yardstick in `baseline_server.ts`. */
let serverScript = `${ROOT}server.ts`;
/** More server flags for every run (`--server-args="--max-queue 262144"`). */
let extraServerArgs: string[] = [];

interface ServerHandle {
  pid: number;
  port: number;
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
  while (!/listening on .*:(\d+)/.test(text)) {
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
    port: Number(/listening on .*:(\d+)/.exec(text)![1]),
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

/** Resident and peak resident memory of a process, in KB. */
async function memoryKb(pid: number): Promise<{ rss: number; peak: number }> {
  const status = await Deno.readTextFile(`/proc/${pid}/status`);
  return {
    rss: Number(/VmRSS:\s+(\d+)/.exec(status)![1]),
    peak: Number(/VmHWM:\s+(\d+)/.exec(status)![1]),
  };
}

/** One benchmark client: a raw native connection that counts what it gets. */
class Client {
  readonly conn: Deno.TcpConn;
  readonly index: number;
  received = 0;
  closed = false;
  acked = 0;
  outOfOrder = 0;
  /** The last seq seen from each sender, by sender index. */
  #lastBySender: Int32Array;
  #rest = "";
  #onAck: (() => void) | undefined;
  #waiters: (() => void)[] = [];
  latencies: number[];
  #reading: Promise<void> | undefined;

  private constructor(
    conn: Deno.TcpConn,
    index: number,
    latencies: number[],
    senders: number,
  ) {
    this.#lastBySender = new Int32Array(senders).fill(-1);
    this.conn = conn;
    this.index = index;
    this.latencies = latencies;
  }

  static async connect(
    port: number,
    index: number,
    room: string,
    latencies: number[],
    senders: number,
  ): Promise<Client> {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    const client = new Client(conn, index, latencies, senders);
    await client.write(
      JSON.stringify({ type: "hello", v: 1, nick: `b${index}`, room }) + "\n",
    );
    await client.#untilWelcome();
    return client;
  }

  write(text: string): Promise<number> {
    return this.conn.write(encoder.encode(text));
  }

  /** Reads until the welcome, then keeps reading in the background. */
  async #untilWelcome(): Promise<void> {
    const buffer = new Uint8Array(65536);
    while (!this.#rest.includes('"type":"welcome"')) {
      const n = await this.conn.read(buffer);
      if (n === null) throw new Error("closed before welcome");
      this.#rest += decoder.decode(buffer.subarray(0, n), { stream: true });
    }
    this.#rest = this.#rest.slice(
      this.#rest.indexOf("\n", this.#rest.indexOf('"type":"welcome"')) + 1,
    );
    this.#reading = this.#read(buffer);
  }

  async #read(buffer: Uint8Array): Promise<void> {
    try {
      await this.#readLoop(buffer);
    } finally {
      // Dropped by the server (too slow) or closed: nothing more will come.
      this.closed = true;
      this.#onAck?.();
      for (const wake of this.#waiters.splice(0)) wake();
    }
  }

  /**
   * Scans what arrives with as little work a line as it can: at a million
   * deliveries a second the generator is the slower side, and a server whose
   * readers lag pays more per delivery (in the kernel) than one whose do not.
   */
  async #readLoop(buffer: Uint8Array): Promise<void> {
    try {
      while (true) {
        const n = await this.conn.read(buffer);
        if (n === null) return;
        // Every line of one read arrived at the same moment.
        const now = performance.now();
        const decoded = decoder.decode(buffer.subarray(0, n), { stream: true });
        const text = this.#rest === "" ? decoded : this.#rest + decoded;
        let start = 0;
        for (
          let end = text.indexOf("\n");
          end !== -1;
          end = text.indexOf("\n", start)
        ) {
          this.#line(text, start, now);
          start = end + 1;
        }
        this.#rest = start === text.length ? "" : text.slice(start);
        for (const wake of this.#waiters.splice(0)) wake();
      }
    } catch {
      // Closed.
    }
  }

  #line(text: string, start: number, now: number): void {
    if (text.startsWith('{"type":"msg"', start)) {
      // The text is "sender:seq:sentAt"; read it without parsing the frame.
      let at = text.indexOf('"text":"', start) + 8;
      let sender = 0;
      for (
        let c = text.charCodeAt(at++);
        c !== COLON;
        c = text.charCodeAt(at++)
      ) {
        sender = sender * 10 + c - ZERO;
      }
      let seq = 0;
      for (
        let c = text.charCodeAt(at++);
        c !== COLON;
        c = text.charCodeAt(at++)
      ) {
        seq = seq * 10 + c - ZERO;
      }
      const sentAt = Number(text.slice(at, text.indexOf('"', at)));
      this.latencies.push(now - sentAt);
      if (seq !== this.#lastBySender[sender]! + 1) this.outOfOrder++;
      this.#lastBySender[sender] = seq;
      this.received++;
    } else if (text.startsWith('{"type":"ack"', start)) {
      this.acked++;
      this.#onAck?.();
    }
  }

  /** Sends `count` messages, at most `window` unacknowledged at a time. */
  async sendAll(count: number, window: number): Promise<void> {
    let sent = 0;
    const pump = async () => {
      let batch = "";
      while (sent < count && sent - this.acked < window) {
        batch += JSON.stringify({
          type: "msg",
          id: `${sent}`,
          text: `${this.index}:${sent}:${performance.now()}`,
        }) + "\n";
        sent++;
      }
      if (batch !== "") await this.write(batch).catch(() => {});
    };
    await new Promise<void>((resolve) => {
      this.#onAck = () => {
        if (this.acked >= count || this.closed) resolve();
        else pump();
      };
      pump();
    });
    this.#onAck = undefined;
  }

  /** Sends one message now. */
  send(seq: number): void {
    this.write(
      JSON.stringify({
        type: "msg",
        id: `${seq}`,
        text: `${this.index}:${seq}:${performance.now()}`,
      }) + "\n",
    )
      .catch(() => {});
  }

  /** Waits until `expected` messages have arrived, or the deadline passes. */
  async until(expected: number, deadline: number): Promise<void> {
    while (
      this.received < expected && !this.closed && performance.now() < deadline
    ) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(
          resolve,
          Math.max(0, deadline - performance.now()),
        );
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  async close(): Promise<void> {
    try {
      this.conn.close();
    } catch {
      // Closed.
    }
    await this.#reading;
  }
}

const COLON = 0x3a;
const ZERO = 0x30;

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

async function connectAll(
  port: number,
  count: number,
  room: (i: number) => string,
  latencies: number[],
) {
  const clients: Client[] = [];
  for (let i = 0; i < count; i += 100) {
    const batch = Array.from(
      { length: Math.min(100, count - i) },
      (_, k) => Client.connect(port, i + k, room(i + k), latencies, count),
    );
    clients.push(...await Promise.all(batch));
  }
  return clients;
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
  options: { onDisk?: boolean; slowReader?: boolean } = {},
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
    const all = await connectAll(
      server.port,
      clients,
      () => "lobby",
      latencies,
    );
    const expected = (clients - 1) * perClient;
    latencies.length = 0;
    const cpu0 = await cpuTime(server.pid);
    const t0 = performance.now();
    const deadline = t0 + 120_000;
    await Promise.all(all.map((c) => c.sendAll(perClient, WINDOW)));
    await Promise.all(all.map((c) => c.until(expected, deadline)));
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
      lost: clients * expected - received,
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

async function steady(
  clients: number,
  rate: number,
  seconds: number,
): Promise<SteadyResult> {
  const server = await startServer();
  const latencies: number[] = [];
  try {
    const all = await connectAll(
      server.port,
      clients,
      () => "lobby",
      latencies,
    );
    latencies.length = 0;
    const perClient = Math.round((rate * seconds) / clients);
    const interval = (1000 * clients) / rate;
    const cpu0 = await cpuTime(server.pid);
    await Promise.all(all.map((client, i) =>
      new Promise<void>((resolve) => {
        let seq = 0;
        // Stagger the clients evenly across one interval.
        setTimeout(() => {
          const timer = setInterval(() => {
            client.send(seq++);
            if (seq >= perClient) {
              clearInterval(timer);
              resolve();
            }
          }, interval);
        }, (interval * i) / clients);
      })
    ));
    const expected = (clients - 1) * perClient;
    const deadline = performance.now() + 10_000;
    await Promise.all(all.map((c) => c.until(expected, deadline)));
    const cpu1 = await cpuTime(server.pid);
    const received = all.reduce((sum, c) => sum + c.received, 0);
    await Promise.all(all.map((c) => c.close()));
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
function summarize<T extends FanoutResult | SteadyResult | IdleResult>(
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

function table(results: (FanoutResult | SteadyResult | IdleResult)[]): string {
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
        f(r.serverRssMb, 1),
        f(r.kbPerConnection, 1),
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
  const only = values.only === undefined ? undefined : new RegExp(values.only);
  const repeat = Number(values.repeat);
  if (!Number.isInteger(repeat) || repeat < 1 || repeat > 20) {
    console.error(
      `--repeat takes a whole number from 1 to 20, not "${values.repeat}"`,
    );
    Deno.exit(2);
  }
  serverV8Flags = values["server-v8-flags"];
  const baseline = values.baseline === true;
  if (baseline) serverScript = `${ROOT}bench/baseline_server.ts`;
  extraServerArgs = values["server-args"]?.split(" ").filter((a) => a !== "") ??
    [];
  const results: (FanoutResult | SteadyResult | IdleResult)[] = [];
  const allRuns: (FanoutResult | SteadyResult | IdleResult)[] = [];
  const run = async <T extends FanoutResult | SteadyResult | IdleResult>(
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
  await run(
    "steady 200/s across 100 clients",
    () => steady(100, 200, quick ? 3 : 10),
  );
  await run("idle 1000", () => idle(1000));
  if (!quick) await run("idle 10000", () => idle(10_000));
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
