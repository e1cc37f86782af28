/**
 * Lochat's bans in IRC's `MODE #room +b`/`-b`/`b`. A Lochat ban is of an
 * address, server-wide: `+b` on any channel bans the address of the person
 * the mask names from the whole server (everyone from it is disconnected
 * from every room), and the operator is told so in a `NOTICE`. The ban list
 * shows each banned address as `*!*@ADDRESS`, and `-b` lifts a ban given as
 * that mask, as the banned person's nick, or as the bare address, so that
 * what a client's `/unban` sends (the listed mask) works.
 *
 * A mask names a person by its nick part, its user part (which is the nick
 * in every Lochat source, `nick!nick@lochat`) or its host part (an address,
 * of someone online for `+b`); wildcards name no one.
 *
 * @module
 */

import { ChatError } from "../../shared/errors.ts";
import { normaliseAddress } from "../admission.ts";
import type { Member } from "../member.ts";
import { refusing } from "./irc_commands.ts";
import { HOST, sourceOf } from "./irc_out.ts";
import type { IrcSession } from "./irc_session.ts";
import * as N from "./numerics.ts";

/** A ban as the ban list shows it. */
export function banMask(address: string): string {
  return `*!*@${address}`;
}

/**
 * The words a mask names someone by, most telling first: `wendy`,
 * `wendy!*@*`, `*!wendy@lochat` and `*!*@192.0.2.7` each give theirs.
 *
 * @example
 * ```ts
 * maskWords("*!~wendy@lochat"); // { names: ["wendy"], address: undefined }
 * maskWords("*!*@192.0.2.7");   // { names: [], address: "192.0.2.7" }
 * maskWords("wendy");           // { names: ["wendy"], address: "wendy" }
 * ```
 */
export function maskWords(
  mask: string,
): { names: string[]; address: string | undefined } {
  const bang = mask.indexOf("!");
  const at = mask.lastIndexOf("@");
  if (bang === -1 && at === -1) return { names: [mask], address: mask };
  const nick = bang === -1 ? (at === -1 ? mask : "") : mask.slice(0, bang);
  const user = at === -1
    ? mask.slice(bang + 1)
    : mask.slice(bang === -1 ? 0 : bang + 1, at);
  const host = at === -1 ? "" : mask.slice(at + 1);
  const plain = (word: string) => word !== "" && !/[*?]/.test(word);
  const names = [nick, user.replace(/^[~*]+/, "")].filter(plain);
  const address = plain(host) && host !== HOST ? host : undefined;
  return { names, address };
}

/**
 * `MODE #room +b mask` or `-b mask` from `session`'s member: bans the
 * address of the person the mask names (server-wide, said in a `NOTICE`),
 * or lifts the ban it names. Either is answered with a `MODE` line that
 * shows the ban as the list does.
 */
export function changeBan(
  session: IrcSession,
  channel: string,
  sign: "+" | "-",
  mask: string,
): void {
  const member = session.member!;
  const moderation = session.hub.moderation;
  refusing(session, "MODE", channel, () => {
    moderation.requireOp(member);
    let address: string;
    if (sign === "+") {
      const target = bannable(session, mask);
      if (target === undefined) {
        session.numeric(
          N.ERR_NOSUCHNICK,
          mask,
          "No one here by that mask: Lochat bans the address of someone online; name them by nick or as *!*@ADDRESS",
        );
        return;
      }
      const banned = moderation.ban(member, target.nick, "");
      address = banned.address;
      const closed = banned.closed === 1
        ? "1 connection closed"
        : `${banned.closed} connections closed`;
      session.notice(
        `Bans are server-wide in Lochat: ${address} is banned from the server, not only from ${channel} (${closed}; MODE ${channel} -b ${
          banMask(address)
        } lifts it)`,
      );
    } else {
      const found = bannedBy(session, mask);
      if (found === undefined) {
        session.notice(
          `${mask} is not banned: MODE ${channel} b lists the bans (as *!*@ADDRESS); -b takes one of those, a banned nick or an address`,
        );
        return;
      }
      moderation.unban(member, found);
      address = found;
    }
    session.write({
      source: sourceOf(member.nick),
      command: "MODE",
      params: [channel, `${sign}b`, banMask(address)],
    });
  });
}

/** The bans (as `*!*@ADDRESS`), for an operator; else just the end. */
export function banList(session: IrcSession, channel: string): void {
  const member = session.member!;
  if (member.op) {
    try {
      for (const [address] of session.hub.moderation.bans(member)) {
        session.numeric(N.RPL_BANLIST, channel, banMask(address));
      }
    } catch (error) {
      if (!(error instanceof ChatError)) throw error;
    }
  }
  session.numeric(N.RPL_ENDOFBANLIST, channel, "End of channel ban list");
}

/** The member online a `+b` mask names: by nick, else by address. */
function bannable(session: IrcSession, mask: string): Member | undefined {
  const { names, address } = maskWords(mask);
  for (const name of names) {
    const member = session.hub.find(name);
    if (member !== undefined) return member;
  }
  if (address === undefined) return undefined;
  const wanted = normaliseAddress(address);
  return [...session.hub.members()].find((m) =>
    m.address !== undefined && normaliseAddress(m.address) === wanted
  );
}

/** The banned address a `-b` mask names: its host, a banned nick, an address. */
function bannedBy(session: IrcSession, mask: string): string | undefined {
  const moderation = session.hub.moderation;
  const { names, address } = maskWords(mask);
  if (address !== undefined && moderation.banned(address) !== undefined) {
    return normaliseAddress(address);
  }
  for (const name of names) {
    const banned = moderation.bannedAddress(name);
    if (banned !== undefined) return banned;
  }
  return undefined;
}
