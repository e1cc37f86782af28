/**
 * Text mode: plain lines both ways, for `nc`, `telnet` or any line tool.
 *
 * A text-mode user's lines are chat messages or `/commands`, as a native
 * client's are; what the hub sends back is rendered as the terminal client
 * renders it, without colour, and each message sent is answered with
 * `Message Received ✓✓ N/M`, as the original answered "Message Received".
 * Lines go out with CR LF line ends.
 *
 * @module
 */

import type { RoomState, ServerFrame } from "../shared/protocol.ts";
import { renderFrame, roomOfFrame } from "../shared/render.ts";
import { type Outgoing, WireSlot } from "./outgoing.ts";

const encoder = new TextEncoder();
const NOTHING = new Uint8Array(0);

/** Renders a frame as text-mode lines, the same for every reader. */
function encodeText(frame: ServerFrame): Uint8Array {
  const text = renderFrame(frame, { color: false });
  return text === undefined ? NOTHING : encodeLines(text);
}

/** `[#room] ` prefixes, made once per room. */
const prefixes = new Map<string, Uint8Array>();

/**
 * A member's text-mode encoder: frames as the lines a netcat user reads. A
 * line from a room other than the member's current one starts with
 * `[#room] `. Frames that have no line (an `ack`, a `pong`) encode to no
 * bytes. The rendering is shared by every text-mode reader of a frame; only
 * the prefix is the reader's own.
 *
 * @example
 * ```ts
 * const encode = textEncoder(member);
 * encode(out); // the bytes of "[12:00] <bob> hi\r\n", or "[#games] [12:00] <bob> hi\r\n"
 * ```
 */
export function textEncoder(
  member:
    | { readonly room: string | undefined; readonly nick: string }
    | undefined,
): (out: Outgoing) => Uint8Array {
  return (out) => {
    if (out.frame.type === "pm" && member !== undefined) {
      // Each side of a private message reads it its own way ("-> *bob*").
      const text = renderFrame(out.frame, { color: false, self: member.nick });
      return text === undefined ? NOTHING : encodeLines(text);
    }
    const bytes = out.bytes(WireSlot.text, encodeText);
    const room = roomOfFrame(out.frame);
    if (
      bytes.length === 0 || room === undefined || member === undefined ||
      room === member.room
    ) return bytes;
    let prefix = prefixes.get(room);
    if (prefix === undefined) {
      prefix = encoder.encode(`[#${room}] `);
      if (prefixes.size < 10_000) prefixes.set(room, prefix);
    }
    const joined = new Uint8Array(prefix.length + bytes.length);
    joined.set(prefix);
    joined.set(bytes, prefix.length);
    return joined;
  };
}

/**
 * Text as the bytes of text-mode lines: every line ends in CR LF, as the
 * network virtual terminal's lines do (RFC 854), so telnet clients that draw
 * a bare LF as a staircase (PuTTY, Windows telnet) show it right.
 */
export function encodeLines(text: string): Uint8Array {
  return encoder.encode(`${text.replaceAll("\n", "\r\n")}\r\n`);
}

/**
 * The lines a text-mode user sees on joining: the welcome, then each room's
 * recent history.
 */
export function textWelcome(
  welcome: ServerFrame,
  rooms: RoomState[],
): ServerFrame[] {
  return [
    welcome,
    ...rooms.flatMap((room) =>
      room.history.map((m): ServerFrame => ({
        type: "msg",
        ...m,
        history: true,
      }))
    ),
  ];
}
