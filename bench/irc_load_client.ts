/**
 * The benchmark's other talkers: {@linkcode IrcClient}, an IRC connection
 * to the server's IRC listener, and {@linkcode TextTalker}, a netcat-style
 * text-mode connection on the native port. Both send the numbered,
 * timestamped lines of `load_client.ts` (`sender:seq:sentAt`) and count,
 * time and order-check the ones they receive, so a room can mix them with
 * native clients.
 *
 * Each sender keeps at most a window of lines unanswered. A text-mode line
 * is answered by `Message Received …`; an IRC line has no answer on
 * success, so the IRC client asks for `echo-message` and takes the echo of
 * its own line as the answer (without the capability it falls back to a
 * `PING` after each line, whose `PONG` comes after the line was handled).
 *
 * @module
 */

import { clock, Wakeups } from "./load_client.ts";

const encoder = new TextEncoder();
const ZERO = 0x30;

/** The whole number written in `text` from `start` to `end` (digits only). */
function digits(text: string, start: number, end: number): number {
  let n = 0;
  for (let i = start; i < end; i++) n = n * 10 + text.charCodeAt(i) - ZERO;
  return n;
}

/**
 * A connection that sends numbered lines with a window and counts the
 * numbered lines it receives; subclasses say how a line is written and how
 * a received line is read.
 */
abstract class Talker {
  readonly conn: Deno.TcpConn;
  readonly index: number;
  received = 0;
  acked = 0;
  outOfOrder = 0;
  closed = false;
  /** The room this client's lines go to. */
  room = "lobby";
  latencies: number[];
  #lastBySender: Int32Array;
  #rest = "";
  /**
   * This connection's own decoder: a streaming decoder keeps the start of a
   * character cut between reads (text mode's ✓), which must not end up in
   * another connection's text.
   */
  #decoder = new TextDecoder();
  #wakeups = new Wakeups();
  #onAck: (() => void) | undefined;
  #reading: Promise<void> | undefined;

  constructor(
    conn: Deno.TcpConn,
    index: number,
    latencies: number[],
    senders: number,
  ) {
    this.conn = conn;
    this.index = index;
    this.latencies = latencies;
    this.#lastBySender = new Int32Array(senders).fill(-1);
  }

  write(text: string): Promise<number> {
    return this.conn.write(encoder.encode(text));
  }

  /**
   * Reads in the foreground until `found(text)` gives the position of a
   * line; returns the text up to the end of that line and keeps the rest
   * for later.
   */
  protected async expect(
    found: (text: string) => number,
    deadlineMs = 30_000,
  ): Promise<string> {
    const buffer = new Uint8Array(65536);
    const end = performance.now() + deadlineMs;
    while (true) {
      const at = found(this.#rest);
      const next = at === -1 ? -1 : this.#rest.indexOf("\n", at);
      if (next !== -1) {
        const taken = this.#rest.slice(0, next + 1);
        this.#rest = this.#rest.slice(next + 1);
        return taken;
      }
      if (performance.now() > end) {
        throw new Error(
          `client ${this.index} stalled: ${this.#rest.slice(-500)}`,
        );
      }
      const n = await this.conn.read(buffer);
      if (n === null) {
        throw new Error(
          `client ${this.index} was closed: ${this.#rest.slice(-500)}`,
        );
      }
      this.#rest += this.#decoder.decode(buffer.subarray(0, n), {
        stream: true,
      });
    }
  }

  /** Reads in the background from now on, counting what arrives. */
  protected listen(): void {
    this.#reading = this.#read(new Uint8Array(65536));
  }

  async #read(buffer: Uint8Array): Promise<void> {
    try {
      while (true) {
        const n = await this.conn.read(buffer);
        if (n === null) return;
        const now = clock();
        const decoded = this.#decoder.decode(buffer.subarray(0, n), {
          stream: true,
        });
        const text = this.#rest === "" ? decoded : this.#rest + decoded;
        let start = 0;
        for (
          let end = text.indexOf("\n");
          end !== -1;
          end = text.indexOf("\n", start)
        ) {
          this.line(text, start, end, now);
          start = end + 1;
        }
        this.#rest = start === text.length ? "" : text.slice(start);
        this.#wakeups.wake();
      }
    } catch {
      // Closed.
    } finally {
      this.closed = true;
      this.#onAck?.();
      this.#wakeups.wake();
    }
  }

  /** Handles one received line, `text[start, end)`. */
  protected abstract line(
    text: string,
    start: number,
    end: number,
    now: number,
  ): void;

  /** One numbered line as this client writes it. */
  protected abstract encode(seq: number): string;

  /** Counts a numbered line whose `sender:seq:sentAt` starts at `at`. */
  protected counted(text: string, at: number, end: number, now: number): void {
    const colon = text.indexOf(":", at);
    const colon2 = text.indexOf(":", colon + 1);
    if (colon === -1 || colon2 === -1 || colon2 > end) return;
    const sender = digits(text, at, colon);
    const seq = digits(text, colon + 1, colon2);
    let stop = end;
    while (text.charCodeAt(stop - 1) === 13) stop--;
    const sentAt = Number(text.slice(colon2 + 1, stop));
    this.latencies.push(now - sentAt);
    if (seq <= this.#lastBySender[sender]!) this.outOfOrder++;
    this.#lastBySender[sender] = seq;
    this.received++;
  }

  /** Counts one answer to a line of ours. */
  protected answered(): void {
    this.acked++;
    this.#onAck?.();
  }

  /**
   * Sends `count` lines, at most `window` unanswered at a time; gives up at
   * `deadline` (a `performance.now()` time), when what was not answered
   * shows as lost.
   */
  async sendAll(
    count: number,
    window: number,
    deadline = performance.now() + 120_000,
  ): Promise<void> {
    let sent = 0;
    const pump = async () => {
      let batch = "";
      while (sent < count && sent - this.acked < window) {
        batch += this.encode(sent);
        sent++;
      }
      if (batch !== "") await this.write(batch).catch(() => {});
    };
    let timer: ReturnType<typeof setTimeout> | undefined;
    await new Promise<void>((resolve) => {
      timer = setTimeout(resolve, Math.max(0, deadline - performance.now()));
      this.#onAck = () => {
        if (this.acked >= count || this.closed) resolve();
        else pump();
      };
      pump();
    });
    clearTimeout(timer);
    this.#onAck = undefined;
  }

  /** Waits until `expected` lines have arrived, or the deadline passes. */
  until(expected: number, deadline: number): Promise<void> {
    return this.#wakeups.until(
      () => this.received >= expected || this.closed,
      deadline,
    );
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

