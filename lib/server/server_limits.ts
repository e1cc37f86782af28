/**
 * The server's resource limits: what no client may make the server hold
 * (connections, queued bytes, time), with defaults, bounds and the flags
 * that set them. The shape and the machinery are those of
 * `lib/shared/limits.ts`; these never travel to clients.
 *
 * @module
 */

import type { LimitTable, LimitValues } from "../shared/limits.ts";

/** The banner every client gets first, as the original did. */
export const BANNER = "Welcome to LoChat!";

/** The server's resource limits. */
export const SERVER_LIMITS = {
  /** Connections the server holds at once. */
  maxConnections: {
    default: 10_000,
    min: 1,
    max: 1_000_000,
    unit: "connections",
    doc: "connections in total",
    flag: {
      name: "max-connections",
      value: "N",
      help: "connections held at once",
    },
  },
  /** Rooms the server holds at once (kept empty rooms included). */
  maxRooms: {
    default: 1000,
    min: 1,
    max: 1_000_000,
    unit: "rooms",
    doc: "rooms on the server",
    flag: {
      name: "max-rooms",
      value: "N",
      help: "rooms the server holds at once",
    },
  },
  /** Connections one address may hold at once. */
  maxPerAddress: {
    default: 20,
    min: 1,
    max: 1_000_000,
    unit: "connections",
    doc: "connections per address",
    flag: {
      name: "max-per-address",
      value: "N",
      help: "connections one address may hold",
    },
  },
  /**
   * Bytes a member's outbound queue may hold before the member is
   * disconnected as too slow. Bounds the server's memory whatever a reader
   * does.
   */
  queueBytes: {
    default: 1024 * 1024,
    min: 64 * 1024,
    max: 1024 * 1024 * 1024,
    unit: "bytes",
    doc: "unread bytes queued for one client",
    flag: {
      name: "max-queue",
      value: "BYTES",
      help: "unread bytes a client may lag behind before it is dropped",
    },
  },
  /**
   * Frames a member's outbound queue may hold (a second bound beside the
   * bytes: many tiny frames cost more than their bytes).
   */
  queueFrames: {
    default: 10_000,
    min: 10_000,
    max: 10_000,
    unit: "frames",
    doc: "frames queued for one client",
  },
  /** A quiet native client is pinged after this long, dropped after twice it. */
  pingInterval: {
    default: 60,
    min: 0,
    max: 86_400,
    unit: "seconds",
    doc: "quiet native client",
    flag: {
      name: "ping-interval",
      value: "SECONDS",
      help: "ping quiet clients, drop them after twice this; 0: never",
    },
  },
  /** How long a connection has to finish its TLS handshake, hello or password. */
  handshakeTimeout: {
    default: 10,
    min: 1,
    max: 3600,
    unit: "seconds",
    doc: "TLS handshake, or a valid hello/password",
    flag: {
      name: "handshake-timeout",
      value: "SECONDS",
      help: "time to finish TLS, hello or password",
    },
  },
  /**
   * How long a connection may hold an unfinished line (a slowloris, or a
   * line typed key by key in a character-mode terminal) before it is closed.
   */
  partialLine: {
    default: 60,
    min: 60,
    max: 60,
    unit: "seconds",
    doc: "an unfinished line",
  },
  /**
   * How long a closing connection (after `/quit`, a kick, flooding) may take
   * to read what is queued for it before it is cut off.
   */
  closeFlush: {
    default: 5,
    min: 5,
    max: 5,
    unit: "seconds",
    doc: "a closing connection's last frames",
  },
  /** The least time a text-mode user has to type the password. */
  textPasswordTimeout: {
    default: 60,
    min: 60,
    max: 60,
    unit: "seconds",
    doc: "a text-mode user typing /pass",
  },
  /**
   * How long the server waits for a `hello` before it treats the connection
   * as a plain-text (netcat) user. A native client sends `hello` as soon as
   * it connects, so this only delays a silent netcat user's greeting.
   */
  helloWait: {
    default: 300,
    min: 300,
    max: 300,
    unit: "ms",
    doc: "wait for hello before text mode",
  },
  /**
   * How long someone kicked must wait before coming back (the client waits
   * it out instead of reconnecting at once).
   */
  kickCooldown: {
    default: 60,
    min: 60,
    max: 60,
    unit: "seconds",
    doc: "back after a kick",
  },
  /** Wrong passwords before the connection is closed. */
  passwordTries: {
    default: 3,
    min: 3,
    max: 3,
    unit: "tries",
    doc: "wrong passwords per connection",
  },
  /** Window over which flooding is judged. */
  floodWindow: {
    default: 10,
    min: 10,
    max: 10,
    unit: "seconds",
    doc: "flood window",
  },
  /** Share of the flood window spent held back that counts as flooding. */
  floodShare: {
    default: 80,
    min: 80,
    max: 80,
    unit: "percent",
    doc: "held back in a flood window",
  },
  /**
   * Message ids whose answers the server remembers, so that a line resent
   * after a reconnect is acknowledged again rather than delivered twice.
   * About 160 bytes each, with the map's table: 10000 cost about 1.6 MB
   * (`answer_cache.ts`).
   */
  rememberedIds: {
    default: 10_000,
    min: 10_000,
    max: 10_000,
    unit: "ids",
    doc: "message ids remembered for resends",
  },
  /** How many recent messages a joiner is shown. */
  historyOnJoin: {
    default: 50,
    min: 0,
    max: 10_000,
    unit: "messages",
    doc: "history shown on join",
    flag: {
      name: "history",
      value: "N",
      help: "messages a joiner sees, per room",
    },
  },
  /**
   * Messages each room keeps when history is held in memory only: enough
   * for `/history` to page back a while, few enough that a busy room costs
   * at most a few hundred KB.
   */
  memoryHistoryPerRoom: {
    default: 200,
    min: 200,
    max: 200,
    unit: "messages",
    doc: "history kept per room in memory",
  },
} as const satisfies LimitTable;

/** The server's resource limits' values, as enforced. */
export type ServerLimits = LimitValues<typeof SERVER_LIMITS>;
