/**
 * The command table: every `/command`, its arguments, its help line and what
 * it does, in one place.
 *
 * The native client and text-mode users send the same lines and reach the
 * same handlers; `/help` is generated from this table, and the client's Tab
 * completion reads its names, so none of them can drift from what exists.
 *
 * @module
 */

import { ChatError } from "../shared/errors.ts";
import type { Delivery, Hub, Member } from "./hub.ts";
import { nickKey } from "../shared/names.ts";
import type { ChatMessage } from "../shared/protocol.ts";

/** What a command may do to the session that ran it. */
export interface CommandContext {
  /** The hub the command acts on. */
  hub: Hub;
  /** The member who ran the command. */
  member: Member;
  /** Sends the caller a reply: `text` for people, `data` for programs. */
  reply(cmd: string, text: string, data?: unknown): void;
  /** Sends the caller messages from history, marked as history. */
  replay(messages: ChatMessage[]): void;
  /** Ends the caller's session after the reply is sent. */
  quit(reason: string): void;
  /** The client message this command came in, for deduplication. */
  key?: string | undefined;
}

/** One entry of the command table. */
export interface Command {
  /** Name, typed after the slash. */
  name: string;
  /** Arguments as shown in help: `NICK TEXT`, `[MESSAGE]`. */
  args: string;
  /** One line for `/help`. */
  help: string;
  /** Other names that run the same handler. */
  aliases?: string[];
  /** Only operators may run it. */
  operator?: boolean;
  /** Runs the command; returns the delivery when it sent a message. */
  run(
    ctx: CommandContext,
    args: string,
  ): Delivery | Promise<Delivery> | undefined;
}

/** A line the person typed, after parsing. */
export type ParsedInput =
  | { kind: "text"; text: string }
  | { kind: "command"; name: string; args: string };

/**
 * Splits a typed line into a chat message or a command and its raw
 * arguments. `//text` is a message that starts with a slash; `:q` is `/quit`,
 * as in the original. The arguments keep their inner spacing.
 *
 * @example
 * ```ts
 * parseInput("/msg bob  two  spaces"); // { kind: "command", name: "msg", args: "bob  two  spaces" }
 * parseInput("//shrug");              // { kind: "text", text: "/shrug" }
 * ```
 */
export function parseInput(line: string): ParsedInput {
  if (line.trim() === ":q") return { kind: "command", name: "quit", args: "" };
  if (!line.startsWith("/") || line.startsWith("//")) {
    return { kind: "text", text: line.startsWith("//") ? line.slice(1) : line };
  }
  const match = /^\/(\S*)\s*([\s\S]*)$/.exec(line)!;
  return {
    kind: "command",
    name: match[1]!.toLowerCase(),
    args: match[2]!.trimEnd(),
  };
}

/**
 * Splits off the first word of `args`; the rest keeps its inner spacing.
 *
 * @example
 * ```ts
 * firstWord("bob  hello  there"); // ["bob", "hello  there"]
 * ```
 */
export function firstWord(args: string): [string, string] {
  const match = /^(\S*)\s*([\s\S]*)$/.exec(args.trimStart())!;
  return [match[1]!, match[2]!];
}

function required(value: string, usage: string): string {
  if (value.trim() === "") throw new ChatError("bad-args", `Usage: ${usage}`);
  return value;
}

function usage(command: Command): string {
  return `/${command.name}${command.args === "" ? "" : ` ${command.args}`}`;
}

