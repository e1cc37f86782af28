/**
 * How connecting to a server fails, worded for the person who ran the
 * client.
 *
 * A {@linkcode ConnectError} is any failure to get in (no server there, the
 * connection lost during the handshake); a {@linkcode RefusedError} is the
 * server (or its certificate) saying no, and says whether trying again can
 * help: a ban, a wrong password or a changed certificate is final
 * ({@linkcode isFinal}); a full or closing server, or a kick's cool-down, is
 * worth waiting out.
 *
 * @module
 */

import { errorMessage } from "../shared/errors.ts";
import type { ByeCode } from "../shared/protocol.ts";

/** A failure to connect, worded for the person who ran the client. */
export class ConnectError extends Error {
  /**
   * Makes a ConnectError.
   *
   * @param message what went wrong and what to do about it
   */
  constructor(message: string) {
    super(message);
    this.name = "ConnectError";
  }
}

/** Why the server (or its certificate) refused us, and whether to try again. */
export type RefusalKind = ByeCode | "certificate" | "refused";

/**
 * The server refused to let us in (or said goodbye), with its reason. Final
 * refusals (a ban, a wrong password, a changed certificate, a plain-text
 * refusal line) end the client; others say how long to wait, if the server
 * said.
 *
 * @example
 * ```ts
 * const error = new RefusedError("The server is full", "full", 30);
 * error.final; // false: worth trying again in 30 s
 * ```
 */
export class RefusedError extends ConnectError {
  /** Why: the `bye` code, or `certificate`, or `refused` for a plain line. */
  readonly kind: RefusalKind;
  /** Seconds the server will keep us out, when it said. */
  readonly retryAfter: number | undefined;

  /**
   * Makes a RefusedError.
   *
   * @param message the server's reason, for the person
   * @param kind why
   * @param retryAfter seconds to wait, if the server said
   */
  constructor(message: string, kind: RefusalKind, retryAfter?: number) {
    super(message);
    this.name = "RefusedError";
    this.kind = kind;
    this.retryAfter = retryAfter;
  }

  /** True when trying again cannot help. */
  get final(): boolean {
    return isFinal(this.kind);
  }
}

/**
 * True for refusals that trying again cannot get past.
 *
 * @example
 * ```ts
 * isFinal("banned"); // true
 * isFinal("full"); // false
 * ```
 */
export function isFinal(kind: RefusalKind | undefined): boolean {
  return kind === "banned" || kind === "password" || kind === "certificate" ||
    kind === "refused" || kind === "flooding" || kind === "version";
}

/**
 * Why opening a connection to `where` (`host:port`) failed, and what to do
 * about it.
 *
 * @example
 * ```ts
 * dialProblem(new Deno.errors.ConnectionRefused("refused"), "127.0.0.1:4444");
 * // "Cannot connect to 127.0.0.1:4444: connection refused. Is lochat-server running there? …"
 * ```
 */
export function dialProblem(error: unknown, where: string): string {
  if (error instanceof Deno.errors.ConnectionRefused) {
    return `Cannot connect to ${where}: connection refused. Is lochat-server running there? ` +
      "Start one with `make server`, or pass --host and --port";
  }
  if (error instanceof Deno.errors.TimedOut) {
    return `Cannot connect to ${where}: timed out; check the address and that the port is not firewalled`;
  }
  return `Cannot connect to ${where}: ${errorMessage(error)}`;
}
