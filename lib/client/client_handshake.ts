/**
 * Getting in: dial the server, say `hello`, and read its answer until a
 * `welcome`.
 *
 * {@linkcode handshake} tries again where trying again can help: a taken
 * nick is swapped for the server's suggestion, a wrong or missing password
 * is asked for again (through {@linkcode ConnectOptions.askPassword},
 * `server_password.ts`), on a new connection when the server gave up
 * waiting meanwhile. Any other answer ends it with a
 * {@linkcode RefusedError}; a server that is not there, that hangs up, or
 * that does not greet as a Lochat server, with a {@linkcode ConnectError}.
 * It speaks one protocol version; falling back to an older one is
 * `ChatClient.connect`'s business.
 *
 * @module
 */

import { errorMessage } from "../shared/errors.ts";
import {
  type ClientFrame,
  encodeFrame,
  ROOMS_VERSION,
  type ServerFrame,
} from "../shared/protocol.ts";
import type { Transport } from "../shared/transport.ts";
import { ConnectError, dialProblem, RefusedError } from "./connect_errors.ts";
import {
  type AskPassword,
  askWatching,
  byeRefusal,
  PASSWORD_TRIES,
  passwordRefusal,
  wrongPassword,
} from "./server_password.ts";
import { BANNER, GREETING_MS, ServerLines } from "./server_lines.ts";

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
   * try, with why the last one failed); undefined: no one can be asked (a
   * script).
   */
  askPassword?: AskPassword | undefined;
  /**
   * What a script that has no password to give is told to do. Default:
   * `set LOCHAT_PASSWORD`.
   */
  passwordHint?: string | undefined;
  /** The server's name, when known: the password prompt names it. */
  serverName?: string | undefined;
  /** How long to wait for the server's banner, in ms. Default 5000. */
  greetingMs?: number | undefined;
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

/** How many times a taken nick is swapped for the server's suggestion. */
const NICK_RETRIES = 5;

/** One connection being opened. */
interface Opening {
  transport: Transport;
  lines: ServerLines;
  /** The banner has come. */
  greeted: boolean;
}

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
  const where = `${options.hostname}:${options.port}`;
  let opening = await open(options);
  const notices: string[] = [];
  let nick = options.nick;
  let password = options.password;
  /** Wrong passwords given on this connection. */
  let wrong = 0;
  /** The person typed a password on this connection. */
  let typed = false;
  const reopen = async () => {
    opening.transport.close();
    opening = await open(options);
    wrong = 0;
    typed = false;
  };
  try {
    for (let attempt = 0;; attempt++) {
      try {
        await writeAll(
          opening.transport,
          encodeFrame(hello(options, version, nick, password)),
        );
      } catch (error) {
        if (!typed) throw error;
        // It hung up as the person answered: what they typed, anew.
        await reopen();
        continue;
      }
      if (!opening.greeted) {
        await opening.lines.greeted(where, options.greetingMs ?? GREETING_MS);
        opening.greeted = true;
      }
      const answer = await handshakeAnswer(opening.lines, where);
      if (answer.type === "welcome") {
        const { transport, lines } = opening;
        return { transport, lines, welcome: answer, notices, password };
      }
      switch (answer.code) {
        case "version":
          throw new RefusedError(answer.message, "version");
        case "nick-taken":
          if (answer.suggest === undefined || attempt >= NICK_RETRIES) break;
          notices.push(
            `${answer.message}; you are ${answer.suggest} (/nick to change)`,
          );
          nick = answer.suggest;
          continue;
        case "not-now": {
          // Too late (the handshake timeout), or kept out after a kick: the
          // server closes, and its bye says whether to come back.
          const refusal = await closing(opening.lines, where, answer.message);
          if (!typed || !(refusal instanceof RefusedError)) throw refusal;
          if (refusal.kind !== "timeout") throw refusal;
          // It gave up as the person answered: what they typed, anew.
          await reopen();
          continue;
        }
        case "room-limit":
          throw roomLimit(answer.message, options.rooms, where);
        case "password": {
          if (options.askPassword === undefined) {
            throw passwordRefusal(
              where,
              password !== undefined,
              options.passwordHint ?? "set LOCHAT_PASSWORD",
            );
          }
          if (password !== undefined) wrong++;
          // The last try: the server says so and closes.
          if (wrong >= PASSWORD_TRIES) {
            throw await closing(opening.lines, where, answer.message);
          }
          const asked = await askWatching(opening.lines, options.askPassword, {
            server: options.serverName === undefined
              ? where
              : `${options.serverName} (${where})`,
            problem: password === undefined
              ? undefined
              : wrongPassword(answer.message, wrong),
          }, where);
          if (asked.password === undefined) {
            throw new RefusedError("No password given", "password");
          }
          password = asked.password;
          // The server stopped waiting; the person did not have to.
          if (asked.dropped) await reopen();
          else typed = true;
          continue;
        }
        default:
          break;
      }
      throw new RefusedError(
        `The server refused to let you in: ${answer.message}`,
        "refused",
      );
    }
  } catch (error) {
    opening.transport.close();
    if (error instanceof ConnectError) throw error;
    throw new ConnectError(
      `Lost the connection to ${where} during the handshake: ${
        errorMessage(error)
      }`,
    );
  }
}

