/**
 * The chat server: a listener, one session task per connection, shutdown.
 *
 * Each accepted connection becomes a {@linkcode Session} started without
 * being awaited; its promise is kept in a set so that shutdown can tell every
 * session to finish and wait for them all. A session's failure ends that
 * session only, never the accept loop.
 *
 * @module
 */

import { MemoryHistory } from "./history.ts";
import { Hub } from "./hub.ts";
import { MEMORY_HISTORY_PER_ROOM } from "./limits.ts";

import type { Logger } from "./log.ts";
import { Session } from "./session.ts";

/** Everything a server needs to start. */
export interface ServerOptions {
  hostname: string;
  port: number;
  serverName: string;
  /** Messages a joiner is shown and each room keeps. */
  history: number;
  maxLineBytes: number;
  maxQueueBytes: number;
  helloWaitMs: number;
  /** Stop when the last client leaves, as the original did. */
  exitWhenEmpty: boolean;
  log: Logger;
}

/** A failure to start that the person running the server can fix. */
export class StartError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StartError";
  }
}

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
  readonly hub: Hub;
  #listener: Deno.TcpListener;
  #options: ServerOptions;
  #sessions = new Set<Session>();
  #tasks = new Set<Promise<void>>();
  #stopping = false;
  #done: Promise<void>;
  #stopped!: () => void;

  private constructor(listener: Deno.TcpListener, options: ServerOptions) {
    this.#listener = listener;
    this.#options = options;
    this.hub = new Hub({
      history: new MemoryHistory({
        perRoom: Math.max(options.history, MEMORY_HISTORY_PER_ROOM),
      }),
      historyOnJoin: options.history,
    });
    this.#done = new Promise((resolve) => (this.#stopped = resolve));
  }

  /**
   * Binds the listener and starts accepting. Throws a {@linkcode StartError}
   * that says what to do when the port is taken or the address is wrong.
   */
  static start(options: ServerOptions): ChatServer {
    let listener: Deno.TcpListener;
    try {
      listener = Deno.listen({
        hostname: options.hostname,
        port: options.port,
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
    this.#options.log("shutdown", { reason, connections: this.#sessions.size });
    try {
      this.#listener.close();
    } catch {
      // Already closed.
    }
    for (const session of this.#sessions) {
      session.close(reason, { type: "bye", reason });
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const grace = new Promise<void>((
      resolve,
    ) => (timer = setTimeout(resolve, graceMs)));
    await Promise.race([Promise.all(this.#tasks), grace]);
    clearTimeout(timer);
    for (const session of this.#sessions) session.abort(reason);
    await Promise.all(this.#tasks);
    this.#stopped();
  }

  async #accept(): Promise<void> {
    while (!this.#stopping) {
      let conn: Deno.TcpConn;
      try {
        conn = await this.#listener.accept();
        conn.setNoDelay(true);
      } catch (error) {
        if (this.#stopping || error instanceof Deno.errors.BadResource) break;
        this.#options.log("accept-failed", { error: String(error) });
        continue;
      }
      this.#serve(conn);
    }
  }

  #serve(conn: Deno.Conn): void {
    const remote = conn.remoteAddr as Deno.NetAddr;
    const session = new Session(conn, {
      hub: this.hub,
      peer: `${remote.hostname}:${remote.port}`,
      serverName: this.#options.serverName,
      maxLineBytes: this.#options.maxLineBytes,
      maxQueueBytes: this.#options.maxQueueBytes,
      helloWaitMs: this.#options.helloWaitMs,
      log: this.#options.log,
    });
    this.#sessions.add(session);
    const task = session.run().finally(() => {
      this.#sessions.delete(session);
      this.#tasks.delete(task);
      if (
        this.#options.exitWhenEmpty && this.#sessions.size === 0 &&
        !this.#stopping
      ) {
        this.shutdown("the last client left (--exit-when-empty)");
      }
    });
    this.#tasks.add(task);
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
  return new StartError(
    `Cannot listen on ${where}: ${
      error instanceof Error ? error.message : error
    }`,
  );
}
