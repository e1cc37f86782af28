/**
 * The server's side of discovery: it answers DNS-SD queries for
 * `_lochat._tcp.local` (PTR → instance, SRV → host and port, TXT → protocol
 * version, TLS and name, A/AAAA → address), and for its web page as
 * `_http._tcp.local` (`_https._tcp.local` with TLS; TXT `path=/`), so a
 * browser's or a phone's service list shows it; it announces itself when it starts
 * and says goodbye when it stops, so standard tools
 * (`avahi-browse -r _lochat._tcp`, `dns-sd -B _lochat._tcp`) see it as well
 * as `lochat-client`. Each interface gets its own responder that joins the
 * multicast group on that interface only, and answers with that interface's
 * address, so a client is told the address that reaches it. A server bound
 * to a loopback address advertises nothing: there is no LAN to tell.
 *
 * @module
 */

import os from "node:os";
import { PROTOCOL_VERSION } from "../shared/protocol.ts";
import {
  type DnsRecord,
  type Interface,
  isLoopback,
  label,
  lanInterfaces,
  type Mdns,
  type MdnsFactory,
  multicastDns,
  type Packet,
  SERVICE,
  type ServiceInfo,
  SERVICES_META,
  TTL,
  webService,
} from "../shared/dns_sd.ts";

/**
 * The interfaces a server bound to `hostname` is reachable on, and so
 * advertises on: none for loopback, all for a wildcard, else the one with
 * that address.
 */
export function interfacesFor(
  hostname: string,
  all: Interface[] = lanInterfaces(),
): Interface[] {
  if (isLoopback(hostname)) return [];
  // 0.0.0.0 listens on IPv4 only; :: on both.
  if (hostname === "0.0.0.0" || hostname === "") {
    return all.filter((i) => i.family !== "IPv6");
  }
  if (hostname === "::") return all;
  return all.filter((i) => i.address === hostname);
}

/** True when `address` is in `iface`'s subnet. */
export function sameSubnet(address: string, iface: Interface): boolean {
  // IPv6 queries come from link-local sources; the socket only hears its link.
  if (iface.family === "IPv6") return address.includes(":");
  const toInt = (ip: string) =>
    ip.split(".").reduce((n, part) => (n << 8) + Number(part), 0) >>> 0;
  if (!/^\d+\.\d+\.\d+\.\d+$/.test(address)) return false;
  const mask = toInt(iface.netmask);
  return ((toInt(address) & mask) >>> 0) ===
    ((toInt(iface.address) & mask) >>> 0);
}

/**
 * A service to advertise: Lochat's own (`_lochat._tcp`), or another way in
 * of the same server, such as its IRC listener (`type` `_irc._tcp.local`,
 * RFC 6763's service name for IRC).
 */
export type Advertised = ServiceInfo & { type?: string };

/** The DNS-SD service type IRC clients browse for. */
export const IRC_SERVICE = "_irc._tcp.local";

/** The records that describe `service` as reached through `iface`. */
export function records(
  service: Advertised,
  iface: Interface,
  host: string,
  ttl = TTL,
): DnsRecord[] {
  const type = service.type ?? SERVICE;
  const instance = `${label(service.name)}.${type}`;
  const target = `${label(host)}.local`;
  return [
    { name: type, type: "PTR", ttl, data: instance },
    {
      name: instance,
      type: "SRV",
      ttl,
      data: { port: service.port, target, weight: 0, priority: 0 },
    },
    {
      name: instance,
      type: "TXT",
      ttl,
      data: [
        `v=${PROTOCOL_VERSION}`,
        `tls=${service.tls ? 1 : 0}`,
        `name=${service.name}`,
      ],
    },
    {
      name: target,
      type: iface.family === "IPv6" ? "AAAA" : "A",
      ttl,
      data: iface.address,
    },
  ];
}

/**
 * The records of the web page of `service` (PTR, SRV, TXT `path=/`), none
 * when it has none; its address is the A/AAAA of {@linkcode records}.
 */
export function webRecords(
  service: ServiceInfo,
  host: string,
  ttl = TTL,
): DnsRecord[] {
  if (service.web === undefined) return [];
  const type = webService(service.web.tls);
  const instance = `${label(service.name)}.${type}`;
  return [
    { name: type, type: "PTR", ttl, data: instance },
    {
      name: instance,
      type: "SRV",
      ttl,
      data: {
        port: service.web.port,
        target: `${label(host)}.local`,
        weight: 0,
        priority: 0,
      },
    },
    { name: instance, type: "TXT", ttl, data: ["path=/"] },
  ];
}

