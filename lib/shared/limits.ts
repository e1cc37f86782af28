/**
 * Named limits of the Lochat protocol and server, with their defaults.
 *
 * Every refusal the server sends names the limit it hit, so each limit lives
 * here once, with a comment that says why it has the value it has. The
 * documentation (`docs/protocol.md`, `README.md`) lists the same values.
 *
 * @module
 */

/** Version of the native protocol, sent in `hello` and `welcome`. */
export const PROTOCOL_VERSION = 1;

/** Default TCP port of the server. */
export const DEFAULT_PORT = 4444;

/**
 * Longest line either side may send, in bytes, the newline included.
 * IRC allows 512; chat people paste longer paragraphs, and a JSON frame adds
 * its envelope and escapes, so a native line may be four times the text.
 */
export const MAX_LINE_BYTES = 8192;

/** Longest message text, in characters (Unicode code points). */
export const MAX_TEXT_CHARS = 2000;

/** Longest nick, in characters. */
export const MAX_NICK_CHARS = 24;

/** Longest room name, in characters. */
export const MAX_ROOM_CHARS = 32;

/** Longest away message or quit reason, in characters. */
export const MAX_REASON_CHARS = 200;

/** Longest client-chosen message id, in characters. */
export const MAX_ID_CHARS = 64;

/** Room everyone starts in. */
export const DEFAULT_ROOM = "lobby";

/** How many recent messages a joiner is shown, by default. */
export const DEFAULT_HISTORY = 50;

/** Messages each room keeps on disk, by default (`--history-limit`). */
export const DEFAULT_HISTORY_LIMIT = 10_000;

/**
 * Messages each room keeps when history is held in memory only: enough for
 * `/history` to page back a while, few enough that a busy room costs at most
 * a few hundred KB.
 */
export const MEMORY_HISTORY_PER_ROOM = 200;

/**
 * How long the server waits for a `hello` before it treats the connection as
 * a plain-text (netcat) user, in milliseconds. A native client sends `hello`
 * as soon as it connects, so this only delays a silent netcat user's greeting.
 */
export const HELLO_WAIT_MS = 300;

/**
 * Bytes a member's outbound queue may hold before the member is disconnected
 * as too slow. Bounds the server's memory whatever a reader does.
 */
export const MAX_QUEUE_BYTES = 1024 * 1024;

/**
 * Message ids whose acks the server remembers, so that a line resent after
 * a reconnect is acknowledged again rather than delivered twice. About 100
 * bytes each: 10000 cost about 1 MB.
 */
export const REMEMBERED_IDS = 10000;

/**
 * Frames a member's outbound queue may hold (a second bound beside the bytes:
 * many tiny frames cost more than their bytes).
 */
export const MAX_QUEUE_FRAMES = 10_000;

/** Lines a connection may send per second once its burst is spent. */
export const DEFAULT_RATE = 5;

/**
 * Lines a connection may send at once: a pasted paragraph of a dozen lines
 * goes straight through (ssh-chat's 3 lines in 3 s is a known complaint).
 */
export const DEFAULT_BURST = 20;

/** Connections the server holds at once. */
export const MAX_CONNECTIONS = 10_000;

/** Connections one address may hold at once. */
export const MAX_CONNECTIONS_PER_ADDRESS = 20;

/** A quiet native client is pinged after this long, dropped after twice it. */
export const PING_INTERVAL_MS = 60_000;

/** How long a connection has to finish its TLS handshake, hello or password. */
export const HANDSHAKE_TIMEOUT_MS = 10_000;

/** The banner every client gets first, as the original did. */
export const BANNER = "Welcome to LoChat!";
