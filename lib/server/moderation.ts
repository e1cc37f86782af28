/**
 * Operators and what they may do: `/oper`, `/kick`, `/ban`, `/unban`,
 * `/bans`. Nicks named with `--op` prove themselves with the operators'
 * secret; the hub then lets them remove others.
 *
 * @module
 */

import { ChatError } from "../shared/errors.ts";
import { nickKey } from "../shared/names.ts";
import { quote } from "../shared/bidi.ts";
import { cleanCut } from "../shared/text.ts";
import type { Hub } from "./hub.ts";
import type { Member } from "./member.ts";
import { safeEqual } from "./secrets.ts";

/** Options of {@linkcode Moderation}. */
export interface ModerationOptions {
  /** Nicks that may become operators with `/oper SECRET`. */
  operators: string[];
  /** The operators' secret; without one, no one can become an operator. */
  secret: string | undefined;
  /** Longest kick or ban reason, in characters. */
  reasonChars: number;
}

/**
 * A hub's operators and bans.
 *
 * @example
 * ```ts
 * hub.moderation.oper(ann, "0p");         // ann is an operator now
 * hub.moderation.kick(ann, "troll", "");  // disconnects troll
 * ```
 */
export class Moderation {
  #hub: Hub;
  #operators: Set<string>;
  #secret: string | undefined;
  #reasonChars: number;
  /** Banned addresses, with why. */
  #bans = new Map<string, string>();

  /**
   * Makes a Moderation.
   *
   * @param hub the hub whose members are moderated
   * @param options the operator list, their secret, the reason limit
   */
  constructor(hub: Hub, options: ModerationOptions) {
    this.#hub = hub;
    this.#operators = new Set(options.operators.map(nickKey));
    this.#secret = options.secret;
    this.#reasonChars = options.reasonChars;
  }

  /**
   * Makes `member` an operator when its nick is on the operator list and
   * `secret` is right. Says nothing of which one was wrong.
   */
  oper(member: Member, secret: string): void {
    const expected = this.#secret;
    const listed = this.#operators.has(nickKey(member.nick));
    // Compare even when unlisted, so the time taken says nothing either.
    const right = expected !== undefined && safeEqual(secret, expected);
    if (!listed || !right) {
      throw new ChatError(
        "forbidden",
        "Not an operator: the nick is not on the server's list or the secret is wrong",
      );
    }
    member.op = true;
  }

  /** Disconnects `nick`, telling everyone who did it and why. */
  kick(by: Member, nick: string, reason: string): Member {
    this.#requireOp(by);
    const target = this.#hub.online(nick);
    const why = `kicked by ${by.nick}${
      reason.trim() === "" ? "" : `: ${cleanCut(reason, this.#reasonChars)}`
    }`;
    if (target.sink.close !== undefined) {
      target.sink.close(why, { type: "bye", reason: `You were ${why}` });
    } else {
      this.#hub.exit(target, why);
    }
    return target;
  }

  /** Bans `nick`'s address until the server restarts, and kicks them. */
  ban(by: Member, nick: string, reason: string): string {
    this.#requireOp(by);
    const target = this.#hub.online(nick);
    if (target.address === undefined) {
      throw new ChatError("not-now", `${target.nick} has no address to ban`);
    }
    this.#bans.set(
      target.address,
      `banned by ${by.nick}${
        reason.trim() === "" ? "" : `: ${cleanCut(reason, this.#reasonChars)}`
      }`,
    );
    this.kick(by, target.nick, reason);
    return target.address;
  }

  /** Lifts a ban. */
  unban(by: Member, address: string): void {
    this.#requireOp(by);
    if (!this.#bans.delete(address)) {
      throw new ChatError(
        "bad-args",
        `${quote(address, 60)} is not banned; /bans lists bans`,
      );
    }
  }

  /** Why `address` is banned, if it is. */
  banned(address: string): string | undefined {
    return this.#bans.get(address);
  }

  /** Every ban, for `/bans`. */
  bans(by: Member): [string, string][] {
    this.#requireOp(by);
    return [...this.#bans];
  }

  #requireOp(member: Member): void {
    if (!member.op) {
      throw new ChatError("forbidden", "Only operators can do that; see /oper");
    }
  }
}
