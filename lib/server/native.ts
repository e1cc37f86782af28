/**
 * The native transport: NDJSON frames in, hub calls out, and hub events back
 * as frames. This is what `lochat-client` (and, from the web page, the
 * WebSocket) speaks; `docs/protocol.md` describes the frames.
 *
 * @module
 */

import {
  encodeFrame,
  ROOMS_VERSION,
  type ServerFrame,
} from "../shared/protocol.ts";
import { decodeClientFrame } from "../shared/protocol.ts";
import type { ErrorCode } from "../shared/protocol.ts";
import { codePoints, isBlank, isClean } from "../shared/text.ts";
import type { MemberInput } from "./member_input.ts";
import { type Outgoing, WireSlot } from "./outgoing.ts";

/** What the native adapter needs of its session. */
export interface NativeHost {
  /** The protocol limits (the longest message id). */
  readonly limits: { readonly idChars: number };
  /** Sends a frame to the peer. */
  send(frame: ServerFrame): void;
  /** Refuses a line: an `error` frame, naming its id when it had one. */
  refuse(code: ErrorCode, message: string, id?: string): void;
  /** Ends the session. */
  close(reason: string): void;
}

/**
 * A frame as the native wire's bytes: one JSON line, in the protocol version
 * the client speaks. A client older than version 3 is in one room at a time
 * and gets what it knows: a member leaving a room is `leave` (without a
 * reason), and frames and events it has no word for (`joined`, `topic`) are
 * left out (no bytes).
 */
export function encodeNative(out: Outgoing, version: number): Uint8Array {
  if (version >= ROOMS_VERSION) return out.bytes(WireSlot.native, encodeFrame);
  return out.bytes(WireSlot.nativeOneRoom, encodeOneRoom);
}

const NOTHING = new Uint8Array(0);

function encodeOneRoom(frame: ServerFrame): Uint8Array {
  switch (frame.type) {
    case "joined":
      return NOTHING;
    case "event":
      if (frame.event === "topic") return NOTHING;
      if (frame.event === "part") {
        const { reason: _, ...rest } = frame;
        return encodeFrame({ ...rest, event: "leave" });
      }
      return encodeFrame(frame);
    default:
      return encodeFrame(frame);
  }
}

/**
 * Handles one line from a native client once it is in: a `msg`, a `ping`,
 * a `pong` or a `quit`.
 *
 * @example
 * ```ts
 * nativeLine(session, input, '{"type":"msg","id":"m1","text":"hi"}', 2);
 * ```
 */
export function nativeLine(
  host: NativeHost,
  input: MemberInput,
  line: string,
  version: number,
): void | Promise<void> {
  const decoded = decodeClientFrame(line);
  if (!decoded.ok) {
    host.refuse(decoded.error.code, decoded.error.message, decoded.error.id);
    return;
  }
  const frame = decoded.frame;
  switch (frame.type) {
    case "msg": {
      const max = host.limits.idChars;
      // An id comes back in every answer: it must be plain, well-formed
      // text, or no answer could name it safely.
      if (
        codePoints(frame.id) > max || !isClean(frame.id) || isBlank(frame.id)
      ) {
        host.refuse(
          "bad-frame",
          `A message id must be 1 to ${max} characters of plain text (no control, invisible or unpaired characters)`,
        );
        return;
      }
      // A version 2 client names the room of each line.
      return input.handle(
        frame.text,
        frame.id,
        version >= ROOMS_VERSION ? frame.room : undefined,
      );
    }
    case "ping":
      host.send(
        frame.t === undefined ? { type: "pong" } : { type: "pong", t: frame.t },
      );
      return;
    case "pong":
      return; // Being heard from is all a pong is for.
    case "quit":
      host.close(frame.reason ?? "");
      return;
    case "hello":
      host.refuse("bad-frame", "Already said hello; send msg, ping or quit");
      return;
  }
}
