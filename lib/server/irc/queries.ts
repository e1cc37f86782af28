/**
 * The IRC commands that ask and change nothing: `WHO`, `WHOIS`, `LIST`,
 * `ISON`, `USERHOST`, answered from the hub in the numerics of
 * https://modern.ircdocs.horse/#client-messages. Every member's user is its
 * nick and its host `lochat`: Lochat shows no one's address but to
 * operators (`WHOIS` adds it for them, as `/whois` does).
 *
 * @module
 */

import type { Member } from "../member.ts";
import type { IrcCommand } from "./irc_commands.ts";
import { channelOf, HOST } from "./irc_out.ts";
import type { IrcSession } from "./irc_session.ts";
import * as N from "./numerics.ts";
import { parseRoom } from "../../shared/names.ts";
import { isInvisible } from "./irc_members.ts";
import { globMatch, ircLower } from "./names.ts";

/** `H` here or `G` gone (away), `*` an operator, `@` too (channel status). */
function whoFlags(member: Member): string {
  return (member.away === undefined ? "H" : "G") + (member.op ? "*@" : "");
}

function whoReply(session: IrcSession, channel: string, member: Member): void {
  session.numeric(
    N.RPL_WHOREPLY,
    channel,
    member.nick,
    HOST,
    session.options.serverName,
    member.nick,
    whoFlags(member),
    `0 ${member.nick}`,
  );
}

/**
 * `WHO #room`, `WHO nick`, or `WHO mask` (`*` and `?` wildcards, matched
 * against nicks and the host without regard to case, as
 * `CASEMAPPING=ascii` says; `0` is `*`): a `352` for each member, then
 * `315`. A mask does not show an invisible (`+i`) member to anyone who
 * shares no room with it; a nick or a room shows it. `o` after the mask
 * keeps operators only. A comma list (`WHO #lobby,#games`, as irssi asks
 * when it joins several channels at once) is answered item by item, each
 * with its `315`, as irssi waits for one per channel.
 */
function who(session: IrcSession, params: string[]): void {
  const [mask = "*", flags = ""] = params;
  const items = mask.split(",").filter((item) => item !== "");
  if (items.length === 0) items.push(mask);
  for (const item of items) {
    if (item !== "") whoItem(session, item, flags);
    session.numeric(N.RPL_ENDOFWHO, item, "End of WHO list");
  }
}

/** The `352`s of one `WHO` mask. */
function whoItem(session: IrcSession, mask: string, flags: string): void {
  const me = session.member!;
  const shared = (member: Member) =>
    [...member.rooms].find((r) => me.rooms.has(r));
  const reply = (member: Member) => {
    if (flags.includes("o") && !member.op) return;
    const room = shared(member);
    whoReply(session, room === undefined ? "*" : channelOf(room), member);
  };
  const room = mask.startsWith("#") ? parseRoom(mask) : undefined;
  if (room?.ok) {
    for (const member of session.hub.who(room.room)) {
      if (flags.includes("o") && !member.op) continue;
      whoReply(session, channelOf(room.room), member);
    }
  } else if (room === undefined && !/[*?]/.test(mask) && mask !== "0") {
    const member = session.hub.find(mask);
    if (member !== undefined) reply(member);
  } else if (room === undefined) {
    const glob = mask === "0" ? "*" : mask;
    const found = [...session.hub.members()].filter((member) =>
      (globMatch(glob, member.nick) || globMatch(glob, HOST)) &&
      (member === me || !isInvisible(member) || shared(member) !== undefined)
    );
    found.sort((a, b) => ircLower(a.nick) < ircLower(b.nick) ? -1 : 1);
    for (const member of found) reply(member);
  }
}

function whois(session: IrcSession, params: string[]): void {
  // `WHOIS server nick` names a server first: the nick is the last.
  const nicks = params[params.length - 1]!;
  for (const nick of nicks.split(",").slice(0, 4)) {
    const target = session.hub.find(nick);
    if (target === undefined) {
      session.numeric(N.ERR_NOSUCHNICK, nick, "No such nick/channel");
      session.numeric(N.RPL_ENDOFWHOIS, nick, "End of /WHOIS list");
      continue;
    }
    const me = session.member!;
    session.numeric(
      N.RPL_WHOISUSER,
      target.nick,
      target.nick,
      HOST,
      "*",
      target.nick,
    );
    if (target.rooms.size > 0) {
      session.numeric(
        N.RPL_WHOISCHANNELS,
        target.nick,
        [...target.rooms].map((r) => (target.op ? "@" : "") + channelOf(r))
          .join(" "),
      );
    }
    session.numeric(
      N.RPL_WHOISSERVER,
      target.nick,
      session.options.serverName,
      me.op && target.address !== undefined
        ? `Lochat, from ${target.address}`
        : "Lochat",
    );
    if (target.op) {
      session.numeric(N.RPL_WHOISOPERATOR, target.nick, "is an operator");
    }
    if (target.away !== undefined) {
      const away = me.ignoring(target) ? "" : target.away;
      session.numeric(N.RPL_AWAY, target.nick, away || "Away");
    }
    const now = Date.now();
    session.numeric(
      N.RPL_WHOISIDLE,
      target.nick,
      String(Math.round((now - target.activeAt) / 1000)),
      String(Math.round(target.joinedAt / 1000)),
      "seconds idle, signon time",
    );
    session.numeric(N.RPL_ENDOFWHOIS, target.nick, "End of /WHOIS list");
  }
}

function list(session: IrcSession, params: string[]): void {
  const wanted = params[0] === undefined || params[0] === ""
    ? undefined
    : new Set(params[0].split(",").map((c) => c.toLowerCase()));
  session.numeric(N.RPL_LISTSTART, "Channel", "Users  Name");
  for (const room of session.hub.rooms()) {
    const channel = channelOf(room.name);
    if (wanted !== undefined && !wanted.has(channel)) continue;
    session.numeric(
      N.RPL_LIST,
      channel,
      String(room.members),
      room.topic ?? "",
    );
  }
  session.numeric(N.RPL_LISTEND, "End of /LIST");
}

function ison(session: IrcSession, params: string[]): void {
  const here = params.flatMap((p) => p.split(" "))
    .filter((nick) => nick !== "" && session.hub.find(nick) !== undefined)
    .map((nick) => session.hub.find(nick)!.nick);
  session.numeric(N.RPL_ISON, here.join(" "));
}

function userhost(session: IrcSession, params: string[]): void {
  const replies = params.slice(0, 5).flatMap((nick) => {
    const member = session.hub.find(nick);
    if (member === undefined) return [];
    return [
      `${member.nick}${member.op ? "*" : ""}=${
        member.away === undefined ? "+" : "-"
      }${member.nick}@${HOST}`,
    ];
  });
  session.numeric(N.RPL_USERHOST, replies.join(" "));
}

/** The queries, by command. */
export const QUERIES: Readonly<Record<string, IrcCommand>> = {
  ISON: { minParams: 1, run: ison },
  LIST: { minParams: 0, run: list },
  USERHOST: { minParams: 1, run: userhost },
  WHO: { minParams: 0, run: who },
  WHOIS: { minParams: 1, run: whois },
};
