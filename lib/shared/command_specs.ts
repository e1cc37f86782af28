/**
 * The command table as plain data: every `/command`'s name, arguments,
 * aliases and help line.
 *
 * The server attaches a handler to each entry (`lib/server/commands.ts`,
 * checked by the type system to cover them all) and generates `/help` from
 * this table; the terminal client completes command names from it. Nothing
 * here runs anything, so both sides may import it.
 *
 * @module
 */

/** One entry of the command table. */
export interface CommandSpec {
  /** Name, typed after the slash. */
  readonly name: string;
  /** Arguments as shown in help: `NICK TEXT`, `[MESSAGE]`. */
  readonly args: string;
  /** One line for `/help`. */
  readonly help: string;
  /** Other names for the same command. */
  readonly aliases?: readonly string[];
  /** Only operators may run it. */
  readonly operator?: boolean;
}

/** The command table, in the order `/help` lists it. */
export const COMMAND_SPECS = [
  { name: "help", args: "", help: "list the commands" },
  { name: "nick", args: "NEW", help: "change your nick" },
  {
    name: "join",
    args: "ROOM",
    help: "join a room (made on first join) and make it the current one",
    aliases: ["j"],
  },
  {
    name: "part",
    args: "[ROOM] [REASON]",
    help: "leave a room (the current one when none is named)",
    aliases: ["leave"],
  },
  {
    name: "switch",
    args: "ROOM",
    help: "make a room you are in the current one",
  },
  {
    name: "topic",
    args: "[TEXT]",
    help:
      "show or set the room's topic; operators: -lock, -unlock (and keep an empty room)",
  },
  {
    name: "rooms",
    args: "",
    help: "list the rooms, who is in each and their topics",
    aliases: ["list"],
  },
  {
    name: "who",
    args: "[ROOM]",
    help: "list who is in a room (the current one)",
    aliases: ["names"],
  },
  {
    name: "whois",
    args: "NICK",
    help: "who someone is: rooms, idle time, away",
  },
  {
    name: "msg",
    args: "NICK TEXT",
    help: "send a private message",
    aliases: ["m", "w", "whisper"],
  },
  {
    name: "reply",
    args: "TEXT",
    help: "answer the last private message you got",
    aliases: ["r"],
  },
  { name: "me", args: "ACTION", help: "say what you are doing (* ann waves)" },
  {
    name: "away",
    args: "[MESSAGE]",
    help: "mark yourself away (alone: back, when away already)",
  },
  { name: "back", args: "", help: "mark yourself back" },
  {
    name: "clear",
    args: "",
    help: "clear the screen (lochat-client does it; Ctrl-L too)",
  },
  {
    name: "ignore",
    args: "[NICK]",
    help: "hide someone's messages from you; alone, list whom you ignore",
  },
  { name: "unignore", args: "NICK", help: "see someone's messages again" },
  {
    name: "history",
    args: "[N]",
    help:
      "show N older messages of this room (default 20), further back each time",
  },
  {
    name: "oper",
    args: "SECRET",
    help: "become an operator (your nick must be on the server's --op list)",
  },
  {
    name: "kick",
    args: "[#ROOM] NICK [REASON]",
    help: "disconnect someone; with a room, take them out of that room only",
    operator: true,
  },
  {
    name: "ban",
    args: "NICK [REASON]",
    help:
      "disconnect someone and refuse their address until the server restarts",
    operator: true,
  },
  { name: "unban", args: "ADDRESS", help: "lift a ban", operator: true },
  { name: "bans", args: "", help: "list the bans", operator: true },
  {
    name: "quit",
    args: "[REASON]",
    help: "leave the chat; :q too",
    aliases: ["exit"],
  },
] as const satisfies readonly CommandSpec[];

/** The name of a command of the table. */
export type CommandName = typeof COMMAND_SPECS[number]["name"];

/** A command's usage line: `/msg NICK TEXT`. */
export function usage(spec: CommandSpec): string {
  return `/${spec.name}${spec.args === "" ? "" : ` ${spec.args}`}`;
}

/** Every command name and alias, sorted, for completion. */
export const COMMAND_NAMES: readonly string[] = COMMAND_SPECS.flatMap((
  c: CommandSpec,
) => [c.name, ...(c.aliases ?? [])]).sort();
