/**
 * How the server turns people away once its `Admission` has decided:
 * a connection refused at the door is told why in its own terms; when the
 * server is full, the longest-idle guest who never said anything makes room
 * for a newcomer; a ban closes every connection from the address (but an
 * operator's own). Each goes with a `bye` that says what happened.
 *
 * @module
 */

import type { Logger } from "../shared/log.ts";
import { encodeFrame } from "../shared/protocol.ts";
import type { Transport } from "../shared/transport.ts";
import { normaliseAddress, type Verdict } from "./admission.ts";
import type { Entrance, Served } from "./entrance.ts";
import type { Accepted } from "./listeners.ts";
import type { ServerLimits } from "./server_limits.ts";
import { encodeLines } from "./text_mode.ts";

/** Options of {@linkcode refuseConnection}. */
export interface RefuseOptions {
  /** The entrance it came in by; undefined for the main port. */
  entrance: Entrance | undefined;
  /** How long opening it, and waiting for its first byte, may take. */
  resources: Pick<ServerLimits, "handshakeTimeout" | "helloWait">;
}

/**
 * Tells a refused connection why, in its own terms, and closes it: its
 * entrance's own way when it has one; else a `bye` frame to a native client
 * (its first byte is the `{` of its `hello`), a plain line to anyone else
 * (netcat, telnet), once the first bytes have come or the hello wait is
 * over. Never rejects.
 *
 * @example
 * ```ts
 * const verdict = admission.enter(accepted.address);
 * if (!verdict.ok) refuseConnection(accepted, verdict, { entrance: undefined, resources });
 * ```
 */
export async function refuseConnection(
  accepted: Accepted,
  verdict: Extract<Verdict, { ok: false }>,
  options: RefuseOptions,
): Promise<void> {
  const { entrance } = options;
  const { handshakeTimeout, helloWait } = options.resources;
  let transport: Transport;
  try {
    transport = await accepted.open(handshakeTimeout * 1000);
  } catch {
    return; // Logged as refused already; nothing to tell.
  }
  if (entrance?.refuse !== undefined) {
    await entrance.refuse(transport, verdict.reason, verdict.code).catch(
      () => {},
    );
    transport.close();
    return;
  }
  const first = new Uint8Array(1);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const byte = await Promise.race([
    transport.read(first).then(
      (n) => n === 1 ? first[0] : undefined,
      () => undefined,
    ),
    new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), helloWait);
    }),
  ]);
  clearTimeout(timer);
  const { reason, code } = verdict;
  const bytes = byte === 0x7b
    ? encodeFrame({ type: "bye", reason, code })
    : encodeLines(reason);
  await transport.write(bytes).catch(() => {});
  transport.close();
}

/**
 * Closes the longest-idle guest among `sessions` who never sent a line, to
 * make room for a newcomer; false when there is none. (What the server's
 * `Admission` calls when it is full.)
 *
 * @example
 * ```ts
 * if (!evictIdleGuest(sessions.keys(), log)) {
 *   // still full: the newcomer is refused
 * }
 * ```
 */
export function evictIdleGuest(
  sessions: Iterable<Served>,
  log: Logger,
): boolean {
  let victim: Served | undefined;
  let since = Infinity;
  for (const session of sessions) {
    const idle = session.idleGuestSince;
    if (idle !== undefined && idle < since) {
      since = idle;
      victim = session;
    }
  }
  if (victim === undefined) return false;
  const reason =
    "The server is full, and you had not said anything: your place went to someone new. Reconnect to come back";
  log("evict", { peer: victim.peer, nick: victim.nick });
  // Its place is the newcomer's at once; the goodbye still goes out (a
  // peer that does not read it is cut off after the flush time).
  victim.close("evicted to make room (the server is full)", {
    type: "bye",
    reason,
    code: "evicted",
  });
  return true;
}

/** The connections {@linkcode closeBanned} looks through. */
export interface Connections {
  /** The connections being served. */
  sessions: Iterable<Served>;
  /** The connections admitted and still being opened (TLS). */
  opening: Iterable<Accepted>;
}

/**
 * Closes every connection from `address` (a ban), but an operator's own:
 * an operator who shares the address stays to lift the ban. Returns how
 * many sessions were closed.
 *
 * @example
 * ```ts
 * closeBanned("192.0.2.7", "banned: spam", { sessions: sessions.keys(), opening });
 * ```
 */
export function closeBanned(
  address: string,
  reason: string,
  connections: Connections,
): number {
  let closed = 0;
  for (const session of connections.sessions) {
    if (normaliseAddress(session.address) !== address) continue;
    if (session.operator) continue;
    session.close(reason, {
      type: "bye",
      reason: `Your address is ${reason}`,
      code: "banned",
    });
    closed++;
  }
  for (const accepted of [...connections.opening]) {
    if (accepted.address === address) accepted.close();
  }
  return closed;
}
