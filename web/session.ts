/**
 * The page's connection to the server: a WebSocket to the page's own
 * origin (`/ws`), one native frame per message, reconnected with backoff
 * when it drops, as the terminal client reconnects (doubling from 250 ms to
 * 10 s, half of it random, or the server's `retryAfter` after a kick).
 *
 * It knows nothing of rooms or lines: the page's {@linkcode SessionHooks}
 * say the `hello` to send on each connection and take every frame.
 *
 * @module
 */

import {
  type ClientFrame,
  decodeServerFrame,
  type ServerFrame,
} from "../lib/shared/protocol.ts";

/** The connection's state, as the page shows it. */
export type Phase =
  | { kind: "connecting"; attempt: number }
  | { kind: "connected" }
  | { kind: "waiting"; attempt: number; until: number; why: string }
  | { kind: "stopped"; why: string };

/** What the page does with the connection. */
export interface SessionHooks {
  /** The `hello` to send as soon as the socket opens. */
  hello(): ClientFrame;
  /** A frame from the server (the welcome included). */
  frame(frame: ServerFrame): void;
  /** The connection's state changed. */
  phase(phase: Phase): void;
}

/** The first delay before reconnecting, ms; it doubles up to {@linkcode BACKOFF_MAX_MS}. */
export const BACKOFF_FIRST_MS = 250;
/** The longest delay before reconnecting, ms. */
export const BACKOFF_MAX_MS = 10_000;

/**
 * The delay before reconnect attempt `attempt` (0-based): exponential,
 * capped, half of it random so that many pages cut off at once do not all
 * come back in the same instant.
 *
 * @example
 * ```ts
 * backoffDelay(0, () => 0); // 125
 * backoffDelay(10, () => 1); // 10000
 * ```
 */
export function backoffDelay(attempt: number, random: () => number): number {
  const ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * 2 ** attempt);
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}

/** The WebSocket URL of the page's own server: `ws(s)://host:port/ws`. */
export function socketUrl(page: { protocol: string; host: string }): string {
  return `${page.protocol === "https:" ? "wss:" : "ws:"}//${page.host}/ws`;
}

/** One connection at a time to the server, reconnected until stopped. */
export class Session {
  #url: string;
  #hooks: SessionHooks;
  #socket: WebSocket | undefined;
  #attempt = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #stopped = false;
  #welcomed = false;
  /** Seconds the server asked to be left alone (a kick's cool-down). */
  #retryAfter: number | undefined;
  /** The last thing the server said when closing. */
  #why: string | undefined;

  constructor(url: string, hooks: SessionHooks) {
    this.#url = url;
    this.#hooks = hooks;
  }

  /** True while a welcomed connection is open. */
  get connected(): boolean {
    return this.#welcomed && this.#socket?.readyState === WebSocket.OPEN;
  }

  /** Opens the connection (again, after {@linkcode Session.stop}). */
  start(): void {
    this.#stopped = false;
    this.#attempt = 0;
    this.#connect();
  }

  /** Reconnects now instead of waiting out the backoff. */
  retryNow(): void {
    if (this.#stopped || this.#socket !== undefined) return;
    clearTimeout(this.#timer);
    this.#connect();
  }

  /** Sends a frame; false when there is no open connection. */
  send(frame: ClientFrame): boolean {
    const socket = this.#socket;
    if (socket === undefined || socket.readyState !== WebSocket.OPEN) {
      return false;
    }
    socket.send(JSON.stringify(frame));
    return true;
  }

  /** Closes for good (a final refusal, or `/quit`), saying `why`. */
  stop(why: string): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
    const socket = this.#socket;
    this.#socket = undefined;
    this.#welcomed = false;
    socket?.close(1000);
    this.#hooks.phase({ kind: "stopped", why });
  }

  #connect(): void {
    this.#welcomed = false;
    this.#retryAfter = undefined;
    this.#why = undefined;
    this.#hooks.phase({ kind: "connecting", attempt: this.#attempt });
    let socket: WebSocket;
    try {
      socket = new WebSocket(this.#url);
    } catch (error) {
      this.#dropped(String(error));
      return;
    }
    this.#socket = socket;
    socket.addEventListener("open", () => {
      if (this.#socket === socket) this.send(this.#hooks.hello());
    });
    socket.addEventListener("message", (event: MessageEvent) => {
      if (this.#socket !== socket || typeof event.data !== "string") return;
      const decoded = decodeServerFrame(event.data);
      if (!decoded.ok) return;
      const frame = decoded.frame;
      if (frame.type === "ping") {
        this.send(
          frame.t === undefined
            ? { type: "pong" }
            : { type: "pong", t: frame.t },
        );
      }
      if (frame.type === "welcome") {
        this.#welcomed = true;
        this.#attempt = 0;
        this.#hooks.phase({ kind: "connected" });
      }
      if (frame.type === "bye") {
        this.#retryAfter = frame.retryAfter;
        this.#why = frame.reason;
      }
      this.#hooks.frame(frame);
    });
    socket.addEventListener("close", (event: CloseEvent) => {
      if (this.#socket !== socket) return;
      this.#socket = undefined;
      this.#dropped(
        this.#why ??
          (event.reason !== ""
            ? `the connection closed: ${event.reason}`
            : "the connection to the server was lost"),
      );
    });
  }

  #dropped(why: string): void {
    this.#welcomed = false;
    if (this.#stopped) return;
    const delay = this.#retryAfter !== undefined
      ? this.#retryAfter * 1000
      : backoffDelay(this.#attempt, Math.random);
    this.#attempt++;
    this.#hooks.phase({
      kind: "waiting",
      attempt: this.#attempt,
      until: Date.now() + delay,
      why,
    });
    this.#timer = setTimeout(() => this.#connect(), delay);
  }
}
