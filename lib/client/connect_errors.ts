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

/**
 * Why the server (or its certificate) refused us, and whether to try again:
 * a `bye` code, `certificate`, `refused` (a plain refusal), or `usage` (the
 * command line asked for what the server does not allow).
 */
export type RefusalKind = ByeCode | "certificate" | "refused" | "usage";

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
    kind === "refused" || kind === "flooding" || kind === "version" ||
    kind === "usage";
}

/**
 * Why opening a connection to `hostname:port` failed, and what to do about
 * it.
 *
 * @example
 * ```ts
 * dialProblem(new Deno.errors.ConnectionRefused("refused"), "127.0.0.1", 4444);
 * // "Cannot connect to 127.0.0.1:4444: connection refused. Is lochat-server running there? …"
 * ```
 */
export function dialProblem(
  error: unknown,
  hostname: string,
  port: number,
): string {
  const where = `${hostname}:${port}`;
  const message = errorMessage(error);
  if (
    error instanceof Deno.errors.ConnectionRefused ||
    /ECONNREFUSED/.test(message)
  ) {
    return refusedProblem(where);
  }
  if (
    /lookup address|ENOTFOUND|EAI_AGAIN|Name or service not known/i.test(
      message,
    )
  ) {
    return `Cannot find host ${hostname}: check the name, or use its IP address`;
  }
  if (error instanceof Deno.errors.TimedOut) {
    return `Cannot connect to ${where}: timed out; check the address and that the port is not firewalled`;
  }
  return `Cannot connect to ${where}: ${message}`;
}

/**
 * No one listens at `where`: what to do about it, for an installed client
 * and for a checkout alike.
 *
 * @example
 * ```ts
 * refusedProblem("127.0.0.1:4444");
 * ```
 */
export function refusedProblem(where: string): string {
  return `Cannot connect to ${where}: connection refused. Is lochat-server running there? ` +
    "Start lochat-server there (or `make server` in a checkout), or pass --host and --port";
}
