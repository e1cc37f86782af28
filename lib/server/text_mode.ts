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

import type { ChatMessage, ServerFrame } from "../shared/protocol.ts";
import { renderFrame } from "../shared/render.ts";
import { type Outgoing, WireSlot } from "./outgoing.ts";

const encoder = new TextEncoder();
const NOTHING = new Uint8Array(0);

/**
 * A member's text-mode encoder: frames as the lines a netcat user reads.
 * Frames that have no line (an `ack`, a `pong`) encode to no bytes.
 *
 * @example
 * ```ts
 * const encode = textEncoder(() => "ann");
 * encode(out); // the bytes of "[12:00] <bob> hi ann\n"
 * ```
 */
export function textEncoder(
  self: () => string | undefined,
): (out: Outgoing) => Uint8Array {
  // One closure per member, made once: it is on the delivery path.
  const encode = (frame: ServerFrame) => {
    const nick = self();
    const text = renderFrame(
      frame,
      nick === undefined ? { color: false } : { color: false, self: nick },
    );
    return text === undefined ? NOTHING : encodeLines(text);
  };
  return (out) => out.bytes(WireSlot.text, encode);
}

/**
 * Text as the bytes of text-mode lines: every line ends in CR LF, as the
 * network virtual terminal's lines do (RFC 854), so telnet clients that draw
 * a bare LF as a staircase (PuTTY, Windows telnet) show it right.
 */
export function encodeLines(text: string): Uint8Array {
  return encoder.encode(`${text.replaceAll("\n", "\r\n")}\r\n`);
}

/** The lines a text-mode user sees on joining: welcome, then recent history. */
export function textWelcome(
  welcome: ServerFrame,
  history: ChatMessage[],
): ServerFrame[] {
  return [
    welcome,
    ...history.map((m): ServerFrame => ({ type: "msg", ...m, history: true })),
  ];
}
