/**
 * The client's settings: how it reconnects and how long it looks for
 * servers on the LAN, declared the way `lib/shared/limits.ts` declares
 * limits (default, bounds, unit), so they are documented and tested as one.
 *
 * @module
 */

import type { LimitTable, LimitValues } from "../shared/limits.ts";

/** The client's settings. */
export const CLIENT_SETTINGS = {
  /** The first reconnect delay; it doubles up to `reconnectMaxMs`. */
  reconnectFirstMs: { default: 250, min: 250, max: 250, unit: "ms" },
  /** The longest reconnect delay. */
  reconnectMaxMs: { default: 10_000, min: 10_000, max: 10_000, unit: "ms" },
  /** Reconnect attempts before giving up (about 4 minutes). */
  reconnectAttempts: { default: 30, min: 30, max: 30, unit: "attempts" },
  /** How long the client listens for servers on the LAN. */
  browseMs: { default: 1500, min: 1500, max: 1500, unit: "ms" },
} as const satisfies LimitTable;

/** The client's settings' values. */
export type ClientSettings = LimitValues<typeof CLIENT_SETTINGS>;
