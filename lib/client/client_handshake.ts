/**
 * Getting in: dial the server, say `hello`, and read its answer until a
 * `welcome`.
 *
 * {@linkcode handshake} tries again where trying again can help: a taken
 * nick is swapped for the server's suggestion, a wrong or missing password
 * is asked for again (through {@linkcode ConnectOptions.askPassword}). Any
 * other answer ends it with a {@linkcode RefusedError}; a server that is not
 * there, or that hangs up, with a {@linkcode ConnectError}. It speaks one
 * protocol version; falling back to an older one is `ChatClient.connect`'s
 * business.
 *
 * @module
 */

import { errorMessage } from "../shared/errors.ts";
import { readLines } from "../shared/lines.ts";
import {
  type ClientFrame,
  decodeServerFrame,
  encodeFrame,
  looksLikeFrame,
  ROOMS_VERSION,
  type ServerFrame,
} from "../shared/protocol.ts";
import type { Transport } from "../shared/transport.ts";
import { ConnectError, dialProblem, RefusedError } from "./connect_errors.ts";

/** Where to connect and as whom. */
export interface ConnectOptions {
  /** Server address. */
  hostname: string;
  /** Server port. */
  port: number;
  /** Nick to ask for; none for a guest nick. */
  nick?: string | undefined;
  /**
   * Rooms to be in (the first is the current one); none for the lobby. A
   * server older than version 3 takes the first alone.
   */
  rooms?: string[] | undefined;
  /**
   * Lines sent on an earlier connection and not acknowledged, as
   * `[id, text]`: sent again, with the same ids, right after the welcome.
   * The server recognises ids it has already accepted and only acks them.
   */
  resend?: [string, string][];
  /** This client's token, the same on every reconnect; see `hello.client`. */
  clientToken?: string;
  /** The server's password, if it has one. */
  password?: string | undefined;
  /**
   * Asks the person for the password when the server wants one (or another
   * try, with why the last one failed); undefined: they gave up.
   */
  askPassword?:
    | ((problem: string | undefined) => Promise<string | undefined>)
    | undefined;
  /** The last `seq` seen per room: what was missed comes with the welcome. */
  since?: Record<string, number> | undefined;
  /** Join and leave without telling the room (scripts). */
  quiet?: boolean | undefined;
  /** How many recent messages to be shown on joining. */
  history?: number | undefined;
  /** The protocol version to ask for; default the newest. */
  version?: number;
  /** Opens the connection; default `Deno.connect`. For tests and TLS. */
  dial?: (hostname: string, port: number) => Promise<Transport>;
}

/**
 * The lines of a connection: frames, plain lines (banner, refusals),
 * unreadable ones (`undefined`).
 */
export type ServerLines = AsyncGenerator<ServerFrame | string | undefined>;

/** A connection the server has welcomed us on. */
export interface Welcomed {
  /** The connection. */
  transport: Transport;
  /** Its lines, read up to and including the `welcome`. */
  lines: ServerLines;
  /** The `welcome` frame. */
  welcome: Extract<ServerFrame, { type: "welcome" }>;
  /** What the server said while granting a nick other than the one asked for. */
  notices: string[];
  /** The password that got us in. */
  password: string | undefined;
}

/**
 * The longest line the client reads from the server: far more than any
 * line the server accepts, since a `welcome` carries rooms' history.
 */
const MAX_SERVER_LINE_BYTES = 8 * 1024 * 1024;

/** How many times a taken nick is swapped for the server's suggestion. */
const NICK_RETRIES = 5;

/** The banner every Lochat server greets with. */
const BANNER = "Welcome to LoChat!";

/**
 * Dials the server and completes the handshake at protocol `version`. A
 * refusal throws a {@linkcode RefusedError}; no server, or a connection lost
 * on the way, a {@linkcode ConnectError}. On any failure the connection is
 * closed.
 *
 * @example
 * ```ts
 * const { welcome } = await handshake({ hostname: "127.0.0.1", port: 4444, nick: "ann" }, 3);
 * welcome.nick; // "ann", or the server's suggestion when it was taken
 * ```
 */
