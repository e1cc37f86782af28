/**
 * A session's timeouts, checked by the server every second: a line left
 * unfinished too long closes the connection, a handshake not done in time
 * ends the way the handshake says, and a native peer that goes quiet is
 * pinged, then dropped when it does not answer. (A text-mode peer is never
 * pinged: it has no word for it.)
 *
 * @module
 */

import type { ErrorCode, ServerFrame } from "../shared/protocol.ts";
import type { Connection } from "./connection.ts";
import type { ServerContext } from "./server_context.ts";
import type { Phase } from "./session_phases.ts";

/** What the timeouts need of a session. */
export interface TimedHost {
  /** When the connection was accepted (`performance.now()` time). */
  readonly startedAt: number;
  /** The server's resource limits: the partial line time, the ping interval. */
  readonly context: Pick<ServerContext, "resources">;
  /** Refuses something: an `error` frame, in the peer's wire format. */
  refuse(code: ErrorCode, message: string): void;
  /** Ends the session after what is queued. */
  close(reason: string): void;
  /** Closes the connection now, whatever is still queued. */
  abort(reason: string): void;
  /** Sends a frame to the peer. */
  send(frame: ServerFrame): void;
}

/**
 * Checks the timeouts of a session in `phase` at `now` (`performance.now()`
 * time): when its connection began the line it has not finished, when the
 * handshake began, when the peer was last heard from and pinged.
 *
 * @example
 * ```ts
 * // Every second, for each session (what `Session.tick` does):
 * checkTimeouts(session, connection, phase, performance.now());
 * ```
 */
export function checkTimeouts(
  host: TimedHost,
  connection: Pick<Connection, "partialSince" | "heardAt">,
  phase: Phase,
  now: number,
): void {
  const partialSince = connection.partialSince;
  const partialMs = host.context.resources.partialLine * 1000;
  if (partialSince !== undefined && now - partialSince > partialMs) {
    host.refuse(
      "too-long",
      `A line was not finished within ${partialMs / 1000} s; closing`,
    );
    host.close(`no end of line within ${partialMs / 1000} s`);
    return;
  }
  if (phase.phase === "handshake") {
    if (now - host.startedAt > phase.handshake.timeoutMs) {
      phase.handshake.timedOut();
    }
    return;
  }
  if (phase.phase !== "native") return;
  const pingMs = host.context.resources.pingInterval * 1000;
  if (pingMs <= 0) return;
  const heardAt = connection.heardAt;
  const quiet = now - heardAt;
  if (quiet > 2 * pingMs) {
    host.abort(
      `ping timeout: nothing heard for ${Math.round(quiet / 1000)} s`,
    );
  } else if (quiet > pingMs && phase.pingedAt < heardAt) {
    phase.pingedAt = now;
    host.send({ type: "ping", t: Date.now() });
  }
}
