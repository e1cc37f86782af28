/**
 * What a web page's script sees of the server, without a browser: a
 * WebSocket to the web port (npm `ws`'s client, which takes a certificate to
 * trust for WSS and sends the `Origin` a browser would), the frames that
 * come back, and how it closed. Also {@linkcode rawHttp}, one request over a
 * raw TCP connection, for answers no client library shows as they are (a
 * refused upgrade's status).
 *
 * @example
 * ```ts
 * await using ann = await WebPeer.open(server.webPort, "ann");
 * await ann.send({ type: "msg", id: "m1", text: "hello" });
 * await ann.frame((f) => f.type === "ack" && f.id === "m1");
 * ```
 *
 * @module
 */

import { WebSocket } from "ws";
import type { ServerFrame } from "../../lib/shared/protocol.ts";
import { PROTOCOL_VERSION } from "../../lib/shared/protocol.ts";
import { DEADLINE_MS } from "./line_log.ts";

/** A WebSocket to the web port, as the page opens it. */
export class WebPeer implements AsyncDisposable {
  readonly ws: WebSocket;
  /** Every text message received, in order. */
  readonly messages: string[] = [];
  /** The close code and reason, once closed. */
  closed: { code: number; reason: string } | undefined;
  #changed: (() => void) | undefined;

  private constructor(ws: WebSocket) {
    this.ws = ws;
    ws.on("message", (data: Uint8Array, binary: boolean) => {
      if (!binary) this.messages.push(new TextDecoder().decode(data));
      this.#notify();
    });
    ws.on("close", (code: number, reason: Uint8Array) => {
      this.closed = { code, reason: new TextDecoder().decode(reason) };
      this.#notify();
    });
    ws.on("error", () => {});
  }

  /**
   * Opens the WebSocket (`wss:` when `ca`, the server's certificate, is
   * given) with the page's own Origin unless told another.
   */
  static connect(
    port: number,
    options: { ca?: string; origin?: string | null; host?: string } = {},
  ): Promise<WebPeer> {
    const scheme = options.ca === undefined ? "ws" : "wss";
    const host = options.host ?? "127.0.0.1";
    const page = `${scheme === "ws" ? "http" : "https"}://${host}:${port}`;
    const origin = options.origin === undefined ? page : options.origin;
    const ws = new WebSocket(`${scheme}://${host}:${port}/ws`, {
      ...(origin === null ? {} : { origin }),
      ...(options.ca === undefined ? {} : { ca: options.ca }),
      perMessageDeflate: false,
    });
    return new Promise((resolve, reject) => {
      ws.once("open", () => resolve(new WebPeer(ws)));
      ws.once("unexpected-response", (_req, res) => {
        reject(new Error(`upgrade refused: ${res.statusCode}`));
        ws.terminate();
      });
      ws.once("error", reject);
    });
  }

  /** Opens the WebSocket, says hello as `nick` and waits for the welcome. */
  static async open(
    port: number,
    nick: string,
    options: { ca?: string; rooms?: string[] } = {},
  ): Promise<WebPeer> {
    const peer = await WebPeer.connect(
      port,
      options.ca === undefined ? {} : { ca: options.ca },
    );
    await peer.send({
      type: "hello",
      v: PROTOCOL_VERSION,
      nick,
      ...(options.rooms === undefined ? {} : { rooms: options.rooms }),
    });
    await peer.frame((f) => f.type === "welcome");
    return peer;
  }

  /** Sends one frame as one text message. */
  send(frame: unknown): Promise<void> {
    return this.sendText(JSON.stringify(frame));
  }

  /** Sends a text (or, with `binary`, a binary) message as it is. */
  sendText(text: string | Uint8Array, binary = false): Promise<void> {
    return new Promise((resolve, reject) =>
      this.ws.send(
        text,
        { binary },
        (error) => error ? reject(error) : resolve(),
      )
    );
  }

  /** Every message received so far, as frames. */
  frames(): ServerFrame[] {
    return this.messages.map((m) => JSON.parse(m) as ServerFrame);
  }

