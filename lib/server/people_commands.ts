/**
 * The commands between people: `/nick`, `/whois`, `/msg`, `/reply`, `/me`,
 * `/away`, `/back`, `/ignore` and `/unignore`.
 *
 * Someone ignored says nothing to you, away messages included; an ignore is
 * kept by person, not by nick, so a new nick does not get past it.
 *
 * @module
 */

import type { CommandName } from "../shared/command_specs.ts";
import { quote, userPiece } from "../shared/bidi.ts";
import { ChatError } from "../shared/errors.ts";
import { firstWord } from "../shared/input.ts";
import { nickKey } from "../shared/names.ts";
import type { Reached } from "./hub.ts";
import {
  type CommandContext,
  type Handler,
  required,
  SPEC,
} from "./command_context.ts";

/** The handlers of the commands between people, by name. */
export const PEOPLE_COMMANDS = {
  nick(ctx, args) {
    const [nick] = firstWord(required(args, SPEC.nick));
    ctx.hub.rename(ctx.member, nick);
    return undefined;
  },
  whois(ctx, args) {
    const [nick] = firstWord(required(args, SPEC.whois));
    const target = ctx.hub.online(nick);
    const now = Date.now();
    const rooms = [...target.rooms];
    const facts = [
      rooms.length === 0
        ? "in no room"
        : `in ${rooms.map((room) => `#${room}`).join(", ")}`,
      `idle ${duration(now - target.activeAt)}`,
      `here for ${duration(now - target.joinedAt)}`,
      ...(target.away === undefined
        ? []
        : [awayFact(ctx.member.ignoring(target) ? "" : target.away)]),
      ...(target.op ? ["an operator"] : []),
      // Where someone connects from is for operators' eyes only.
      ...(ctx.member.op && target.address !== undefined
        ? [`from ${target.address}`]
        : []),
    ];
    ctx.reply("whois", `${target.nick}: ${facts.join(", ")}`, {
      nick: target.nick,
      ...(target.room === undefined ? {} : { room: target.room }),
      rooms,
      idleSeconds: Math.round((now - target.activeAt) / 1000),
      ...(target.away === undefined
        ? {}
        : { away: ctx.member.ignoring(target) ? "" : target.away }),
      ...(ctx.member.op && target.address !== undefined
        ? { address: target.address }
        : {}),
    });
    return undefined;
  },
  msg(ctx, args) {
    const [nick, text] = firstWord(args);
    return whisper(ctx, required(nick, SPEC.msg), required(text, SPEC.msg));
  },
  reply(ctx, args) {
    const to = ctx.member.lastPrivateFrom;
    if (to === undefined) {
      throw new ChatError(
        "not-now",
        "No one has sent you a private message yet; use /msg NICK TEXT",
      );
    }
    if (!ctx.hub.present(to)) {
      throw new ChatError(
        "no-such-nick",
        `${to.nick}, who sent you the last private message, has left`,
      );
    }
    return whisper(ctx, to.nick, required(args, SPEC.reply));
  },
  me(ctx, args) {
    return ctx.say(required(args, SPEC.me), { me: true });
  },
  away(ctx, args) {
    // Alone: away without a message, or back when away already.
    if (args.trim() === "" && ctx.member.away !== undefined) {
      ctx.hub.setAway(ctx.member, undefined);
    } else ctx.hub.setAway(ctx.member, args);
    return undefined;
  },
  back(ctx) {
    ctx.hub.setAway(ctx.member, undefined);
    return undefined;
  },
  ignore(ctx, args) {
    const [nick] = firstWord(args);
    const ignores = ctx.member.ignores;
    if (nick === "") {
      const list = [...ignores.keys()].map((person) =>
        ignoredNick(ctx, person)
      );
      ctx.reply(
        "ignore",
        list.length === 0
          ? "You ignore no one"
          : `You ignore: ${list.join(", ")}`,
        { ignores: list },
      );
      return undefined;
    }
    const target = ctx.hub.online(nick);
    if (target === ctx.member) {
      throw new ChatError("bad-args", "You cannot ignore yourself");
    }
    // Kept by person, not by nick: a new nick does not get past it.
    ignores.set(target.person, new Set([nickKey(target.nick)]));
    const shown = target.nick;
    ctx.reply("ignore", `You ignore ${shown}; /unignore ${shown} to undo`);
    return undefined;
  },
  unignore(ctx, args) {
    const [nick] = firstWord(required(args, SPEC.unignore));
    const ignores = ctx.member.ignores;
    const online = ctx.hub.find(nick);
    const person = online !== undefined && ignores.has(online.person)
      ? online.person
      : [...ignores].find(([, nicks]) => nicks.has(nickKey(nick)))?.[0];
    if (person === undefined) {
      throw new ChatError("bad-args", `You do not ignore ${quote(nick, 40)}`);
    }
    ignores.delete(person);
    ctx.reply("unignore", `You see ${ignoredName(nick)} again`);
    return undefined;
  },
} satisfies Partial<Record<CommandName, Handler>>;

/** The nick to show for an ignored person: their nick now, or the last one seen. */
function ignoredNick(ctx: CommandContext, person: string): string {
  const nicks = ctx.member.ignores.get(person)!;
  for (const key of [...nicks].reverse()) {
    const member = ctx.hub.find(key);
    if (member?.person === person) return member.nick;
  }
  return [...nicks].at(-1)!;
}

/** A nick someone typed, as said back: cleaned (it was not checked). */
function ignoredName(nick: string): string {
  return quote(nick, 40).slice(1, -1);
}

/** `NICK is away`, with the message when there is one. */
function awayLine(nick: string, away: string): string {
  return away === ""
    ? `${nick} is away`
    : `${nick} is away: ${userPiece(away)}`;
}

/** `away`, or `away: MESSAGE`, as a fact in `/whois`. */
function awayFact(away: string): string {
  return away === "" ? "away" : `away: ${userPiece(away)}`;
}

/** A duration for people: `42 s`, `5 min`, `3 h 20 min`, `2 days`. */
function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const min = Math.floor(s / 60);
  if (min < 60) return `${min} min`;
  const h = Math.floor(min / 60);
  if (h < 48) return `${h} h ${min % 60} min`;
  return `${Math.floor(h / 24)} days`;
}

/**
 * Sends a private message; whom it reached (the one it was for: someone who
 * ignores the sender counts as reached, as in a room), nothing for a note to
 * oneself.
 */
function whisper(
  ctx: CommandContext,
  nick: string,
  text: string,
): Reached | undefined {
  const target = ctx.hub.whisper(ctx.member, nick, text);
  if (target.away !== undefined && target !== ctx.member) {
    const away = ctx.member.ignoring(target) ? "" : target.away;
    ctx.reply("away", awayLine(target.nick, away), {
      nick: target.nick,
      away,
    });
  }
  return target === ctx.member ? undefined : { count: 1, of: 1 };
}