/**
 * The answer to `query` for `service` on `iface`, or `undefined` when the
 * query is not about us.
 */
export function answer(
  query: Packet,
  service: Advertised,
  iface: Interface,
  host: string,
): DnsRecord[] | undefined {
  const all = records(service, iface, host);
  const [, srv, txt, a] = all as [
    DnsRecord,
    DnsRecord,
    DnsRecord,
    DnsRecord,
  ];
  const type = service.type ?? SERVICE;
  const web = webRecords(service, host);
  const [webPtr, webSrv, webTxt] = web;
  for (const question of query.questions ?? []) {
    const name = question.name.toLowerCase();
    if (
      name === type && (question.type === "PTR" || question.type === "ANY")
    ) return all;
    if (name === SERVICES_META && question.type === "PTR") {
      const types = webPtr === undefined ? [type] : [type, webPtr.name];
      return types.map((data) => ({
        name: SERVICES_META,
        type: "PTR",
        ttl: TTL,
        data,
      }));
    }
    if (name === srv.name.toLowerCase()) return [srv, txt, a];
    if (webPtr !== undefined && webSrv !== undefined && webTxt !== undefined) {
      if (
        name === webPtr.name &&
        (question.type === "PTR" || question.type === "ANY")
      ) return [...web, a];
      if (name === webSrv.name.toLowerCase()) return [webSrv, webTxt, a];
    }
    if (
      name === a.name.toLowerCase() &&
      (question.type === a.type || question.type === "ANY")
    ) return [a];
  }
  return undefined;
}

/**
 * A server's advertisement on every interface it is reachable on.
 *
 * @example
 * ```ts
 * const ad = await Advertiser.start({ hostname: "0.0.0.0", service: { name: "lanbox", port: 4444, tls: false } });
 * // ... later
 * await ad.stop(); // says goodbye (TTL 0)
 * ```
 */
export class Advertiser {
  #endpoints: { mdns: Mdns; iface: Interface }[] = [];
  #service: Advertised;
  #host: string;
  #timer: ReturnType<typeof setTimeout> | undefined;

  /** Makes an Advertiser. */
  private constructor(service: Advertised, host: string) {
    this.#service = service;
    this.#host = host;
  }

  /** Interfaces being advertised on (none for a loopback server). */
  get interfaces(): Interface[] {
    return this.#endpoints.map((e) => e.iface);
  }

  /**
   * Starts answering and announces the service. Creates no socket, and loads
   * no mDNS code, for a loopback bind.
   */
  static async start(options: {
    hostname: string;
    service: Advertised;
    host?: string;
    interfaces?: Interface[];
    factory?: MdnsFactory;
    onWarning?: (message: string) => void;
  }): Promise<Advertiser> {
    const host = options.host ?? os.hostname();
    const advertiser = new Advertiser(options.service, host);
    const interfaces = interfacesFor(options.hostname, options.interfaces);
    if (interfaces.length === 0) return advertiser;
    const factory = options.factory ?? await multicastDns();
    for (const iface of interfaces) {
      const mdns = factory(iface);
      mdns.on(
        "error",
        (error) =>
          options.onWarning?.(`mDNS on ${iface.address}: ${error.message}`),
      );
      mdns.on("warning", () => {});
      mdns.on("query", (query, rinfo) => {
        // Every responder hears every interface's queries: answer only our own.
        if (
          !sameSubnet(rinfo.address, iface) && rinfo.address !== iface.address
        ) return;
        const answers = answer(query, options.service, iface, host);
        if (answers !== undefined) mdns.respond({ answers });
      });
      advertiser.#endpoints.push({ mdns, iface });
    }
    advertiser.#announce(TTL);
    // RFC 6762 asks for a second announcement a second later.
    if (advertiser.#endpoints.length > 0) {
      advertiser.#timer = setTimeout(() => advertiser.#announce(TTL), 1000);
    }
    return advertiser;
  }

  /** Says goodbye (the records with TTL 0) and closes the sockets. */
  async stop(): Promise<void> {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#announce(0);
    await Promise.all(
      this.#endpoints.map(({ mdns }) =>
        new Promise<void>((resolve) => mdns.destroy(resolve))
      ),
    );
    this.#endpoints = [];
  }

  #announce(ttl: number): void {
    for (const { mdns, iface } of this.#endpoints) {
      mdns.respond({
        answers: [
          ...records(this.#service, iface, this.#host, ttl),
          ...webRecords(this.#service, this.#host, ttl),
        ],
      });
    }
  }
}
