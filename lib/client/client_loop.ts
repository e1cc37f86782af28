/**
 * The client's main loop: the person (or a pipe) against the server.
 *
 * {@linkcode runClient} races two readers, the input (lines typed or piped)
 * and the connection (frames from the server), and handles whichever is
 * ready first. It knows neither the terminal nor the socket: input comes as
 * {@linkcode InputEvent}s, output goes to a {@linkcode ClientView}, and the
 * connection is a {@linkcode ChatClient}. When the connection drops it
 * reconnects with exponential backoff and jitter, rejoins the room with the
 * same nick and resends every line not yet acknowledged; the server answers
 * resends it had already accepted with their first ack, so nothing is lost
 * or doubled.
 *
 * @module
 */

import { ChatClient, ConnectError } from "./chat_client.ts";
import type { ConnectOptions } from "./chat_client.ts";
import { isQuit } from "../shared/input.ts";
import type { ServerFrame } from "../shared/protocol.ts";
import { CLIENT_SETTINGS } from "./client_settings.ts";

/** What the input side produces. */
export type InputEvent =
  | { kind: "line"; line: string }
  /** End of input: leave once everything sent is acknowledged. */
  | { kind: "eof" }
  /** Ctrl-C: leave now. */
  | { kind: "interrupt" };

/** Where the loop shows things: a terminal, plain lines, or JSON. */
export interface ClientView {
  /** The connection is up (`again` after a reconnect). */
  connected(client: ChatClient, again: boolean): void;
  /** A frame from the server. */
  frame(frame: ServerFrame, client: ChatClient): void;
  /** A line the person sent, with the id its ack will carry. */
  sent(id: string, text: string, client: ChatClient): void;
  /** Something the client itself has to say (reconnecting…). */
  notice(text: string): void;
  /** A failure the person must know about. */
  problem(text: string): void;
}

/** Options of {@linkcode runClient}. */
export interface RunOptions {
  /** Where to connect and as whom. */
  connect: ConnectOptions;
  /** The person's side: typed or piped lines, end of input, Ctrl-C. */
  input: AsyncIterator<InputEvent>;
  /** Where frames and notices are shown. */
  view: ClientView;
  /** Reconnect when the connection drops. Default true. */
  reconnect?: boolean;
  /** Reconnect attempts before giving up. Default 30 (about 4 minutes). */
  maxAttempts?: number;
  /** Backoff: first delay and cap, in ms. Defaults 250 and 10000. */
  backoff?: { firstMs: number; maxMs: number };
  /** For tests: the randomness of the jitter and the wait. */
  random?: () => number;
  /** Waits `ms` milliseconds (tests replace it). */
  sleep?: (ms: number) => Promise<void>;
}

/** Exit codes of the client. */
export const EXIT = { ok: 0, failed: 1, usage: 2, refused: 3 } as const;

/**
 * The delay before reconnect attempt `attempt` (0-based): exponential, capped,
 * with "equal jitter" (half fixed, half random) so that many clients cut off
 * at once do not all come back in the same instant.
 */
export function backoffDelay(
  attempt: number,
  options: { firstMs: number; maxMs: number },
  random: () => number,
): number {
  const ceiling = Math.min(options.maxMs, options.firstMs * 2 ** attempt);
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}

/**
 * Runs the client until the input ends and everything is acknowledged, the
 * person leaves, or the server cannot be reached. Returns the exit code.
 */
