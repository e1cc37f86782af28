/**
 * The ways into a chat server beside its main port (the web page's
 * WebSocket, IRC), and the task the server runs for each connection,
 * whichever way it came in. An {@linkcode Entrance} binds its own listener
 * and makes its own kind of {@linkcode Served} task per connection; the
 * server admits, ticks, bans and shuts down every `Served` alike.
 *
 * @module
 */

import type { ServerFrame } from "../shared/protocol.ts";
import type { Transport } from "../shared/transport.ts";
import type { Listener } from "./listeners.ts";
import type { ServerContext } from "./server_context.ts";
import type { Peer } from "./session_options.ts";

/**
 * One connection's task as the server runs it, whatever its wire: a
 * `Session` (native and text mode) or another entrance's own.
 */
export interface Served {
  /** Who the peer is, for logs: `127.0.0.1:51234`. */
  readonly peer: string;
  /** The peer's address in its one form, for limits and bans. */
  readonly address: string;
  /** True when the member has proved to be an operator (spared by bans). */
  readonly operator: boolean;
  /** The member's nick, once there is a member. */
  readonly nick: string | undefined;
  /**
   * When a guest who never sent a whole line was last heard from
   * (`performance.now()` time), for eviction when the server is full;
   * undefined for anyone else.
   */
  readonly idleGuestSince: number | undefined;
  /** Serves the connection until it ends; never rejects. */
  run(): Promise<void>;
  /** Housekeeping, every second: timeouts and pings. */
  tick(now: number): void;
  /** Ends the session, `goodbye` (in the peer's own wire) written last. */
  close(reason: string, goodbye?: ServerFrame): void;
  /** Closes the connection now, whatever is still queued. */
  abort(reason: string): void;
}

/** Another way in beside the main port (the web page, IRC). */
export interface Entrance {
  /** Its name in logs: `web`, `irc`. */
  readonly name: string;
  /** The flag that sets its port, named when the port cannot be used. */
  readonly portFlag: string;
  /** Where it listens. */
  readonly hostname: string;
  /** Its port; 0 picks a free one. */
  readonly port: number;
  /** Binds its listener; throws what `Deno.listen` throws. */
  listen(): Promise<Listener>;
  /** The task for one admitted and opened connection. */
  serve(transport: Transport, context: ServerContext, peer: Peer): Served;
  /**
   * Tells a connection the server refuses why, in its wire, and closes it.
   * Default: the main port's way (a `bye` frame or a plain line).
   */
  refuse?(transport: Transport, reason: string, code: string): Promise<void>;
}
