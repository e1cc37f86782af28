/**
 * What each `/command` does: the handlers for the command table of
 * `lib/shared/command_specs.ts`.
 *
 * The table (names, arguments, help) is plain data both sides read; here
 * each entry gets its handler, and the type of {@linkcode HANDLERS} makes
 * the compiler check that every entry has one. The native client and
 * text-mode users send the same lines and reach the same handlers; `/help`
 * is generated from the table.
 *
 * @module
 */

import {
  COMMAND_SPECS,
  type CommandName,
  type CommandSpec,
  usage,
} from "../shared/command_specs.ts";
import { quote, userPiece } from "../shared/bidi.ts";
import { ChatError } from "../shared/errors.ts";
import { firstWord } from "../shared/input.ts";
import type { ProtocolLimits } from "../shared/limits.ts";
import { nickKey, ROOM_RULE } from "../shared/names.ts";
import { DEFAULT_ROOM } from "../shared/protocol.ts";
import { roomName } from "./message_rules.ts";
import type { ChatMessage } from "../shared/protocol.ts";
import type { Delivery, Hub } from "./hub.ts";
import type { Member } from "./member.ts";

/** What a command may do to the session that ran it. */
export interface CommandContext {
  /** The hub the command acts on. */
  hub: Hub;
  /** The member who ran the command. */
  member: Member;
  /** The protocol limits commands enforce (`/history N`). */
  limits: ProtocolLimits;
  /**
   * The room the line was said in (a version 2 client names it); undefined:
   * the member's current room.
   */
  room?: string | undefined;
  /**
   * Whether the member may be in several rooms (a version 2 client, text
   * mode). A client older than version 3 is in one room at a time, as it always was:
   * `/join` moves it and `/part` takes it back to the lobby.
   */
  multiRoom: boolean;
  /** Tells the member about a room it has just joined (or switched to). */
  joined(room: string, joined: boolean): void;
  /** Says `text` in the member's room, as the line that ran the command. */
  say(text: string, options: { me?: boolean }): Delivery | Promise<Delivery>;
  /** Sends the caller a reply: `text` for people, `data` for programs. */
  reply(cmd: string, text: string, data?: unknown): void;
  /** Sends the caller messages from history, marked as history. */
  replay(messages: ChatMessage[]): void;
  /** Ends the caller's session after the reply is sent. */
  quit(reason: string): void;
}

/** Runs a command; returns the delivery when it sent a message. */
export type Handler = (
  ctx: CommandContext,
  args: string,
) => Outcome;

/** What running a command gives: a delivery when it sent a message, later when it must wait. */
export type Outcome =
  | Delivery
  | undefined
  | Promise<Delivery>
  | Promise<undefined>;

function required(value: string, spec: CommandSpec): string {
  if (value.trim() === "") {
    throw new ChatError("bad-args", `Usage: ${usage(spec)}`);
  }
  return value;
}

const SPEC = Object.fromEntries(
  COMMAND_SPECS.map((spec) => [spec.name, spec]),
) as Record<CommandName, CommandSpec>;