export async function handshake(
  options: ConnectOptions,
  version: number,
): Promise<Welcomed> {
  const dial = options.dial ??
    ((hostname, port) => Deno.connect({ hostname, port }));
  const where = `${options.hostname}:${options.port}`;
  let transport: Transport;
  try {
    transport = await dial(options.hostname, options.port);
  } catch (error) {
    if (error instanceof ConnectError) throw error;
    throw new ConnectError(dialProblem(error, where));
  }
  const lines = frames(transport);
  const notices: string[] = [];
  let nick = options.nick;
  let password = options.password;
  try {
    for (let attempt = 0;; attempt++) {
      await writeAll(
        transport,
        encodeFrame(hello(options, version, nick, password)),
      );
      const answer = await handshakeAnswer(lines, where);
      if (answer.type === "welcome") {
        return { transport, lines, welcome: answer, notices, password };
      }
      if (answer.code === "version") {
        throw new RefusedError(answer.message, "version");
      }
      if (
        answer.code === "nick-taken" && answer.suggest !== undefined &&
        attempt < NICK_RETRIES
      ) {
        notices.push(
          `${answer.message}; you are ${answer.suggest} (/nick to change)`,
        );
        nick = answer.suggest;
        continue;
      }
      if (
        answer.code === "password" && options.askPassword !== undefined &&
        attempt < NICK_RETRIES
      ) {
        // Say why the last try failed before asking again.
        const asked = await options.askPassword(
          password === undefined ? undefined : answer.message,
        );
        if (asked === undefined) {
          throw new RefusedError("No password given", "password");
        }
        password = asked;
        continue;
      }
      throw new RefusedError(
        `The server refused to let you in: ${answer.message}`,
        answer.code === "password" ? "password" : "refused",
      );
    }
  } catch (error) {
    transport.close();
    if (error instanceof ConnectError) throw error;
    throw new ConnectError(
      `Lost the connection to ${where} during the handshake: ${
        errorMessage(error)
      }`,
    );
  }
}

/**
 * Writes all of `data`, however many writes it takes.
 *
 * @example
 * ```ts
 * await writeAll(transport, new TextEncoder().encode('{"type":"ping"}\n'));
 * ```
 */
export async function writeAll(
  transport: Transport,
  data: Uint8Array,
): Promise<void> {
  let written = 0;
  while (written < data.length) {
    written += await transport.write(data.subarray(written));
  }
}

/** The `hello` for one try of the handshake. */
function hello(
  options: ConnectOptions,
  version: number,
  nick: string | undefined,
  password: string | undefined,
): ClientFrame {
  const frame: ClientFrame = { type: "hello", v: version };
  if (nick !== undefined) frame.nick = nick;
  // Version 3 takes the list (empty: in no room); older ones the first.
  if (options.rooms?.[0] !== undefined) frame.room = options.rooms[0];
  if (options.rooms !== undefined && version >= ROOMS_VERSION) {
    frame.rooms = options.rooms;
  }
  if (password !== undefined) frame.password = password;
  if (options.clientToken !== undefined) frame.client = options.clientToken;
  if (version >= 2) {
    if (options.since !== undefined) frame.since = options.since;
    if (options.quiet === true) frame.quiet = true;
    if (options.history !== undefined) frame.history = options.history;
  }
  return frame;
}

/**
 * Server frames from a transport; lines that are not frames (the banner, a
 * refusal) come as strings, unreadable ones as `undefined`.
 */
async function* frames(transport: Transport): ServerLines {
  for await (
    const result of readLines(transport, { maxBytes: MAX_SERVER_LINE_BYTES })
  ) {
    if (!result.ok) {
      yield undefined;
      continue;
    }
    if (!looksLikeFrame(result.line)) {
      yield result.line; // The banner, or a refusal in plain text.
      continue;
    }
    const decoded = decodeServerFrame(result.line);
    yield decoded.ok ? decoded.frame : undefined;
  }
}

async function handshakeAnswer(
  lines: ServerLines,
  where: string,
): Promise<Extract<ServerFrame, { type: "welcome" | "error" }>> {
  /** A plain line other than the banner: a refusal, as an older server says it. */
  let said: string | undefined;
  for await (const frame of iterate(lines)) {
    if (typeof frame === "string") {
      // A TLS alert record (0x15 0x03 …): we spoke plain text to a TLS port.
      if (frame.startsWith("\x15\x03")) {
        throw new ConnectError(`The server at ${where} speaks TLS; add --tls`);
      }
      if (frame !== BANNER && frame.trim() !== "") said = frame;
      continue;
    }
    if (frame?.type === "welcome" || frame?.type === "error") return frame;
    if (frame?.type === "bye") {
      throw new RefusedError(
        `The server at ${where} said: ${frame.reason}`,
        frame.code ?? "refused",
        frame.retryAfter,
      );
    }
  }
  if (said !== undefined) {
    throw new RefusedError(`The server at ${where} said: ${said}`, "refused");
  }
  throw new ConnectError(
    `The server at ${where} closed the connection before welcoming us`,
  );
}

/** Iterates a generator without closing it when the loop exits early. */
async function* iterate<T>(generator: AsyncGenerator<T>): AsyncGenerator<T> {
  while (true) {
    const result = await generator.next();
    if (result.done) return;
    yield result.value;
  }
}
