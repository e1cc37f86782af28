/**
 * The IRC listener as one of the chat server's entrances: it binds its
 * port (plain TCP, or TLS for `--ircs-port`), and serves each admitted
 * connection with an {@linkcode IrcSession}. A connection the server
 * refuses (full, banned) is told why in IRC: an `ERROR` line
 * (https://modern.ircdocs.horse/#error-message). A client that speaks plain
 * IRC to the TLS port is told, in plain IRC, to connect with TLS or where
 * the plain port is ({@linkcode plainToTls}).
 *
 * @module
 */

import type { Entrance, Served } from "../chat_server.ts";
import { type Listener, listenTcp, listenTls } from "../listeners.ts";
import type { ServerContext } from "../server_context.ts";
import type { Peer } from "../session.ts";
import type { Transport } from "../../shared/transport.ts";
import { IrcSession } from "./irc_session.ts";
import { line } from "./irc_out.ts";

/** Options of an IRC entrance. */
export interface IrcEntranceOptions {
  /** `irc` or `ircs`: its name in logs. */
  name: string;
  /** The flag that sets its port: `--irc-port`, `--ircs-port`. */
  portFlag: string;
  /** Where it listens. */
  hostname: string;
  /** Its port; 0 picks a free one. */
  port: number;
  /** PEM certificate and key: IRC over TLS. */
  tls?: { cert: string; key: string } | undefined;
  /** The server's name, made fit to be an IRC source. */
  serverName: string;
  /** The plain IRC port, once listening: what the TLS port's answer names. */
  plainPort?: (() => number | undefined) | undefined;
  /** Told the port it listens on, once it does. */
  listening?: ((port: number) => void) | undefined;
}

/**
 * What a plain IRC client on the TLS port is told (a `NOTICE`, then the
 * `ERROR` that ends it), naming the plain port if there is one.
 *
 * @example
 * ```ts
 * plainToTls(6667); // ":lochat NOTICE * :This is IRC over TLS; …\r\nERROR :…\r\n"
 * ```
 */
export function plainToTls(plainPort: number | undefined): string {
  const text =
    `This is IRC over TLS; connect with TLS (irssi: -tls, WeeChat: -ssl)${
      plainPort === undefined
        ? ": this server has no plain IRC port"
        : ` or use the plain IRC port ${plainPort}`
    }`;
  return line({ source: "lochat", command: "NOTICE", params: ["*", text] }) +
    line({ command: "ERROR", params: [text] });
}

/**
 * A server name as an IRC source: letters, digits, `.` and `-` only (a
 * space would end the source), `lochat` when nothing is left.
 *
 * @example
 * ```ts
 * ircServerName("Ann's box"); // "Ann-s-box"
 * ```
 */
export function ircServerName(name: string): string {
  const cleaned = name.replace(/[^A-Za-z0-9.-]+/g, "-").replace(/^-+|-+$/g, "");
  return cleaned === "" ? "lochat" : cleaned.slice(0, 63);
}

/**
 * Makes an IRC entrance for the chat server.
 *
 * @example
 * ```ts
 * const irc = ircEntrance({ name: "irc", portFlag: "--irc-port", hostname: "127.0.0.1", port: 0, serverName: "lochat" });
 * await ChatServer.start({ ...options, entrances: [irc] });
 * ```
 */
export function ircEntrance(options: IrcEntranceOptions): Entrance {
  const created = new Date();
  const shared = { serverName: ircServerName(options.serverName), created };
  return {
    name: options.name,
    portFlag: options.portFlag,
    hostname: options.hostname,
    port: options.port,
    async listen(): Promise<Listener> {
      const listener = options.tls === undefined
        ? listenTcp(options.hostname, options.port)
        : await listenTls(options.hostname, options.port, options.tls, {
          plainAnswer: () => plainToTls(options.plainPort?.()),
        });
      options.listening?.(listener.address.port);
      return listener;
    },
    serve(transport: Transport, context: ServerContext, peer: Peer): Served {
      return new IrcSession(transport, context, peer, shared);
    },
    async refuse(transport: Transport, reason: string): Promise<void> {
      const bytes = new TextEncoder().encode(
        line({ command: "ERROR", params: [`Closing link: ${reason}`] }),
      );
      await transport.write(bytes);
    },
  };
}

/**
 * The IRC entrances the flags ask for: plain IRC on `ircPort`, IRC over TLS
 * on `ircsPort` (with `tls`); none when neither is given.
 *
 * @example
 * ```ts
 * ircEntrances({ hostname: "0.0.0.0", ircPort: 6667, ircsPort: undefined, tls: undefined, serverName: "box" });
 * ```
 */
export function ircEntrances(options: {
  hostname: string;
  ircPort: number | undefined;
  ircsPort: number | undefined;
  tls: { cert: string; key: string } | undefined;
  serverName: string;
}): Entrance[] {
  const { hostname, serverName } = options;
  const entrances: Entrance[] = [];
  let plainPort: number | undefined;
  if (options.ircPort !== undefined) {
    entrances.push(ircEntrance({
      name: "irc",
      portFlag: "--irc-port",
      hostname,
      port: options.ircPort,
      serverName,
      listening: (port) => (plainPort = port),
    }));
  }
  if (options.ircsPort !== undefined && options.tls !== undefined) {
    entrances.push(ircEntrance({
      name: "ircs",
      portFlag: "--ircs-port",
      hostname,
      port: options.ircsPort,
      tls: options.tls,
      serverName,
      plainPort: () => plainPort,
    }));
  }
  return entrances;
}
