/**
 * What each IRC command does once a client is registered: one table of
 * plain data, `{ minParams, run }` as ergo keeps its commands, so the arity
 * is checked once (`461 ERR_NEEDMOREPARAMS`) and an unknown command is
 * `421 ERR_UNKNOWNCOMMAND`. Each command is the hub call a Lochat user's
 * line would make, answered in IRC's numerics
 * (https://modern.ircdocs.horse/#client-messages); the queries (`WHO`,
 * `WHOIS`, `LIST`, …) are in `queries.ts`, the operators' (`OPER`,
 * `KICK`, `MODE`) in `operators.ts`. Commands run in the order they came:
 * a command waits until every earlier line is answered.
 *
 * @module
 */

import { ChatError } from "../../shared/errors.ts";
import { parseRoom } from "../../shared/names.ts";
import { ctcp } from "./ctcp.ts";
import { readText, stripFormatting } from "./formatting.ts";
import { channelOf, sourceOf } from "./irc_out.ts";
import type { IrcSession } from "./irc_session.ts";
import type { IrcMessage } from "./message.ts";
import * as N from "./numerics.ts";
import { kick, mode, oper } from "./operators.ts";
import { QUERIES } from "./queries.ts";
import { capCommand, checkNick } from "./registration.ts";
import { motd, time, version } from "./welcome.ts";

/** One command: how many parameters it needs, and what it does. */
export interface IrcCommand {
  /** Fewer parameters is `461 ERR_NEEDMOREPARAMS`. */
  minParams: number;
  /**
   * True when the command keeps its own order (`PRIVMSG`: a channel
   * message does not wait for the disk to answer the one before).
   */
  ordersItself?: boolean;
  /** Does it; a promise holds the next line until it settles. */
  run(session: IrcSession, params: string[]): void | Promise<void>;
}

/** Runs `fn` on each item in turn, waiting for each that returns a promise. */
export function inSequence<T>(
  items: T[],
  fn: (item: T) => void | Promise<void>,
): void | Promise<void> {
  for (let i = 0; i < items.length; i++) {
    const held = fn(items[i]!);
    if (held !== undefined) {
      return held.then(() => inSequence(items.slice(i + 1), fn));
    }
  }
}

/**
 * Runs `fn`, turning a `ChatError` into the numeric IRC has for it
 * (`answers.ts`), about `target`.
 */
export function refusing(
  session: IrcSession,
  command: string,
  target: string,
  fn: () => void | Promise<void>,
): void | Promise<void> {
  const refuse = (error: unknown) => {
    if (!(error instanceof ChatError)) throw error;
    session.refusal(command, target, error.code, error.message);
  };
  try {
    const held = fn();
    if (held !== undefined) return held.catch(refuse);
  } catch (error) {
    refuse(error);
  }
}

/** `#Games` as Lochat's room `games`, or `403` with the rule. */
export function roomOf(
  session: IrcSession,
  channel: string,
): string | undefined {
  const parsed = channel.startsWith("#")
    ? parseRoom(channel)
    : { ok: false as const, problem: "Channel names start with #" };
  if (parsed.ok) return parsed.room;
  session.numeric(N.ERR_NOSUCHCHANNEL, channel, parsed.problem);
  return undefined;
}

/**
 * `RPL_NAMREPLY` lines and `RPL_ENDOFNAMES` for `room`: nicks, or
 * `nick!nick@lochat` with `userhost-in-names`.
 */
export function names(session: IrcSession, room: string): void {
  const channel = channelOf(room);
  const full = session.caps.has("userhost-in-names");
  // One prefix at most (`@`, an operator): multi-prefix changes nothing.
  const nicks = session.hub.who(room).map((m) =>
    (m.op ? "@" : "") + (full ? sourceOf(m.nick) : m.nick)
  );
  // Well inside 512 bytes: at most 10 of 24 + 33 characters a line.
  const each = full ? 10 : 20;
  for (let i = 0; i < nicks.length; i += each) {
    session.numeric(
      N.RPL_NAMREPLY,
      "=",
      channel,
      nicks.slice(i, i + each).join(" "),
    );
  }
  session.numeric(N.RPL_ENDOFNAMES, channel, "End of /NAMES list");
}

