/**
 * DNS-SD over mDNS for `_lochat._tcp.local`: the records, the packet types
 * and the socket factory that the server's advertiser
 * (`lib/server/advertiser.ts`) and the client's browser
 * (`lib/client/browse.ts`) share.
 *
 * The packet work (`npm:multicast-dns`) sits behind {@linkcode MdnsFactory},
 * so unit tests run the record logic without sockets. The package is loaded
 * only when a socket is about to be opened: it brings Deno's Node layer
 * (about 15 MB of memory and 30 ms of start-up), which a client given
 * `--host` and a server bound to loopback never need. Discovery runs over
 * IPv4 (224.0.0.251, A records) and IPv6 (ff02::fb, AAAA records).
 *
 * @module
 */

import os from "node:os";
import { clean } from "./text.ts";

/** The DNS-SD service type. */
export const SERVICE = "_lochat._tcp.local";
/** The DNS-SD meta-query name that lists every service type. */
export const SERVICES_META = "_services._dns-sd._udp.local";
/** Seconds a record may be cached. */
export const TTL = 120;

/** What a server advertises. */
export interface ServiceInfo {
  /** Instance name, shown to people: `--name`, default the host name. */
  name: string;
  /** TCP port of the chat server. */
  port: number;
  /** Whether it speaks TLS. */
  tls: boolean;
  /** Its web page, advertised as `_http._tcp` (`_https._tcp` with TLS). */
  web?: { port: number; tls: boolean } | undefined;
}

/** The DNS-SD service type of a web page: `_http._tcp.local` or `_https._tcp.local`. */
export function webService(tls: boolean): string {
  return tls ? "_https._tcp.local" : "_http._tcp.local";
}

/** A server found on the LAN. */
export interface FoundServer {
  /** Instance name. */
  name: string;
  /** Address to connect to. */
  address: string;
  /** TCP port. */
  port: number;
  /** Whether it speaks TLS. */
  tls: boolean;
  /** Protocol version from the TXT record. */
  version: number;
}

/** A network interface's address that discovery runs on. */
export interface Interface {
  /** The address (IPv4, or a global or unique-local IPv6 one). */
  address: string;
  /** Its netmask (IPv4 dotted, IPv6 colon-hex). */
  netmask: string;
  /** IPv4 or IPv6; default IPv4. */
  family?: "IPv4" | "IPv6";
  /** The interface's name (`eth0`), which IPv6 multicast needs. */
  name?: string;
}

/** SRV record data. */
export interface SrvData {
  /** TCP port. */
  port: number;
  /** Host name the port is on. */
  target: string;
  /** Load-balancing weight (unused). */
  weight?: number;
  /** Priority (unused). */
  priority?: number;
}

/** A DNS record, as `multicast-dns` takes and gives them (the kinds we use). */
export type DnsRecord = {
  name: string;
  type: string;
  ttl?: number;
  data: string | SrvData | (string | Uint8Array)[];
  class?: string;
  flush?: boolean;
};

/** True when a record's data is SRV data (a port and a target). */
export function isSrv(data: DnsRecord["data"]): data is SrvData {
  return typeof data === "object" && !Array.isArray(data) &&
    typeof data.port === "number";
}

/** The part of a `multicast-dns` instance this module uses. */
export interface Mdns {
  /** Listens for queries and responses. */
  on(
    event: "query" | "response",
    listener: (packet: Packet, rinfo: { address: string }) => void,
  ): void;
  /** Listens for errors and warnings. */
  on(event: "error" | "warning", listener: (error: Error) => void): void;
  /** Sends a response. */
  respond(packet: { answers: DnsRecord[]; additionals?: DnsRecord[] }): void;
  /** Sends a query. */
  query(packet: { questions: { name: string; type: string }[] }): void;
  /** Closes the socket. */
  destroy(callback?: () => void): void;
}

/** A DNS packet, as far as this module reads it. */
export interface Packet {
  /** The questions of a query. */
  questions?: { name: string; type: string }[];
  /** The answers of a response. */
  answers?: DnsRecord[];
  /** More records sent along. */
  additionals?: DnsRecord[];
}

/** Makes an mDNS endpoint on one interface. */
export type MdnsFactory = (iface: Interface) => Mdns;

/**
 * The real one: `npm:multicast-dns`, joined on `iface` only. Loads the
 * package on first use.
 */
export async function multicastDns(): Promise<MdnsFactory> {
  const { default: makeMdns } = await import("multicast-dns");
  return (iface: Interface): Mdns =>
    iface.family === "IPv6"
      ? makeMdns({
        type: "udp6",
        ip: "ff02::fb",
        interface: `::%${iface.name}`,
        bind: "::",
        loopback: true,
        multicast: true,
      }) as unknown as Mdns
      : makeMdns({
        interface: iface.address,
        bind: "0.0.0.0",
        loopback: true,
        multicast: true,
      }) as unknown as Mdns;
}

/** The non-internal IPv4 interfaces of this machine. */
export function lanInterfaces(): Interface[] {
  return Object.entries(os.networkInterfaces()).flatMap(([name, list]) => {
    const usable = (list ?? []).filter((i) => !i.internal);
    const v4 = usable.filter((i) => i.family === "IPv4").map((i) => ({
      address: i.address,
      netmask: i.netmask,
      family: "IPv4" as const,
      name,
    }));
    // One IPv6 address per interface, global or unique-local: a link-local
    // one needs a scope that another host cannot use as it is.
    const v6 = usable.find((i) =>
      i.family === "IPv6" && !/^fe80:/i.test(i.address)
    );
    return v6 === undefined ? v4 : [...v4, {
      address: v6.address,
      netmask: v6.netmask,
      family: "IPv6" as const,
      name,
    }];
  });
}

/** True for addresses that never leave the machine. */
export function isLoopback(hostname: string): boolean {
  return hostname === "localhost" || hostname === "::1" ||
    /^127\./.test(hostname);
}

/** A DNS label made of `name`: what DNS-SD allows in an instance name. */
export function label(name: string): string {
  return clean(name).replace(/\./g, "-").slice(0, 63) || "lochat";
}