/** Dials the server: a new connection, its banner not read yet. */
async function open(options: ConnectOptions): Promise<Opening> {
  const dial = options.dial ??
    ((hostname, port) => Deno.connect({ hostname, port }));
  let transport: Transport;
  try {
    transport = await dial(options.hostname, options.port);
  } catch (error) {
    if (error instanceof ConnectError) throw error;
    throw new ConnectError(dialProblem(error, options.hostname, options.port));
  }
  return { transport, lines: new ServerLines(transport), greeted: false };
}

/**
 * The refusal of a server that is closing the connection: its `bye`, read
 * past anything else; `said` when it hangs up without one.
 */
async function closing(
  lines: ServerLines,
  where: string,
  said: string,
): Promise<ConnectError> {
  while (true) {
    const result = await lines.next().catch(() => undefined);
    if (result === undefined || result.done) {
      return new ConnectError(`${where} closed the connection: ${said}`);
    }
    const frame = result.value;
    if (typeof frame === "object" && frame.type === "bye") {
      return byeRefusal(frame, where);
    }
  }
}

/**
 * A `room-limit` at the door: more rooms asked for (`--room`) than the
 * server lets one member be in is bad usage; the server out of rooms is its
 * refusal.
 */
function roomLimit(
  message: string,
  rooms: string[] | undefined,
  where: string,
): RefusedError {
  const most = /(\d+) rooms? at once/.exec(message)?.[1];
  if (most !== undefined && (rooms?.length ?? 1) > Number(most)) {
    return new RefusedError(
      `${where} lets each person be in at most ${most} rooms at once: give at most ${most} rooms with --room`,
      "usage",
    );
  }
  return new RefusedError(
    `The server refused to let you in: ${message}`,
    "refused",
  );
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

/** Reads to the server's answer to a `hello`: a `welcome` or an `error`. */
async function handshakeAnswer(
  lines: ServerLines,
  where: string,
): Promise<Extract<ServerFrame, { type: "welcome" | "error" }>> {
  /** A plain line other than the banner: a refusal, as an older server says it. */
  let said: string | undefined;
  while (true) {
    const result = await lines.next();
    if (result.done) break;
    const frame = result.value;
    if (typeof frame === "string") {
      if (frame !== BANNER && frame.trim() !== "") said = frame;
      continue;
    }
    if (frame?.type === "welcome" || frame?.type === "error") return frame;
    if (frame?.type === "bye") throw byeRefusal(frame, where);
  }
  if (said !== undefined) {
    throw new RefusedError(`The server at ${where} said: ${said}`, "refused");
  }
  throw new ConnectError(
    `The server at ${where} closed the connection before welcoming us`,
  );
}