export async function runClient(options: RunOptions): Promise<number> {
  const { view } = options;
  const reconnect = options.reconnect ?? true;
  const where = `${options.connect.hostname}:${options.connect.port}`;
  // One token for the whole run, so the server knows a resend as ours.
  const connect = { clientToken: crypto.randomUUID(), ...options.connect };
  options = { ...options, connect };
  let client: ChatClient;
  try {
    client = await ChatClient.connect(connect);
  } catch (error) {
    if (!(error instanceof ConnectError)) throw error;
    view.problem(error.message);
    return EXIT.failed;
  }
  view.connected(client, false);
  let refused = 0;
  let leaving = false;
  let inputNext: Promise<IteratorResult<InputEvent>> | undefined = options.input
    .next();
  let socketNext = client.next();
  const leave = async (): Promise<number> => {
    client.sendFrame({ type: "quit", reason: "quit" });
    await client.flushed();
    client.close();
    return refused + client.refused > 0 ? EXIT.refused : EXIT.ok;
  };
  while (true) {
    const event = await Promise.race([
      socketNext.then((frame) => ({ from: "socket" as const, frame })),
      ...(inputNext === undefined
        ? []
        : [inputNext.then((input) => ({ from: "input" as const, input }))]),
    ]);
    if (event.from === "socket") {
      const frame = event.frame;
      if (frame !== undefined) {
        view.frame(frame, client);
        if (leaving && client.pending === 0) return await leave();
        socketNext = client.next();
        continue;
      }
      // The connection is gone.
      const unacked = client.unacked();
      client.close();
      if (leaving && unacked.length === 0) {
        return refused + client.refused > 0 ? EXIT.refused : EXIT.ok;
      }
      if (!reconnect) {
        const lost = unacked.length > 0
          ? ` (${unacked.length} lines not acknowledged)`
          : "";
        view.problem(`Lost the connection to ${where}${lost}`);
        return EXIT.failed;
      }
      refused += client.refused;
      const next = await reconnectLoop(options, client, unacked, where);
      if (next === undefined) return EXIT.failed;
      client = next;
      view.connected(client, true);
      socketNext = client.next();
      if (leaving && client.pending === 0) return await leave();
      continue;
    }
    const result = event.input;
    if (result.done || result.value.kind === "eof") {
      inputNext = undefined;
      leaving = true;
      if (client.pending === 0) return await leave();
      continue;
    }
    if (result.value.kind === "interrupt") return await leave();
    inputNext = options.input.next();
    const line = result.value.line;
    if (isQuit(line)) {
      inputNext = undefined;
      leaving = true;
      if (client.pending === 0) return await leave();
      continue;
    }
    if (line.trim() === "") continue;
    view.sent(client.send(line), line, client);
  }
}

async function reconnectLoop(
  options: RunOptions,
  old: ChatClient,
  unacked: [string, string][],
  where: string,
): Promise<ChatClient | undefined> {
  const { view } = options;
  const random = options.random ?? Math.random;
  const sleep = options.sleep ??
    ((ms) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const backoff = options.backoff ?? {
    firstMs: CLIENT_SETTINGS.reconnectFirstMs.default,
    maxMs: CLIENT_SETTINGS.reconnectMaxMs.default,
  };
  const maxAttempts = options.maxAttempts ??
    CLIENT_SETTINGS.reconnectAttempts.default;
  const waiting = unacked.length > 0
    ? `; ${unacked.length} unacknowledged lines will be resent`
    : "";
  view.notice(`Lost the connection to ${where}${waiting}`);
  let last = "";
  for (let attempt = 0; attempt < maxAttempts; attempt++) {
    const delay = backoffDelay(attempt, backoff, random);
    view.notice(
      `Reconnecting in ${(delay / 1000).toFixed(1)} s (attempt ${
        attempt + 1
      } of ${maxAttempts})`,
    );
    await sleep(delay);
    try {
      const client = await ChatClient.connect({
        ...options.connect,
        nick: old.nick,
        room: old.room,
        resend: unacked,
      });
      view.notice(
        `Reconnected to ${where} as ${client.nick} in #${client.room}`,
      );
      return client;
    } catch (error) {
      if (!(error instanceof ConnectError)) throw error;
      last = error.message;
    }
  }
  view.problem(`Gave up reconnecting after ${maxAttempts} attempts: ${last}`);
  return undefined;
}
