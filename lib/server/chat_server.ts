/**
 * The chat server: a listener (TCP or TLS), one session task per connection,
 * connection limits, keepalive, shutdown.
 *
 * Each accepted connection becomes a {@linkcode Session} started without
 * being awaited; its promise is kept in a set so that shutdown can tell every
 * session to finish and wait for them all. A session's failure ends that
 * session only, never the accept loop. Connections over the total or
 * per-address limit, and banned addresses, are refused with a line that says
 * why before anything else happens.
 *
 * @module
 */

import { errorMessage } from "../shared/errors.ts";
import type { ProtocolLimits } from "../shared/limits.ts";
import type { Logger } from "../shared/log.ts";
import { encodeFrame } from "../shared/protocol.ts";
import type { HistoryStore } from "./history.ts";
import { MemoryHistory } from "./history.ts";
import { Hub } from "./hub.ts";
import { type ServerContext, serverContext } from "./server_context.ts";
import type { ServerLimits } from "./server_limits.ts";
import { Session } from "./session.ts";

/** Everything a server needs to start. */
export interface ServerOptions {
  /** Address to listen on. */
  hostname: string;
  /** Port to listen on; 0 picks a free one. */
  port: number;
  /** Name the server gives itself in `welcome` and in discovery. */
  serverName: string;
  /** The protocol limits, enforced as given (by reference). */
  limits: ProtocolLimits;
  /** The server's resource limits, enforced as given (by reference). */
  resources: ServerLimits;
  /** Where messages are kept; default in memory. */
  store?: HistoryStore;
  /** Stop when the last client leaves, as the original did. */
  exitWhenEmpty: boolean;
  /** PEM certificate and key: serve TLS instead of plain TCP. */
  tls?: { cert: string; key: string } | undefined;
  /** A password everyone must give, if set. */
  password?: string | undefined;
  /** Nicks that may become operators, and their secret. */
  operators?: string[];
  /** The secret operators give with `/oper`. */
  operatorSecret?: string | undefined;
  /** Where log lines go. */
  log: Logger;
}

/** A failure to start that the person running the server can fix. */
export class StartError extends Error {
  /**
   * Makes a StartError.
   *
   * @param message what went wrong and what to do about it
   */
  constructor(message: string) {
    super(message);
    this.name = "StartError";
  }
}

const encoder = new TextEncoder();
/** How often sessions are checked for ping and handshake timeouts. */
const TICK_MS = 1000;

/**
 * A running chat server.
 *
 * @example
 * ```ts
 * const server = ChatServer.start({ hostname: "127.0.0.1", port: 0, ... });
 * console.log(server.address); // { hostname: "127.0.0.1", port: 40123 }
 * await server.shutdown("bye");
 * ```
 */
export class ChatServer {
  /** Rooms, members and history. */
  readonly hub: Hub;
  #listener: Deno.Listener;
  #options: ServerOptions;
  #context: ServerContext;
  /** Each open connection's session, and the task that serves it. */
  #sessions = new Map<Session, Promise<void>>();
  #perAddress = new Map<string, number>();
  #stopping = false;
  #done: Promise<void>;
  #stopped!: () => void;
  #ticker: ReturnType<typeof setInterval>;

