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
 * WebSocket, IRC): each is a {@linkcode Entrance} that binds its own
 * listener and makes its own kind of {@linkcode Served} task per
 * connection. Every connection, whichever way it came in, goes through the
 * same admission (limits per address and in total, bans), housekeeping and
 * shutdown.
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
import { Admission, normaliseAddress, type Verdict } from "./admission.ts";
import type { Transport } from "../shared/transport.ts";
import {
  type Accepted,
  type Listener,
  listenTcp,
  listenTls,
} from "./listeners.ts";
import { MemoryTrim } from "./memory_trim.ts";
import { sharedPool } from "./outbox.ts";
import { SecretGate } from "./secret_gate.ts";
import { type Peer, Session } from "./session.ts";
import type { ServerFrame } from "../shared/protocol.ts";
import { encodeLines } from "./text_mode.ts";

/**
 * One connection's task as the server runs it, whatever its wire: a
 * {@linkcode Session} (native and text mode) or another entrance's own.
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
      evictIdleGuest: () => this.#evictIdleGuest(),
    });
    this.hub.moderation.onBan = (address, reason) =>
      this.#closeAddress(address, reason);
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
      throw startError(
        error,
        options.hostname,
        options.port,
        "--port",
        options,
      );
    }
    for (const entrance of options.entrances ?? []) {
      try {
        const listener = await entrance.listen();
        doors.push({ name: entrance.name, listener, entrance });
      } catch (error) {
        await Promise.all(doors.map((door) => door.listener.close()));
        throw startError(
          error,
          entrance.hostname,
          entrance.port,
          entrance.portFlag,
          options,
        );
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
      this.#refuse(accepted, verdict, entrance);
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

  /**
   * Closes the longest-idle text-mode guest who never sent a line, to make
   * room for a newcomer; false when there is none.
   */
  #evictIdleGuest(): boolean {
    let victim: Served | undefined;
    let since = Infinity;
    for (const session of this.#sessions.keys()) {
      const idle = session.idleGuestSince;
      if (idle !== undefined && idle < since) {
        since = idle;
        victim = session;
      }
    }
    if (victim === undefined) return false;
    const reason =
      "The server is full, and you had not said anything: your place went to someone new. Reconnect to come back";
    this.#options.log("evict", { peer: victim.peer, nick: victim.nick });
    // Its place is the newcomer's at once; the goodbye still goes out (a
    // peer that does not read it is cut off after the flush time).
    victim.close("evicted to make room (the server is full)", {
      type: "bye",
      reason,
      code: "evicted",
    });
    return true;
  }

  /**
   * Closes every connection from `address` (a ban), but an operator's own:
   * an operator who shares the address stays to lift the ban.
   */
  #closeAddress(address: string, reason: string): number {
    let closed = 0;
    for (const session of this.#sessions.keys()) {
      if (normaliseAddress(session.address) !== address) continue;
      if (session.operator) continue;
      session.close(reason, {
        type: "bye",
        reason: `Your address is ${reason}`,
        code: "banned",
      });
      closed++;
    }
    for (const accepted of [...this.#opening]) {
      if (accepted.address === address) accepted.close();
    }
    return closed;
  }

  /**
   * Tells a refused connection why, in its own terms, and closes it: a
   * `bye` frame to a native client (its first byte is the `{` of its
   * `hello`), a plain line to anyone else (netcat, telnet), once the first
   * bytes have come or the hello wait is over.
   */
  async #refuse(
    accepted: Accepted,
    verdict: Extract<Verdict, { ok: false }>,
    entrance: Entrance | undefined,
  ): Promise<void> {
    const { handshakeTimeout, helloWait } = this.#options.resources;
    let transport: Transport;
    try {
      transport = await accepted.open(handshakeTimeout * 1000);
    } catch {
      return; // Logged as refused already; nothing to tell.
    }
    if (entrance?.refuse !== undefined) {
      await entrance.refuse(transport, verdict.reason, verdict.code).catch(
        () => {},
      );
      transport.close();
      return;
    }
    const first = new Uint8Array(1);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const byte = await Promise.race([
      transport.read(first).then(
        (n) => n === 1 ? first[0] : undefined,
        () => undefined,
      ),
      new Promise<undefined>((resolve) => {
        timer = setTimeout(() => resolve(undefined), helloWait);
      }),
    ]);
    clearTimeout(timer);
    const { reason, code } = verdict;
    const bytes = byte === 0x7b
      ? encodeFrame({ type: "bye", reason, code })
      : encodeLines(reason);
    await transport.write(bytes).catch(() => {});
    transport.close();
  }
}

function startError(
  error: unknown,
  hostname: string,
  port: number,
  portFlag: string,
  options: ServerOptions,
): Error {
  const where = `${hostname}:${port}`;
  if (
    error instanceof Deno.errors.AddrInUse ||
    (error as { code?: string }).code === "EADDRINUSE"
  ) {
    return new StartError(
      `Port ${port} is in use on ${hostname}; stop the other server or try ${portFlag} 0`,
    );
  }
  if (
    error instanceof Deno.errors.AddrNotAvailable ||
    (error as { code?: string }).code === "EADDRNOTAVAIL"
  ) {
    return new StartError(
      `Cannot listen on ${where}: no such address on this machine; try --host 0.0.0.0`,
    );
  }
  if (
    error instanceof Deno.errors.PermissionDenied ||
    (error as { code?: string }).code === "EACCES"
  ) {
    return new StartError(
      `Not allowed to listen on ${where}; ports below 1024 need privileges, try ${portFlag} 4444`,
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
