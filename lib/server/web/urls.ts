/**
 * Where people open the web page: the address the server listens on, and,
 * for a server bound to every address, one URL per LAN address (the one a
 * phone on that network uses).
 *
 * @module
 */

import type { Interface } from "../../shared/dns_sd.ts";
import { interfacesFor } from "../advertiser.ts";

/** An address as the host part of a URL: IPv6 in brackets. */
export function urlHost(address: string): string {
  return address.includes(":") ? `[${address}]` : address;
}

/**
 * The page's URLs: `listening` for the bound address, `lan` for each LAN
 * address it is reachable on.
 *
 * @example
 * ```ts
 * webUrls("0.0.0.0", 4480, "http").listening; // "http://0.0.0.0:4480/"
 * ```
 */
export function webUrls(
  hostname: string,
  port: number,
  scheme: "http" | "https",
  interfaces?: Interface[],
): { listening: string; lan: string[] } {
  const url = (address: string) => `${scheme}://${urlHost(address)}:${port}/`;
  const lan = interfacesFor(hostname, interfaces).map((i) => url(i.address));
  return { listening: url(hostname), lan: [...new Set(lan)] };
}
