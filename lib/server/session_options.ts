/**
 * What a `Session` is made with: the wire its peer may speak, who
 * the peer is, and the connection and flood options that every session of
 * one server shares, made once per {@linkcode ServerContext} rather than
 * once per connection (an idle connection costs a few kilobytes; an options
 * object each would be a share of that).
 *
 * @module
 */

import type { ConnectionOptions } from "./connection.ts";
import type { FloodOptions } from "./flood_control.ts";
import type { ServerContext } from "./server_context.ts";

/**
 * What a session's peer may speak: `any` chooses by the first line (native
 * frames or text mode), `native` is frames only (the web page's WebSocket:
 * no banner, no text mode).
 */
export type Wire = "any" | "native";

/** Who is at the other end of a session. */
export interface Peer {
  /** Who the peer is, for logs: `127.0.0.1:51234`. */
  peer: string;
  /** The peer's address without the port, for bans. Default: `peer`. */
  address?: string;
}

/** The options every session of a server shares, made once per context. */
export interface SharedOptions {
  /** The connection's bounds: line length, queue, write rounds, flush. */
  connection: ConnectionOptions;
  /** The same, for sessions of native frames only. */
  nativeConnection: ConnectionOptions;
  /** The rate, burst and flooding window of every session's lines. */
  flood: FloodOptions;
}

const shared = new WeakMap<ServerContext, SharedOptions>();

/**
 * The options the sessions of `context` share, made on first use from its
 * limits and kept as long as the context is.
 *
 * @example
 * ```ts
 * const { connection, flood } = sharedOptions(context);
 * sharedOptions(context).flood === flood; // true: made once
 * ```
 */
export function sharedOptions(context: ServerContext): SharedOptions {
  let options = shared.get(context);
  if (options === undefined) {
    const { limits, resources } = context;
    const connection: ConnectionOptions = {
      maxLineBytes: limits.lineBytes,
      maxQueueBytes: resources.queueBytes,
      maxQueueFrames: resources.queueFrames,
      writeRounds: context.writeRounds,
      closeFlushMs: resources.closeFlush * 1000,
    };
    options = {
      connection,
      nativeConnection: { ...connection, nativeOnly: true },
      flood: {
        rate: limits.rate,
        burst: limits.burst,
        windowSeconds: resources.floodWindow,
        sharePercent: resources.floodShare,
      },
    };
    shared.set(context, options);
  }
  return options;
}
