/**
 * The native transport: NDJSON frames in, hub calls out, and hub events back
 * as frames. This is what `lochat-client` (and, from the web page, the
 * WebSocket) speaks; `docs/protocol.md` describes the frames.
 *
 * @module
 */

import { encodeFrame, type ServerFrame } from "../shared/protocol.ts";
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

/** A frame as the native wire's bytes: one JSON line. */
export function encodeNative(out: Outgoing): Uint8Array {
  return out.bytes(WireSlot.native, encodeFrame);
}

/**
 * Handles one line from a native client once it is in: a `msg`, a `ping`,
 * a `pong` or a `quit`.
 *
 * @example
 * ```ts
 * nativeLine(session, input, '{"type":"msg","id":"m1","text":"hi"}');
 * ```
 */
export function nativeLine(
  host: NativeHost,
  input: MemberInput,
  line: string,
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
      return input.handle(frame.text, frame.id);
    }
    case "ping":
      host.send(
        frame.t === undefined ? { type: "pong" } : { type: "pong", t: frame.t },
      );
      return;
    case "pong":
      return; // Being heard from is all a pong is for.
    case "quit":
      host.close(frame.reason ?? "quit");
      return;
    case "hello":
      host.refuse("bad-frame", "Already said hello; send msg, ping or quit");
      return;
  }
}