/** The command table, in the order `/help` lists it. */
export const COMMANDS: readonly Command[] = [
  {
    name: "help",
    args: "",
    help: "list the commands",
    run(ctx) {
      const shown = COMMANDS.filter((c) => !c.operator || ctx.member.op);
      const lines = shown.map((c) => `  ${usage(c).padEnd(22)} ${c.help}`);
      const text = ["Commands (//text sends a line starting with /):", ...lines]
        .join("\n");
      ctx.reply("help", text, {
        commands: shown.map(({ name, args, help }) => ({ name, args, help })),
      });
      return undefined;
    },
  },
  {
    name: "nick",
    args: "NEW",
    help: "change your nick",
    run(ctx, args) {
      const [nick] = firstWord(required(args, "/nick NEW"));
      ctx.hub.rename(ctx.member, nick);
      return undefined;
    },
  },
  {
    name: "join",
    args: "ROOM",
    help: "go to a room (created on first join)",
    run(ctx, args) {
      const [room] = firstWord(required(args, "/join ROOM"));
      const history = ctx.hub.join(ctx.member, room);
      ctx.replay(history);
      const members = ctx.hub.who(ctx.member.room).length;
      ctx.reply("join", `You joined #${ctx.member.room} (${members} here)`, {
        room: ctx.member.room,
        members,
      });
      return undefined;
    },
  },
  {
    name: "leave",
    args: "",
    help: "go back to the lobby",
    run(ctx) {
      const lobby = COMMANDS.find((c) => c.name === "join")!;
      return lobby.run(ctx, "lobby");
    },
  },
  {
    name: "rooms",
    args: "",
    help: "list the rooms and how many are in each",
    run(ctx) {
      const rooms = ctx.hub.rooms();
      const text = `Rooms: ${
        rooms.map((r) => `#${r.name} (${r.members})`).join(", ")
      }`;
      ctx.reply("rooms", text, { rooms });
      return undefined;
    },
  },
  {
    name: "who",
    args: "",
    help: "list who is in your room",
    run(ctx) {
      const members = ctx.hub.who(ctx.member.room);
      const names = members.map((m) =>
        m.away === undefined ? m.nick : `${m.nick} (away: ${m.away})`
      );
      ctx.reply(
        "who",
        `In #${ctx.member.room} (${members.length}): ${names.join(", ")}`,
        {
          room: ctx.member.room,
          members: members.map((
            m,
          ) => (m.away === undefined
            ? { nick: m.nick }
            : { nick: m.nick, away: m.away })
          ),
        },
      );
      return undefined;
    },
  },
  {
    name: "msg",
    args: "NICK TEXT",
    help: "send a private message",
    aliases: ["m", "whisper"],
    run(ctx, args) {
      const [nick, text] = firstWord(args);
      whisper(
        ctx,
        required(nick, "/msg NICK TEXT"),
        required(text, "/msg NICK TEXT"),
      );
      return undefined;
    },
  },
  {
    name: "reply",
    args: "TEXT",
    help: "answer the last private message you got",
    aliases: ["r"],
    run(ctx, args) {
      const to = ctx.member.lastPrivateFrom;
      if (to === undefined) {
        throw new ChatError(
          "not-now",
          "No one has sent you a private message yet; use /msg NICK TEXT",
        );
      }
      whisper(ctx, to, required(args, "/reply TEXT"));
      return undefined;
    },
  },
  {
    name: "me",
    args: "ACTION",
    help: "say what you are doing (* ann waves)",
    run(ctx, args) {
      return ctx.hub.say(ctx.member, required(args, "/me ACTION"), {
        me: true,
        key: ctx.key,
      });
    },
  },
  {
    name: "away",
    args: "[MESSAGE]",
    help: "mark yourself away; without a message, back",
    run(ctx, args) {
      if (args.trim() === "" && ctx.member.away !== undefined) {
        ctx.hub.setAway(ctx.member, undefined);
      } else ctx.hub.setAway(ctx.member, args.trim() === "" ? "away" : args);
      return undefined;
    },
  },
  {
    name: "back",
    args: "",
    help: "mark yourself back",
    run(ctx) {
      ctx.hub.setAway(ctx.member, undefined);
      return undefined;
    },
  },
  {
    name: "ignore",
    args: "[NICK]",
    help: "hide someone's messages from you; alone, list whom you ignore",
    run(ctx, args) {
      const [nick] = firstWord(args);
      const ignores = ctx.member.ignores;
      if (nick === "") {
        const list = [...ignores.values()];
        ctx.reply(
          "ignore",
          list.length === 0
            ? "You ignore no one"
            : `You ignore: ${list.join(", ")}`,
          {
            ignores: list,
          },
        );
        return undefined;
      }
      const target = ctx.hub.online(nick);
      if (target === ctx.member) {
        throw new ChatError("bad-args", "You cannot ignore yourself");
      }
      const shown = target.nick;
      ignores.add(nickKey(shown));
      ctx.reply("ignore", `You ignore ${shown}; /unignore ${shown} to undo`);
      return undefined;
    },
  },
  {
    name: "unignore",
    args: "NICK",
    help: "see someone's messages again",
    run(ctx, args) {
      const [nick] = firstWord(required(args, "/unignore NICK"));
      if (!ctx.member.ignores.delete(nickKey(nick))) {
        throw new ChatError("bad-args", `You do not ignore "${nick}"`);
      }
      ctx.reply("unignore", `You see ${nick} again`);
      return undefined;
    },
  },
  {
    name: "history",
    args: "[N]",
    help:
      "show N older messages of this room (default 20), further back each time",
    run(ctx, args) {
      const text = args.trim();
      const count = text === "" ? 20 : Number(text);
      if (!Number.isInteger(count) || count < 1 || count > 500) {
        throw new ChatError(
          "bad-args",
          `Usage: /history [N], with N from 1 to 500 (got "${text}")`,
        );
      }
      const messages = ctx.hub.history(
        ctx.member.room,
        count,
        ctx.member.historyBefore,
      );
      if (messages.length === 0) {
        ctx.reply("history", "No older messages in this room");
        return undefined;
      }
      ctx.member.historyBefore = messages[0]!.seq;
      ctx.replay(messages);
      return undefined;
    },
  },
  {
    name: "oper",
    args: "SECRET",
    help: "become an operator (your nick must be on the server's --op list)",
    run(ctx, args) {
      ctx.hub.oper(ctx.member, required(args, "/oper SECRET").trim());
      ctx.reply(
        "oper",
        "You are an operator: /kick, /ban, /unban and /bans are yours",
      );
      return undefined;
    },
  },
  {
    name: "kick",
    args: "NICK [REASON]",
    help: "disconnect someone",
    operator: true,
    run(ctx, args) {
      const [nick, reason] = firstWord(required(args, "/kick NICK [REASON]"));
      const target = ctx.hub.kick(ctx.member, nick, reason);
      ctx.reply("kick", `Kicked ${target.nick}`);
      return undefined;
    },
  },
  {
    name: "ban",
    args: "NICK [REASON]",
    help:
      "disconnect someone and refuse their address until the server restarts",
    operator: true,
    run(ctx, args) {
      const [nick, reason] = firstWord(required(args, "/ban NICK [REASON]"));
      const address = ctx.hub.ban(ctx.member, nick, reason);
      ctx.reply("ban", `Banned ${address}; /unban ${address} to lift it`, {
        address,
      });
      return undefined;
    },
  },
  {
    name: "unban",
    args: "ADDRESS",
    help: "lift a ban",
    operator: true,
    run(ctx, args) {
      const [address] = firstWord(required(args, "/unban ADDRESS"));
      ctx.hub.unban(ctx.member, address);
      ctx.reply("unban", `Lifted the ban on ${address}`);
      return undefined;
    },
  },
  {
    name: "bans",
    args: "",
    help: "list the bans",
    operator: true,
    run(ctx) {
      const bans = ctx.hub.bans(ctx.member);
      const text = bans.length === 0
        ? "No bans"
        : bans.map(([a, why]) => `${a}: ${why}`).join("\n");
      ctx.reply("bans", text, {
        bans: bans.map(([address, reason]) => ({ address, reason })),
      });
      return undefined;
    },
  },
  {
    name: "quit",
    args: "[REASON]",
    help: "leave the chat (also :q)",
    aliases: ["exit"],
    run(ctx, args) {
      ctx.quit(args.trim() === "" ? "quit" : args.trim());
      return undefined;
    },
  },
];

