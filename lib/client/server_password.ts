/**
 * The server's password, as the handshake asks the person for it.
 *
 * A person may take their time: while they type, the connection is
 * watched ({@linkcode askWatching}). A server that gives up waiting (its
 * handshake timeout) only closes that connection; what was typed is used on
 * a new one. A server that says no for good (the last wrong password, a
 * ban) ends the asking at once. Each wrong password is said with the tries
 * left on the connection ({@linkcode wrongPassword}); a script, which
 * cannot be asked, is told how to give the password instead
 * ({@linkcode passwordRefusal}).
 *
 * @module
 */

import type { ServerFrame } from "../shared/protocol.ts";
import { isFinal, RefusedError } from "./connect_errors.ts";
import type { ServerLines } from "./server_lines.ts";

/**
 * Wrong passwords a server takes on one connection before it closes it
 * (`docs/protocol.md`, limits: "wrong passwords per connection").
 */
export const PASSWORD_TRIES = 3;

/** What the person is asked the password with. */
export interface PasswordAsk {
  /** The server that asks: `trialbox (127.0.0.1:4545)`, or its address. */
  server: string;
  /** Why the last password failed, said before asking again. */
  problem: string | undefined;
  /** Aborted when the answer is no longer wanted (the server said no for good). */
  signal: AbortSignal;
}

/**
 * Asks the person for the password; undefined when they gave up.
 */
export type AskPassword = (ask: PasswordAsk) => Promise<string | undefined>;

/** What asking came to. */
export interface Asked {
  /** The password typed; undefined: the person gave up. */
  password: string | undefined;
  /** The server closed the connection while the person typed: open another. */
  dropped: boolean;
}

/**
 * Asks with `ask` while watching `lines`: a `bye` that is final (the last
 * wrong password, a ban) aborts the question and throws its
 * {@linkcode RefusedError}; any other end of the connection (the server's
 * handshake timeout) leaves the person typing, and the answer says the
 * connection was dropped.
 *
 * @example
 * ```ts
 * const asked = await askWatching(lines, ask, { server: "lan:4444", problem: undefined }, "lan:4444");
 * if (asked.dropped) {
 *   // dial again, and say hello with asked.password
 * }
 * ```
 */
export async function askWatching(
  lines: ServerLines,
  ask: AskPassword,
  question: Omit<PasswordAsk, "signal">,
  where: string,
): Promise<Asked> {
  const controller = new AbortController();
  const answer = ask({ ...question, signal: controller.signal });
  const person = answer.then((password) => ({
    from: "person" as const,
    password,
  }));
  while (true) {
    const heard = lines.peek().then(
      (result) => ({ from: "server" as const, result }),
      () => ({ from: "server" as const, result: undefined }),
    );
    const first = await Promise.race([person, heard]);
    if (first.from === "person") {
      return { password: first.password, dropped: false };
    }
    const result = first.result;
    if (result === undefined || result.done) break; // Hung up.
    await lines.next();
    const frame = result.value;
    if (typeof frame !== "object" || frame.type !== "bye") continue;
    if (isFinal(frame.code ?? "refused")) {
      controller.abort();
      throw byeRefusal(frame, where);
    }
    break; // Closing for a reason a new connection gets past.
  }
  return { password: await answer, dropped: true };
}

/**
 * The refusal a `bye` during the handshake is: final or not as its code
 * says, in the server's words.
 *
 * @example
 * ```ts
 * byeRefusal({ type: "bye", reason: "Wrong password 3 times", code: "password" }, "lan:4444").kind;
 * // "password"
 * ```
 */
export function byeRefusal(
  bye: Extract<ServerFrame, { type: "bye" }>,
  where: string,
): RefusedError {
  return new RefusedError(
    `The server at ${where} said: ${bye.reason}`,
    bye.code ?? "refused",
    bye.retryAfter,
  );
}

/**
 * What the person is told of a wrong password, with the tries left on the
 * connection (`wrong`: the wrong passwords given on it so far).
 *
 * @example
 * ```ts
 * wrongPassword("Wrong password", 1); // "Wrong password (2 tries left)"
 * ```
 */
export function wrongPassword(message: string, wrong: number): string {
  const left = PASSWORD_TRIES - wrong;
  return `${message} (${left} ${left === 1 ? "try" : "tries"} left)`;
}

/**
 * The end of a run that cannot ask for the password (a script): how to
 * give it, `hint` saying where from; `given`: one was given, and was wrong.
 *
 * @example
 * ```ts
 * passwordRefusal("lan:4444", false, "set LOCHAT_PASSWORD").message;
 * // "lan:4444 needs a password: set LOCHAT_PASSWORD"
 * ```
 */
export function passwordRefusal(
  where: string,
  given: boolean,
  hint: string,
): RefusedError {
  return new RefusedError(
    given
      ? `Wrong password for ${where}: check LOCHAT_PASSWORD`
      : `${where} needs a password: ${hint}`,
    "password",
  );
}
