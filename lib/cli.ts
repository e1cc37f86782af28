/**
 * Command-line flags of both binaries: definitions, parsing, help text.
 *
 * Flags are declared once in a table; `--help` is generated from it and the
 * parser (`node:util`'s `parseArgs`, standing in for `@std/cli`) is fed from
 * it, so the help can never list a flag that does not exist. Every bad value
 * gets a {@linkcode UsageError} that names the flag, the value and what was
 * expected.
 *
 * @module
 */

import { parseArgs } from "node:util";
import {
  DEFAULT_HISTORY,
  DEFAULT_PORT,
  HELLO_WAIT_MS,
  MAX_LINE_BYTES,
  MAX_QUEUE_BYTES,
} from "./limits.ts";
import type { LogFormat } from "./log.ts";
import { nickProblem } from "./names.ts";

/** A flag the user got wrong; the message says which and how to fix it. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** One flag of a binary. */
export interface FlagSpec {
  name: string;
  type: "string" | "boolean";
  /** Placeholder for the value in help: `PORT`. */
  value?: string;
  help: string;
  /** Default, as shown in help. */
  default?: string;
  short?: string;
}

const SERVER_FLAGS: FlagSpec[] = [
  {
    name: "host",
    type: "string",
    value: "ADDR",
    help: "address to listen on",
    default: "0.0.0.0",
  },
  {
    name: "port",
    type: "string",
    value: "PORT",
    help: "TCP port; 0 picks a free one",
    default: String(DEFAULT_PORT),
  },
  {
    name: "name",
    type: "string",
    value: "NAME",
    help: "server name shown to clients",
    default: "the host name",
  },
  {
    name: "history",
    type: "string",
    value: "N",
    help: "messages a joiner sees, per room",
    default: String(DEFAULT_HISTORY),
  },
  {
    name: "max-line",
    type: "string",
    value: "BYTES",
    help: "longest line accepted",
    default: String(MAX_LINE_BYTES),
  },
  {
    name: "max-queue",
    type: "string",
    value: "BYTES",
    help: "unread bytes a client may lag behind before it is dropped",
    default: String(MAX_QUEUE_BYTES),
  },
  {
    name: "log",
    type: "string",
    value: "FORMAT",
    help: "log lines on stderr: text, json or off",
    default: "text",
  },
  {
    name: "exit-when-empty",
    type: "boolean",
    help: "stop when the last client leaves",
  },
  { name: "help", type: "boolean", short: "h", help: "show this help" },
];

const CLIENT_FLAGS: FlagSpec[] = [
  {
    name: "host",
    type: "string",
    value: "ADDR",
    help: "server address",
    default: "127.0.0.1",
  },
  {
    name: "port",
    type: "string",
    value: "PORT",
    help: "server port",
    default: String(DEFAULT_PORT),
  },
  {
    name: "nick",
    type: "string",
    value: "NICK",
    help: "nick to ask for",
    default: "a guest nick",
  },
  {
    name: "room",
    type: "string",
    value: "ROOM",
    help: "room to start in",
    default: "lobby",
  },
  {
    name: "no-color",
    type: "boolean",
    help: "no colours (NO_COLOR is respected too)",
  },
  { name: "no-bell", type: "boolean", help: "no terminal bell on mentions" },
  {
    name: "no-reconnect",
    type: "boolean",
    help: "exit when the connection drops instead of reconnecting",
  },
  {
    name: "send",
    type: "string",
    value: "TEXT",
    help: "send one message, exit 0 once the server acknowledges it",
  },
  {
    name: "json",
    type: "boolean",
    help: "print every event from the server as one JSON object per line",
  },
  { name: "help", type: "boolean", short: "h", help: "show this help" },
];

/** Options of `lochat-server`. */
export interface ServerFlags {
  help: boolean;
  hostname: string;
  port: number;
  name: string | undefined;
  history: number;
  maxLineBytes: number;
  maxQueueBytes: number;
  helloWaitMs: number;
  log: LogFormat;
  exitWhenEmpty: boolean;
}

/** Options of `lochat-client`. */
export interface ClientFlags {
  help: boolean;
  hostname: string;
  port: number;
  nick: string | undefined;
  room: string | undefined;
  color: boolean;
  bell: boolean;
  reconnect: boolean;
  json: boolean;
  send: string | undefined;
}

/**
 * Parses the server's flags. Throws {@linkcode UsageError}.
 *
 * @example
 * ```ts
 * parseServerFlags(["--port", "0"]).port; // 0
 * ```
 */