const BY_NAME = new Map<string, Command>(
  COMMANDS.flatMap((c) =>
    [c.name, ...(c.aliases ?? [])].map((name) => [name, c] as const)
  ),
);

/** Every command name and alias, for completion. */
export const COMMAND_NAMES: readonly string[] = [...BY_NAME.keys()].sort();

/**
 * Runs a parsed command. Throws a {@linkcode ChatError} for an unknown
 * command or bad arguments.
 */
export function runCommand(
  ctx: CommandContext,
  name: string,
  args: string,
): Delivery | Promise<Delivery> | undefined {
  const command = BY_NAME.get(name);
  if (command === undefined) {
    throw new ChatError(
      "unknown-command",
      `Unknown command "/${name}"; /help lists the commands`,
    );
  }
  if (command.operator && !ctx.member.op) {
    throw new ChatError(
      "forbidden",
      `Only operators can use /${command.name}; see /oper`,
    );
  }
  return command.run(ctx, args);
}

function whisper(ctx: CommandContext, nick: string, text: string): void {
  const target = ctx.hub.whisper(ctx.member, nick, text);
  if (target.away !== undefined && target !== ctx.member) {
    ctx.reply("away", `${target.nick} is away: ${target.away}`, {
      nick: target.nick,
      away: target.away,
    });
  }
}
