/**
 * `lochat-client`'s flags: the table and what is checked across flags.
 * The machinery (rows, parsing, help) is `lib/shared/flags.ts`'s.
 *
 * @module
 */

import {
  flag,
  type FlagValues,
  helpLines,
  integer,
  list,
  parseFlags,
  text,
  UsageError,
} from "../shared/flags.ts";
import { PROTOCOL_LIMITS } from "../shared/limits.ts";
import { nickProblem, parseRoom } from "../shared/names.ts";
import { DEFAULT_PORT, DEFAULT_ROOM } from "../shared/protocol.ts";

/**
 * The longest nick the client lets through: the protocol's nick limit, the
 * one servers keep unless their owner set another (`--max-nick`).
 */
const MAX_NICK_CHECKED: number = PROTOCOL_LIMITS.nickChars.default;

/** The client's flag table. */
export const CLIENT_FLAGS = {
  options: [
    text("host", "hostname", {
      value: "ADDR",
      help: "server address",
      shown: "found on the LAN by mDNS",
    }),
    text("server", "server", {
      value: "NAME",
      help: "without --host: the server of that name, when several are found",
    }),
    flag("list", "list", {
      help: "list the servers found on the LAN and exit",
    }),
    integer("port", "port", {
      value: "PORT",
      help: "server port",
      default: undefined,
      min: 1,
      max: 65535,
      shown: `${DEFAULT_PORT}`,
    }),
    text("nick", "nick", {
      value: "NICK",
      help: "nick to ask for",
      shown: "a guest nick",
    }),
    list("room", "room", {
      value: "ROOM",
      help:
        `room to start in (default ${DEFAULT_ROOM}); repeat it or list several (a,b) to start in all, the first current`,
    }),
    flag("tls", "tls", {
      help: "connect with TLS; trusts the server's certificate on first use",
    }),
    text("ca", "ca", {
      value: "FILE",
      help:
        "with --tls: verify the server against this PEM certificate instead",
    }),
    text("known-servers", "knownServers", {
      value: "FILE",
      help: "with --tls: where first-use fingerprints are kept",
      shown: "~/.config/lochat/known_servers",
    }),
    flag("no-color", "color", {
      help: "no colours (NO_COLOR is respected too)",
      negate: true,
    }),
    flag("no-bell", "bell", {
      help: "no terminal bell on mentions",
      negate: true,
    }),
    flag("no-reconnect", "reconnect", {
      help: "exit when the connection drops instead of reconnecting",
      negate: true,
    }),
    integer("history", "history", {
      value: "N",
      help:
        "recent messages to be shown on joining (default: the server's on a terminal, none for a script)",
      default: undefined,
      min: 0,
      max: 10_000,
    }),
    text("send", "send", {
      value: "TEXT",
      help: "send one message, exit 0 once the server acknowledges it",
    }),
    flag("json", "json", {
      help: "print every event from the server as one JSON object per line",
    }),
    flag("help", "help", { help: "show this help", short: "h" }),
  ],
  limits: {},
} as const;

/** The environment variables the client reads. */
export interface ClientEnv {
  /** `NO_COLOR` is set. */
  noColor?: boolean;
  /** `LOCHAT_PASSWORD`. */
  password?: string | undefined;
}

/** `lochat-client`'s options, as parsed and checked. */
export type ClientFlags = Omit<FlagValues<typeof CLIENT_FLAGS>, "room"> & {
  /** `LOCHAT_PASSWORD`. */
  password: string | undefined;
  /** The rooms of every `--room`, checked, `#` dropped, each once, in order. */
  rooms: string[];
};

/** Parses the client's flags. Throws {@linkcode UsageError}. */
export function parseClientFlags(
  args: string[],
  env: ClientEnv = {},
): ClientFlags {
  const flags = parseFlags(args, CLIENT_FLAGS);
  if (flags.nick !== undefined) {
    const problem = nickProblem(flags.nick, MAX_NICK_CHECKED);
    if (problem !== undefined) throw new UsageError(`--nick: ${problem}`);
  }
  if (flags.ca !== undefined && !flags.tls) {
    throw new UsageError("--ca goes with --tls");
  }
  const rooms: string[] = [];
  for (const typed of flags.room.flatMap((value) => value.split(","))) {
    const parsed = parseRoom(typed.trim());
    if (!parsed.ok) throw new UsageError(`--room: ${parsed.problem}`);
    if (!rooms.includes(parsed.room)) rooms.push(parsed.room);
  }
  const { room: _, ...rest } = flags;
  return {
    ...rest,
    rooms,
    color: flags.color && env.noColor !== true,
    password: env.password === "" ? undefined : env.password,
  };
}

/** The client's `--help`. */
export function clientHelp(): string {
  return [
    "Usage: lochat-client [OPTIONS]",
    "",
    "Terminal client for a Lochat server. Type to chat, /help for commands, :q or /quit to leave.\n" +
    "From a pipe, every line is sent and the client exits once the server has acknowledged them all.\n" +
    "A message is at most 2000 characters (the server may say otherwise); a longer one is not sent.",
    "",
    "Options:",
    ...helpLines(CLIENT_FLAGS),
    "",
    "Examples:",
    "  lochat-client --nick ann",
    "  make test | lochat-client --nick ci --room builds",
    '  lochat-client --nick ci --send "build finished"',
    "  lochat-client --nick bot --json | jq .",
    "  lochat-client --tls --host chatbox.local",
    "",
    "Environment: LOCHAT_PASSWORD (the server's password; asked for on a terminal when missing), NO_COLOR.",
    "Exit codes:",
    "  0    done",
    "  1    the server could not be reached, was lost, or is not Lochat (see stderr)",
    "  2    bad usage (or more --room than the server allows one person)",
    "  3    a script's line was refused (by the server, or as too long to send)",
    "  4    banned: the server refuses this address",
    "  5    wrong password (the 3rd on a terminal), or none and none can be asked",
    "  6    the server's TLS certificate is not the one pinned, or not trusted",
    "  130  interrupted (Ctrl-C) before the chat began",
  ].join("\n");
}
