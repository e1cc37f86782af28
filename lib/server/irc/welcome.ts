/**
 * What an IRC client is told once registered
 * (https://modern.ircdocs.horse/#connection-registration): `001`–`004`,
 * `RPL_ISUPPORT` (`005`) with the server's real limits, and the MOTD: the
 * banner, then the server's message of the day.
 *
 * @module
 */

import type { ProtocolLimits } from "../../shared/limits.ts";
import { clean } from "../../shared/text.ts";
import { BANNER } from "../server_limits.ts";
import type { IrcSession } from "./irc_session.ts";
import * as N from "./numerics.ts";

/** The software's name and version in `002` and `004`. */
export const SOFTWARE = "lochat-irc-1";

/** User modes: `i`, invisible (to `WHO` masks); `o`, an operator. */
const USER_MODES = "io";
/** Channel modes: `b` (ban, an operator's), `t` (topic lock). */
const CHANNEL_MODES = "bt";

/**
 * The `RPL_ISUPPORT` tokens (https://modern.ircdocs.horse/#rplisupport-005),
 * each the limit Lochat really enforces:
 *
 * - `CASEMAPPING=ascii`: nicks and channels compare as Lochat's do;
 * - `CHANLIMIT=#:N`: rooms a member may be in at once (more is `405`);
 * - `CHANMODES=b,,,t`, `PREFIX=(o)@`: bans and the topic lock; Lochat's
 *   operators show as `@`;
 * - `CHANNELLEN`, `NICKLEN`, `TOPICLEN`, `AWAYLEN`, `KICKLEN`: Lochat's
 *   limits, in characters (Lochat counts characters, not bytes; every Lochat
 *   nick and room name is ASCII, so there they agree);
 * - `CHANTYPES=#`: rooms are `#room`;
 * - `CLIENTTAGDENY=*`: client-only tags (`+name`,
 *   https://ircv3.net/specs/extensions/message-tags#rpl_isupport-tokens)
 *   are dropped, not relayed: Lochat messages carry none.
 *
 * `LINELEN` is not sent: lines are the standard 512 bytes.
 *
 * @param limits the server's protocol limits
 * @param network the network's name
 * @returns the tokens, in order
 */
export function isupportTokens(
  limits: ProtocolLimits,
  network: string,
): string[] {
  return [
    `AWAYLEN=${limits.reasonChars}`,
    "CASEMAPPING=ascii",
    `CHANLIMIT=#:${limits.roomsPerMember}`,
    "CHANMODES=b,,,t",
    `CHANNELLEN=${limits.roomChars + 1}`,
    "CHANTYPES=#",
    "CLIENTTAGDENY=*",
    `KICKLEN=${limits.reasonChars}`,
    `NETWORK=${network}`,
    `NICKLEN=${limits.nickChars}`,
    "PREFIX=(o)@",
    `TOPICLEN=${limits.topicChars}`,
  ];
}

/** Sends `001`–`005` and the MOTD to a session just registered. */
export function welcomeBurst(session: IrcSession): void {
  const { serverName, created } = session.options;
  const nick = session.nick;
  session.numeric(
    N.RPL_WELCOME,
    `Welcome to the Lochat IRC network, ${nick}`,
  );
  session.numeric(
    N.RPL_YOURHOST,
    `Your host is ${serverName}, running version ${SOFTWARE}`,
  );
  session.numeric(
    N.RPL_CREATED,
    `This server was created ${created.toUTCString()}`,
  );
  session.numeric(
    N.RPL_MYINFO,
    serverName,
    SOFTWARE,
    USER_MODES,
    CHANNEL_MODES,
    "b",
  );
  isupport(session);
  motd(session);
}

/** The `RPL_ISUPPORT` lines: at welcome, and after `VERSION`. */
function isupport(session: IrcSession): void {
  const tokens = isupportTokens(session.context.limits, "Lochat");
  // At most 12 tokens a line, well inside 512 bytes.
  for (let i = 0; i < tokens.length; i += 12) {
    session.numeric(
      N.RPL_ISUPPORT,
      ...tokens.slice(i, i + 12),
      "are supported by this server",
    );
  }
}

/**
 * `VERSION`: `351` with the software and the server, then `RPL_ISUPPORT`
 * again (https://modern.ircdocs.horse/#version-message).
 */
export function version(session: IrcSession): void {
  const { serverName } = session.options;
  session.numeric(
    N.RPL_VERSION,
    SOFTWARE,
    serverName,
    "Lochat, a chat for the local network",
  );
  isupport(session);
}

/**
 * `TIME`: `391` with the server's local time, as people read it
 * (https://modern.ircdocs.horse/#time-message).
 */
export function time(session: IrcSession, now = new Date()): void {
  const two = (n: number) => String(Math.abs(n)).padStart(2, "0");
  const offset = -now.getTimezoneOffset();
  const zone = `${offset < 0 ? "-" : "+"}${two(Math.trunc(offset / 60))}:${
    two(offset % 60)
  }`;
  session.numeric(
    N.RPL_TIME,
    session.options.serverName,
    `${now.toDateString()} ${two(now.getHours())}:${two(now.getMinutes())}:${
      two(now.getSeconds())
    } ${zone}`,
  );
}

/** The MOTD: the banner, then the server's message of the day. */
export function motd(session: IrcSession): void {
  const { serverName } = session.options;
  const lines = [BANNER, ...(session.context.motd ?? "").split("\n")]
    .map((line) => clean(line).trimEnd())
    .filter((line) => line !== "");
  session.numeric(N.RPL_MOTDSTART, `- ${serverName} Message of the day -`);
  for (const line of lines) session.numeric(N.RPL_MOTD, `- ${line}`);
  session.numeric(N.RPL_ENDOFMOTD, "End of /MOTD command.");
}
