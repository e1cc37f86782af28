/**
 * The native wire protocol: frames, their schema, encoding and validation.
 *
 * One JSON object a line (NDJSON), UTF-8, every object with a `type`. Each
 * frame is declared once, in {@linkcode CLIENT_FRAMES} and
 * {@linkcode SERVER_FRAMES}; the TypeScript types ({@linkcode ClientFrame},
 * {@linkcode ServerFrame}) are derived from those tables and so is the
 * runtime check, so a field added in one place is typed and checked
 * everywhere. `docs/protocol.md` describes the same frames for people.
 *
 * Decoding never throws: a line that is not a valid frame comes back as a
 * {@linkcode DecodeError} whose `message` can be sent to the peer as it is.
 *
 * @module
 */

import { quote } from "./bidi.ts";
import {
  any,
  arrayOf,
  bool,
  compileFields,
  type FieldsCheck,
  type FrameOf,
  type FrameTable,
  isRecord,
  mapOf,
  num,
  object,
  oneOf,
  opt,
  type Shape,
  str,
} from "./schema.ts";

/**
 * The newest version of the native protocol this code speaks. A client says
 * the highest it speaks in `hello`; the server answers at the lower of that
 * and its own, named in `welcome`, so either side may be the older one.
 */
export const PROTOCOL_VERSION = 3;

/**
 * The version from which a client is in several rooms at once (`hello.rooms`,
 * `msg.room`, `joined`, `part` and `topic` events). An older client is in one
 * room at a time, as it always was: `/join` moves it.
 */
export const ROOMS_VERSION = 3;

/** The oldest version still served: version 1 clients work as they did. */
export const OLDEST_VERSION = 1;

/** Default TCP port of the server. */
export const DEFAULT_PORT = 4444;

/** Room everyone starts in. */
export const DEFAULT_ROOM = "lobby";

/** Machine-readable reasons carried by `error` frames (`docs/protocol.md` lists them). */
export const ERROR_CODES = [
  "bad-frame",
  "too-long",
  "invalid-utf8",
  "version",
  "nick-taken",
  "nick-invalid",
  "room-invalid",
  "text-invalid",
  "unknown-command",
  "bad-args",
  "no-such-nick",
  "not-now",
  "rate-limited",
  "room-limit",
  "password",
  "forbidden",
  "storage",
  "internal",
] as const;

/** Machine-readable reasons carried by `error` frames. */
export type ErrorCode = typeof ERROR_CODES[number];

/**
 * Why the server closes a connection, in a `bye`: what a client does next
 * depends on it (a ban is final; `full` and `shutdown` are worth retrying).
 */
export const BYE_CODES = [
  "shutdown",
  "banned",
  "kicked",
  "password",
  "full",
  "flooding",
  "too-slow",
  "timeout",
  "evicted",
  "version",
] as const;

/** Why the server closes a connection. */
export type ByeCode = typeof BYE_CODES[number];

/** What happened to a member, as the room is told. */
export const EVENT_KINDS = [
  "join",
  "leave",
  "part",
  "topic",
  "quit",
  "nick",
  "away",
  "back",
] as const;

/** What happened to a member, as the room is told. */
export type EventKind = typeof EVENT_KINDS[number];

/** The fields of a chat message as stored in history and shown to members. */
export const CHAT_MESSAGE = {
  /** Server-assigned sequence number, increasing per server. */
  seq: num,
  /** Room the message was said in. */
  room: str,
  /** Nick of the sender. */
  from: str,
  /** The text, cleaned of control characters. */
  text: str,
  /** Server time, milliseconds since the epoch. */
  ts: num,
  /** True for an action (`/me waves`). */
  me: opt(bool),
  /**
   * True for a notice (IRC's `NOTICE`): shown as such, and never to be
   * answered automatically (a bot must not reply to it).
   */
  notice: opt(bool),
} as const;

/** A chat message as stored in history and shown to members. */
export type ChatMessage = Shape<typeof CHAT_MESSAGE>;

/** A room as a client sees it on joining (version 2). */
export const ROOM_STATE = {
  /** The room's name, without `#`. */
  name: str,
  /** The room's topic, if it has one. */
  topic: opt(str),
  /** Nicks of who is in the room, the joiner included. */
  members: arrayOf(str),
  /** Recent messages, oldest first, or what was missed since `hello.since`. */
  history: arrayOf(object(CHAT_MESSAGE)),
  /** Messages missed that did not fit (`/history` pages further back). */
  more: opt(num),
} as const;

/** A room as a client sees it on joining. */
export type RoomState = Shape<typeof ROOM_STATE>;

/** A command of the server's table, as `welcome` lists it (version 2). */
export const COMMAND_INFO = {
  name: str,
  args: str,
  help: str,
  aliases: opt(arrayOf(str)),
  operator: opt(bool),
} as const;

/**
 * Frames a client sends, by type, with their fields.
 *
 * - `hello`: opens a native session. `client` is a random token the client
 *   keeps across reconnects: message ids are deduplicated per token.
 * - `msg`: a line the person typed, a chat message or a `/command`; every
 *   `msg` gets exactly one `ack` or `error` with the same `id`.
 * - `ping` / `pong`: keepalive, and the answer to the server's `ping`.
 * - `quit`: leave, with a reason the room is told.
 */
