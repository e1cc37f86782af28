/**
 * The client's exit codes: what `lochat-client` tells the shell or the
 * script that ran it, the same in `--help` and the README.
 *
 * @module
 */

import type { RefusalKind } from "./connect_errors.ts";

/**
 * Exit codes of the client, the same in `--help` and the README: `0` done;
 * `1` the server could not be reached or was lost; `2` bad usage; `3` the
 * server refused a line a script sent; `4` banned; `5` wrong password;
 * `6` the server's TLS certificate is not the one pinned (or not trusted);
 * `130` interrupted (Ctrl-C) before the chat began.
 *
 * @example
 * ```ts
 * Deno.exit(EXIT.usage);
 * ```
 */
export const EXIT = {
  ok: 0,
  failed: 1,
  usage: 2,
  refused: 3,
  banned: 4,
  password: 5,
  certificate: 6,
  interrupted: 130,
} as const;

/**
 * The exit code for a final refusal: its own for a ban, a wrong password, a
 * certificate or a command line the server does not allow (usage),
 * {@linkcode EXIT.failed} for any other.
 *
 * @example
 * ```ts
 * exitFor("banned"); // 4
 * exitFor(undefined); // 1
 * ```
 */
export function exitFor(kind: RefusalKind | undefined): number {
  switch (kind) {
    case "banned":
      return EXIT.banned;
    case "password":
      return EXIT.password;
    case "certificate":
      return EXIT.certificate;
    case "usage":
      return EXIT.usage;
    default:
      return EXIT.failed;
  }
}
