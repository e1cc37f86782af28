/**
 * The benchmark's client: a raw native-protocol connection that sends
 * numbered, timestamped messages and counts, times and checks the order of
 * what it receives. Used by `bench.ts` and by its steady-rate workers.
 * It connects over TCP (native frames, or a silent text-mode guest that only
 * reads) or over the web port's WebSocket (native frames, one a message).
 *
 * Times are absolute (`performance.timeOrigin + performance.now()`), so that a
 * message sent from one worker and received in another is timed right.
 *
 * @module
 */

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const ZERO = 0x30;

/** The whole number written in `text` from `start` to `end` (digits only). */
function digits(text: string, start: number, end: number): number {
  let n = 0;
  for (let i = start; i < end; i++) n = n * 10 + text.charCodeAt(i) - ZERO;
  return n;
}

/** Now, in milliseconds since the epoch, with the monotonic clock's precision. */
export function clock(): number {
  return performance.timeOrigin + performance.now();
}

/** How a client reaches the server. */
export type ClientKind = "native" | "web" | "text";

/** Text in and out, whatever the connection: a TCP socket or a WebSocket. */
interface Link {
  write(text: string): Promise<unknown>;
  /** The next text that came (whole lines, or the part of one), null at the end. */
  read(): Promise<string | null>;
  close(): void;
}

