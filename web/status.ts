/**
 * The connection's status line, in words: connecting, connected (and how
 * many lines are still on their way), waiting to reconnect (why, in how
 * long, and how many lines wait unsent), or stopped. Worked out afresh at
 * every redraw from the phase and the lines unanswered, so it never lags
 * behind the ticks.
 *
 * Pure, for the tests.
 *
 * @module
 */

import type { Phase } from "./session.ts";

/**
 * The status line for `phase` with `unanswered` lines not yet answered, at
 * time `now` (ms since the epoch, for the countdown).
 *
 * @example
 * ```ts
 * statusText({ kind: "connected" }, 0, Date.now()); // "connected"
 * statusText({ kind: "connected" }, 2, Date.now()); // "connected; sending 2"
 * ```
 */
export function statusText(
  phase: Phase,
  unanswered: number,
  now: number,
): string {
  switch (phase.kind) {
    case "connecting": {
      const waiting = unanswered > 0 ? `; ${unanswered} unsent` : "";
      return phase.attempt === 0
        ? `connecting…${waiting}`
        : `reconnecting (attempt ${phase.attempt})…${waiting}`;
    }
    case "connected":
      return unanswered > 0 ? `connected; sending ${unanswered}` : "connected";
    case "waiting": {
      const seconds = Math.max(0, (phase.until - now) / 1000);
      const unsent = unanswered > 0 ? `; ${unanswered} unsent` : "";
      return `${phase.why}; reconnecting in ${seconds.toFixed(1)} s${unsent}`;
    }
    case "stopped":
      return phase.why;
  }
}
