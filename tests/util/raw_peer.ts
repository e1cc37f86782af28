/**
 * A raw TCP peer: what a netcat user or a hand-written client sees of the
 * server. {@linkcode RawPeer} connects to 127.0.0.1, can say hello as a
 * native client, writes bytes, text or JSON frames, and waits for the lines
 * and frames that come back (kept in a {@linkcode LineLog}). It is
 * `AsyncDisposable`: `await using` closes it and waits for its reader.
 *
 * @example
 * ```ts
 * await using ann = await RawPeer.native(server.port, "ann");
 * await ann.send({ type: "msg", id: "m1", text: "hello" });
 * await ann.frame((f) => f.type === "ack" && f.id === "m1");
 * ```
 *
 * @module
 */

import type { ServerFrame } from "../../lib/shared/protocol.ts";
import {
  decodeServerFrame,
  PROTOCOL_VERSION,
} from "../../lib/shared/protocol.ts";
import { DEADLINE_MS, LineLog } from "./line_log.ts";

const encoder = new TextEncoder();

/**
 * A raw TCP peer: what a netcat user or a hand-written client sees.
 * Disposing it closes the connection and waits until its reader has stopped;
 * {@linkcode RawPeer.close} does the same where a test closes it as a step,
 * and disposing it afterwards is harmless.
 */
export class RawPeer implements AsyncDisposable {
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
    try {
      await peer.send(
        room === undefined
          ? { type: "hello", v: 1, nick }
          : { type: "hello", v: 1, nick, room },
      );
      await peer.frame((f) => f.type === "welcome");
    } catch (error) {
      await peer.close();
      throw error;
    }
    return peer;
  }

  /**
   * Connects as a newest-version client in `rooms` (the first current) and
   * waits for the welcome.
   */
  static async inRooms(
    port: number,
    nick: string,
    rooms: string[],
  ): Promise<RawPeer> {
    const peer = await RawPeer.connect(port, nick);
    try {
      await peer.send({ type: "hello", v: PROTOCOL_VERSION, nick, rooms });
      await peer.frame((f) => f.type === "welcome");
    } catch (error) {
      await peer.close();
      throw error;
    }
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

  /** Closes and waits until the reader has stopped; closing twice is harmless. */
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