function join(session: IrcSession, params: string[]): void {
  const member = session.member!;
  if (params[0] === "0") {
    for (const room of [...member.rooms]) session.hub.part(member, room);
    return;
  }
  for (const channel of params[0]!.split(",")) {
    if (channel === "") continue;
    const room = roomOf(session, channel);
    if (room === undefined) continue;
    refusing(session, "JOIN", channel, () => {
      const { joined } = session.hub.join(member, room);
      if (!joined) return;
      session.write({
        source: sourceOf(member.nick),
        command: "JOIN",
        params: [channelOf(room)],
      });
      // What this user was not sent yet, when it was in the room before.
      const since = session.sent.since(member.nick, room);
      const state = session.hub.roomState(member, room, {
        max: session.limits.catchUp,
        ...(since === undefined ? {} : { since }),
      });
      if (state.topic !== undefined) {
        session.numeric(N.RPL_TOPIC, channelOf(room), state.topic);
      }
      names(session, room);
      session.history(room, state.history);
    });
  }
}

function part(session: IrcSession, params: string[]): void {
  const member = session.member!;
  for (const channel of params[0]!.split(",")) {
    const room = roomOf(session, channel);
    if (room === undefined) continue;
    refusing(session, "PART", channel, () => {
      if (!member.rooms.has(room)) {
        session.numeric(
          N.ERR_NOTONCHANNEL,
          channel,
          "You're not on that channel",
        );
        return;
      }
      session.hub.part(member, room, params[1] ?? "");
    });
  }
}

/**
 * `PRIVMSG` and `NOTICE`: to channels through the input, to nicks as
 * private messages; a `NOTICE` stays a notice for everyone who reads it,
 * and is never answered (no error, no `RPL_AWAY`). CTCP other than
 * `ACTION` is `ctcp.ts`'s.
 */
function message(command: "PRIVMSG" | "NOTICE") {
  return (session: IrcSession, params: string[]): void | Promise<void> => {
    const notice = command === "NOTICE";
    const [targets = "", text = ""] = params;
    if (targets === "") {
      if (!notice) {
        session.numeric(N.ERR_NORECIPIENT, `No recipient given (${command})`);
      }
      return;
    }
    if (text === "") {
      if (!notice) session.numeric(N.ERR_NOTEXTTOSEND, "No text to send");
      return;
    }
    const read = readText(text);
    const me = read.kind === "action";
    return inSequence(targets.split(",").slice(0, 4), (target) => {
      if (read.kind === "ctcp") {
        return session.input!.inTurn(() =>
          ctcp(session, command, target, text)
        );
      }
      if (target.startsWith("#")) {
        // A NOTICE is never answered with an error, not even 403.
        const parsed = parseRoom(target);
        const name = !notice
          ? roomOf(session, target)
          : parsed.ok
          ? parsed.room
          : undefined;
        if (name === undefined) return;
        return session.input!.say(command, channelOf(name), read.text, me);
      }
      return session.input!.inTurn(() => {
        const run = () => {
          const to = session.hub.whisper(session.member!, target, read.text, {
            me,
            notice,
          });
          if (!notice && to.away !== undefined && to !== session.member) {
            session.numeric(N.RPL_AWAY, to.nick, to.away || "Away");
          }
        };
        if (notice) {
          try {
            run();
          } catch (error) {
            if (!(error instanceof ChatError)) throw error;
          }
          return;
        }
        return refusing(session, command, target, run);
      });
    });
  };
}

function nick(session: IrcSession, params: string[]): void {
  const member = session.member!;
  const wanted = params[0]!;
  if (wanted === member.nick || !checkNick(session, wanted)) return;
  refusing(session, "NICK", wanted, () => session.hub.rename(member, wanted));
}

