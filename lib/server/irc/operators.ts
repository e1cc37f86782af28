/**
 * Lochat's operators in IRC terms: `OPER name password` is `/oper`
 * (the name is the member's nick, which must be on the server's `--op`
 * list; the password is the operators' secret, throttled per address),
 * announced as `MODE #room +o nick` in every room the operator is in;
 * `KICK #room nick` takes someone out of one room, `MODE #room +b`/`-b`
 * bans and lifts bans (`bans.ts`: server-wide, of an address), `MODE #room
 * +t`/`-t` locks and unlocks the topic. Lochat's operators are the
 * server's, so they show as `@` in every channel. `MODE nick +i` hides
 * oneself from `WHO` masks. Everything else `MODE` can ask is answered as
 * a query, for one channel or a comma list of them (`MODE #a,#b`, as irssi
 * asks when it joins several at once).
 *
 * @module
 */

import { banList, changeBan } from "./bans.ts";
import { ircSessionOf, isInvisible, setInvisible } from "./irc_members.ts";
import { channelOf, sourceOf } from "./irc_out.ts";
import { refusing, roomOf } from "./irc_commands.ts";
import type { IrcSession } from "./irc_session.ts";
import type { IrcMessageInit } from "./message.ts";
import * as N from "./numerics.ts";

/**
 * `OPER name password`: the member becomes an operator, or `464`. IRC
 * users who share a room with it see `MODE #room +o nick` there (IRC
 * clients keep their nick lists by it). Lochat operators stay operators
 * until they leave, so there is never a `-o`.
 */
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
    for (const room of member.rooms) {
      for (const other of session.hub.who(room)) {
        ircSessionOf(other)?.write(opMode(session, room, member.nick));
      }
    }
  });
}

/** `:server MODE #room +o nick`: `nick` is an operator there. */
export function opMode(
  session: IrcSession,
  room: string,
  nick: string,
): IrcMessageInit {
  return {
    source: session.options.serverName,
    command: "MODE",
    params: [channelOf(room), "+o", nick],
  };
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
 * set and said back as a `MODE` line; `w`, `x` and `o`, which clients set
 * on connecting or when reconnecting, change nothing, and a change that
 * changes nothing gets no answer (irssi would print an empty user mode);
 * `MODE nick` alone is answered `221` with the modes the member has.
 */
function userMode(session: IrcSession, changes: string | undefined): void {
  const member = session.member!;
  if (changes !== undefined && !/^([+-][iwxo]*)+$/.test(changes)) {
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
  if (changes !== undefined) return;
  const modes = (isInvisible(member) ? "i" : "") + (member.op ? "o" : "");
  session.numeric(N.RPL_UMODEIS, `+${modes}`);
}

/**
 * `MODE target [changes [args]]`: a query answered (`221`, `324`, the ban
 * list), or an operator's change: `+t`/`-t`, `+b mask`, `-b mask`. A comma
 * list of channels is answered channel by channel when it asks (`MODE
 * #a,#b`, `MODE #a,#b b`); changes take one channel.
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
  if (target.includes(",")) {
    if (changes !== undefined && !/^\+?b$/.test(changes)) {
      session.numeric(
        N.ERR_NOSUCHCHANNEL,
        target,
        "MODE changes one channel at a time",
      );
      return;
    }
    for (const channel of target.split(",")) {
      if (channel !== "") channelMode(session, channel, changes, []);
    }
    return;
  }
  channelMode(session, target, changes, args);
}

/** `MODE #room [changes [args]]` for one channel. */
function channelMode(
  session: IrcSession,
  target: string,
  changes: string | undefined,
  args: string[],
): void {
  const member = session.member!;
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
  let sign: "+" | "-" = "+";
  let next = 0;
  for (const letter of changes) {
    if (letter === "+" || letter === "-") {
      sign = letter;
      continue;
    }
    if (letter === "t") {
      const locked = sign === "+";
      refusing(session, "MODE", channel, () => {
        session.hub.lockTopic(member, room, locked);
        session.write({
          source: sourceOf(member.nick),
          command: "MODE",
          params: [channel, `${locked ? "+" : "-"}t`],
        });
      });
    } else if (letter === "b") {
      const mask = args[next++];
      if (mask === undefined) banList(session, channel);
      else changeBan(session, channel, sign, mask);
    } else {
      session.numeric(N.ERR_UNKNOWNMODE, letter, "is unknown mode char to me");
    }
  }
}
