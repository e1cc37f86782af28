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
import { roomName } from "./message_rules.ts";
import { normaliseAddress } from "./admission.ts";
import type { SecretGate } from "./secret_gate.ts";
import { safeEqual } from "./secrets.ts";

/** Options of {@linkcode Moderation}. */
export interface ModerationOptions {
  /** Nicks that may become operators with `/oper SECRET`. */
  operators: string[];
  /** The operators' secret; without one, no one can become an operator. */
  secret: string | undefined;
  /** Longest kick or ban reason, in characters. */
  reasonChars: number;
  /** How long someone kicked must wait before coming back, in seconds. */
  kickCooldown?: number | undefined;
  /** Throttles failed `/oper` tries per address; none in unit tests. */
  gate?: SecretGate | undefined;
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
  /** Who was kicked (a client token, or an address), until when (ms). */
  #cooldowns = new Map<string, number>();
  /** Banned addresses (normalised), with why. */
  #bans = new Map<string, string>();
  /** The address banned with each nick (by its key), while it is banned. */
  #bannedNicks = new Map<string, string>();
  #gate: SecretGate | undefined;
  /**
   * Closes every connection from a banned address, saying why; returns how
   * many it closed. Set by the server, which knows the connections.
   */
  onBan: ((address: string, reason: string) => number) | undefined;

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
    this.#gate = options.gate;
    this.#kickCooldownMs = (options.kickCooldown ?? 0) * 1000;
  }

  #kickCooldownMs: number;

  /**
   * Seconds before someone kicked may come back, kept by the client's token
   * (`person`); undefined when they may come now.
   */
  cooldown(person: string | undefined): number | undefined {
    if (person === undefined) return undefined;
    const until = this.#cooldowns.get(person);
    if (until === undefined) return undefined;
    const now = Date.now();
    if (until > now) return Math.ceil((until - now) / 1000);
    this.#cooldowns.delete(person);
    return undefined;
  }

  /**
   * Makes `member` an operator when its nick is on the operator list and
   * `secret` is right. Says nothing of which one was wrong. Failed tries
   * slow the member's address down (the server's {@linkcode SecretGate}).
   */
  async oper(member: Member, secret: string): Promise<void> {
    const expected = this.#secret;
    const listed = this.#operators.has(nickKey(member.nick));
    // Compare even when unlisted, so the time taken says nothing either.
    const compare = () => expected !== undefined && safeEqual(secret, expected);
    const right = this.#gate === undefined || member.address === undefined
      ? compare()
      : await this.#gate.check(member.address, "oper", compare);
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
    this.requireOp(by);
    const target = this.#hub.online(nick);
    const why = `kicked by ${by.nick}${
      reason.trim() === "" ? "" : `: ${cleanCut(reason, this.#reasonChars)}`
    }`;
    // A client that reconnects by itself (it has a token) waits the cool-down
    // out; someone without one reconnects by hand, and others behind the same
    // address are not kept out for it.
    const cooling = this.#kickCooldownMs > 0 &&
      target.person.startsWith("client:");
    if (cooling) {
      this.#cooldowns.set(target.person, Date.now() + this.#kickCooldownMs);
    }
    if (target.sink.close !== undefined) {
      target.sink.close(why, {
        type: "bye",
        reason: `You were ${why}`,
        code: "kicked",
        ...(cooling ? { retryAfter: this.#kickCooldownMs / 1000 } : {}),
      });
    } else {
      this.#hub.exit(target, why);
    }
    return target;
  }

  /**
   * Takes `nick` out of `room` (not out of the chat), telling the room who
   * did it and why.
   */
  kickFromRoom(by: Member, room: string, nick: string, reason: string): Member {
    this.requireOp(by);
    room = roomName(room);
    const target = this.#hub.online(nick);
    if (!target.rooms.has(room)) {
      throw new ChatError("not-now", `${target.nick} is not in #${room}`);
    }
    const why = `kicked by ${by.nick}${
      reason.trim() === "" ? "" : `: ${cleanCut(reason, this.#reasonChars)}`
    }`;
    this.#hub.part(target, room, why, by.nick);
    return target;
  }

  /**
   * Bans `nick`'s address until the server restarts, and closes every
   * connection from it (not only `nick`'s). Returns the address and how many
   * connections were closed.
   */
  ban(
    by: Member,
    nick: string,
    reason: string,
  ): { address: string; closed: number } {
    this.requireOp(by);
    const target = this.#hub.online(nick);
    if (target.address === undefined) {
      throw new ChatError("not-now", `${target.nick} has no address to ban`);
    }
    const address = normaliseAddress(target.address);
    const why = `banned by ${by.nick}${
      reason.trim() === "" ? "" : `: ${cleanCut(reason, this.#reasonChars)}`
    }`;
    this.#bans.set(address, why);
    this.#bannedNicks.set(nickKey(target.nick), address);
    if (this.onBan !== undefined) {
      return { address, closed: this.onBan(address, why) };
    }
    this.kick(by, target.nick, reason);
    return { address, closed: 1 };
  }

  /** Lifts a ban. */
  unban(by: Member, address: string): void {
    this.requireOp(by);
    const normal = normaliseAddress(address);
    if (!this.#bans.delete(normal)) {
      throw new ChatError(
        "bad-args",
        `${quote(address, 60)} is not banned; /bans lists bans`,
      );
    }
    for (const [nick, banned] of this.#bannedNicks) {
      if (banned === normal) this.#bannedNicks.delete(nick);
    }
  }

  /** The address banned with `nick` (IRC's `MODE -b nick`), while it is. */
  bannedAddress(nick: string): string | undefined {
    return this.#bannedNicks.get(nickKey(nick));
  }

  /** Why `address` is banned, if it is. */
  banned(address: string): string | undefined {
    return this.#bans.get(normaliseAddress(address));
  }

  /** Every ban, for `/bans`. */
  bans(by: Member): [string, string][] {
    this.requireOp(by);
    return [...this.#bans];
  }

  /** Throws a {@linkcode ChatError} `forbidden` unless `member` is an operator. */
  requireOp(member: Member): void {
    if (!member.op) {
      throw new ChatError("forbidden", "Only operators can do that; see /oper");
    }
  }
}
