/**
 * `lochat-server`'s flags: the table, and what is checked across flags
 * (a certificate needs its key, `--op` needs the operators' secret).
 *
 * The table's rows come from `lib/shared/flags.ts`; the protocol limits and
 * the server's resource limits become rows of their own and arrive as
 * `flags.limits` and `flags.resources`, the very objects the server then
 * enforces. Secrets never come from flags alone: each has an environment
 * variable, which does not show in `ps`.
 *
 * @module
 */

import {
  choice,
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
import { nickProblem } from "../shared/names.ts";
import { DEFAULT_PORT } from "../shared/protocol.ts";
import { SERVER_LIMITS } from "./server_limits.ts";
import { DEFAULT_WEB_PORT } from "./web/web_entrance.ts";
import type { HistoryLimit } from "./sqlite_pruning.ts";

/** Messages each room keeps on disk, by default (`--history-limit`). */
export const DEFAULT_HISTORY_LIMIT = 10_000;

/** The server's flag table. */
export const SERVER_FLAGS = {
  options: [
    text("host", "hostname", {
      value: "ADDR",
      help: "address to listen on",
      shown: "0.0.0.0",
    }),
    integer("port", "port", {
      value: "PORT",
      help: "TCP port; 0 picks a free one",
      default: DEFAULT_PORT,
      min: 0,
      max: 65535,
    }),
    integer("irc-port", "ircPort", {
      value: "PORT",
      help: "also serve IRC clients on this port; 0 picks a free one",
      default: undefined,
      min: 0,
      max: 65535,
    }),
    integer("ircs-port", "ircsPort", {
      value: "PORT",
      help: "also serve IRC over TLS on this port (needs --tls-cert)",
      default: undefined,
      min: 0,
      max: 65535,
    }),
    integer("web-port", "webPort", {
      value: "PORT",
      help:
        "port of the web page (HTTP, HTTPS with --tls-cert); 0 picks a free one, as does --port 0",
      default: undefined,
      min: 0,
      max: 65535,
      shown: `${DEFAULT_WEB_PORT}`,
    }),
    flag("no-web", "web", {
      help: "do not serve the web page",
      negate: true,
    }),
    text("name", "name", {
      value: "NAME",
      help: "server name shown to clients",
      shown: "the host name",
    }),
    text("data-dir", "dataDir", {
      value: "DIR",
      help: "where history is kept (SQLite); none: in memory only",
      shown: "$XDG_DATA_HOME/lochat or ~/.local/share/lochat",
    }),
    text("history-limit", "historyLimit", {
      value: "N|Nd",
      help: "history kept per room: N messages, or N days",
      shown: `${DEFAULT_HISTORY_LIMIT}`,
    }),
    text("motd", "motd", {
      value: "FILE",
      help: "a message of the day, shown to everyone on joining",
    }),
    text("tls-cert", "tlsCert", {
      value: "FILE",
      help: "serve TLS with this PEM certificate (make cert)",
    }),
    text("tls-key", "tlsKey", {
      value: "FILE",
      help: "the certificate's PEM private key",
    }),
    text("password", "password", {
      value: "PASS",
      help: "a password everyone must give (better: LOCHAT_PASSWORD)",
    }),
    list("op", "operators", {
      value: "NICK",
      help: "a nick that may /oper with LOCHAT_OP_SECRET (repeatable)",
    }),
    choice("log", "log", {
      value: "FORMAT",
      help: "log lines on stderr: text, json or off",
      choices: ["text", "json", "off"],
      default: "text",
    }),
    flag("exit-when-empty", "exitWhenEmpty", {
      help: "stop when the last client leaves",
    }),
    flag("no-discovery", "discovery", {
      help: "do not advertise on the LAN (mDNS)",
      negate: true,
    }),
    flag("help", "help", { help: "show this help", short: "h" }),
  ],
  limits: { limits: PROTOCOL_LIMITS, resources: SERVER_LIMITS },
} as const;

/** The environment variables the server reads. */
export interface ServerEnv {
  /** `XDG_DATA_HOME`, for the default data directory. */
  xdgDataHome?: string | undefined;
  /** `HOME`. */
  home?: string | undefined;
  /** `LOCHAT_PASSWORD`. */
  password?: string | undefined;
  /** `LOCHAT_OP_SECRET`. */
  operatorSecret?: string | undefined;
}

/** `lochat-server`'s options, as parsed and checked. */
export type ServerFlags =
  & Omit<
    FlagValues<typeof SERVER_FLAGS>,
    "hostname" | "dataDir" | "historyLimit" | "password" | "webPort"
  >
  & {
    /** `--host`. */
    hostname: string;
    /**
     * `--web-port`; without it, 0 when `--port` is 0, else
     * {@linkcode DEFAULT_WEB_PORT}.
     */
    webPort: number;
    /** The data directory, or `undefined` for memory only. */
    dataDir: string | undefined;
    /** `--history-limit`. */
    historyLimit: HistoryLimit;
    /** `--password` or `LOCHAT_PASSWORD`. */
    password: string | undefined;
    /** `LOCHAT_OP_SECRET`. */
    operatorSecret: string | undefined;
  };

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
  env: ServerEnv = {},
): ServerFlags {
  const flags = parseFlags(args, SERVER_FLAGS);
  if ((flags.tlsCert === undefined) !== (flags.tlsKey === undefined)) {
    throw new UsageError(
      "--tls-cert and --tls-key go together; `make cert` makes a pair",
    );
  }
  if (flags.ircsPort !== undefined && flags.tlsCert === undefined) {
    throw new UsageError(
      "--ircs-port needs --tls-cert and --tls-key; `make cert` makes a pair, or use --irc-port for plain IRC",
    );
  }
  for (const nick of flags.operators) {
    const problem = nickProblem(nick, flags.limits.nickChars);
    if (problem !== undefined) throw new UsageError(`--op: ${problem}`);
  }
  const operatorSecret = env.operatorSecret === ""
    ? undefined
    : env.operatorSecret;
  if (flags.operators.length > 0 && operatorSecret === undefined) {
    throw new UsageError(
      "--op needs the operators' secret in LOCHAT_OP_SECRET",
    );
  }
  return {
    ...flags,
    hostname: flags.hostname ?? "0.0.0.0",
    webPort: flags.webPort ?? (flags.port === 0 ? 0 : DEFAULT_WEB_PORT),
    dataDir: dataDir(flags.dataDir, env),
    historyLimit: historyLimit(flags.historyLimit),
    password: flags.password ??
      (env.password === "" ? undefined : env.password),
    operatorSecret,
  };
}

