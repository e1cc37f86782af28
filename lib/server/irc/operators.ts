/**
 * Lochat's operators in IRC terms: `OPER name password` is `/oper`
 * (the name is the member's nick, which must be on the server's `--op`
 * list; the password is the operators' secret, throttled per address),
 * `KICK #room nick` takes someone out of one room, `MODE #room +b nick`
 * bans the nick's address, `MODE #room +t`/`-t` locks and unlocks the
 * topic. Lochat's operators are the server's, so they show as `@` in every
 * channel. `MODE nick +i` hides oneself from `WHO` masks. Everything else
 * `MODE` can ask is answered as a query.
 *
 * @module
 */

import { ChatError } from "../../shared/errors.ts";
import { isInvisible, setInvisible } from "./irc_members.ts";
import { channelOf, sourceOf } from "./irc_out.ts";
import { refusing, roomOf } from "./irc_commands.ts";
import type { IrcSession } from "./irc_session.ts";
import * as N from "./numerics.ts";

/** `OPER name password`: the member becomes an operator, or `464`. */
export function oper(
  session: IrcSession,
  params: string[],
): void | Promise<void> {
  const member = session.member!;
  return refusing(session, "OPER", member.nick, async () => {
    await session.hub.moderation.oper(member, params[1]!);
    session.numeric(N.RPL_YOUREOPER, "You are now an IRC operator");
    session.write({
      source: session.options.serverName,
      command: "MODE",
      params: [member.nick, "+o"],
    });
  });
}

/** `KICK #room nick[,nick] [reason]`: out of the room, not the chat. */
export function kick(session: IrcSession, params: string[]): void {
  const [channel = "", nicks = "", reason = ""] = params;
  const room = roomOf(session, channel);
  if (room === undefined) return;
  for (const nick of nicks.split(",")) {
    refusing(session, "KICK", channel, () => {
      session.hub.moderation.kickFromRoom(session.member!, room, nick, reason);
    });
  }
}

/**
 * `MODE nick [changes]` for oneself: `+i`/`-i` (invisible to `WHO` masks)
 * set and said back as a `MODE` line; `w` and `x`, which clients set on
 * connecting, change nothing; no change, or none left, is answered `221`.
 */
function userMode(session: IrcSession, changes: string | undefined): void {
  const member = session.member!;
  if (changes !== undefined && !/^([+-][iwx]*)+$/.test(changes)) {
    session.numeric(N.ERR_UMODEUNKNOWNFLAG, "Unknown MODE flag");
    return;
  }
  let sign = "+";
  let changed = "";
  for (const letter of changes ?? "") {
    if (letter === "+" || letter === "-") sign = letter;
    else if (letter === "i" && setInvisible(member, sign === "+")) {
      changed += `${sign}i`;
    }
  }
  if (changed !== "") {
    session.write({
      source: sourceOf(member.nick),
      command: "MODE",
      params: [member.nick, changed],
    });
    return;
  }
  const modes = (isInvisible(member) ? "i" : "") + (member.op ? "o" : "");
  session.numeric(N.RPL_UMODEIS, `+${modes}`);
}

/** The nick of a ban mask: `ann!*@*` and `ann` are ann. */
function maskNick(mask: string): string {
  const bang = mask.indexOf("!");
  return bang === -1 ? mask : mask.slice(0, bang);
}

/**
 * `MODE target [changes [args]]`: a query answered (`221`, `324`, the ban
 * list), or an operator's change: `+t`/`-t`, `+b mask`, `-b address`.
 */
export function mode(session: IrcSession, params: string[]): void {
  const [target = "", changes, ...args] = params;
  const member = session.member!;
  if (!target.startsWith("#")) {
    if (target.toLowerCase() !== member.nick.toLowerCase()) {
      session.numeric(
        N.ERR_USERSDONTMATCH,
        "Can't change mode for other users",
      );
      return;
    }
    userMode(session, changes);
    return;
  }
  const room = roomOf(session, target);
  if (room === undefined) return;
  const channel = channelOf(room);
  if (changes === undefined) {
    session.numeric(
      N.RPL_CHANNELMODEIS,
      channel,
      session.hub.topicLocked(room) ? "+t" : "+",
    );
    return;
  }
  let sign = "+";
  let next = 0;
  for (const letter of changes) {
    if (letter === "+" || letter === "-") {
      sign = letter;
      continue;
    }
    if (letter === "t") {
      refusing(session, "MODE", channel, () => {
        session.hub.lockTopic(member, room, sign === "+");
        session.write({
          source: sourceOf(member.nick),
          command: "MODE",
          params: [channel, `${sign}t`],
        });
      });
    } else if (letter === "b") {
      const mask = args[next++];
      if (mask === undefined) {
        banList(session, channel);
        continue;
      }
      refusing(session, "MODE", channel, () => {
        if (sign === "+") {
          session.hub.moderation.ban(member, maskNick(mask), "");
        } else session.hub.moderation.unban(member, mask);
        session.write({
          source: sourceOf(member.nick),
          command: "MODE",
          params: [channel, `${sign}b`, mask],
        });
      });
    } else {
      session.numeric(N.ERR_UNKNOWNMODE, letter, "is unknown mode char to me");
    }
  }
}

/** The bans (addresses, as `*!*@address`), for an operator; else just the end. */
function banList(session: IrcSession, channel: string): void {
  const member = session.member!;
  if (member.op) {
    try {
      for (const [address] of session.hub.moderation.bans(member)) {
        session.numeric(N.RPL_BANLIST, channel, `*!*@${address}`);
      }
    } catch (error) {
      if (!(error instanceof ChatError)) throw error;
    }
  }
  session.numeric(N.RPL_ENDOFBANLIST, channel, "End of channel ban list");
}
