/**
 * The members of a hub by nick: who is online, which nicks are free (with
 * a free one suggested when not), the guest nicks of those who chose none,
 * and renames. Nicks compare by {@linkcode nickKey}: `Ann` and `ann` are
 * one nick. Telling anyone what happened is the hub's part.
 *
 * @module
 */

import { quote } from "../shared/bidi.ts";
import { ChatError } from "../shared/errors.ts";
import type { ProtocolLimits } from "../shared/limits.ts";
import { nickKey, nickProblem, suggestNick } from "../shared/names.ts";
import type { Member } from "./member.ts";

/**
 * Who is online, by nick.
 *
 * @example
 * ```ts
 * const members = new MemberRegistry({ limits });
 * members.checkFree("ann"); // throws a ChatError when taken or invalid
 * members.add(new Member("ann", sink, members.nextPerson()));
 * members.find("ANN"); // ann's Member
 * ```
 */
export class MemberRegistry implements Iterable<Member> {
  #members = new Map<string, Member>();
  #limits: ProtocolLimits;
  #guests = 0;
  /** Numbers people who have no client token of their own. */
  #people = 0;

  /**
   * Makes an empty MemberRegistry.
   *
   * @param options.limits the protocol limits, for the longest nick
   */
  constructor(options: { limits: ProtocolLimits }) {
    this.#limits = options.limits;
  }

  /** How many members are online. */
  get size(): number {
    return this.#members.size;
  }

  /** Every member online, in the order they came (or last renamed). */
  [Symbol.iterator](): Iterator<Member> {
    return this.#members.values();
  }

  /** True when `nick` (any case) belongs to a member. */
  isTaken(nick: string): boolean {
    return this.#members.has(nickKey(nick));
  }

  /** The member with `nick` (any case), if any. */
  find(nick: string): Member | undefined {
    return this.#members.get(nickKey(nick));
  }

  /** True while `member` is online (it has not left). */
  present(member: Member): boolean {
    return this.#members.get(nickKey(member.nick)) === member;
  }

  /** The member with `nick`, or a {@linkcode ChatError} that says no one is. */
  online(nick: string): Member {
    const member = this.find(nick);
    if (member === undefined) {
      throw new ChatError(
        "no-such-nick",
        `No one called ${quote(nick, 40)} is online; /who lists the room`,
      );
    }
    return member;
  }

  /** A free guest nick for a member who did not choose one. */
  guestNick(): string {
    let nick: string;
    do nick = `guest${++this.#guests}`; while (this.isTaken(nick));
    return nick;
  }

  /** Who a member is across reconnects, for one that brought no token. */
  nextPerson(): string {
    return `member:${++this.#people}`;
  }

  /**
   * Throws a {@linkcode ChatError} when `nick` is invalid, or taken (with a
   * free nick suggested).
   */
  checkFree(nick: string): void {
    const nickChars = this.#limits.nickChars;
    const problem = nickProblem(nick, nickChars);
    if (problem !== undefined) throw new ChatError("nick-invalid", problem);
    if (this.isTaken(nick)) {
      const free = suggestNick(nick, (n) => this.isTaken(n), nickChars);
      throw new ChatError(
        "nick-taken",
        `The nick "${nick}" is taken; try "${free}"`,
        { suggest: free },
      );
    }
  }

  /** Puts `member` online under its nick, which must be free. */
  add(member: Member): void {
    this.#members.set(nickKey(member.nick), member);
  }

  /** Takes `member` offline; false when it was not online. */
  remove(member: Member): boolean {
    if (!this.present(member)) return false;
    this.#members.delete(nickKey(member.nick));
    return true;
  }

  /**
   * Renames `member` to `nick` (a change of case only needs `nick` to be
   * valid), and whoever ignores it ignores the new nick too. Returns the
   * old nick; undefined when `nick` is the nick it has. Throws a
   * {@linkcode ChatError} when `nick` is invalid or taken.
   */
  rename(member: Member, nick: string): string | undefined {
    if (nick === member.nick) return undefined;
    const nickChars = this.#limits.nickChars;
    if (nickKey(nick) !== nickKey(member.nick)) this.checkFree(nick);
    else if (nickProblem(nick, nickChars) !== undefined) {
      throw new ChatError("nick-invalid", nickProblem(nick, nickChars)!);
    }
    const old = member.nick;
    this.#members.delete(nickKey(old));
    member.nick = nick;
    this.#members.set(nickKey(nick), member);
    for (const other of this.#members.values()) {
      other.ignoredRenamed(member.person, nick);
    }
    return old;
  }
}
