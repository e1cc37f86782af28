/**
 * Limits: each declared once, with its default, bounds, unit and the flag
 * that sets it, and passed by reference from the flag parser to where it is
 * enforced.
 *
 * There are three kinds, each a {@linkcode LimitTable}: the protocol limits
 * here (what a client must respect: line, message, nick and room lengths,
 * rate), the server's resource limits (`lib/server/server_limits.ts`) and
 * the client's settings (`lib/client/client_settings.ts`). The flag parser
 * builds each binary's flag rows and `--help` ranges from these tables, and
 * a test checks `docs/protocol.md`'s limits table against them, so the
 * value enforced, the value documented and the value in `--help` are one.
 *
 * @module
 */

/** One limit or setting: its default, its bounds and how people see it. */
export interface LimitSpec {
  /** The value when no flag sets it, in `unit`. */
  readonly default: number;
  /** The smallest value a flag may set. */
  readonly min: number;
  /** The largest value a flag may set. */
  readonly max: number;
  /** The unit, as the docs say it: `bytes`, `characters`, `seconds` … */
  readonly unit: string;
  /** The limit's name in `docs/protocol.md`'s limits table, if listed there. */
  readonly doc?: string;
  /** The flag that sets it, if any. */
  readonly flag?: {
    /** The flag's name, without the dashes. */
    readonly name: string;
    /** One line for `--help`. */
    readonly help: string;
    /** Placeholder for the value in `--help`: `BYTES`, `N`, `SECONDS`. */
    readonly value: string;
  };
}

/** Limits of one kind, by field name. */
export type LimitTable = { readonly [field: string]: LimitSpec };

/** The values of a table's limits, by field name. */
export type LimitValues<T extends LimitTable> = { [K in keyof T]: number };

/**
 * A table's defaults, as a values object.
 *
 * @example
 * ```ts
 * limitDefaults(PROTOCOL_LIMITS).lineBytes; // 8192
 * ```
 */
export function limitDefaults<T extends LimitTable>(table: T): LimitValues<T> {
  return Object.fromEntries(
    Object.entries(table).map(([field, spec]) => [field, spec.default]),
  ) as LimitValues<T>;
}

/**
 * A limit's default as `docs/protocol.md` and `--help` show it:
 * `8192 bytes`, `20 rooms`.
 */
export function describeDefault(spec: LimitSpec): string {
  return `${spec.default} ${spec.unit}`;
}

/**
 * What a client must respect; the server enforces these and (from protocol
 * version 2) tells clients their values in `welcome`.
 */
export const PROTOCOL_LIMITS = {
  /**
   * Longest line either side may send, in bytes, the newline included. IRC
   * allows 512; chat people paste longer paragraphs, and a JSON frame adds
   * its envelope and escapes, so a native line may be four times the text.
   */
  lineBytes: {
    default: 8192,
    min: 512,
    max: 1024 * 1024,
    unit: "bytes",
    doc: "line length, newline included",
    flag: { name: "max-line", value: "BYTES", help: "longest line accepted" },
  },
  /** Longest message text, in characters (Unicode code points). */
  textChars: {
    default: 2000,
    min: 2000,
    max: 2000,
    unit: "characters",
    doc: "message text",
  },
  /** Longest nick, in characters. */
  nickChars: {
    default: 24,
    min: 1,
    max: 64,
    unit: "characters",
    doc: "nick",
    flag: { name: "max-nick", value: "N", help: "longest nick" },
  },
  /** Longest room name, in characters. */
  roomChars: {
    default: 32,
    min: 32,
    max: 32,
    unit: "characters",
    doc: "room name",
  },
  /** Longest away message, quit or kick reason, in characters. */
  reasonChars: {
    default: 200,
    min: 200,
    max: 200,
    unit: "characters",
    doc: "away message, quit reason",
  },
  /** Longest room topic, in characters. */
  topicChars: {
    default: 300,
    min: 300,
    max: 300,
    unit: "characters",
    doc: "room topic",
  },
  /** Rooms one member may be in at once. */
  roomsPerMember: {
    default: 20,
    min: 1,
    max: 1000,
    unit: "rooms",
    doc: "rooms one member is in",
    flag: {
      name: "max-rooms-per-member",
      value: "N",
      help: "rooms one member may be in at once",
    },
  },
  /** Longest client-chosen message id, in characters. */
  idChars: {
    default: 64,
    min: 64,
    max: 64,
    unit: "characters",
    doc: "message id",
  },
  /** Lines a connection may send per second once its burst is spent. */
  rate: {
    default: 5,
    min: 0,
    max: 1_000_000,
    unit: "lines a second",
    doc: "lines a second per connection",
    flag: {
      name: "rate",
      value: "N",
      help: "lines a second per connection; 0 turns flood control off",
    },
  },
  /**
   * Lines a connection may send at once: a pasted paragraph of a dozen lines
   * goes straight through (ssh-chat's 3 lines in 3 s is a known complaint).
   */
  burst: {
    default: 20,
    min: 1,
    max: 1_000_000,
    unit: "lines",
    doc: "lines at once per connection",
    flag: {
      name: "burst",
      value: "N",
      help: "lines a connection may send at once",
    },
  },
  /** Messages `/history` shows when no count is given. */
  historyPage: {
    default: 20,
    min: 20,
    max: 20,
    unit: "messages",
    doc: "/history without a count",
  },
  /**
   * The most messages of one room a reconnecting client is sent of what it
   * missed; `more` says how many older ones were left for `/history`.
   */
  catchUp: {
    default: 500,
    min: 500,
    max: 500,
    unit: "messages",
    doc: "messages missed, sent on reconnect, per room",
  },
  /** The most messages one `/history N` shows. */
  historyPageMax: {
    default: 500,
    min: 500,
    max: 500,
    unit: "messages",
    doc: "/history N at most",
  },
} as const satisfies LimitTable;

/** The protocol limits' values, as enforced. */
export type ProtocolLimits = LimitValues<typeof PROTOCOL_LIMITS>;