/** Every command's handler, by name. */
export const HANDLERS: { readonly [K in CommandName]: Handler } = {
  help(ctx) {
    const shown = COMMAND_SPECS.filter((c: CommandSpec) =>
      !c.operator || ctx.member.op
    );
    const lines = shown.map((c: CommandSpec) =>
      `  ${usage(c).padEnd(22)} ${c.help}${
        c.aliases === undefined
          ? ""
          : ` (also ${c.aliases.map((a) => `/${a}`).join(", ")})`
      }`
    );
    const text = ["Commands (//text sends a line starting with /):", ...lines]
      .join("\n");
    ctx.reply("help", text, {
      commands: shown.map(({ name, args, help }) => ({ name, args, help })),
    });
    return undefined;
  },
  nick(ctx, args) {
    const [nick] = firstWord(required(args, SPEC.nick));
    ctx.hub.rename(ctx.member, nick);
    return undefined;
  },
  join(ctx, args) {
    const [room, rest] = firstWord(required(args, SPEC.join));
    if (rest !== "") {
      throw new ChatError(
        "room-invalid",
        `Room names have no spaces (you typed ${
          quote(args.trim(), 40)
        }): use ${ROOM_RULE}`,
      );
    }
    if (!ctx.multiRoom) return moveTo(ctx, room);
    const { room: name, joined } = ctx.hub.join(ctx.member, room);
    ctx.joined(name, joined);
    return undefined;
  },
  part(ctx, args) {
    if (!ctx.multiRoom) return moveTo(ctx, DEFAULT_ROOM);
    // `/part #games bye`, `/part bye` (the current room), `/part`.
    const [first, rest] = firstWord(args);
    const named = first.startsWith("#") ||
      (first !== "" && ctx.member.rooms.has(first.toLowerCase()));
    const room = named ? first : ctx.room ?? ctx.member.room;
    if (room === undefined) {
      throw new ChatError("not-now", "You are in no room");
    }
    ctx.hub.part(ctx.member, room, named ? rest : args);
    return undefined;
  },
  switch(ctx, args) {
    const [room] = firstWord(required(args, SPEC.switch));
    if (!ctx.multiRoom) {
      throw new ChatError(
        "not-now",
        "This client is in one room at a time: /join ROOM moves you",
      );
    }
    const name = roomName(room);
    if (!ctx.member.rooms.has(name)) {
      throw new ChatError("not-now", `You are not in #${name}: /join ${name}`);
    }
    ctx.hub.join(ctx.member, name);
    ctx.joined(name, false);
    return undefined;
  },
  topic(ctx, args) {
    const text = args.trim();
    const room = ctx.room ?? ctx.member.room;
    if (text === "-lock" || text === "-unlock") {
      const name = ctx.hub.lockTopic(ctx.member, room, text === "-lock");
      ctx.reply(
        "topic",
        `The topic of #${name} is ${
          text === "-lock"
            ? "locked: only operators may change it"
            : "open to everyone in the room"
        }`,
      );
      return undefined;
    }
    if (text === "") {
      if (room === undefined) {
        throw new ChatError("not-now", "You are in no room");
      }
      const topic = ctx.hub.topic(room);
      ctx.reply(
        "topic",
        topic === ""
          ? `#${room} has no topic`
          : `The topic of #${room}: ${userPiece(topic)}`,
        { room, topic },
      );
      return undefined;
    }
    ctx.hub.setTopic(ctx.member, room, text);
    return undefined;
  },
  rooms(ctx) {
    const rooms = ctx.hub.rooms().map((r) => ({
      ...r,
      joined: ctx.member.rooms.has(r.name),
    }));
    const lines = rooms.map((r) =>
      `${r.joined ? "*" : " "} #${r.name} (${r.members})${
        r.topic === undefined ? "" : `: ${userPiece(r.topic)}`
      }`
    );
    const text = rooms.length === 0
      ? "No rooms yet: /join ROOM makes one"
      : [`Rooms (* you are in it):`, ...lines].join("\n");
    ctx.reply("rooms", text, { rooms });
    return undefined;
  },
  who(ctx, args) {
    const [named] = firstWord(args);
    const room = named === "" ? ctx.room ?? ctx.member.room : roomName(named);
    if (room === undefined) {
      throw new ChatError("not-now", "You are in no room: /who ROOM");
    }
    const members = ctx.hub.who(room);
    // Someone ignored says nothing to you, away messages included.
    const awayOf = (m: Member) => ctx.member.ignoring(m) ? "" : m.away;
    const names = members.map((m) => {
      const away = awayOf(m);
      return away === undefined
        ? m.nick
        : away === ""
        ? `${m.nick} (away)`
        : `${m.nick} (away: ${userPiece(away)})`;
    });
    ctx.reply(
      "who",
      `In #${room} (${members.length}): ${names.join(", ")}`,
      {
        room,
        members: members.map((m) => {
          const away = awayOf(m);
          return away === undefined ? { nick: m.nick } : { nick: m.nick, away };
        }),
      },
    );
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
        : [awayLine("away", ctx.member.ignoring(target) ? "" : target.away)]),
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
  clear(ctx) {
    ctx.reply(
      "clear",
      "Your terminal clears its own screen: Ctrl-L in lochat-client, or `clear` in a shell",
    );
    return undefined;
  },
  msg(ctx, args) {
    const [nick, text] = firstWord(args);
    whisper(ctx, required(nick, SPEC.msg), required(text, SPEC.msg));
    return undefined;
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
    whisper(ctx, to.nick, required(args, SPEC.reply));
    return undefined;
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
  history(ctx, args) {
    const text = args.trim();
    const { historyPage, historyPageMax } = ctx.limits;
    const count = text === "" ? historyPage : Number(text);
    if (!Number.isInteger(count) || count < 1 || count > historyPageMax) {
      throw new ChatError(
        "bad-args",
        `Usage: /history [N], with N from 1 to ${historyPageMax} (got ${
          quote(text, 20)
        })`,
      );
    }
    const room = ctx.room ?? ctx.member.room;
    if (room === undefined) {
      throw new ChatError("not-now", "You are in no room: /join ROOM");
    }
    const messages = ctx.hub.history(
      room,
      count,
      ctx.member.historyBefore(room),
    );
    if (messages.length === 0) {
      ctx.reply("history", `No older messages in #${room}`, { room });
      return undefined;
    }
    ctx.member.shownFrom(room, messages[0]!.seq);
    ctx.replay(messages);
    return undefined;
  },
  async oper(ctx, args) {
    await ctx.hub.moderation.oper(ctx.member, required(args, SPEC.oper).trim());
    ctx.reply(
      "oper",
      "You are an operator: /kick, /ban, /unban and /bans are yours",
    );
    return undefined;
  },
  kick(ctx, args) {
    const [first, rest] = firstWord(required(args, SPEC.kick));
    if (first.startsWith("#")) {
      const [nick, reason] = firstWord(required(rest, SPEC.kick));
      const room = roomName(first);
      const target = ctx.hub.moderation.kickFromRoom(
        ctx.member,
        room,
        nick,
        reason,
      );
      ctx.reply("kick", `Took ${target.nick} out of #${room}`);
      return undefined;
    }
    const target = ctx.hub.moderation.kick(ctx.member, first, rest);
    ctx.reply("kick", `Kicked ${target.nick}`);
    return undefined;
  },
  ban(ctx, args) {
    const [nick, reason] = firstWord(required(args, SPEC.ban));
    const { address, closed } = ctx.hub.moderation.ban(
      ctx.member,
      nick,
      reason,
    );
    ctx.reply(
      "ban",
      `Banned ${address} and closed its ${closed} connection${
        closed === 1 ? "" : "s"
      }; /unban ${address} to lift it`,
      { address, closed },
    );
    return undefined;
  },
  unban(ctx, args) {
    const [address] = firstWord(required(args, SPEC.unban));
    ctx.hub.moderation.unban(ctx.member, address);
    ctx.reply("unban", `Lifted the ban on ${quote(address, 60)}`);
    return undefined;
  },
  bans(ctx) {
    const bans = ctx.hub.moderation.bans(ctx.member);
    const text = bans.length === 0
      ? "No bans"
      : bans.map(([a, why]) => `${a}: ${why}`).join("\n");
    ctx.reply("bans", text, {
      bans: bans.map(([address, reason]) => ({ address, reason })),
    });
    return undefined;
  },
  quit(ctx, args) {
    ctx.quit(args.trim());
    return undefined;
  },
};

/** Every name and alias, and the command it names. */
const BY_NAME = new Map<string, CommandSpec & { name: CommandName }>(
  COMMAND_SPECS.flatMap((c: CommandSpec & { name: CommandName }) =>
    [c.name, ...(c.aliases ?? [])].map((name) => [name, c] as const)
  ),
);

/**
 * Runs a parsed command. Throws a {@linkcode ChatError} for an unknown
 * command, an operator's command run by someone else, or bad arguments.
 */
export function runCommand(
  ctx: CommandContext,
  name: string,
  args: string,
): Outcome {
  const command = BY_NAME.get(name);
  if (command === undefined) {
    throw new ChatError(
      "unknown-command",
      `Unknown command ${quote(`/${name}`, 40)}; /help lists the commands`,
    );
  }
  if (command.operator && !ctx.member.op) {
    throw new ChatError(
      "forbidden",
      `Only operators can use /${command.name}; see /oper`,
    );
  }
  return HANDLERS[command.name](ctx, args);
}

/** The nick to show for an ignored person: their nick now, or the last one seen. */
function ignoredNick(ctx: CommandContext, person: string): string {
  const nicks = ctx.member.ignores.get(person)!;
  for (const key of [...nicks].reverse()) {
    const member = ctx.hub.find(key);
    if (member?.person === person) return member.nick;
  }
  return [...nicks].at(-1)!;
}

/**
 * A one-room client's `/join` (older than version 3): the member leaves its
 * room for `room`, and sees its history and a reply, as it always did.
 */
function moveTo(ctx: CommandContext, room: string): undefined {
  const name = roomName(room);
  if (ctx.member.room === name) {
    throw new ChatError("not-now", `You are in #${name} already`);
  }
  ctx.hub.move(ctx.member, name);
  ctx.joined(name, true);
  return undefined;
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

function whisper(ctx: CommandContext, nick: string, text: string): void {
  const target = ctx.hub.whisper(ctx.member, nick, text);
  if (target.away !== undefined && target !== ctx.member) {
    const away = ctx.member.ignoring(target) ? "" : target.away;
    ctx.reply("away", awayLine(target.nick, away), {
      nick: target.nick,
      away,
    });
  }
}
