/**
 * Getting in, in the page's own words: what the server's refusal of a
 * `hello` means for a person in a browser. A taken nick is swapped for the
 * server's suggestion and the welcome says so (`cat is taken; you are
 * cat2`); a missing password asks for one (`This server needs a password`,
 * not the server's advice for terminal users), a wrong one asks again; an
 * invalid nick, an unknown version, a ban, a final wrong password or
 * flooding stop the reconnecting.
 *
 * Pure: `ChatState` hands it the frames that concern it.
 *
 * @module
 */

import { nickKey } from "../lib/shared/names.ts";
import type { ServerFrame } from "../lib/shared/protocol.ts";
import { piece } from "./user_text.ts";

/** Something the page should do besides redrawing. */
export type Effect =
  /** A browser notification (the page decides whether it may show one). */
  | { kind: "notify"; title: string; body: string; conversation: string }
  /** The server refused the person for good: stop reconnecting. */
  | { kind: "final"; reason: string }
  /** The server wants a password (or another one): ask the person. */
  | { kind: "password"; problem: string }
  /** The person left with `/quit`: close and do not reconnect. */
  | { kind: "quit" }
  /** Say `hello` again (the nick asked for was taken: the server's suggestion). */
  | { kind: "hello" };

/** What the page says when the server wants a password and got none. */
export const PASSWORD_NEEDED = "This server needs a password";
/** What the page says when the password given was refused. */
export const PASSWORD_WRONG = "Wrong password; try again";

/** How many times a taken nick is swapped for the server's suggestion. */
const NICK_TRIES = 5;

/** Bye codes after which reconnecting cannot help. */
const FINAL_BYES: ReadonlySet<string> = new Set([
  "banned",
  "password",
  "flooding",
  "version",
]);

/** What {@linkcode Joining} changes in the chat state. */
export interface Asker {
  /** The nick the next `hello` asks for. */
  nick: string;
  /** The password the next `hello` gives. */
  password: string | undefined;
}

/**
 * The refusals of one way in (from the nick asked for to the welcome).
 *
 * @example
 * ```ts
 * const joining = new Joining();
 * joining.refused({ type: "error", code: "nick-taken", message: "…", suggest: "cat2" }, state);
 * // [{ kind: "hello" }], state.nick === "cat2"
 * joining.welcomed("cat2", "cat2"); // "cat is taken; you are cat2 (/nick to change)"
 * ```
 */
export class Joining {
  /** The nick asked for before the server suggested another. */
  #asked: string | undefined;
  #tries = 0;

  /** The person chose a nick (the join dialog): a fresh start. */
  reset(): void {
    this.#asked = undefined;
    this.#tries = 0;
  }

  /**
   * A welcome granted `granted` after a `hello` that asked for `sent`: what
   * to tell the person when it is not the nick they wanted.
   */
  welcomed(sent: string, granted: string): string | undefined {
    const asked = this.#asked ?? (sent === "" ? undefined : sent);
    this.#asked = undefined;
    this.#tries = 0;
    if (asked === undefined || nickKey(asked) === nickKey(granted)) {
      return undefined;
    }
    return `${piece(asked)} is taken; you are ${
      piece(granted)
    } (/nick to change)`;
  }

  /**
   * An `error` without an id (a refused `hello`): what to do, or undefined
   * when it is only to be shown.
   */
  refused(
    frame: Extract<ServerFrame, { type: "error" }>,
    state: Asker,
  ): Effect[] | undefined {
    switch (frame.code) {
      case "password": {
        const tried = state.password !== undefined;
        state.password = undefined;
        return [{
          kind: "password",
          problem: tried ? PASSWORD_WRONG : PASSWORD_NEEDED,
        }];
      }
      case "nick-taken":
        // Also on a reconnect: someone took the nick meanwhile.
        if (frame.suggest === undefined || this.#tries++ >= NICK_TRIES) {
          return [{ kind: "final", reason: frame.message }];
        }
        this.#asked ??= state.nick;
        state.nick = frame.suggest;
        return [{ kind: "hello" }];
      case "nick-invalid":
      case "version":
        return [{ kind: "final", reason: frame.message }];
    }
    return undefined;
  }

  /** A `bye`: final when reconnecting cannot help. */
  closed(frame: Extract<ServerFrame, { type: "bye" }>): Effect[] {
    return frame.code !== undefined && FINAL_BYES.has(frame.code)
      ? [{ kind: "final", reason: frame.reason }]
      : [];
  }
}