/** A TCP connection as a {@linkcode Link}. */
class TcpLink implements Link {
  readonly conn: Deno.TcpConn;
  #buffer = new Uint8Array(65536);
  #decoder = new TextDecoder();
  constructor(conn: Deno.TcpConn) {
    this.conn = conn;
  }
  write(text: string): Promise<number> {
    return this.conn.write(encoder.encode(text));
  }
  async read(): Promise<string | null> {
    const n = await this.conn.read(this.#buffer);
    if (n === null) return null;
    return this.#decoder.decode(this.#buffer.subarray(0, n), { stream: true });
  }
  close(): void {
    this.conn.close();
  }
}

/**
 * A WebSocket to the web port as a {@linkcode Link}: each message is a frame,
 * and gets the newline the native wire has; each line written is a message.
 */
class WebSocketLink implements Link {
  readonly ws: WebSocket;
  #queued: string[] = [];
  #ended = false;
  #wake: (() => void) | undefined;
  private constructor(ws: WebSocket) {
    this.ws = ws;
    ws.onmessage = (event) => {
      this.#queued.push(`${event.data}\n`);
      this.#notify();
    };
    ws.onclose = () => {
      this.#ended = true;
      this.#notify();
    };
  }
  /** Opens a WebSocket to the page's `/ws` with the page's Origin. */
  static open(port: number): Promise<WebSocketLink> {
    const origin = `http://127.0.0.1:${port}`;
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, {
      headers: { origin },
    });
    return new Promise((resolve, reject) => {
      ws.onopen = () => resolve(new WebSocketLink(ws));
      ws.onerror = () => reject(new Error("the WebSocket did not open"));
    });
  }
  write(text: string): Promise<void> {
    if (this.ws.readyState !== WebSocket.OPEN) return Promise.resolve();
    let start = 0;
    for (
      let end = text.indexOf("\n");
      end !== -1;
      end = text.indexOf("\n", start)
    ) {
      this.ws.send(text.slice(start, end));
      start = end + 1;
    }
    return Promise.resolve();
  }
  async read(): Promise<string | null> {
    while (this.#queued.length === 0) {
      if (this.#ended) return null;
      await new Promise<void>((resolve) => (this.#wake = resolve));
    }
    const text = this.#queued.join("");
    this.#queued.length = 0;
    return text;
  }
  close(): void {
    this.ws.close();
    this.#ended = true;
    this.#notify();
  }
  #notify(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }
}

/**
 * Waits of a load client's callers for what its reads bring: woken after
 * every read (and when the connection ends), or at their deadline.
 */
export class Wakeups {
  #waiters: (() => void)[] = [];

  /** Wakes every wait, to check again. */
  wake(): void {
    for (const wake of this.#waiters.splice(0)) wake();
  }

  /** Resolves once `done()` holds after a wake, or the deadline passes. */
  async until(done: () => boolean, deadline: number): Promise<void> {
    while (!done() && performance.now() < deadline) {
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
}

/** One benchmark client: a raw native connection that counts what it gets. */
export class Client {
  readonly link: Link;
  readonly kind: ClientKind;
  readonly index: number;
  received = 0;
  closed = false;
  acked = 0;
  outOfOrder = 0;
  /** Presence events received (joins, in a join storm). */
  events = 0;
  /** The rooms this client is in; its messages go to each in turn. */
  rooms: string[] = [];
  /** The last seq seen from each sender, by sender index. */
  #lastBySender: Int32Array;
  #rest = "";
  /** Its own streaming decoder: a character cut between reads stays with its connection. */
  #decoder = new TextDecoder();
  #onAck: (() => void) | undefined;
  #wakeups = new Wakeups();
  latencies: number[];
  #reading: Promise<void> | undefined;

  private constructor(
    link: Link,
    kind: ClientKind,
    index: number,
    latencies: number[],
    senders: number,
  ) {
    this.#lastBySender = new Int32Array(senders).fill(-1);
    this.link = link;
    this.kind = kind;
    this.index = index;
    this.latencies = latencies;
  }

  /**
   * Connects as `b<index>`: in one room as a version 1 client (`room` a
   * string), or in several as a version 3 one (an array). `web`: over the
   * WebSocket at `port` (the web port); `text`: a text-mode guest that says
   * nothing and reads the lobby.
   */
  static async connect(
    port: number,
    index: number,
    room: string | string[],
    latencies: number[],
    senders: number,
    kind: ClientKind = "native",
  ): Promise<Client> {
    const link = kind === "web"
      ? await WebSocketLink.open(port)
      : new TcpLink(await Deno.connect({ hostname: "127.0.0.1", port }));
    const client = new Client(link, kind, index, latencies, senders);
    if (kind === "text") {
      await client.#untilWelcome("You are ");
      return client;
    }
    const nick = `b${index}`;
    const hello = typeof room === "string"
      ? { type: "hello", v: 1, nick, room }
      : { type: "hello", v: 3, nick, rooms: room };
    if (typeof room !== "string") client.rooms = room;
    await client.write(JSON.stringify(hello) + "\n");
    await client.#untilWelcome('"type":"welcome"');
    return client;
  }

  write(text: string): Promise<unknown> {
    return this.link.write(text);
  }

  /** Reads until the welcome, then keeps reading in the background. */
  async #untilWelcome(welcome: string): Promise<void> {
    while (!this.#rest.includes(welcome)) {
      const text = await this.link.read();
      if (text === null) throw new Error("closed before welcome");
      this.#rest += text;
    }
    this.#rest = this.#rest.slice(
      this.#rest.indexOf("\n", this.#rest.indexOf(welcome)) + 1,
    );
    this.#reading = this.#read();
  }

  async #read(): Promise<void> {
    try {
      await this.#readLoop();
    } finally {
      // Dropped by the server (too slow) or closed: nothing more will come.
      this.closed = true;
      this.#onAck?.();
      this.#wakeups.wake();
    }
  }

  /**
   * Scans what arrives with as little work a line as it can: at a million
   * deliveries a second the generator is the slower side, and a server whose
   * readers lag pays more per delivery (in the kernel) than one whose do not.
   */
  async #readLoop(): Promise<void> {
    try {
      while (true) {
        const decoded = await this.link.read();
        if (decoded === null) return;
        // Every line of one read arrived at the same moment.
        const now = clock();
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
        this.#wakeups.wake();
      }
    } catch {
      // Closed.
    }
  }

  #line(text: string, start: number, now: number): void {
    const message = text.startsWith('{"type":"msg"', start);
    // Text mode: "[hh:mm] <b12> 12:3:1732467600000".
    const said = !message && this.kind === "text" &&
      text.startsWith("] <b", start + 6);
    if (message || said) {
      // The text is "sender:seq:sentAt"; read it without parsing the frame.
      const at = message
        ? text.indexOf('"text":"', start) + 8
        : text.indexOf("> ", start) + 2;
      const colon = text.indexOf(":", at);
      const sender = digits(text, at, colon);
      const colon2 = text.indexOf(":", colon + 1);
      const seq = digits(text, colon + 1, colon2);
      const sentAt = message
        ? Number(text.slice(colon2 + 1, text.indexOf('"', colon2)))
        : Number(text.slice(colon2 + 1, text.indexOf("\n", colon2)));
      this.latencies.push(now - sentAt);
      // In rooms, a reader sees the messages of the rooms it shares with
      // the sender: each sender's numbers only ever go up.
      if (seq <= this.#lastBySender[sender]!) this.outOfOrder++;
      this.#lastBySender[sender] = seq;
      this.received++;
    } else if (text.startsWith('{"type":"ack"', start)) {
      this.acked++;
      this.#onAck?.();
    } else if (text.startsWith('{"type":"event"', start)) {
      this.events++;
    }
  }

  /** Sends `count` messages, at most `window` unacknowledged at a time. */
  async sendAll(count: number, window: number): Promise<void> {
    let sent = 0;
    const pump = async () => {
      let batch = "";
      while (sent < count && sent - this.acked < window) {
        const rooms = this.rooms;
        batch += JSON.stringify({
          type: "msg",
          id: `${sent}`,
          text: `${this.index}:${sent}:${clock()}`,
          ...(rooms.length === 0 ? {} : { room: rooms[sent % rooms.length] }),
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
        text: `${this.index}:${seq}:${clock()}`,
      }) + "\n",
    )
      .catch(() => {});
  }

  /** Waits until `expected` messages have arrived, or the deadline passes. */
  until(expected: number, deadline: number): Promise<void> {
    return this.untilCounted(() => this.received >= expected, deadline);
  }

  /** Waits until `done()` holds after a read, or the deadline passes. */
  untilCounted(done: () => boolean, deadline: number): Promise<void> {
    return this.#wakeups.until(() => done() || this.closed, deadline);
  }

  async close(): Promise<void> {
    try {
      this.link.close();
    } catch {
      // Closed.
    }
    await this.#reading;
  }
}

/**
 * Connects `count` clients, a hundred at a time, each in `room(index)`.
 * Indexes start at `first` (default 0); `senders` is how many clients send
 * in all (default `count`), for the receivers' order checks.
 */
export async function connectAll(
  port: number,
  count: number,
  room: (index: number) => string | string[],
  latencies: number[],
  options: {
    first?: number;
    senders?: number;
    /** How client `index` connects, and to which port; default native. */
    kind?: (index: number) => { kind: ClientKind; port: number };
  } = {},
): Promise<Client[]> {
  const first = options.first ?? 0;
  const senders = options.senders ?? count;
  const clients: Client[] = [];
  for (let i = 0; i < count; i += 100) {
    const batch = Array.from({ length: Math.min(100, count - i) }, (_, k) => {
      const index = first + i + k;
      const how = options.kind?.(index) ?? { kind: "native", port };
      return Client.connect(
        how.port,
        index,
        room(index),
        latencies,
        senders,
        how.kind,
      );
    });
    clients.push(...await Promise.all(batch));
  }
  return clients;
}

/**
 * A netcat-style client that says nothing: it becomes a text-mode guest
 * once the server stops waiting for a hello, and reads whatever comes.
 */
export class TextClient {
  readonly conn: Deno.TcpConn;
  #reading: Promise<void>;
  #welcomed!: () => void;
  /** Resolves once the server has said who this guest is. */
  readonly welcomed: Promise<void>;

  private constructor(conn: Deno.TcpConn) {
    this.conn = conn;
    this.welcomed = new Promise((resolve) => (this.#welcomed = resolve));
    this.#reading = this.#read();
  }

  /** Connects to 127.0.0.1:`port`. */
  static async connect(port: number): Promise<TextClient> {
    return new TextClient(await Deno.connect({ hostname: "127.0.0.1", port }));
  }

  async #read(): Promise<void> {
    const buffer = new Uint8Array(4096);
    let seen = "";
    let welcomed = false;
    try {
      while (true) {
        const n = await this.conn.read(buffer);
        if (n === null) return;
        if (welcomed) continue;
        seen += decoder.decode(buffer.subarray(0, n));
        if (seen.includes("You are ")) {
          welcomed = true;
          this.#welcomed();
        }
      }
    } catch {
      // Closed.
    } finally {
      this.#welcomed();
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
