/**
 * CTCP other than `ACTION` (https://modern.ircdocs.horse/ctcp): queries
 * such as `VERSION`, `PING` and `TIME`, sent in a `PRIVMSG` to a nick, and
 * their replies, sent in a `NOTICE`. In IRC the person's client answers a
 * query; Lochat's other clients (native, text mode, the web page) have no
 * CTCP, so:
 *
 * - between two IRC users the query and its reply are passed on as they
 *   are, and the other client answers for itself;
 * - to a user of another client the server answers, from that user's
 *   source, `VERSION` (Lochat), `PING` (its argument back: the time to the
 *   server), `TIME` (the server's clock) and `CLIENTINFO` (these four);
 *   anything else gets no answer, as a client that does not know a query
 *   gives none;
 * - to a `#room` CTCP is not carried: a room has no one client to answer,
 *   and answers from every member would flood the asker.
 *
 * Someone ignoring the asker gets nothing and answers nothing. A reply
 * (`NOTICE`) is never answered, and never refused with a numeric.
 *
 * @module
 */

import { ircSessionOf } from "./irc_members.ts";
import { sourceOf } from "./irc_out.ts";
import type { IrcSession } from "./irc_session.ts";
import * as N from "./numerics.ts";
import { maxTextBytes, splitText } from "./split_text.ts";
import { SOFTWARE } from "./welcome.ts";

/** The queries the server answers for a member without CTCP. */
const ANSWERED = ["ACTION", "CLIENTINFO", "PING", "TIME", "VERSION"];

/**
 * The server's answer to a CTCP query for a member whose client has no
 * CTCP, or undefined when it gives none.
 *
 * @param query the query's text between the `\x01`s, e.g. `PING 123`
 * @param now the server's clock
 * @returns the reply's text between the `\x01`s, e.g. `PING 123`
 *
 * @example
 * ```ts
 * ctcpAnswer("PING 1712"); // "PING 1712"
 * ctcpAnswer("FINGER");    // undefined
 * ```
 */
export function ctcpAnswer(
  query: string,
  now: Date = new Date(),
): string | undefined {
  const space = query.indexOf(" ");
  const command = (space === -1 ? query : query.slice(0, space)).toUpperCase();
  const arg = space === -1 ? "" : query.slice(space + 1);
  switch (command) {
    case "VERSION":
      return `VERSION Lochat (${SOFTWARE}; the server answers for this user)`;
    case "PING":
      return arg === "" ? "PING" : `PING ${arg}`;
    case "TIME":
      return `TIME ${now.toString()}`;
    case "CLIENTINFO":
      return `CLIENTINFO ${ANSWERED.join(" ")}`;
    default:
      return undefined;
  }
}

/**
 * A CTCP query (`PRIVMSG`) or reply (`NOTICE`) from `session`'s member to
 * `target`: passed on to an IRC user, answered by the server for any other,
 * dropped for a room.
 *
 * @param session who sent it
 * @param command `PRIVMSG` (a query) or `NOTICE` (a reply)
 * @param target the nick or `#room` it was sent to
 * @param text the text as sent, `\x01` first
 */
export function ctcp(
  session: IrcSession,
  command: "PRIVMSG" | "NOTICE",
  target: string,
  text: string,
): void {
  if (target.startsWith("#")) return;
  const sender = session.member!;
  const to = session.hub.find(target);
  if (to === undefined) {
    if (command === "PRIVMSG") {
      session.numeric(N.ERR_NOSUCHNICK, target, "No such nick/channel");
    }
    return;
  }
  if (to.ignoring(sender)) return;
  const body = text.slice(1, text.endsWith("\x01") ? -1 : undefined);
  const peer = ircSessionOf(to);
  if (peer !== undefined) {
    const source = sourceOf(sender.nick);
    // The sender's line fit in 512 bytes without a source; with one it may not.
    const room = Math.max(4, maxTextBytes(source, to.nick, command) - 2);
    const [cut = ""] = splitText(body, room);
    peer.write({ source, command, params: [to.nick, `\x01${cut}\x01`] });
    return;
  }
  if (command === "NOTICE") return;
  const answer = ctcpAnswer(body);
  if (answer === undefined) return;
  session.write({
    source: sourceOf(to.nick),
    command: "NOTICE",
    params: [sender.nick, `\x01${answer}\x01`],
  });
}