function topic(session: IrcSession, params: string[]): void {
  const [channel = ""] = params;
  const room = roomOf(session, channel);
  if (room === undefined) return;
  const member = session.member!;
  if (params.length < 2) {
    // A room exists while someone is in it, or while kept with its topic.
    if (!session.hub.rooms().some((r) => r.name === room)) {
      session.numeric(N.ERR_NOSUCHCHANNEL, channel, "No such channel");
      return;
    }
    const text = session.hub.topic(room);
    if (text === "") session.numeric(N.RPL_NOTOPIC, channel, "No topic is set");
    else session.numeric(N.RPL_TOPIC, channelOf(room), text);
    return;
  }
  if (!member.rooms.has(room)) {
    session.numeric(N.ERR_NOTONCHANNEL, channel, "You're not on that channel");
    return;
  }
  refusing(session, "TOPIC", channel, () => {
    session.hub.setTopic(member, room, stripFormatting(params[1]!));
  });
}

function away(session: IrcSession, params: string[]): void {
  const member = session.member!;
  const text = params[0] ?? "";
  if (text === "") {
    if (member.away === undefined) {
      session.numeric(N.RPL_UNAWAY, "You are no longer marked as being away");
    } else session.hub.setAway(member, undefined);
    return;
  }
  session.hub.setAway(member, text);
}

function already(session: IrcSession): void {
  session.numeric(N.ERR_ALREADYREGISTERED, "You may not reregister");
}

/** Every command a registered client may send. */
export const COMMANDS: Readonly<Record<string, IrcCommand>> = {
  AWAY: { minParams: 0, run: away },
  CAP: {
    minParams: 1,
    run: (session, params) => {
      capCommand(session, { tags: new Map(), command: "CAP", params });
    },
  },
  JOIN: { minParams: 1, run: join },
  KICK: { minParams: 2, run: kick },
  MODE: { minParams: 1, run: mode },
  MOTD: { minParams: 0, run: motd },
  NAMES: {
    minParams: 0,
    run: (session, params) => {
      if (params[0] === undefined) {
        session.numeric(N.RPL_ENDOFNAMES, "*", "End of /NAMES list");
        return;
      }
      for (const channel of params[0].split(",")) {
        const room = parseRoom(channel);
        if (room.ok && channel.startsWith("#")) names(session, room.room);
        else session.numeric(N.RPL_ENDOFNAMES, channel, "End of /NAMES list");
      }
    },
  },
  NICK: { minParams: 1, run: nick },
  NOTICE: { minParams: 0, ordersItself: true, run: message("NOTICE") },
  OPER: { minParams: 2, run: oper },
  PART: { minParams: 1, run: part },
  PASS: { minParams: 0, run: already },
  PING: {
    minParams: 1,
    run: (session, params) => {
      const server = session.options.serverName;
      session.write({
        source: server,
        command: "PONG",
        params: [server, params[0]!],
      });
    },
  },
  PONG: { minParams: 0, run: () => {} },
  PRIVMSG: { minParams: 0, ordersItself: true, run: message("PRIVMSG") },
  QUIT: {
    minParams: 0,
    run: (session, params) => {
      const reason = params[0] ?? "";
      session.close(reason, {
        type: "bye",
        reason: `Closing link (${reason === "" ? "Quit" : `Quit: ${reason}`})`,
      });
    },
  },
  TIME: { minParams: 0, run: (session) => time(session) },
  TOPIC: { minParams: 1, run: topic },
  USER: { minParams: 0, run: already },
  VERSION: { minParams: 0, run: version },
  ...QUERIES,
};

/** Runs one message from a registered client, in turn. */
export function runCommand(
  session: IrcSession,
  message: IrcMessage,
): void | Promise<void> {
  const command = COMMANDS[message.command];
  if (command === undefined) {
    session.numeric(N.ERR_UNKNOWNCOMMAND, message.command, "Unknown command");
    return;
  }
  if (message.params.length < command.minParams) {
    session.numeric(
      N.ERR_NEEDMOREPARAMS,
      message.command,
      "Not enough parameters",
    );
    return;
  }
  if (command.ordersItself) return command.run(session, message.params);
  const input = session.input!;
  return input.inTurn(() => command.run(session, message.params));
}
