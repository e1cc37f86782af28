/**
 * A session's lines: the lines of one read, at the pace flood control
 * allows, each handed to where the session is (the handshake, or the
 * member's transport adapter), one at a time and in order. A line over the
 * rate is held back, and the rest of the read with it, until its turn (the
 * connection reads no more meanwhile, so TCP slows the sender and nothing is
 * lost), the sender told once per episode; a line the session answers later
 * (a promise) holds the rest until it settles; a sender that floods is
 * disconnected with a `bye`. Lines before `hello` or the password count
 * too: no one gets answers at wire speed.
 *
 * @module
 */

import type { ProtocolLimits } from "../shared/limits.ts";
import type { LineResult } from "../shared/lines.ts";
import type { Logger } from "../shared/log.ts";
import type { ErrorCode, ServerFrame } from "../shared/protocol.ts";
import type { FloodControl } from "./flood_control.ts";
import { type NativeHost, nativeLine } from "./native.ts";
import type { Phase } from "./session_phases.ts";

/** What a session's lines need of it. */
export interface LinesHost extends NativeHost {
  /** True once the session is over: no more lines are handled. */
  readonly closed: boolean;
  /**
   * The rate and burst, named when the sender is slowed down; the longest
   * message id.
   */
  readonly limits: Pick<ProtocolLimits, "rate" | "burst" | "idChars">;
  /** Where a flooder's disconnection is logged. */
  readonly log: Logger;
  /** Who the peer is, for logs. */
  readonly peer: string;
  /** The member's nick, once there is a member. */
  readonly nick: string | undefined;
  /**
   * Handles one line that flood control let through (with
   * {@linkcode lineIn}); a promise holds the lines after it until it
   * settles.
   */
  line(result: LineResult): void | Promise<void>;
  /** Refuses something: an `error` frame, in the peer's wire format. */
  refuse(code: ErrorCode, message: string, id?: string): void;
  /** Ends the session, `goodbye` written last. */
  close(reason: string, goodbye?: ServerFrame): void;
}

/**
 * Hands the lines of one read to `host` through `flood`; `full`: the peer
 * had more waiting than the read took, which is what flooding looks like.
 * Returns a promise when a line is held back or answered later: the
 * connection reads on once it settles.
 *
 * @example
 * ```ts
 * const held = paceLines(session, flood, lines, false);
 * if (held !== undefined) await held; // then read on
 * ```
 */
export function paceLines(
  host: LinesHost,
  flood: FloodControl,
  lines: LineResult[],
  full: boolean,
): void | Promise<void> {
  for (let i = 0; i < lines.length; i++) {
    if (host.closed) return;
    if (!flood.unlimited) {
      const verdict = flood.next(full);
      if (verdict.kind === "flooding") {
        flooding(host, verdict.reason);
        return;
      }
      if (verdict.kind === "wait") {
        if (verdict.warn) {
          const { rate, burst } = host.limits;
          host.refuse(
            "rate-limited",
            `You are sending faster than ${rate} lines a second (bursts of ${burst}); your lines are being slowed down`,
          );
        }
        // Hold this line and the rest back: TCP slows the sender.
        return later(host, flood, verdict.ms, lines.slice(i), full);
      }
    }
    const held = host.line(lines[i]!);
    // Applied once earlier lines are answered: read on after that.
    if (held !== undefined) {
      return after(host, flood, held, lines.slice(i + 1), full);
    }
  }
}

/**
 * Hands one line to where the session is in `phase`: the handshake, or the
 * member's transport adapter (native frames, or text mode, which ignores a
 * blank line). Once a member is in, a line too long or not UTF-8 is refused
 * and dropped.
 *
 * @example
 * ```ts
 * const held = lineIn(session, phase, { ok: true, line: "hello all" });
 * ```
 */
export function lineIn(
  host: LinesHost,
  phase: Phase,
  result: LineResult,
): void | Promise<void> {
  switch (phase.phase) {
    case "closed":
      return;
    case "handshake":
      return phase.handshake.line(result);
    case "native":
    case "text":
      if (!result.ok) {
        host.refuse(
          result.error,
          result.error === "too-long"
            ? `Line longer than ${result.limit} bytes was dropped; split long text into several messages`
            : "Line was not valid UTF-8 and was dropped; send UTF-8 text",
        );
      } else if (phase.phase === "native") {
        return nativeLine(host, phase.input, result.line, phase.version);
      } else if (result.line.trim() !== "") {
        return phase.input.handle(result.line, undefined);
      }
      return;
  }
}

/** Goes on with `lines` once `held` settles. */
async function after(
  host: LinesHost,
  flood: FloodControl,
  held: Promise<void>,
  lines: LineResult[],
  full: boolean,
): Promise<void> {
  await held;
  const rest = paceLines(host, flood, lines, full);
  if (rest !== undefined) await rest;
}

/** Handles the first of `lines` after `ms`, then goes on with the rest. */
async function later(
  host: LinesHost,
  flood: FloodControl,
  ms: number,
  lines: LineResult[],
  full: boolean,
): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
  if (host.closed) return;
  const held = host.line(lines[0]!);
  if (held !== undefined) await held;
  const rest = paceLines(host, flood, lines.slice(1), full);
  if (rest !== undefined) await rest;
}

/** Disconnects a flooder, saying why. */
function flooding(host: LinesHost, reason: string): void {
  host.log("refuse", { peer: host.peer, nick: host.nick, reason });
  host.close(reason, {
    type: "bye",
    reason: `Disconnected for ${reason}`,
    code: "flooding",
  });
}
