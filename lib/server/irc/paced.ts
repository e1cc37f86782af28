/**
 * Flood control for the IRC listener's lines: each line takes a token of
 * the connection's {@linkcode FloodControl} before it is handled; over the
 * rate, the rest of the read is held back (TCP then slows the sender), and
 * a peer that keeps flooding is reported. The same rule as `session.ts`
 * applies to native and text-mode lines.
 *
 * @module
 */

import type { FloodControl } from "../flood_control.ts";

/** What {@linkcode paced} does with the lines, and how it reports. */
export interface PacedHost<T> {
  /** True once the connection is over: nothing more is handled. */
  isClosed(): boolean;
  /** Handles one line; a promise holds the next until it settles. */
  handle(line: T): void | Promise<void>;
  /** The peer is flooding: `reason` says by how much. */
  flooding(reason: string): void;
}

/**
 * Handles `lines` in order at the pace flood control allows.
 *
 * @param flood the connection's flood control
 * @param lines the lines of one read
 * @param full true when the read filled the buffer (the peer had more)
 * @param host what handles each line
 * @returns a promise while lines are held back or waited on
 *
 * @example
 * ```ts
 * paced(flood, lines, false, { isClosed: () => false, handle: console.log, flooding: console.error });
 * ```
 */
export function paced<T>(
  flood: FloodControl,
  lines: T[],
  full: boolean,
  host: PacedHost<T>,
): void | Promise<void> {
  for (let i = 0; i < lines.length; i++) {
    if (host.isClosed()) return;
    if (!flood.unlimited) {
      const verdict = flood.next(full);
      if (verdict.kind === "flooding") {
        host.flooding(verdict.reason);
        return;
      }
      if (verdict.kind === "wait") {
        const rest = lines.slice(i);
        return new Promise<void>((resolve) => setTimeout(resolve, verdict.ms))
          .then(() => {
            if (host.isClosed()) return;
            const held = host.handle(rest[0]!);
            const next = () => paced(flood, rest.slice(1), full, host);
            return held === undefined ? next() : held.then(next);
          });
      }
    }
    const held = host.handle(lines[i]!);
    if (held !== undefined) {
      return held.then(() => paced(flood, lines.slice(i + 1), full, host));
    }
  }
}
