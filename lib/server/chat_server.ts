/**
 * The chat server: a listener (TCP or TLS), one session task per connection,
 * admission, housekeeping, shutdown.
 *
 * Each accepted connection is admitted by the server's one
 * {@linkcode Admission} budget (connections in total and per address, bans;
 * when full, the longest-idle silent guest makes room) before anything is
 * read from it, then opened (the TLS handshake, bounded in time) and served
 * by a {@linkcode Session} started without being awaited; its promise is
 * kept so that shutdown can tell every session to finish and wait for them
 * all. A session's failure ends that session only, never the accept loop.
 *
 * Besides the main port, a server may have more entrances (the web page's
 * WebSocket, IRC): each is an {@linkcode Entrance} (`entrance.ts`) that
 * binds its own listener and makes its own kind of {@linkcode Served} task
 * per connection. Every connection, whichever way it came in, goes through
 * the same admission (limits per address and in total, bans), housekeeping
 * and shutdown. How a connection is turned away (refused at the door,
 * evicted to make room, closed by a ban) is in `refusals.ts`; why the
 * server could not start, in `start_error.ts`.
 *
 * @module
 */

import { errorMessage } from "../shared/errors.ts";
import type { ProtocolLimits } from "../shared/limits.ts";
import type { Logger } from "../shared/log.ts";
import type { HistoryStore } from "./history.ts";
import { MemoryHistory } from "./history.ts";
import { Hub } from "./hub.ts";
import { type ServerContext, serverContext } from "./server_context.ts";
import type { ServerLimits } from "./server_limits.ts";
import { Admission } from "./admission.ts";
import type { Entrance, Served } from "./entrance.ts";
import {
  type Accepted,
  type Listener,
  listenTcp,
  listenTls,
} from "./listeners.ts";
import { MemoryTrim } from "./memory_trim.ts";
import { sharedPool } from "./outbox.ts";
import { closeBanned, evictIdleGuest, refuseConnection } from "./refusals.ts";
import { SecretGate } from "./secret_gate.ts";
import { Session } from "./session.ts";
import { startError } from "./start_error.ts";

export type { Entrance, Served } from "./entrance.ts";
export { StartError } from "./start_error.ts";

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
  /** The message of the day, shown on joining. */
  motd?: string | undefined;
  /** More ways in beside the main port, bound after it. */
  entrances?: Entrance[];
  /** Where log lines go. */
  log: Logger;
}

/** A bound listener and the way its connections are served. */
interface Door {
  name: string;
  listener: Listener;
  entrance: Entrance | undefined;
}

/** How often sessions are checked for ping and handshake timeouts. */
const TICK_MS = 1000;

/**
 * A running chat server.
 *
 * @example
 * ```ts
 * const server = await ChatServer.start({ hostname: "127.0.0.1", port: 0, ... });
 * console.log(server.address); // { hostname: "127.0.0.1", port: 40123 }
 * await server.shutdown("bye");
 * ```
 */
export class ChatServer {
  /** Rooms, members and history. */
  readonly hub: Hub;
  /** The main port's listener. */
  #main: Listener;
  /** The main port first, then each entrance's. */
  #doors: Door[];
  #options: ServerOptions;
  #context: ServerContext;
  #admission: Admission;
  /** Each open connection's session, and the task that serves it. */
  #sessions = new Map<Served, Promise<void>>();
  /** Connections admitted and still in their TLS handshake. */
  #opening = new Set<Accepted>();
  #stopping = false;
  #accepting: Promise<void> = Promise.resolve();
  #done: Promise<void>;
  #stopped!: () => void;
  #ticker: ReturnType<typeof setInterval>;
  /** Gives the C heap back to the system after bursts. */
  #memory = new MemoryTrim();
  #writtenAtTick = 0;
  #openedSinceTick = 0;