  /** Makes a ChatServer. */
  private constructor(listener: Deno.Listener, options: ServerOptions) {
    this.#listener = listener;
    this.#options = options;
    const { resources } = options;
    const store: HistoryStore = options.store ?? new MemoryHistory({
      perRoom: Math.max(
        resources.historyOnJoin,
        resources.memoryHistoryPerRoom,
      ),
    });
    this.hub = new Hub({
      history: store,
      historyOnJoin: resources.historyOnJoin,
      limits: options.limits,
      operators: options.operators ?? [],
      operatorSecret: options.operatorSecret,
    });
    this.#context = serverContext({
      hub: this.hub,
      limits: options.limits,
      resources,
      serverName: options.serverName,
      password: options.password,
      log: options.log,
      answered: store.answered?.bind(store),
    });
    this.#done = new Promise((resolve) => (this.#stopped = resolve));
    this.#ticker = setInterval(() => {
      const now = performance.now();
      for (const session of this.#sessions.keys()) session.tick(now);
    }, TICK_MS);
  }

  /**
   * Binds the listener and starts accepting. Throws a {@linkcode StartError}
   * that says what to do when the port is taken or the address is wrong.
   */
  static start(options: ServerOptions): ChatServer {
    let listener: Deno.Listener;
    try {
      const where = { hostname: options.hostname, port: options.port };
      listener = options.tls === undefined
        ? Deno.listen(where)
        : Deno.listenTls({
          ...where,
          cert: options.tls.cert,
          key: options.tls.key,
        });
    } catch (error) {
      throw startError(error, options);
    }
    const server = new ChatServer(listener, options);
    server.#accept();
    return server;
  }

  /** Where the server listens. */
  get address(): { hostname: string; port: number } {
    const addr = this.#listener.addr as Deno.NetAddr;
    return { hostname: addr.hostname, port: addr.port };
  }

  /** Resolves once the server has stopped. */
  get done(): Promise<void> {
    return this.#done;
  }

  /** How many connections are open. */
  get connections(): number {
    return this.#sessions.size;
  }

  /**
   * Stops accepting, tells every client `reason`, gives their queues up to
   * `graceMs` to drain, then closes what is left.
   */
  async shutdown(reason: string, graceMs = 2000): Promise<void> {
    if (this.#stopping) return this.#done;
    this.#stopping = true;
    clearInterval(this.#ticker);
    this.#options.log("shutdown", { reason, connections: this.#sessions.size });
    try {
      this.#listener.close();
    } catch {
      // Already closed.
    }
    this.hub.close();
    for (const session of this.#sessions.keys()) {
      session.close(reason, { type: "bye", reason });
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const grace = new Promise<void>((
      resolve,
    ) => (timer = setTimeout(resolve, graceMs)));
    await Promise.race([Promise.all(this.#sessions.values()), grace]);
    clearTimeout(timer);
    for (const session of this.#sessions.keys()) session.abort(reason);
    await Promise.all(this.#sessions.values());
    this.#options.store?.close?.();
    this.#stopped();
  }

  async #accept(): Promise<void> {
    while (!this.#stopping) {
      let conn: Deno.Conn;
      try {
        conn = await this.#listener.accept();
      } catch (error) {
        if (this.#stopping || error instanceof Deno.errors.BadResource) break;
        this.#options.log("accept-failed", { error: String(error) });
        continue;
      }
      this.#admit(conn);
    }
  }

  /** Applies the limits and bans, then starts a session. */
  #admit(conn: Deno.Conn): void {
    if ("setNoDelay" in conn) (conn as Deno.TcpConn).setNoDelay(true);
    if ("setKeepAlive" in conn) (conn as Deno.TcpConn).setKeepAlive(true);
    const remote = conn.remoteAddr as Deno.NetAddr;
    const peer = `${remote.hostname}:${remote.port}`;
    const address = remote.hostname;
    const count = this.#perAddress.get(address) ?? 0;
    const { maxConnections, maxPerAddress } = this.#options.resources;
    const banned = this.hub.moderation.banned(address);
    const refusal = banned !== undefined
      ? `Your address is ${banned}`
      : this.#sessions.size >= maxConnections
      ? `The server is full (${maxConnections} connections); try again later`
      : count >= maxPerAddress
      ? `Too many connections from your address (the limit is ${maxPerAddress}); close some and try again`
      : undefined;
    if (refusal !== undefined) {
      this.#options.log("refuse", { peer, reason: refusal });
      this.#refuse(conn, refusal);
      return;
    }
    this.#perAddress.set(address, count + 1);
    const session = new Session(conn, this.#context, { peer, address });
    this.#sessions.set(session, this.#serve(conn, session, peer, address));
  }

  /** Runs one admitted connection to its end, then forgets it. */
  async #serve(
    conn: Deno.Conn,
    session: Session,
    peer: string,
    address: string,
  ): Promise<void> {
    try {
      if (await this.#handshake(conn, peer)) await session.run();
      else session.abort("TLS handshake failed");
    } finally {
      this.#sessions.delete(session);
      const left = (this.#perAddress.get(address) ?? 1) - 1;
      if (left <= 0) this.#perAddress.delete(address);
      else this.#perAddress.set(address, left);
      if (
        this.#options.exitWhenEmpty && this.#sessions.size === 0 &&
        !this.#stopping
      ) {
        this.shutdown("the last client left (--exit-when-empty)");
      }
    }
  }

  /**
   * Completes a TLS handshake in time, logging why one failed (most often a
   * client that speaks plain text to the TLS port). True for plain TCP.
   */
  async #handshake(conn: Deno.Conn, peer: string): Promise<boolean> {
    if (!("handshake" in conn)) return true;
    const limit = this.#options.resources.handshakeTimeout * 1000;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no TLS handshake within ${limit / 1000} s`)),
        limit,
      );
    });
    try {
      await Promise.race([(conn as Deno.TlsConn).handshake(), timeout]);
      return true;
    } catch (error) {
      const message = errorMessage(error);
      const reason = /InvalidContentType|corrupt message/i.test(message)
        ? "TLS handshake failed: the client spoke plain text to the TLS port (it needs --tls)"
        : `TLS handshake failed: ${message}`;
      this.#options.log("refuse", { peer, reason });
      return false;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Tells a refused connection why, as a plain line and a `bye`, and closes it. */
  #refuse(conn: Deno.Conn, reason: string): void {
    const bytes = new Uint8Array([
      ...encoder.encode(`${reason}\n`),
      ...encodeFrame({ type: "bye", reason }),
    ]);
    conn.write(bytes).catch(() => {}).finally(() => {
      try {
        conn.close();
      } catch {
        // Already closed.
      }
    });
  }
}

function startError(error: unknown, options: ServerOptions): Error {
  const where = `${options.hostname}:${options.port}`;
  if (error instanceof Deno.errors.AddrInUse) {
    return new StartError(
      `Port ${options.port} is in use on ${options.hostname}; stop the other server or try --port 0`,
    );
  }
  if (error instanceof Deno.errors.AddrNotAvailable) {
    return new StartError(
      `Cannot listen on ${where}: no such address on this machine; try --host 0.0.0.0`,
    );
  }
  if (error instanceof Deno.errors.PermissionDenied) {
    return new StartError(
      `Not allowed to listen on ${where}; ports below 1024 need privileges, try --port 4444`,
    );
  }
  const message = errorMessage(error);
  if (options.tls !== undefined && /cert|key|pem/i.test(message)) {
    return new StartError(
      `Cannot use the TLS certificate or key: ${message}; make a pair with \`make cert\``,
    );
  }
  return new StartError(`Cannot listen on ${where}: ${message}`);
}