  /** Waits for a frame that satisfies `match`, looking from the first. */
  frame(
    match: (frame: ServerFrame) => boolean,
    deadlineMs = DEADLINE_MS,
  ): Promise<ServerFrame> {
    return this.#until(() => this.frames().find(match), deadlineMs, "a frame");
  }

  /** Waits until the WebSocket has closed; its code and reason. */
  closing(deadlineMs = DEADLINE_MS): Promise<{ code: number; reason: string }> {
    return this.#until(() => this.closed, deadlineMs, "the close");
  }

  async #until<T>(
    found: () => T | undefined,
    deadlineMs: number,
    what: string,
  ): Promise<T> {
    const deadline = Date.now() + deadlineMs;
    while (true) {
      const value = found();
      if (value !== undefined) return value;
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(
          `no ${what} within ${deadlineMs} ms; got:\n${
            this.messages.join("\n")
          }`,
        );
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 200));
        this.#changed = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  #notify(): void {
    const changed = this.#changed;
    this.#changed = undefined;
    changed?.();
  }

  /** Closes the WebSocket at once. */
  [Symbol.asyncDispose](): Promise<void> {
    this.ws.terminate();
    return Promise.resolve();
  }
}

/** An HTTP answer as it came: the status line's code, headers, body. */
export interface RawAnswer {
  status: number;
  headers: Map<string, string>;
  body: string;
}

/**
 * Sends `request` (whole, with its blank line) over a raw TCP connection to
 * 127.0.0.1:`port` and reads the answer until the server closes or
 * `deadlineMs` passes.
 */
export async function rawHttp(
  port: number,
  request: string,
  deadlineMs = 3000,
): Promise<RawAnswer> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const chunks: Uint8Array[] = [];
  const timer = setTimeout(() => {
    try {
      conn.close();
    } catch {
      // Closed already.
    }
  }, deadlineMs);
  try {
    await conn.write(new TextEncoder().encode(request));
    const buffer = new Uint8Array(16 * 1024);
    while (true) {
      const n = await conn.read(buffer).catch(() => null);
      if (n === null) break;
      chunks.push(buffer.slice(0, n));
      const text = new TextDecoder().decode(concat(chunks));
      // A response whose whole body has come (keep-alive leaves it open).
      const end = text.indexOf("\r\n\r\n");
      const length = /\r\ncontent-length: *(\d+)/i.exec(text)?.[1];
      if (end !== -1 && length !== undefined) {
        if (new TextEncoder().encode(text.slice(end + 4)).length >= +length) {
          break;
        }
      }
    }
  } finally {
    clearTimeout(timer);
    try {
      conn.close();
    } catch {
      // Closed already.
    }
  }
  const text = new TextDecoder().decode(concat(chunks));
  const end = text.indexOf("\r\n\r\n");
  const [statusLine = "", ...lines] = text.slice(
    0,
    end === -1 ? undefined : end,
  )
    .split("\r\n");
  const headers = new Map<string, string>();
  for (const line of lines) {
    const colon = line.indexOf(":");
    if (colon > 0) {
      headers.set(
        line.slice(0, colon).trim().toLowerCase(),
        line.slice(colon + 1).trim(),
      );
    }
  }
  return {
    status: Number(statusLine.split(" ")[1] ?? 0),
    headers,
    body: end === -1 ? "" : text.slice(end + 4),
  };
}

function concat(chunks: Uint8Array[]): Uint8Array {
  const all = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const chunk of chunks) {
    all.set(chunk, at);
    at += chunk.length;
  }
  return all;
}

/** An upgrade request to `/ws` (or `path`) with the headers given. */
export function upgradeRequest(
  headers: Record<string, string>,
  path = "/ws",
): string {
  const lines = [
    `GET ${path} HTTP/1.1`,
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
    "Connection: Upgrade",
    "Upgrade: websocket",
    "Sec-WebSocket-Version: 13",
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
  ];
  return `${lines.join("\r\n")}\r\n\r\n`;
}