export function parseServerFlags(args: string[]): ServerFlags {
  const values = parse(args, SERVER_FLAGS);
  const log = str(values, "log") ?? "text";
  if (log !== "text" && log !== "json" && log !== "off") {
    throw new UsageError(`--log must be text, json or off, not "${log}"`);
  }
  return {
    help: values.help === true,
    hostname: str(values, "host") ?? "0.0.0.0",
    port: integer(values, "port", DEFAULT_PORT, 0, 65535),
    name: str(values, "name"),
    history: integer(values, "history", DEFAULT_HISTORY, 0, 10000),
    maxLineBytes: integer(values, "max-line", MAX_LINE_BYTES, 256, 1024 * 1024),
    maxQueueBytes: integer(
      values,
      "max-queue",
      MAX_QUEUE_BYTES,
      64 * 1024,
      1024 * 1024 * 1024,
    ),
    helloWaitMs: HELLO_WAIT_MS,
    log,
    exitWhenEmpty: values["exit-when-empty"] === true,
  };
}

/** Parses the client's flags. Throws {@linkcode UsageError}. */
export function parseClientFlags(
  args: string[],
  env: { noColor: boolean },
): ClientFlags {
  const values = parse(args, CLIENT_FLAGS);
  const nick = str(values, "nick");
  if (nick !== undefined && nickProblem(nick) !== undefined) {
    throw new UsageError(`--nick: ${nickProblem(nick)}`);
  }
  return {
    help: values.help === true,
    hostname: str(values, "host") ?? "127.0.0.1",
    port: integer(values, "port", DEFAULT_PORT, 1, 65535),
    nick,
    room: str(values, "room"),
    color: values["no-color"] !== true && !env.noColor,
    bell: values["no-bell"] !== true,
    reconnect: values["no-reconnect"] !== true,
    json: values.json === true,
    send: str(values, "send"),
  };
}

/** The server's `--help`. */
export function serverHelp(): string {
  return help(
    "lochat-server",
    "Chat for everyone on the local network. Clients: lochat-client, or any line tool (nc HOST PORT).",
    SERVER_FLAGS,
    ["lochat-server", "lochat-server --host 127.0.0.1 --port 0"],
  );
}

/** The client's `--help`. */
export function clientHelp(): string {
  return help(
    "lochat-client",
    "Terminal client for a Lochat server. Type to chat, /help for commands, :q or /quit to leave.\n" +
      "From a pipe, every line is sent and the client exits once the server has acknowledged them all.",
    CLIENT_FLAGS,
    [
      "lochat-client --nick ann",
      "make test | lochat-client --nick ci --room builds",
      'lochat-client --nick ci --send "build finished"',
      "lochat-client --json < /dev/null",
    ],
  );
}

function help(
  binary: string,
  summary: string,
  flags: FlagSpec[],
  examples: string[],
): string {
  const rows = flags.map((flag) => {
    const short = flag.short === undefined ? "    " : `-${flag.short}, `;
    const left = `  ${short}--${flag.name}${
      flag.value === undefined ? "" : ` ${flag.value}`
    }`;
    const def = flag.default === undefined ? "" : ` (default: ${flag.default})`;
    return `${left.padEnd(28)} ${flag.help}${def}`;
  });
  return [
    `Usage: ${binary} [OPTIONS]`,
    "",
    summary,
    "",
    "Options:",
    ...rows,
    "",
    "Examples:",
    ...examples.map((e) => `  ${e}`),
    "",
    "Exit codes: 0 done, 1 failed (message on stderr), 2 bad usage.",
  ].join("\n");
}

type Values = Record<string, string | boolean | undefined>;

function parse(args: string[], flags: FlagSpec[]): Values {
  const options = Object.fromEntries(
    flags.map((
      f,
    ) => [
      f.name,
      f.short === undefined
        ? { type: f.type }
        : { type: f.type, short: f.short },
    ]),
  );
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: false })
      .values as Values;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new UsageError(
      message.replace(/\. To specify a positional argument.*$/s, ""),
    );
  }
}

function str(values: Values, name: string): string | undefined {
  const value = values[name];
  return typeof value === "string" ? value : undefined;
}

function integer(
  values: Values,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const text = str(values, name);
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || value < min || value > max) {
    throw new UsageError(
      `--${name} must be a whole number from ${min} to ${max}, not "${text}"`,
    );
  }
  return value;
}
