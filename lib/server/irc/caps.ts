/**
 * The IRCv3 capabilities the IRC listener offers, and the `CAP` subcommands
 * that negotiate them (https://ircv3.net/specs/extensions/capability-negotiation):
 * `LS [302]`, `LIST`, `REQ`, `END`. Each capability is one that gives IRC
 * users something Lochat has: the time of each message (`server-time`),
 * message ids (`message-tags`), the tick (`echo-message`), history on
 * joining as a batch (`batch`), away changes (`away-notify`), operator
 * prefixes (`multi-prefix`), the server password over SASL (`sasl`),
 * `nick!user@host` in `NAMES` (`userhost-in-names`).
 *
 * @module
 */

/** Every capability offered, with its value in `CAP LS 302` (`""`: none). */
export const CAPABILITIES: ReadonlyMap<string, string> = new Map([
  ["away-notify", ""],
  ["batch", ""],
  ["cap-notify", ""],
  ["echo-message", ""],
  ["message-tags", ""],
  ["multi-prefix", ""],
  ["sasl", "PLAIN"],
  ["server-time", ""],
  ["userhost-in-names", ""],
]);

/**
 * The `CAP LS` list: `name` or `name=value` (the values only for version
 * 302 and later, https://ircv3.net/specs/extensions/capability-negotiation#cap-ls-version).
 *
 * @param version the version the client gave with `CAP LS`, 0 for none
 * @returns the capabilities, space-separated
 *
 * @example
 * ```ts
 * capList(302); // "away-notify batch cap-notify echo-message … sasl=PLAIN server-time userhost-in-names"
 * ```
 */
export function capList(version: number): string {
  return [...CAPABILITIES].map(([name, value]) =>
    version >= 302 && value !== "" ? `${name}=${value}` : name
  ).join(" ");
}

/**
 * What a `CAP REQ` asks for, applied all or nothing, as the specification
 * says: the capabilities after the change, or undefined when any is not
 * offered (the server then answers `NAK` and changes nothing).
 *
 * @param enabled the capabilities on now
 * @param request the request's parameter: names, each `-` prefixed to drop it
 * @returns the new set, or undefined to refuse the whole request
 *
 * @example
 * ```ts
 * requestCaps(new Set(), "server-time echo-message"); // Set {server-time, echo-message}
 * requestCaps(new Set(), "server-time nonsense");     // undefined
 * ```
 */
export function requestCaps(
  enabled: ReadonlySet<string>,
  request: string,
): Set<string> | undefined {
  const next = new Set(enabled);
  const names = request.split(" ").filter((name) => name !== "");
  if (names.length === 0) return undefined;
  for (const name of names) {
    const drop = name.startsWith("-");
    const cap = drop ? name.slice(1) : name;
    if (!CAPABILITIES.has(cap)) return undefined;
    if (drop) next.delete(cap);
    else next.add(cap);
  }
  return next;
}