export const CLIENT_FRAMES = {
  hello: {
    v: num,
    nick: opt(str),
    room: opt(str),
    password: opt(str),
    client: opt(str),
    /** (2) The rooms to be in (the first is the current one); `room` in 1. */
    rooms: opt(arrayOf(str)),
    /** (2) The last `seq` seen per room: what was missed is sent on joining. */
    since: opt(mapOf(num)),
    /** (2) Join without telling the room (scripts): no join or quit notices. */
    quiet: opt(bool),
    /** (2) How many recent messages to be shown on joining (default the server's). */
    history: opt(num),
  },
  msg: {
    id: str,
    text: str,
    /** (2) The room the line is said in (and commands act on). */
    room: opt(str),
  },
  ping: { t: opt(num) },
  pong: { t: opt(num) },
  quit: { reason: opt(str) },
} as const satisfies FrameTable;

/**
 * Frames the server sends, by type, with their fields; `docs/protocol.md`
 * says what each means.
 */
export const SERVER_FRAMES = {
  welcome: {
    v: num,
    banner: str,
    server: str,
    nick: str,
    room: str,
    history: arrayOf(object(CHAT_MESSAGE)),
    /** (2) The rooms the client is in, with who is there and what it missed. */
    rooms: opt(arrayOf(object(ROOM_STATE))),
    /** (2) The protocol limits the client must respect, by name. */
    limits: opt(mapOf(num)),
    /** (2) The server's commands, for help and completion. */
    commands: opt(arrayOf(object(COMMAND_INFO))),
    /** (2) The server's message of the day. */
    motd: opt(str),
  },
  msg: { ...CHAT_MESSAGE, history: opt(bool) },
  /** (2) You are in a room now (or it is your current one again): its state. */
  joined: ROOM_STATE,
  pm: {
    from: str,
    to: str,
    text: str,
    ts: num,
    me: opt(bool),
    /** A notice (IRC's `NOTICE`): never to be answered automatically. */
    notice: opt(bool),
  },
  ack: { id: str, ts: num, seq: opt(num) },
  delivered: { id: str, count: num, of: num },
  event: {
    event: oneOf(EVENT_KINDS),
    nick: str,
    ts: num,
    room: opt(str),
    to: opt(str),
    reason: opt(str),
    /** The operator who took `nick` out of `room` (a `part` that is a kick). */
    by: opt(str),
  },
  reply: { cmd: str, text: str, id: opt(str), data: opt(any) },
  error: {
    code: oneOf(ERROR_CODES),
    message: str,
    id: opt(str),
    suggest: opt(str),
  },
  bye: {
    reason: str,
    code: opt(oneOf(BYE_CODES)),
    /** Seconds before the server will let this client in again. */
    retryAfter: opt(num),
  },
  pong: { t: opt(num) },
  ping: { t: opt(num) },
} as const satisfies FrameTable;

/** Frames a client sends. */
export type ClientFrame = FrameOf<typeof CLIENT_FRAMES>;

/** Frames the server sends. */
export type ServerFrame = FrameOf<typeof SERVER_FRAMES>;

/** Why a line could not be decoded; `message` is safe to show the sender. */
export interface DecodeError {
  /** Machine-readable reason. */
  code: ErrorCode;
  /** What was wrong, for the sender. */
  message: string;
  /** The frame's `id`, when the line was an object that carried one. */
  id?: string;
}

/** The result of decoding one line. */
export type Decoded<F> = { ok: true; frame: F } | {
  ok: false;
  error: DecodeError;
};

const encoder = new TextEncoder();

/**
 * Encodes a frame as one line of UTF-8 bytes, newline included.
 *
 * @example
 * ```ts
 * encodeFrame({ type: "ping" }); // the bytes of '{"type":"ping"}\n'
 * ```
 */
export function encodeFrame(frame: ClientFrame | ServerFrame): Uint8Array {
  return encoder.encode(JSON.stringify(frame) + "\n");
}

/** A frame table compiled once: the per-frame decode only compares. */
type Checks = Map<string, FieldsCheck>;

function compile(table: FrameTable): Checks {
  return new Map(
    Object.entries(table).map((
      [type, fields],
    ) => [type, compileFields(fields)]),
  );
}

const CLIENT_CHECKS = compile(CLIENT_FRAMES);
const SERVER_CHECKS = compile(SERVER_FRAMES);

/** Decodes and validates one line a client sent. */
export function decodeClientFrame(line: string): Decoded<ClientFrame> {
  return decode<ClientFrame>(line, CLIENT_CHECKS);
}

/** Decodes and validates one line the server sent. */
export function decodeServerFrame(line: string): Decoded<ServerFrame> {
  return decode<ServerFrame>(line, SERVER_CHECKS);
}

/** True when `line` looks like the start of a JSON object (a native frame). */
export function looksLikeFrame(line: string): boolean {
  return line.trimStart().startsWith("{");
}

function decode<F>(line: string, checks: Checks): Decoded<F> {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return fail(
      "bad-frame",
      "The line is not valid JSON; send one JSON object per line",
    );
  }
  if (!isRecord(value)) {
    return fail("bad-frame", 'A frame must be a JSON object with a "type"');
  }
  const id = typeof value.id === "string" ? value.id : undefined;
  const type = value.type;
  if (typeof type !== "string") {
    return fail("bad-frame", 'A frame must have a string "type"', id);
  }
  const check = checks.get(type);
  if (check === undefined) {
    const known = [...checks.keys()].join(", ");
    return fail(
      "bad-frame",
      `Unknown frame type ${quote(type, 32)}; expected one of ${known}`,
      id,
    );
  }
  const problem = check(value);
  if (problem !== undefined) {
    return fail(
      "bad-frame",
      problem.startsWith("needs ")
        ? `A "${type}" frame ${problem}`
        : `In a "${type}" frame, ${problem}`,
      id,
    );
  }
  return { ok: true, frame: value as F };
}

function fail<F>(code: ErrorCode, message: string, id?: string): Decoded<F> {
  return {
    ok: false,
    error: id === undefined ? { code, message } : { code, message, id },
  };
}
