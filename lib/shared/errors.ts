/**
 * The one error type whose message may travel to a peer.
 *
 * Expected refusals (a taken nick, an unknown command, a line too long) are
 * thrown or returned as a {@linkcode ChatError}: its `message` is written for
 * the person who caused it and its `code` for their program. Anything else
 * that goes wrong is logged on the server, and the peer only hears "internal
 * error".
 *
 * @module
 */

import type { ErrorCode } from "./protocol.ts";

/**
 * A refusal meant for the user, with a machine-readable code.
 *
 * @example
 * ```ts
 * throw new ChatError("nick-taken", 'Cannot rename to "bob": the nick is taken');
 * ```
 */
export class ChatError extends Error {
  /** Machine-readable reason, sent in the `error` frame. */
  readonly code: ErrorCode;
  /** A value that would have worked, such as a free nick. */
  readonly suggest: string | undefined;

  /**
   * Makes a ChatError.
   *
   * @param code the reason
   * @param message what was wrong, for the person
   * @param options.suggest a value that would have worked
   */
  constructor(
    code: ErrorCode,
    message: string,
    options: { suggest?: string } = {},
  ) {
    super(message);
    this.name = "ChatError";
    this.code = code;
    this.suggest = options.suggest;
  }
}

/**
 * The message of anything thrown: an `Error`'s message, or the value as
 * text. For logs and for wrapping in a message of our own.
 *
 * @example
 * ```ts
 * errorMessage(new Error("disk full")); // "disk full"
 * errorMessage("oops");                 // "oops"
 * ```
 */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
