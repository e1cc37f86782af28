/**
 * Command-line flags of both binaries: definitions, parsing, help text.
 *
 * Flags are declared once in a table; `--help` is generated from it and the
 * parser (`node:util`'s `parseArgs`, standing in for `@std/cli`) is fed from
 * it, so the help can never list a flag that does not exist. Every bad value
 * gets a {@linkcode UsageError} that names the flag, the value and what was
 * expected. Secrets never come from flags alone: each has an environment
 * variable, which does not show in `ps`.
 *
 * @module
 */

import { parseArgs } from "node:util";
import {
  DEFAULT_BURST,
  DEFAULT_HISTORY,
  DEFAULT_HISTORY_LIMIT,
  DEFAULT_PORT,
  DEFAULT_RATE,
  HANDSHAKE_TIMEOUT_MS,
  HELLO_WAIT_MS,
  MAX_CONNECTIONS,
  MAX_CONNECTIONS_PER_ADDRESS,
  MAX_LINE_BYTES,
  MAX_NICK_CHARS,
  MAX_QUEUE_BYTES,
  MAX_QUEUE_FRAMES,
  PING_INTERVAL_MS,
} from "./limits.ts";
import type { LogFormat } from "./log.ts";
import { nickProblem } from "./names.ts";

/** A flag the user got wrong; the message says which and how to fix it. */
export class UsageError extends Error {
  /** Makes a UsageError. */
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** One flag of a binary. */
export interface FlagSpec {
  /** The flag's name, without the dashes. */
  name: string;
  /** Whether it takes a value. */
  type: "string" | "boolean";
  /** Placeholder for the value in help: `PORT`. */
  value?: string;
  /** One line for `--help`. */
  help: string;
  /** Default, as shown in help. */
  default?: string;
  /** A one-letter alias. */
  short?: string;
  /** May be given more than once. */
  multiple?: boolean;
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
    default: `${DEFAULT_PORT}`,
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
    default: `${DEFAULT_HISTORY}`,
  },
  {
    name: "data-dir",
    type: "string",
    value: "DIR",
    help: "where history is kept (SQLite); none: in memory only",
    default: "$XDG_DATA_HOME/lochat or ~/.local/share/lochat",
  },
  {
    name: "history-limit",
    type: "string",
    value: "N|Nd",
    help: "history kept per room: N messages, or N days",
    default: `${DEFAULT_HISTORY_LIMIT}`,
  },
  {
    name: "tls-cert",
    type: "string",
    value: "FILE",
    help: "serve TLS with this PEM certificate (make cert)",
  },
  {
    name: "tls-key",
    type: "string",
    value: "FILE",
    help: "the certificate's PEM private key",
  },
  {
    name: "password",
    type: "string",
    value: "PASS",
    help: "a password everyone must give (better: LOCHAT_PASSWORD)",
  },
  {
    name: "op",
    type: "string",
    value: "NICK",
    multiple: true,
    help: "a nick that may /oper with LOCHAT_OP_SECRET (repeatable)",
  },
  {
    name: "max-line",
    type: "string",
    value: "BYTES",
    help: "longest line accepted",
    default: `${MAX_LINE_BYTES}`,
  },
  {
    name: "max-nick",
    type: "string",
    value: "N",
    help: "longest nick, in characters",
    default: `${MAX_NICK_CHARS}`,
  },
  {
    name: "rate",
    type: "string",
    value: "N",
    help: "lines a second per connection; 0 turns flood control off",
    default: `${DEFAULT_RATE}`,
  },
  {
    name: "burst",
    type: "string",
    value: "N",
    help: "lines a connection may send at once",
    default: `${DEFAULT_BURST}`,
  },
  {
    name: "max-connections",
    type: "string",
    value: "N",
    help: "connections held at once",
    default: `${MAX_CONNECTIONS}`,
  },
  {
    name: "max-per-address",
    type: "string",
    value: "N",
    help: "connections one address may hold",
    default: `${MAX_CONNECTIONS_PER_ADDRESS}`,
  },
  {
    name: "max-queue",
    type: "string",
    value: "BYTES",
    help: "unread bytes a client may lag behind before it is dropped",
    default: `${MAX_QUEUE_BYTES}`,
  },
  {
    name: "ping-interval",
    type: "string",
    value: "SECONDS",
    help: "ping quiet clients, drop them after twice this; 0: never",
    default: `${PING_INTERVAL_MS / 1000}`,
  },
  {
    name: "handshake-timeout",
    type: "string",
    value: "SECONDS",
    help: "time to finish TLS, hello or password",
    default: `${HANDSHAKE_TIMEOUT_MS / 1000}`,
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
  {
    name: "no-discovery",
    type: "boolean",
    help: "do not advertise on the LAN (mDNS)",
  },
  { name: "help", type: "boolean", short: "h", help: "show this help" },
];

const CLIENT_FLAGS: FlagSpec[] = [
  {
    name: "host",
    type: "string",
    value: "ADDR",
    help: "server address",
    default: "found on the LAN by mDNS",
  },
  {
    name: "server",
    type: "string",
    value: "NAME",
    help: "without --host: the server of that name, when several are found",
  },
  {
    name: "list",
    type: "boolean",
    help: "list the servers found on the LAN and exit",
  },
  {
    name: "port",
    type: "string",
    value: "PORT",
    help: "server port",
    default: `${DEFAULT_PORT}`,
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
    name: "tls",
    type: "boolean",
    help: "connect with TLS; trusts the server's certificate on first use",
  },
  {
    name: "ca",
    type: "string",
    value: "FILE",
    help: "with --tls: verify the server against this PEM certificate instead",
  },
  {
    name: "known-servers",
    type: "string",
    value: "FILE",
    help: "with --tls: where first-use fingerprints are kept",
    default: "~/.config/lochat/known_servers",
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
  /** `--help` was given. */
  help: boolean;
  /** `--host`. */
  hostname: string;
  /** `--port`. */
  port: number;
  /** `--name`. */
  name: string | undefined;
  /** `--history`. */
  history: number;
  /** The data directory, or `undefined` for memory only. */
  dataDir: string | undefined;
  /** `--history-limit`: messages per room, or days. */
  historyLimit: { messages?: number; days?: number };
  /** `--tls-cert`. */
  tlsCert: string | undefined;
  /** `--tls-key`. */
  tlsKey: string | undefined;
  /** `--password` or `LOCHAT_PASSWORD`. */
  password: string | undefined;
  /** `--op`, every one given. */
  operators: string[];
  /** `LOCHAT_OP_SECRET`. */
  operatorSecret: string | undefined;
  /** `--max-line`. */
  maxLineBytes: number;
  /** `--max-nick`. */
  maxNick: number;
  /** `--rate`. */
  rate: number;
  /** `--burst`. */
  burst: number;
  /** `--max-connections`. */
  maxConnections: number;
  /** `--max-per-address`. */
  maxPerAddress: number;
  /** `--max-queue`. */
  maxQueueBytes: number;
  /** Frames a member may lag behind (no flag). */
  maxQueueFrames: number;
  /** `--ping-interval`, in ms. */
  pingIntervalMs: number;
  /** `--handshake-timeout`, in ms. */
  handshakeTimeoutMs: number;
  /** How long to wait for `hello` (no flag), in ms. */
  helloWaitMs: number;
  /** `--log`. */
  log: LogFormat;
  /** `--exit-when-empty`. */
  exitWhenEmpty: boolean;
  /** Not `--no-discovery`. */
  discovery: boolean;
}

/** Options of `lochat-client`. */
export interface ClientFlags {
  /** `--help` was given. */
  help: boolean;
  /** The server's address; `undefined`: find it on the LAN. */
  hostname: string | undefined;
  /** The port; `undefined`: the default, or what discovery finds. */
  port: number | undefined;
  /** Without a host: pick the discovered server of this name. */
  server: string | undefined;
  /** List the servers found on the LAN and exit. */
  list: boolean;
  /** `--nick`. */
  nick: string | undefined;
  /** `--room`. */
  room: string | undefined;
  /** `--tls`. */
  tls: boolean;
  /** `--ca`. */
  ca: string | undefined;
  /** `--known-servers`. */
  knownServers: string | undefined;
  /** `LOCHAT_PASSWORD`. */
  password: string | undefined;
  /** Colours: not `--no-color`, not `NO_COLOR`. */
  color: boolean;
  /** Not `--no-bell`. */
  bell: boolean;
  /** Not `--no-reconnect`. */
  reconnect: boolean;
  /** `--json`. */
  json: boolean;
  /** `--send`. */
  send: string | undefined;
}

/** The environment variables the binaries read. */
export interface FlagEnv {
  /** `XDG_DATA_HOME` and `HOME`, for the default data directory. */
  xdgDataHome?: string | undefined;
  /** `HOME`. */
  home?: string | undefined;
  /** `NO_COLOR` is set. */
  noColor?: boolean;
  /** `LOCHAT_PASSWORD`. */
  password?: string | undefined;
  /** `LOCHAT_OP_SECRET`. */
  operatorSecret?: string | undefined;
}

/**
 * Parses the server's flags. Throws {@linkcode UsageError}.
 *
 * @example
 * ```ts
 * parseServerFlags(["--port", "0"]).port; // 0
 * ```
 */
export function parseServerFlags(
  args: string[],
  env: FlagEnv = {},
): ServerFlags {
  const values = parse(args, SERVER_FLAGS);
  const log = str(values, "log") ?? "text";
  if (log !== "text" && log !== "json" && log !== "off") {
    throw new UsageError(`--log must be text, json or off, not "${log}"`);
  }
  const tlsCert = str(values, "tls-cert");
  const tlsKey = str(values, "tls-key");
  if ((tlsCert === undefined) !== (tlsKey === undefined)) {
    throw new UsageError(
      "--tls-cert and --tls-key go together; `make cert` makes a pair",
    );
  }
  const maxNick = integer(values, "max-nick", MAX_NICK_CHARS, 1, 64);
  const operators = strings(values, "op");
  for (const nick of operators) {
    const problem = nickProblem(nick, maxNick);
    if (problem !== undefined) throw new UsageError(`--op: ${problem}`);
  }
  const operatorSecret = env.operatorSecret === ""
    ? undefined
    : env.operatorSecret;
  if (operators.length > 0 && operatorSecret === undefined) {
    throw new UsageError(
      "--op needs the operators' secret in LOCHAT_OP_SECRET",
    );
  }
  const password = str(values, "password") ??
    (env.password === "" ? undefined : env.password);
  return {
    help: values.help === true,
    hostname: str(values, "host") ?? "0.0.0.0",
    port: integer(values, "port", DEFAULT_PORT, 0, 65535),
    name: str(values, "name"),
    history: integer(values, "history", DEFAULT_HISTORY, 0, 10000),
    dataDir: dataDir(str(values, "data-dir"), env),
    historyLimit: historyLimit(str(values, "history-limit")),
    tlsCert,
    tlsKey,
    password,
    operators,
    operatorSecret,
    maxLineBytes: integer(values, "max-line", MAX_LINE_BYTES, 256, 1024 * 1024),
    maxNick,
    rate: integer(values, "rate", DEFAULT_RATE, 0, 1_000_000),
    burst: integer(values, "burst", DEFAULT_BURST, 1, 1_000_000),
    maxConnections: integer(
      values,
      "max-connections",
      MAX_CONNECTIONS,
      1,
      1_000_000,
    ),
    maxPerAddress: integer(
      values,
      "max-per-address",
      MAX_CONNECTIONS_PER_ADDRESS,
      1,
      1_000_000,
    ),
    maxQueueBytes: integer(
      values,
      "max-queue",
      MAX_QUEUE_BYTES,
      64 * 1024,
      1024 * 1024 * 1024,
    ),
    maxQueueFrames: MAX_QUEUE_FRAMES,
    pingIntervalMs:
      integer(values, "ping-interval", PING_INTERVAL_MS / 1000, 0, 86400) *
      1000,
    handshakeTimeoutMs: integer(
      values,
      "handshake-timeout",
      HANDSHAKE_TIMEOUT_MS / 1000,
      1,
      3600,
    ) * 1000,
    helloWaitMs: HELLO_WAIT_MS,
    log,
    exitWhenEmpty: values["exit-when-empty"] === true,
    discovery: values["no-discovery"] !== true,
  };
}

/** Parses the client's flags. Throws {@linkcode UsageError}. */
export function parseClientFlags(
  args: string[],
  env: FlagEnv = {},
): ClientFlags {
  const values = parse(args, CLIENT_FLAGS);
  const nick = str(values, "nick");
  if (nick !== undefined && nickProblem(nick, 64) !== undefined) {
    throw new UsageError(`--nick: ${nickProblem(nick, 64)}`);
  }
  const tls = values.tls === true;
  const ca = str(values, "ca");
  if (ca !== undefined && !tls) throw new UsageError("--ca goes with --tls");
  return {
    help: values.help === true,
    hostname: str(values, "host"),
    port: str(values, "port") === undefined
      ? undefined
      : integer(values, "port", DEFAULT_PORT, 1, 65535),
    server: str(values, "server"),
    list: values.list === true,
    nick,
    room: str(values, "room"),
    tls,
    ca,
    knownServers: str(values, "known-servers"),
    password: env.password === "" ? undefined : env.password,
    color: values["no-color"] !== true && env.noColor !== true,
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
    [
      "lochat-server",
      "lochat-server --host 127.0.0.1 --port 0",
      "lochat-server --tls-cert lochat-cert.pem --tls-key lochat-key.pem",
      "LOCHAT_PASSWORD=s3cret LOCHAT_OP_SECRET=0p lochat-server --op ann",
    ],
    "Environment: LOCHAT_PASSWORD (the password), LOCHAT_OP_SECRET (the operators' secret).",
    "Exit codes: 0 stopped cleanly, 1 could not start (message on stderr), 2 bad usage.",
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
      "lochat-client --nick bot --json | jq .",
      "lochat-client --tls --host chatbox.local",
    ],
    "Environment: LOCHAT_PASSWORD (the server's password; asked for on a terminal when missing), NO_COLOR.",
    "Exit codes: 0 done, 1 failed (message on stderr), 2 bad usage, 3 the server refused a line that was sent.",
  );
}

function help(
  binary: string,
  summary: string,
  flags: FlagSpec[],
  examples: string[],
  environment: string,
  exitCodes: string,
): string {
  const rows = flags.map((flag) => {
    const short = flag.short === undefined ? "    " : `-${flag.short}, `;
    const left = `  ${short}--${flag.name}${
      flag.value === undefined ? "" : ` ${flag.value}`
    }`;
    const def = flag.default === undefined ? "" : ` (default: ${flag.default})`;
    return `${left.padEnd(32)} ${flag.help}${def}`;
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
    environment,
    exitCodes,
  ].join("\n");
}

type Values = Record<string, string | boolean | string[] | undefined>;

function parse(args: string[], flags: FlagSpec[]): Values {
  const options = Object.fromEntries(flags.map((f) => [f.name, {
    type: f.type,
    ...(f.short === undefined ? {} : { short: f.short }),
    ...(f.multiple ? { multiple: true } : {}),
  }]));
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

function dataDir(flag: string | undefined, env: FlagEnv): string | undefined {
  if (flag === "none") return undefined;
  if (flag !== undefined) return flag;
  const base = env.xdgDataHome !== undefined && env.xdgDataHome !== ""
    ? env.xdgDataHome
    : `${env.home ?? "."}/.local/share`;
  return `${base}/lochat`;
}

function historyLimit(
  flag: string | undefined,
): { messages?: number; days?: number } {
  if (flag === undefined) return { messages: DEFAULT_HISTORY_LIMIT };
  const match = /^(\d+)(d?)$/.exec(flag.trim());
  if (match === null || Number(match[1]) < 1) {
    throw new UsageError(
      `--history-limit must be a number of messages (10000) or of days (30d), not "${flag}"`,
    );
  }
  return match[2] === "d"
    ? { days: Number(match[1]) }
    : { messages: Number(match[1]) };
}

function str(values: Values, name: string): string | undefined {
  const value = values[name];
  return typeof value === "string" ? value : undefined;
}

function strings(values: Values, name: string): string[] {
  const value = values[name];
  return Array.isArray(value) ? value : [];
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
