/**
 * The native wire protocol: frame types, encoding and validation.
 *
 * One JSON object a line (NDJSON), UTF-8, every object with a `type`. The
 * frame unions below are the contract between server and client; change them
 * here and the type checker finds every use. `docs/protocol.md` describes the
 * same frames for people.
 *
 * Decoding never throws: a line that is not a valid frame comes back as a
 * {@linkcode DecodeError} whose `message` can be sent to the peer as it is.
 *
 * @module
 */

import { sanitize } from "./sanitize.ts";

/** A chat message as stored in history and shown to members. */
export interface ChatMessage {
  /** Server-assigned sequence number, increasing per server. */
  seq: number;
  /** Room the message was said in. */
  room: string;
  /** Nick of the sender. */
  from: string;
  /** The text, cleaned of control characters. */
  text: string;
  /** Server time, milliseconds since the epoch. */
  ts: number;
  /** True for an action (`/me waves`). */
  me?: boolean;
}

/** Frames a client sends. */
export type ClientFrame =
  | {
    type: "hello";
    v: number;
    nick?: string;
    room?: string;
    password?: string;
    /**
     * A random token the client keeps across reconnects: message ids are
     * deduplicated per token (per nick when there is none).
     */
    client?: string;
  }
  /**
   * A line the person typed: a chat message, or a `/command`. `//text` sends
   * text that starts with a slash. Every `msg` gets exactly one `ack` or
   * `error` with the same `id`.
   */
  | { type: "msg"; id: string; text: string }
  | { type: "ping"; t?: number }
  /** The answer to the server's `ping`. */
  | { type: "pong"; t?: number }
  | { type: "quit"; reason?: string };

/** What happened to a member, as the room is told. */
export type EventKind = "join" | "leave" | "quit" | "nick" | "away" | "back";

/** Frames the server sends. */
export type ServerFrame =
  | {
    type: "welcome";
    v: number;
    banner: string;
    server: string;
    nick: string;
    room: string;
    history: ChatMessage[];
  }
  | ({ type: "msg"; history?: boolean } & ChatMessage)
  | {
    type: "pm";
    from: string;
    to: string;
    text: string;
    ts: number;
    me?: boolean;
  }
  | { type: "ack"; id: string; ts: number; seq?: number }
  | { type: "delivered"; id: string; count: number; of: number }
  | {
    type: "event";
    event: EventKind;
    nick: string;
    ts: number;
    room?: string;
    to?: string;
    reason?: string;
  }
  | { type: "reply"; cmd: string; text: string; id?: string; data?: unknown }
  | {
    type: "error";
    code: ErrorCode;
    message: string;
    id?: string;
    suggest?: string;
  }
  | { type: "bye"; reason: string }
  | { type: "pong"; t?: number }
  /** Are you there? A client answers with `pong`. */
  | { type: "ping"; t?: number };

/** Machine-readable reasons carried by `error` frames. */
export type ErrorCode =
  | "bad-frame"
  | "too-long"
  | "invalid-utf8"
  | "version"
  | "nick-taken"
  | "nick-invalid"
  | "room-invalid"
  | "text-invalid"
  | "unknown-command"
  | "bad-args"
  | "no-such-nick"
  | "not-now"
  | "rate-limited"
  | "password"
  | "forbidden"
  | "storage"
  | "internal";

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

type FieldType = "string" | "number" | "boolean" | "array" | "object" | "any";
type Schema = Record<string, { [field: string]: `${FieldType}${"" | "?"}` }>;

const CLIENT_SCHEMA: Schema = {
  hello: {
    v: "number",
    nick: "string?",
    room: "string?",
    password: "string?",
    client: "string?",
  },
  msg: { id: "string", text: "string" },
  ping: { t: "number?" },
  pong: { t: "number?" },
  quit: { reason: "string?" },
};

