/**
 * Which members are IRC users, and what only IRC users have: the user mode
 * `+i` (invisible, https://modern.ircdocs.horse/#invisible-user-mode), which
 * hides a user from `WHO` masks of anyone who shares no channel with it.
 * Lochat's other clients have no user modes, so a member of theirs is
 * never invisible. Kept beside the hub, not in it: a member's IRC session
 * is known by the member, and forgotten with it.
 *
 * @module
 */

import type { Member } from "../member.ts";
import type { IrcSession } from "./irc_session.ts";

const sessions = new WeakMap<Member, IrcSession>();
const invisible = new WeakSet<Member>();

/**
 * Records that `member` is the IRC user of `session`.
 *
 * @example
 * ```ts
 * ircMember(member, session);
 * ircSessionOf(member) === session; // true
 * ```
 */
export function ircMember(member: Member, session: IrcSession): void {
  sessions.set(member, session);
}

/** The IRC session of `member`, or undefined for another client's member. */
export function ircSessionOf(member: Member): IrcSession | undefined {
  return sessions.get(member);
}

/** True when `member` set `+i`. */
export function isInvisible(member: Member): boolean {
  return invisible.has(member);
}

/**
 * Sets or clears `+i` for `member`.
 *
 * @returns true when that changed something
 */
export function setInvisible(member: Member, on: boolean): boolean {
  if (invisible.has(member) === on) return false;
  if (on) invisible.add(member);
  else invisible.delete(member);
  return true;
}