/** The server's `--help`. */
export function serverHelp(): string {
  return [
    "Usage: lochat-server [OPTIONS]",
    "",
    "Chat for everyone on the local network. Clients: lochat-client, any line tool (nc HOST PORT),",
    "or a web browser (http://HOST:4480/).",
    "",
    "Options:",
    ...helpLines(SERVER_FLAGS),
    "",
    "Examples:",
    "  lochat-server",
    "  lochat-server --host 127.0.0.1 --port 0",
    "  lochat-server --tls-cert lochat-cert.pem --tls-key lochat-key.pem",
    "  lochat-server --irc-port 6667",
    "  lochat-server --tls-cert lochat-cert.pem --tls-key lochat-key.pem --ircs-port 6697",
    "  LOCHAT_PASSWORD=s3cret LOCHAT_OP_SECRET=0p lochat-server --op ann",
    "",
    "Environment: LOCHAT_PASSWORD (the password), LOCHAT_OP_SECRET (the operators' secret).",
    "Exit codes: 0 stopped cleanly, 1 could not start (message on stderr), 2 bad usage.",
  ].join("\n");
}

function dataDir(flag: string | undefined, env: ServerEnv): string | undefined {
  if (flag === "none") return undefined;
  if (flag !== undefined) return flag;
  const base = env.xdgDataHome !== undefined && env.xdgDataHome !== ""
    ? env.xdgDataHome
    : `${env.home ?? "."}/.local/share`;
  return `${base}/lochat`;
}

function historyLimit(flag: string | undefined): HistoryLimit {
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