/**
 * An IRC client for the benchmark: registers as `b<index>`, asks for
 * `echo-message`, joins `#room`, and sends `PRIVMSG #room :sender:seq:sentAt`.
 */
export class IrcClient extends Talker {
  #nick = "";
  #echo = false;

  /** Connects to the IRC listener on 127.0.0.1:`port` and joins `#room`. */
  static async connect(
    port: number,
    index: number,
    room: string,
    latencies: number[],
    senders: number,
  ): Promise<IrcClient> {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    conn.setNoDelay(true);
    const client = new IrcClient(conn, index, latencies, senders);
    client.#nick = `b${index}`;
    client.room = room;
    await client.#register();
    return client;
  }

  async #register(): Promise<void> {
    const nick = this.#nick;
    await this.write(
      `CAP LS 302\r\nNICK ${nick}\r\nUSER ${nick} 0 * :${nick}\r\n`,
    );
    // The CAP LS reply: lines with `*` before the last one.
    const ls = await this.expect((text) => text.search(/ CAP \S+ LS :/));
    const caps = [...ls.matchAll(/ CAP \S+ LS (?:\* )?:?([^\r\n]*)/g)]
      .flatMap((m) => m[1]!.split(" "));
    this.#echo = caps.includes("echo-message");
    if (this.#echo) {
      await this.write("CAP REQ :echo-message\r\n");
      await this.expect((text) => text.search(/ CAP \S+ (ACK|NAK) /));
    }
    await this.write(`CAP END\r\nJOIN #${this.room}\r\n`);
    // The end of NAMES for the room: joined.
    await this.expect((text) => text.search(/ 366 /));
    this.listen();
  }

  protected encode(seq: number): string {
    const line = `PRIVMSG #${this.room} :${this.index}:${seq}:${clock()}\r\n`;
    return this.#echo ? line : `${line}PING :a${seq}\r\n`;
  }

  protected line(text: string, start: number, end: number, now: number): void {
    const at = text.indexOf(" PRIVMSG ", start);
    if (at !== -1 && at < end) {
      // `:nick!user@host PRIVMSG #room :text`, maybe after `@tags `.
      const prefix = text.charCodeAt(start) === 0x40
        ? text.indexOf(" ", start) + 1
        : start;
      const from = prefix + 1;
      const bang = text.indexOf("!", from);
      const colon = text.indexOf(" :", at + 9);
      if (colon === -1 || colon > end) return;
      if (
        this.#echo && text.slice(from, bang) === this.#nick &&
        bang < at
      ) {
        this.answered();
        return;
      }
      this.counted(text, colon + 2, end, now);
      return;
    }
    if (!this.#echo) {
      const pong = text.indexOf(" PONG ", start);
      if (pong !== -1 && pong < end) {
        this.answered();
        return;
      }
    }
    if (text.startsWith("PING", start)) {
      this.write(`PONG${text.slice(start + 4, end)}\n`).catch(() => {});
    }
  }
}

/**
 * A netcat-style talker: text mode on the native port, a guest until it
 * says `/nick t<index>`, then `/join ROOM` and `/switch ROOM`, and lines
 * `sender:seq:sentAt`, each answered `Message Received …`.
 */
export class TextTalker extends Talker {
  /** Connects to the native port on 127.0.0.1:`port` and joins `room`. */
  static async connect(
    port: number,
    index: number,
    room: string,
    latencies: number[],
    senders: number,
  ): Promise<TextTalker> {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    conn.setNoDelay(true);
    const client = new TextTalker(conn, index, latencies, senders);
    client.room = room;
    // The first line makes it text mode at once (no 300 ms wait for a hello).
    await client.write(`/nick t${index}\r\n`);
    await client.expect((text) => text.indexOf(`known as t${index}`));
    if (room !== "lobby") {
      await client.write(`/join ${room}\r\n`);
      await client.expect((text) => text.indexOf(`You joined #${room}`));
    }
    client.listen();
    return client;
  }

  protected encode(seq: number): string {
    return `${this.index}:${seq}:${clock()}\r\n`;
  }

  protected line(text: string, start: number, end: number, now: number): void {
    if (text.startsWith("Message Received", start)) {
      this.answered();
      return;
    }
    // `[14:02] <nick> text`, maybe after `[#room] `.
    const gt = text.indexOf("> ", start);
    if (gt === -1 || gt > end || text.charCodeAt(start) !== 0x5b) return;
    const lt = text.indexOf(" <", start);
    if (lt === -1 || lt > gt) return;
    this.counted(text, gt + 2, end, now);
  }
}
