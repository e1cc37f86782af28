/**
 * Who may open the WebSocket: only the page the server itself served.
 *
 * A browser sends `Origin` with every WebSocket upgrade, and any page the
 * user has open may try one; the upgrade is taken only when `Origin` is the
 * page's own origin, `scheme://Host`. That alone does not stop DNS
 * rebinding (a name of the attacker's that resolves to this server: there
 * `Origin` and `Host` agree, both the attacker's name), so `Host` must also
 * be a name this server answers to: an IP literal, `localhost`, or one of
 * the machine's own names. An upgrade without `Origin` is refused too:
 * programs that are not browsers use the native port.
 *
 * @module
 */

/** Why an upgrade is refused, for the log; undefined when it is taken. */
export type UpgradeRefusal = string | undefined;

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;
const IPV6 = /^\[[0-9a-f:.]+(%[0-9a-z._~-]+)?\]$/;
const NAME =
  /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/;

/**
 * The host part of a `Host` header (`lanbox.local:4480` → `lanbox.local`,
 * `[::1]:4480` → `[::1]`), lower-cased; undefined when it is not one.
 */
export function hostName(host: string): string | undefined {
  const lower = host.trim().toLowerCase();
  const match = /^(\[[^\]]*\]|[^:\[\]]+)(:\d{1,5})?$/.exec(lower);
  if (match === null) return undefined;
  const name = match[1]!;
  if (IPV4.test(name) || IPV6.test(name) || NAME.test(name)) return name;
  return undefined;
}

/**
 * True when `host` (a `Host` header) names this server: an IP literal,
 * `localhost`, or one of `names` (the machine's names, lower-case).
 *
 * @example
 * ```ts
 * hostAllowed("192.0.2.7:4480", ["lanbox"]); // true
 * hostAllowed("evil.example:4480", ["lanbox"]); // false
 * ```
 */
export function hostAllowed(host: string, names: readonly string[]): boolean {
  const name = hostName(host);
  if (name === undefined) return false;
  return IPV4.test(name) || IPV6.test(name) || name === "localhost" ||
    names.includes(name);
}

/**
 * The machine's own names a browser may reach it by: its host name, with
 * and without `.local` (mDNS).
 */
export function machineNames(hostname: string): string[] {
  const name = hostname.trim().toLowerCase().replace(/\.$/, "");
  if (name === "") return [];
  const bare = name.endsWith(".local") ? name.slice(0, -6) : name;
  return [...new Set([name, bare, `${bare}.local`])];
}

/**
 * Why an upgrade with these headers must be refused, or undefined when it
 * comes from the server's own page.
 *
 * @param headers the request's `host` and `origin`
 * @param scheme the page's scheme: `http` or `https`
 * @param names the machine's names (see {@linkcode machineNames})
 */
export function upgradeRefusal(
  headers: { host?: string | undefined; origin?: string | undefined },
  scheme: "http" | "https",
  names: readonly string[],
): UpgradeRefusal {
  const { host, origin } = headers;
  if (host === undefined || !hostAllowed(host, names)) {
    return `Host ${JSON.stringify(host ?? "")} is not a name of this server`;
  }
  if (origin === undefined) return "no Origin (not a browser)";
  if (origin.toLowerCase() !== `${scheme}://${host.trim().toLowerCase()}`) {
    return `Origin ${JSON.stringify(origin)} is not this server's page`;
  }
  return undefined;
}
