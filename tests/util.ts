/**
 * Test helpers: real servers and clients as processes on port 0, raw TCP
 * peers, and in-memory transports for unit tests.
 *
 * Every wait here waits for an event (a line that matches, a process that
 * exits) and fails with what it saw after a deadline; none sleeps to
 * synchronise.
 *
 * @module
 */

import { readLines } from "../lib/shared/lines.ts";
import type { ServerFrame } from "../lib/shared/protocol.ts";
import { decodeServerFrame } from "../lib/shared/protocol.ts";
import type { Hub } from "../lib/server/hub.ts";
import { Session } from "../lib/server/session.ts";

/** The repository's root directory. */
export const ROOT = new URL("..", import.meta.url).pathname;

/** How long any single wait may take before the test fails. */
export const DEADLINE_MS = 15_000;

const encoder = new TextEncoder();

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

/** A running program with its output collected line by line. */
export class Program implements AsyncDisposable {
  readonly process: Deno.ChildProcess;
  readonly stdout: LineLog;
  readonly stderr: LineLog;
  #stdin: WritableStreamDefaultWriter<Uint8Array> | undefined;
  #status: Promise<Deno.CommandStatus>;

  constructor(
    command: string,
    args: string[],
    options: { label: string; env?: Record<string, string> },
  ) {
    this.process = new Deno.Command(command, {
      args,
      cwd: ROOT,
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1", ...options.env },
    }).spawn();
    this.#stdin = this.process.stdin.getWriter();
    this.stdout = new LineLog(
      streamReader(this.process.stdout),
      `${options.label} stdout`,
    );
    this.stderr = new LineLog(
      streamReader(this.process.stderr),
      `${options.label} stderr`,
    );
    this.#status = this.process.status;
  }