const SERVER_SCHEMA: Schema = {
  welcome: {
    v: "number",
    banner: "string",
    server: "string",
    nick: "string",
    room: "string",
    history: "array",
  },
  msg: {
    seq: "number",
    room: "string",
    from: "string",
    text: "string",
    ts: "number",
    me: "boolean?",
    history: "boolean?",
  },
  pm: {
    from: "string",
    to: "string",
    text: "string",
    ts: "number",
    me: "boolean?",
  },
  ack: { id: "string", ts: "number", seq: "number?" },
  delivered: { id: "string", count: "number", of: "number" },
  event: {
    event: "string",
    nick: "string",
    ts: "number",
    room: "string?",
    to: "string?",
    reason: "string?",
  },
  reply: { cmd: "string", text: "string", id: "string?", data: "any?" },
  error: {
    code: "string",
    message: "string",
    id: "string?",
    suggest: "string?",
  },
  bye: { reason: "string" },
  pong: { t: "number?" },
  ping: { t: "number?" },
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

/** A schema's fields, parsed once: the per-frame decode only compares. */
type Checks = Map<
  string,
  { field: string; expected: FieldType; optional: boolean }[]
>;

function compile(schema: Schema): Checks {
  return new Map(
    Object.entries(schema).map(([type, fields]) => [
      type,
      Object.entries(fields).map(([field, spec]) => {
        const optional = spec.endsWith("?");
        return {
          field,
          optional,
          expected: (optional ? spec.slice(0, -1) : spec) as FieldType,
        };
      }),
    ]),
  );
}

const CLIENT_CHECKS = compile(CLIENT_SCHEMA);
const SERVER_CHECKS = compile(SERVER_SCHEMA);

function decode<F>(line: string, schema: Checks): Decoded<F> {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return fail(
      "bad-frame",
      "The line is not valid JSON; send one JSON object per line",
    );
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return fail("bad-frame", 'A frame must be a JSON object with a "type"');
  }
  const record = value as Record<string, unknown>;
  const id = typeof record.id === "string" ? record.id : undefined;
  const type = record.type;
  if (typeof type !== "string") {
    return fail("bad-frame", 'A frame must have a string "type"', id);
  }
  const checks = schema.get(type);
  if (checks === undefined) {
    const known = [...schema.keys()].join(", ");
    return fail(
      "bad-frame",
      `Unknown frame type "${clip(type)}"; expected one of ${known}`,
      id,
    );
  }
  for (const { field, expected, optional } of checks) {
    const actual = record[field];
    if (actual === undefined) {
      if (optional) continue;
      return fail(
        "bad-frame",
        `A "${type}" frame needs "${field}" (${expected})`,
        id,
      );
    }
    if (!hasType(actual, expected)) {
      return fail(
        "bad-frame",
        `In a "${type}" frame, "${field}" must be a ${expected}`,
        id,
      );
    }
  }
  return { ok: true, frame: record as F };
}

function hasType(value: unknown, expected: FieldType): boolean {
  switch (expected) {
    case "any":
      return true;
    case "array":
      return Array.isArray(value);
    case "object":
      return typeof value === "object" && value !== null &&
        !Array.isArray(value);
    case "number":
      return typeof value === "number" && Number.isFinite(value);
    case "string":
      return typeof value === "string";
    case "boolean":
      return typeof value === "boolean";
  }
}

function fail<F>(code: ErrorCode, message: string, id?: string): Decoded<F> {
  return {
    ok: false,
    error: id === undefined ? { code, message } : { code, message, id },
  };
}

function clip(text: string): string {
  const clean = sanitize(text);
  return clean.length > 32 ? `${clean.slice(0, 32)}…` : clean;
}

/**
 * A frame on its way to one or many members, encoded at most once per wire
 * format however many members it goes to: a broadcast to 100 members costs
 * one `JSON.stringify`, not 100.
 *
 * @example
 * ```ts
 * const out = new Outgoing({ type: "pong" });
 * out.bytes(0, encodeFrame) === out.bytes(0, encodeFrame); // true: encoded once
 * ```
 */
export class Outgoing {
  /** The frame to send. */
  readonly frame: ServerFrame;
  #encoded: (Uint8Array | undefined)[] = [];

  /**
   * Makes an Outgoing.
   *
   * @param frame the frame to send
   */
  constructor(frame: ServerFrame) {
    this.frame = frame;
  }

  /** The frame's bytes in wire format `slot`, encoding them on first use. */
  bytes(slot: number, encode: (frame: ServerFrame) => Uint8Array): Uint8Array {
    return this.#encoded[slot] ??= encode(this.frame);
  }
}
