/**
 * A raw IRC peer for the tests: a real TCP client that writes IRC lines and
 * waits for the lines that come back, parsed (`lib/server/irc/message.ts`).
 * It is what an IRC client says and sees, without a client's own
 * behaviour in the way. `await using` closes it.
 *
 * @example
 * ```ts
 * await using ann = await IrcPeer.register(port, "ann", ["echo-message"]);
 * await ann.send("JOIN #games");
 * await ann.expect((m) => m.command === "JOIN");
 * ```
 *
 * @module
 */

import { type IrcMessage, parseMessage } from "../../lib/server/irc/message.ts";
import { DEADLINE_MS, LineLog } from "./line_log.ts";

const encoder = new TextEncoder();

/** A raw IRC client. */
export class IrcPeer implements AsyncDisposable {
  readonly conn: Deno.TcpConn;
  readonly log: LineLog;

  private constructor(conn: Deno.TcpConn, label: string) {
    this.conn = conn;
    this.log = new LineLog(conn, label);
  }

  /** Connects to 127.0.0.1:`port`. */
  static async connect(port: number, label = "irc"): Promise<IrcPeer> {
    return new IrcPeer(
      await Deno.connect({ hostname: "127.0.0.1", port }),
      label,
    );
  }

  /**
   * Connects and registers as `nick`, asking for `caps` (all must be
   * acknowledged), and waits for the end of the MOTD.
   */
  static async register(
    port: number,
    nick: string,
    caps: string[] = [],
    before: string[] = [],
  ): Promise<IrcPeer> {
    const peer = await IrcPeer.connect(port, nick);
    try {
      await peer.send(...before);
      if (caps.length > 0) {
        await peer.send("CAP LS 302", `CAP REQ :${caps.join(" ")}`);
        await peer.expect((m) => m.command === "CAP" && m.params[1] === "ACK");
      }
      await peer.send(`NICK ${nick}`, `USER ${nick} 0 * :${nick}`, "CAP END");
      await peer.expect((m) => m.command === "376");
    } catch (error) {
      await peer.close();
      throw error;
    }
    return peer;
  }

  /** Writes lines, each ended with CR LF. */
  async send(...lines: string[]): Promise<void> {
    await this.write(lines.map((line) => `${line}\r\n`).join(""));
  }

  /** Writes raw text or bytes. */
  async write(data: string | Uint8Array): Promise<void> {
    const bytes = typeof data === "string" ? encoder.encode(data) : data;
    let written = 0;
    while (written < bytes.length) {
      written += await this.conn.write(bytes.subarray(written));
    }
  }

  /** Waits for the next message that satisfies `match`, past what came before. */
  async expect(
    match: (message: IrcMessage) => boolean,
    deadlineMs = DEADLINE_MS,
  ): Promise<IrcMessage> {
    const line = await this.log.waitFor((line) => {
      const parsed = parseMessage(line);
      return !("error" in parsed) && match(parsed);
    }, deadlineMs);
    return parseMessage(line) as IrcMessage;
  }

  /**
   * Every message from now until the answer to a `PING` with a fresh
   * token: what the server sent in answer to the lines before it.
   */
  async until(token: string): Promise<IrcMessage[]> {
    await this.send(`PING ${token}`);
    const seen: IrcMessage[] = [];
    await this.expect((m) => {
      if (m.command === "PONG" && m.params.at(-1) === token) return true;
      seen.push(m);
      return false;
    });
    return seen;
  }

  /** Closes and waits for the reader; closing twice is harmless. */
  async close(): Promise<void> {
    try {
      this.conn.close();
    } catch {
      // Closed already.
    }
    await this.log.done;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
