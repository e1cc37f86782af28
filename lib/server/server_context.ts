/**
 * What every session of one server shares: the hub, the limits, the write
 * rounds, the answers to recent lines, the log. The server builds one
 * {@linkcode ServerContext} and hands it to each session by reference, so a
 * limit set by a flag reaches every place that enforces it unchanged.
 *
 * @module
 */

import { limitDefaults, PROTOCOL_LIMITS } from "../shared/limits.ts";
import type { ProtocolLimits } from "../shared/limits.ts";
import type { Logger } from "../shared/log.ts";
import { AnswerCache } from "./answer_cache.ts";
import type { Hub } from "./hub.ts";
import { SERVER_LIMITS, type ServerLimits } from "./server_limits.ts";
import { SecretGate } from "./secret_gate.ts";
import { WriteRounds } from "./write_rounds.ts";

/** What the sessions of one server share. */
export interface ServerContext {
  /** Rooms, members and history. */
  readonly hub: Hub;
  /** The protocol limits, as set by flags. */
  readonly limits: ProtocolLimits;
  /** The server's resource limits, as set by flags. */
  readonly resources: ServerLimits;
  /** Name the server gives itself in `welcome`. */
  readonly serverName: string;
  /** The password everyone must give, if any. */
  readonly password: string | undefined;
  /** Where log lines go. */
  readonly log: Logger;
  /** The write rounds every connection's writer waits for. */
  readonly writeRounds: WriteRounds;
  /** Answers to recent lines, for resends after a reconnect. */
  readonly answers: AnswerCache;
  /** The message of the day (`--motd FILE`), shown on joining. */
  readonly motd?: string | undefined;
  /** Throttles password and `/oper` tries per address. */
  readonly secrets: SecretGate;
  /**
   * Where the server's other entrances listen, by name (`irc`, `ircs`):
   * the native port tells an IRC client that knocks on it where to go.
   */
  readonly entrances?: ReadonlyMap<string, { hostname: string; port: number }>;
  /**
   * What the history store kept for a line's key in an earlier run, when it
   * keeps keys (history on disk), so resends after a restart are known too.
   */
  readonly answered?:
    | ((key: string) => { seq: number; ts: number } | undefined)
    | undefined;
}

/**
 * A context with defaults for everything not given: the protocol and
 * resource limits' defaults, no password, no log.
 *
 * @example
 * ```ts
 * const context = serverContext({ hub, serverName: "lanbox" });
 * new Session(conn, context, { peer: "127.0.0.1:5000" });
 * ```
 */
export function serverContext(
  options: Partial<ServerContext> & Pick<ServerContext, "hub">,
): ServerContext {
  const resources = options.resources ?? limitDefaults(SERVER_LIMITS);
  return {
    limits: limitDefaults(PROTOCOL_LIMITS),
    resources,
    serverName: "lochat",
    password: undefined,
    log: () => {},
    writeRounds: new WriteRounds(),
    answers: new AnswerCache({ capacity: resources.rememberedIds }),
    secrets: new SecretGate({ log: options.log ?? (() => {}) }),
    ...options,
  };
}
