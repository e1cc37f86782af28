/**
 * The server's log: one line per connect, disconnect, refusal or failure,
 * as `key=value` text for people or JSON for machines.
 *
 * @module
 */

/** A log line's fields; `undefined` values are left out. */
export type LogFields = Record<string, unknown>;

/** Writes one event. */
export type Logger = (event: string, fields: LogFields) => void;

/** Output format of {@linkcode createLogger}. */
export type LogFormat = "text" | "json" | "off";

/**
 * Makes a logger that writes each event as one line through `write`.
 *
 * @example
 * ```ts
 * const log = createLogger({ format: "text", write: (line) => lines.push(line) });
 * log("connect", { peer: "127.0.0.1:5000" });
 * // "2026-11-24T18:00:00.000Z connect peer=127.0.0.1:5000"
 * ```
 */
export function createLogger(
  options: {
    format: LogFormat;
    write: (line: string) => void;
    now?: () => Date;
  },
): Logger {
  const now = options.now ?? (() => new Date());
  if (options.format === "off") return () => {};
  if (options.format === "json") {
    return (event, fields) => {
      options.write(
        JSON.stringify({
          time: now().toISOString(),
          event,
          ...defined(fields),
        }),
      );
    };
  }
  return (event, fields) => {
    const pairs = Object.entries(defined(fields)).map(([key, value]) =>
      `${key}=${quote(value)}`
    );
    options.write([now().toISOString(), event, ...pairs].join(" "));
  };
}

function defined(fields: LogFields): LogFields {
  return Object.fromEntries(
    Object.entries(fields).filter(([, value]) => value !== undefined),
  );
}

function quote(value: unknown): string {
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return /^[^\s"=]*$/.test(text) && text !== "" ? text : JSON.stringify(text);
}