  /** Makes a ChatServer. */
  private constructor(doors: Door[], options: ServerOptions) {
    this.#doors = doors;
    this.#main = doors[0]!.listener;
    this.#options = options;
    const { resources } = options;
    const store: HistoryStore = options.store ?? new MemoryHistory({
      perRoom: Math.max(
        resources.historyOnJoin,
        resources.memoryHistoryPerRoom,
      ),
      maxRooms: resources.maxRooms,
    });
    const secrets = new SecretGate({ log: options.log });
    this.hub = new Hub({
      secrets,
      history: store,
      historyOnJoin: resources.historyOnJoin,
      kickCooldown: resources.kickCooldown,
      limits: options.limits,
      maxRooms: resources.maxRooms,
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
      motd: options.motd,
      secrets,
      entrances: new Map(
        doors.flatMap((door) =>
          door.entrance === undefined
            ? []
            : [[door.entrance.name, door.listener.address] as const]
        ),
      ),
    });
    this.#admission = new Admission({
      resources,
      banned: (address) => this.hub.moderation.banned(address),
      evictIdleGuest: () =>
        evictIdleGuest(this.#sessions.keys(), this.#options.log),
    });
    this.hub.moderation.onBan = (address, reason) =>
      closeBanned(address, reason, {
        sessions: this.#sessions.keys(),
        opening: this.#opening,
      });
    this.#done = new Promise((resolve) => (this.#stopped = resolve));
    this.#ticker = setInterval(() => {
      const now = performance.now();
      for (const session of this.#sessions.keys()) session.tick(now);
      // What a burst left behind goes once the server is quiet again.
      sharedPool.trim();
      const written = this.#context.writeRounds.bytesWritten;
      this.#memory.tick(written - this.#writtenAtTick, this.#openedSinceTick);
      this.#writtenAtTick = written;
      this.#openedSinceTick = 0;
    }, TICK_MS);
  }

  /**
   * Binds the listener and starts accepting. Throws a {@linkcode StartError}
   * that says what to do when the port is taken, the address is wrong or the
   * certificate cannot be used.
   */
  static async start(options: ServerOptions): Promise<ChatServer> {
    const doors: Door[] = [];
    try {
      const main = options.tls === undefined
        ? listenTcp(options.hostname, options.port)
        : await listenTls(options.hostname, options.port, options.tls);
      doors.push({ name: "main", listener: main, entrance: undefined });
    } catch (error) {
      throw startError(error, {
        hostname: options.hostname,
        port: options.port,
        portFlag: "--port",
        tls: options.tls !== undefined,
      });
    }
    for (const entrance of options.entrances ?? []) {
      try {
        const listener = await entrance.listen();
        doors.push({ name: entrance.name, listener, entrance });
      } catch (error) {
        await Promise.all(doors.map((door) => door.listener.close()));
        throw startError(error, {
          hostname: entrance.hostname,
          port: entrance.port,
          portFlag: entrance.portFlag,
          tls: options.tls !== undefined,
        });
      }
    }
    const server = new ChatServer(doors, options);
    server.#accepting = Promise.all(
      doors.map((door) => server.#accept(door)),
    ).then(() => {});
    return server;
  }

  /** Where the server listens (its main port). */
  get address(): { hostname: string; port: number } {
    return this.#main.address;
  }

  /** Where an entrance listens, by its name; undefined when it has none. */
  entranceAddress(
    name: string,
  ): { hostname: string; port: number } | undefined {
    return this.#doors.find((door) => door.entrance?.name === name)?.listener
      .address;
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
   * `graceMs` to drain, then closes what is left. Resolves once the port is
   * free and every connection is closed.
   */
  async shutdown(reason: string, graceMs = 2000): Promise<void> {
    if (this.#stopping) return this.#done;
    this.#stopping = true;
    clearInterval(this.#ticker);
    this.#options.log("shutdown", { reason, connections: this.#sessions.size });
    await Promise.all(this.#doors.map((door) => door.listener.close()));
    await this.#accepting;
    for (const accepted of this.#opening) accepted.close();
    this.hub.close();
    for (const session of this.#sessions.keys()) {
      session.close(reason, { type: "bye", reason, code: "shutdown" });
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

  async #accept(door: Door): Promise<void> {
    while (!this.#stopping) {
      const accepted = await door.listener.accept();
      if (accepted === undefined) break;
      this.#admit(accepted, door.entrance);
    }
  }

  /** Applies the limits and bans, then opens the connection and serves it. */
  #admit(accepted: Accepted, entrance: Entrance | undefined): void {
    const { peer, address } = accepted;
    const verdict = this.#admission.enter(address);
    if (!verdict.ok) {
      this.#options.log("refuse", { peer, reason: verdict.reason });
      refuseConnection(accepted, verdict, {
        entrance,
        resources: this.#options.resources,
      });
      return;
    }
    this.#opening.add(accepted);
    const timeoutMs = this.#options.resources.handshakeTimeout * 1000;
    accepted.open(timeoutMs).then(
      (transport) => {
        this.#opening.delete(accepted);
        if (this.#stopping) {
          transport.close();
          this.#left(address);
          return;
        }
        this.#openedSinceTick++;
        const session = entrance === undefined
          ? new Session(transport, this.#context, { peer, address })
          : entrance.serve(transport, this.#context, { peer, address });
        this.#sessions.set(session, this.#serve(session, address));
      },
      (error) => {
        this.#opening.delete(accepted);
        this.#options.log("refuse", {
          peer,
          reason: entrance === undefined
            ? `TLS handshake failed: ${errorMessage(error)}`
            : `${entrance.name}: ${errorMessage(error)}`,
        });
        this.#left(address);
      },
    );
  }

  /**
   * Runs one admitted connection to its end, then forgets it. (A promise
   * chain, not an async function: a suspended async function costs every
   * idle connection a few hundred bytes more.)
   */
  #serve(session: Served, address: string): Promise<void> {
    return session.run().finally(() => {
      this.#sessions.delete(session);
      this.#left(address);
    });
  }

  #left(address: string): void {
    this.#admission.leave(address);
    if (
      this.#options.exitWhenEmpty && this.#sessions.size === 0 &&
      this.#opening.size === 0 && !this.#stopping
    ) {
      this.shutdown("the last client left (--exit-when-empty)");
    }
  }
}
