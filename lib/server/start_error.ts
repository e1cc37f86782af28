/**
 * Why a server could not start, worded for the person running it: the port
 * is taken, the address is not this machine's, the port needs privileges,
 * or the TLS certificate cannot be used; each says what to try instead.
 *
 * @module
 */

import { errorMessage } from "../shared/errors.ts";

/** A failure to start that the person running the server can fix. */
export class StartError extends Error {
  /**
   * Makes a StartError.
   *
   * @param message what went wrong and what to do about it
   */
  constructor(message: string) {
    super(message);
    this.name = "StartError";
  }
}

/** Where a listener was to be bound, for {@linkcode startError}. */
export interface Binding {
  /** The address it was to listen on. */
  hostname: string;
  /** The port it was to listen on. */
  port: number;
  /** The flag that sets the port, suggested with another value. */
  portFlag: string;
  /** True when the server was given a TLS certificate and key. */
  tls: boolean;
}

/**
 * A {@linkcode StartError} for what binding a listener threw (a
 * `Deno.errors` class, or a Node error's `code`).
 *
 * @example
 * ```ts
 * const binding = { hostname: "0.0.0.0", port: 4444, portFlag: "--port", tls: false };
 * startError(new Deno.errors.AddrInUse("in use"), binding).message;
 * // "Port 4444 is in use on 0.0.0.0; stop the other server or try --port 0"
 * ```
 */
export function startError(error: unknown, binding: Binding): StartError {
  const { hostname, port, portFlag } = binding;
  const where = `${hostname}:${port}`;
  if (
    error instanceof Deno.errors.AddrInUse ||
    (error as { code?: string }).code === "EADDRINUSE"
  ) {
    return new StartError(
      `Port ${port} is in use on ${hostname}; stop the other server or try ${portFlag} 0`,
    );
  }
  if (
    error instanceof Deno.errors.AddrNotAvailable ||
    (error as { code?: string }).code === "EADDRNOTAVAIL"
  ) {
    return new StartError(
      `Cannot listen on ${where}: no such address on this machine; try --host 0.0.0.0`,
    );
  }
  if (
    error instanceof Deno.errors.PermissionDenied ||
    (error as { code?: string }).code === "EACCES"
  ) {
    return new StartError(
      `Not allowed to listen on ${where}; ports below 1024 need privileges, try ${portFlag} 4444`,
    );
  }
  const message = errorMessage(error);
  if (binding.tls && /cert|key|pem/i.test(message)) {
    return new StartError(
      `Cannot use the TLS certificate or key: ${message}; make a pair with \`make cert\``,
    );
  }
  return new StartError(`Cannot listen on ${where}: ${message}`);
}
