/**
 * The clocks of one IRC connection, checked by the server's tick every
 * second (ergo keeps the same in `idletimer.go`): a peer must register
 * within the longer of `--handshake-timeout` and the time a text-mode user
 * has to type the password, and must finish a line it started within
 * `partialLine` seconds; once registered, a peer quiet for
 * `--ping-interval` seconds is sent a `PING`, and is dropped
 * (`Ping timeout`) when it stays quiet as long again.
 *
 * @module
 */

import type { ServerLimits } from "../server_limits.ts";
import type { IrcMessageInit } from "./message.ts";

/** What the timeouts act on: an IRC session. */
export interface TimedSession {
  /** What the IRC entrance's sessions share: the server's IRC name. */
  readonly options: { readonly serverName: string };
  /** Ends the session, saying why. */
  close(reason: string): void;
  /** Closes the connection now, whatever is still queued. */
  abort(reason: string): void;
  /** Sends one IRC message. */
  write(message: IrcMessageInit): boolean;
}

/** What the timeouts read of the connection (`performance.now()` times). */
export interface HeardTimes {
  /** When the peer last sent anything. */
  readonly heardAt: number;
  /** Since when the peer has held an unfinished line, if it has. */
  readonly partialSince: number | undefined;
}

/**
 * The timeouts of one IRC session.
 *
 * @example
 * ```ts
 * const timeouts = new IrcTimeouts(session, context.resources);
 * setInterval(() => timeouts.tick(performance.now(), "registered", connection), 1000);
 * ```
 */
export class IrcTimeouts {
  /** When the connection was accepted (`performance.now()` time). */
  readonly startedAt: number = performance.now();
  #session: TimedSession;
  #resources: ServerLimits;
  /** When the peer was last pinged (`performance.now()` time). */
  #pingedAt = 0;

  /**
   * Makes the timeouts of a session that starts now.
   *
   * @param session what is closed, aborted or pinged
   * @param resources the server's resource limits, with the times
   */
  constructor(session: TimedSession, resources: ServerLimits) {
    this.#session = session;
    this.#resources = resources;
  }

  /**
   * Drops a peer that has not registered in time or holds an unfinished
   * line too long; pings a quiet registered peer and drops one that does
   * not answer.
   *
   * @param now the time (`performance.now()` time)
   * @param phase where the session is
   * @param heard when the connection last heard the peer
   */
  tick(
    now: number,
    phase: "registering" | "registered" | "closed",
    heard: HeardTimes,
  ): void {
    const session = this.#session;
    const resources = this.#resources;
    const partialSince = heard.partialSince;
    if (
      partialSince !== undefined &&
      now - partialSince > resources.partialLine * 1000
    ) {
      session.close(`no end of line within ${resources.partialLine} s`);
      return;
    }
    if (phase === "registering") {
      const seconds = Math.max(
        resources.handshakeTimeout,
        resources.textPasswordTimeout,
      );
      if (now - this.startedAt > seconds * 1000) {
        session.close(`registration timeout after ${seconds} s`);
      }
      return;
    }
    if (phase !== "registered") return;
    const pingMs = resources.pingInterval * 1000;
    if (pingMs <= 0) return;
    const heardAt = heard.heardAt;
    const quiet = now - heardAt;
    if (quiet > 2 * pingMs) {
      session.abort(`Ping timeout: ${Math.round(quiet / 1000)} seconds`);
    } else if (quiet > pingMs && this.#pingedAt < heardAt) {
      this.#pingedAt = now;
      session.write({ command: "PING", params: [session.options.serverName] });
    }
  }
}