  /** Writes lines to the program's stdin. */
  async write(...lines: string[]): Promise<void> {
    await this.#stdin!.write(
      encoder.encode(lines.map((l) => `${l}\n`).join("")),
    );
  }

  /** Closes stdin: the program sees EOF. */
  async closeStdin(): Promise<void> {
    if (this.#stdin === undefined) return;
    const writer = this.#stdin;
    this.#stdin = undefined;
    await writer.close().catch(() => {});
  }

  /** Waits for the program to exit and returns its exit code. */
  async exitCode(deadlineMs = DEADLINE_MS): Promise<number> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`did not exit within ${deadlineMs} ms`)),
        deadlineMs,
      );
    });
    try {
      const status = await Promise.race([this.#status, timeout]);
      await Promise.all([this.stdout.done, this.stderr.done]);
      return status.code;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Sends a signal, if the program still runs. */
  kill(signal: Deno.Signal = "SIGTERM"): void {
    try {
      this.process.kill(signal);
    } catch {
      // Already gone.
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.closeStdin();
    this.kill("SIGKILL");
    await this.#status;
    await Promise.all([this.stdout.done, this.stderr.done]);
  }
}

type ReaderLike = { read(buffer: Uint8Array): Promise<number | null> };

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

/** How an entry point is run: from source, or as a bundled or compiled program. */
export type Launcher = (
  entry: "server" | "client",
) => { command: string; args: string[]; env?: Record<string, string> };

/** Runs `server.ts` / `client.ts` from source with the deno running the tests. */
export const fromSource: Launcher = (entry) => ({
  command: Deno.execPath(),
  args: ["run", "--allow-all", `${entry}.ts`],
});

/** A server process on 127.0.0.1 and an ephemeral port. */
export class ServerProcess extends Program {
  port = 0;

  /** Starts a server and waits until it says where it listens. */
  static async start(
    args: string[] = [],
    launcher: Launcher = fromSource,
  ): Promise<ServerProcess> {
    const { command, args: base, env } = launcher("server");
    // Tests keep history in memory unless they name a data directory.
    const hostArgs = [
      "--host",
      "127.0.0.1",
      ...(args.includes("--port") ? [] : ["--port", "0"]),
      ...(args.includes("--data-dir") ? [] : ["--data-dir", "none"]),
    ];
    const server = new ServerProcess(command, [...base, ...hostArgs, ...args], {
      label: "server",
      ...(env === undefined ? {} : { env }),
    });
    try {
      const line = await server.stdout.waitFor(/^listening on /);
      server.port = Number(line.slice(line.lastIndexOf(":") + 1));
    } catch (error) {
      await server[Symbol.asyncDispose]();
      throw new Error(
        `The server did not start: ${error}\nIts stderr:\n${
          server.stderr.lines.join("\n")
        }`,
      );
    }
    return server;
  }
}

/** Starts `lochat-client` against a server. */
export function startClient(
  port: number,
  args: string[] = [],
  launcher: Launcher = fromSource,
): Program {
  const { command, args: base, env } = launcher("client");
  const hostArgs = ["--host", "127.0.0.1", "--port", String(port)];
  return new Program(command, [...base, ...hostArgs, ...args], {
    label: `client ${args.join(" ")}`,
    ...(env === undefined ? {} : { env }),
  });
}

/** A raw TCP peer: what a netcat user or a hand-written client sees. */
export class RawPeer implements Disposable {
  readonly conn: Deno.TcpConn;
  readonly log: LineLog;

  private constructor(conn: Deno.TcpConn, label: string) {
    this.conn = conn;
    this.log = new LineLog(conn, label);
  }

  /** Connects to the server on 127.0.0.1:`port`. */
  static async connect(port: number, label = "peer"): Promise<RawPeer> {
    return new RawPeer(
      await Deno.connect({ hostname: "127.0.0.1", port }),
      label,
    );
  }

  /** Connects as a native client with `nick` and waits for the welcome. */
  static async native(
    port: number,
    nick: string,
    room?: string,
  ): Promise<RawPeer> {
    const peer = await RawPeer.connect(port, nick);
    await peer.send(
      room === undefined
        ? { type: "hello", v: 1, nick }
        : { type: "hello", v: 1, nick, room },
    );
    await peer.frame((f) => f.type === "welcome");
    return peer;
  }

  /** Writes raw bytes or text. */
  async write(data: string | Uint8Array): Promise<void> {
    const bytes = typeof data === "string" ? encoder.encode(data) : data;
    let written = 0;
    while (written < bytes.length) {
      written += await this.conn.write(bytes.subarray(written));
    }
  }

  /** Writes one JSON frame. */
  send(frame: unknown): Promise<void> {
    return this.write(`${JSON.stringify(frame)}\n`);
  }

  /** Waits for the next frame that satisfies `match`. */
  async frame(
    match: (frame: ServerFrame) => boolean = () => true,
    deadlineMs = DEADLINE_MS,
  ): Promise<ServerFrame> {
    const line = await this.log.waitFor((line) => {
      const decoded = decodeServerFrame(line);
      return decoded.ok && match(decoded.frame);
    }, deadlineMs);
    const decoded = decodeServerFrame(line);
    if (!decoded.ok) throw new Error("unreachable");
    return decoded.frame;
  }

  /** All frames received so far (banner and other lines skipped). */
  frames(): ServerFrame[] {
    return this.log.lines.flatMap((line) => {
      const decoded = decodeServerFrame(line);
      return decoded.ok ? [decoded.frame] : [];
    });
  }

  [Symbol.dispose](): void {
    try {
      this.conn.close();
    } catch {
      // Closed already.
    }
  }

  /** Closes and waits until the reader has stopped. */
  async close(): Promise<void> {
    this[Symbol.dispose]();
    await this.log.done;
  }
}

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

/**
 * A program in a real pseudo-terminal: a tmux session on a private server
 * socket, killed when disposed.
 */
export class Tmux implements AsyncDisposable {
  readonly socket = `lochat-test-${crypto.randomUUID().slice(0, 8)}`;
  readonly columns: number;
  readonly rows: number;

  private constructor(columns: number, rows: number) {
    this.columns = columns;
    this.rows = rows;
  }

  /** Starts `command` (a shell command line) in a new session of the given size. */
  static async start(
    command: string,
    options: { columns?: number; rows?: number } = {},
  ): Promise<Tmux> {
    const tmux = new Tmux(options.columns ?? 80, options.rows ?? 24);
    await tmux.#run(
      "new-session",
      "-d",
      "-s",
      "main",
      "-x",
      String(tmux.columns),
      "-y",
      String(tmux.rows),
      `cd '${ROOT}' && ${command}`,
    );
    // Keep the pane after the program exits, so its last screen can be read.
    await tmux.#run("set-option", "-t", "main", "remain-on-exit", "on");
    return tmux;
  }

  /** Changes the window's size, as a person dragging the terminal would. */
  async resize(columns: number, rows: number): Promise<void> {
    await this.#run(
      "resize-window",
      "-t",
      "main",
      "-x",
      String(columns),
      "-y",
      String(rows),
    );
  }

  /** Types text literally. */
  async type(text: string): Promise<void> {
    await this.#run("send-keys", "-t", "main", "-l", text);
  }

  /** Presses keys by tmux name: `Enter`, `Left`, `C-a`, `BSpace`, `Tab`. */
  async press(...keys: string[]): Promise<void> {
    await this.#run("send-keys", "-t", "main", ...keys);
  }

  /** The screen, one string per row, trailing spaces trimmed. */
  async screen(): Promise<string[]> {
    const out = await this.#run("capture-pane", "-t", "main", "-p");
    return out.replace(/\n$/, "").split("\n").map((row) => row.trimEnd());
  }

  /** The screen with its colour and style escapes, as one string. */
  async styledScreen(): Promise<string> {
    return await this.#run("capture-pane", "-t", "main", "-p", "-e");
  }

  /** A tmux format about the pane, such as `#{window_bell_flag}`. */
  async display(format: string): Promise<string> {
    return (await this.#run("display-message", "-t", "main", "-p", format))
      .trim();
  }

  /** The cursor's column and row, 0-based. */
  async cursor(): Promise<{ x: number; y: number }> {
    const out = await this.#run(
      "display-message",
      "-t",
      "main",
      "-p",
      "#{cursor_x},#{cursor_y}",
    );
    const [x, y] = out.trim().split(",").map(Number);
    return { x: x!, y: y! };
  }

  /**
   * Waits until the screen satisfies `match`; tmux has no change events, so
   * this looks every 20 ms until the deadline, then fails with the screen.
   */
  async waitFor(
    match: (screen: string[]) => boolean,
    deadlineMs = DEADLINE_MS,
  ): Promise<string[]> {
    const started = Date.now();
    while (true) {
      const screen = await this.screen();
      if (match(screen)) return screen;
      if (Date.now() - started > deadlineMs) {
        throw new Error(
          `The screen did not show what was expected within ${deadlineMs} ms:\n${
            screen.join("\n")
          }`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** Waits until the cursor is in column `x`; returns where it is. */
  async waitForCursor(
    x: number,
    deadlineMs = DEADLINE_MS,
  ): Promise<{ x: number; y: number }> {
    const started = Date.now();
    while (true) {
      const cursor = await this.cursor();
      if (cursor.x === x) return cursor;
      if (Date.now() - started > deadlineMs) {
        throw new Error(
          `The cursor stayed in column ${cursor.x}, not ${x}:\n${
            (await this.screen()).join("\n")
          }`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** Waits until the screen has a row containing `text`. */
  waitForText(text: string): Promise<string[]> {
    return this.waitFor((screen) => screen.some((row) => row.includes(text)));
  }

  async #run(...args: string[]): Promise<string> {
    const output = await new Deno.Command("tmux", {
      args: ["-L", this.socket, ...args],
      stdin: "null",
    }).output();
    if (!output.success) {
      throw new Error(
        `tmux ${args[0]} failed: ${new TextDecoder().decode(output.stderr)}`,
      );
    }
    return new TextDecoder().decode(output.stdout);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await new Deno.Command("tmux", {
      args: ["-L", this.socket, "kill-server"],
      stdin: "null",
    }).output();
  }
}

/**
 * Two network namespaces joined by a veth pair: two hosts of a private LAN
 * that exists only for the test (needs root). Nothing here touches a real
 * interface; every address is inside the namespaces (netns).
 */
export class NetnsPair implements AsyncDisposable {
  readonly a: string;
  readonly b: string;
  /** The two hosts' addresses on the veth link, inside the netns pair. */
  readonly addressA: string;
  readonly addressB: string;

  private constructor(id: string, subnet: number, ipv6: boolean) {
    this.a = `lochat-a-${id}`;
    this.b = `lochat-b-${id}`;
    const hex = subnet.toString(16);
    // Unique-local IPv6 or private IPv4, inside the netns pair only.
    this.addressA = ipv6
      ? `fd77:${hex}::1`
      : `10.${subnet >> 8}.${subnet & 255}.1`; // netns only
    this.addressB = ipv6
      ? `fd77:${hex}::2`
      : `10.${subnet >> 8}.${subnet & 255}.2`; // netns only
  }

  /** True when this machine lets the tests make namespaces (root, iproute2). */
  static available(): boolean {
    if (Deno.uid() !== 0) return false;
    const probe = `lochat-probe-${crypto.randomUUID().slice(0, 6)}`;
    try {
      const made = new Deno.Command("ip", {
        args: ["netns", "add", probe],
        stderr: "null",
      }).outputSync();
      if (!made.success) return false;
      new Deno.Command("ip", { args: ["netns", "del", probe] }).outputSync();
      return true;
    } catch {
      return false;
    }
  }

  /** Makes the namespaces, the link and the addresses. */
  /** With `ipv6`, the link carries IPv6 only (unique-local addresses). */
  static async create(options: { ipv6?: boolean } = {}): Promise<NetnsPair> {
    const id = crypto.randomUUID().slice(0, 6);
    const ipv6 = options.ipv6 === true;
    const pair = new NetnsPair(id, 1 + Math.floor(Math.random() * 60000), ipv6);
    const prefix = ipv6 ? "64" : "24";
    const family = ipv6 ? ["-6"] : [];
    const noDad = ipv6 ? ["nodad"] : [];
    const vethA = `lva${id}`;
    const vethB = `lvb${id}`;
    const steps = [
      ["netns", "add", pair.a],
      ["netns", "add", pair.b],
      ["link", "add", vethA, "type", "veth", "peer", "name", vethB],
      ["link", "set", vethA, "netns", pair.a],
      ["link", "set", vethB, "netns", pair.b],
      [
        "-n",
        pair.a,
        ...family,
        "addr",
        "add",
        `${pair.addressA}/${prefix}`,
        "dev",
        vethA,
        ...noDad,
      ],
      [
        "-n",
        pair.b,
        ...family,
        "addr",
        "add",
        `${pair.addressB}/${prefix}`,
        "dev",
        vethB,
        ...noDad,
      ],
      ["-n", pair.a, "link", "set", vethA, "up", "multicast", "on"],
      ["-n", pair.b, "link", "set", vethB, "up", "multicast", "on"],
      ["-n", pair.a, "link", "set", "lo", "up"],
      ["-n", pair.b, "link", "set", "lo", "up"],
    ];
    try {
      for (const args of steps) {
        const out = await new Deno.Command("ip", { args, stdin: "null" })
          .output();
        if (!out.success) {
          throw new Error(
            `ip ${args.join(" ")}: ${new TextDecoder().decode(out.stderr)}`,
          );
        }
      }
    } catch (error) {
      await pair[Symbol.asyncDispose]();
      throw error;
    }
    return pair;
  }

  /** Runs `deno run --allow-all FILE ARGS` inside namespace `ns`. */
  run(ns: string, file: string, args: string[], label: string): Program {
    return new Program("ip", [
      "netns",
      "exec",
      ns,
      Deno.execPath(),
      "run",
      "--allow-all",
      file,
      ...args,
    ], { label });
  }

  async [Symbol.asyncDispose](): Promise<void> {
    for (const ns of [this.a, this.b]) {
      await new Deno.Command("ip", {
        args: ["netns", "del", ns],
        stderr: "null",
        stdin: "null",
      }).output();
    }
  }
}

/**
 * A hub whose every dial gets a fresh {@linkcode Session} over a memory pair:
 * a whole server in memory, for client-side unit tests.
 */
export function memoryServer(hub: Hub): {
  dial: () => Promise<MemoryEnd>;
  sessions: Promise<void>[];
  ends: MemoryEnd[];
} {
  const sessions: Promise<void>[] = [];
  const ends: MemoryEnd[] = [];
  const dial = () => {
    const [server, client] = memoryPair();
    const session = new Session(server, {
      hub,
      peer: "memory",
      serverName: "test",
      maxLineBytes: 1024,
      maxQueueBytes: 1 << 20,
      helloWaitMs: 60_000,
      log: () => {},
    });
    sessions.push(session.run());
    ends.push(client);
    return Promise.resolve(client);
  };
  return { dial, sessions, ends };
}
