/**
 * A frame on its way to one or many members, encoded at most once per wire
 * format however many members it goes to: a broadcast to 100 members costs
 * one `JSON.stringify`, not 100. Each transport (native, text mode, …) owns
 * a slot and encodes the frame in its own format on first use.
 *
 * @module
 */

import type { ServerFrame } from "../shared/protocol.ts";

/**
 * The slot each wire format uses in an {@linkcode Outgoing}. IRC takes
 * `irc` and the three after it, one per set of tags its readers asked for.
 */
export const WireSlot = {
  native: 0,
  text: 1,
  nativeOneRoom: 2,
  irc: 3,
} as const;

/**
 * A frame and its encodings.
 *
 * @example
 * ```ts
 * const out = new Outgoing({ type: "pong" });
 * out.bytes(WireSlot.native, encodeFrame) === out.bytes(WireSlot.native, encodeFrame); // true: encoded once
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
