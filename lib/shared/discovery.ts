/**
 * Finding the server on the LAN: mDNS / DNS-SD for `_lochat._tcp.local`.
 *
 * The server answers DNS-SD queries (PTR → instance, SRV → host and port,
 * TXT → protocol version, TLS and name, A → address), announces itself when
 * it starts and says goodbye when it stops, so standard tools
 * (`avahi-browse -r _lochat._tcp`, `dns-sd -B _lochat._tcp`) see it as well as
 * `lochat-client`. Each IPv4 interface gets its own responder that joins the
 * multicast group on that interface only, and answers with that interface's
 * address, so a client is told the address that reaches it. A server bound
 * to a loopback address advertises nothing: there is no LAN to tell.
 *
 * The packet work (`npm:multicast-dns`) sits behind {@linkcode MdnsFactory},
 * so unit tests run the record logic without sockets. The package is loaded
 * only when a socket is about to be opened: it brings Deno's Node layer
 * (about 15 MB of memory and 30 ms of start-up), which a client given
 * `--host` and a server bound to loopback never need.
 *
 * @module
 */

import os from "node:os";
import { PROTOCOL_VERSION } from "./limits.ts";
import { sanitize } from "./sanitize.ts";

/** The DNS-SD service type. */
export const SERVICE = "_lochat._tcp.local";
const SERVICES_META = "_services._dns-sd._udp.local";
const TTL = 120;

/** What a server advertises. */
export interface ServiceInfo {
  /** Instance name, shown to people: `--name`, default the host name. */
  name: string;
  /** TCP port of the chat server. */
  port: number;
  /** Whether it speaks TLS. */
  tls: boolean;
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

function isSrv(data: DnsRecord["data"]): data is SrvData {
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

/** A DNS label made of `name`: what DNS-SD allows in an instance name. */
function label(name: string): string {
  return sanitize(name).replace(/\./g, "-").slice(0, 63) || "lochat";
}

/** The records that describe `service` as reached through `iface`. */
export function records(
  service: ServiceInfo,
  iface: Interface,
  host: string,
  ttl = TTL,
): DnsRecord[] {
  const instance = `${label(service.name)}.${SERVICE}`;
  const target = `${label(host)}.local`;
  return [
    { name: SERVICE, type: "PTR", ttl, data: instance },
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
 * The answer to `query` for `service` on `iface`, or `undefined` when the
 * query is not about us.
 */
export function answer(
  query: Packet,
  service: ServiceInfo,
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
  for (const question of query.questions ?? []) {
    const name = question.name.toLowerCase();
    if (
      name === SERVICE && (question.type === "PTR" || question.type === "ANY")
    ) return all;
    if (name === SERVICES_META && question.type === "PTR") {
      return [{ name: SERVICES_META, type: "PTR", ttl: TTL, data: SERVICE }];
    }
    if (name === srv.name.toLowerCase()) return [srv, txt, a];
    if (
      name === a.name.toLowerCase() &&
      (question.type === a.type || question.type === "ANY")
    ) return [a];
  }
  return undefined;
}

/** Servers described by one mDNS response, with the address each came from. */
export function parseResponse(packet: Packet, from: string): FoundServer[] {
  const records = [...(packet.answers ?? []), ...(packet.additionals ?? [])];
  const instances = records.filter((r) =>
    r.type === "PTR" && r.name.toLowerCase() === SERVICE
  ).map((r) => String(r.data));
  const found: FoundServer[] = [];
  for (const instance of instances) {
    const srv = records.find((r) => r.type === "SRV" && r.name === instance)
      ?.data;
    if (srv === undefined || !isSrv(srv)) continue;
    const txt = records.find((r) => r.type === "TXT" && r.name === instance)
      ?.data;
    const fields = new Map(
      (Array.isArray(txt) ? txt : []).map((entry) => {
        const text = typeof entry === "string"
          ? entry
          : new TextDecoder().decode(entry);
        const at = text.indexOf("=");
        return [text.slice(0, at), text.slice(at + 1)] as const;
      }),
    );
    const a = records.find((r) =>
      (r.type === "A" || r.type === "AAAA") && r.name === srv.target
    );
    found.push({
      name: fields.get("name") ?? instance.slice(0, -SERVICE.length - 1),
      address: typeof a?.data === "string" ? a.data : from,
      port: srv.port,
      tls: fields.get("tls") === "1",
      version: Number(fields.get("v") ?? 0),
    });
  }
  return found;
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
  #service: ServiceInfo;
  #host: string;
  #timer: ReturnType<typeof setTimeout> | undefined;

  /** Makes an Advertiser. */
  private constructor(service: ServiceInfo, host: string) {
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
    service: ServiceInfo;
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
      mdns.respond({ answers: records(this.#service, iface, this.#host, ttl) });
    }
  }
}

/**
 * Asks every LAN interface who serves `_lochat._tcp` and collects the
 * answers for `timeoutMs`. Servers found on several interfaces are listed
 * once per address.
 */
export async function browse(
  options: {
    timeoutMs: number;
    interfaces?: Interface[];
    factory?: MdnsFactory;
  },
): Promise<FoundServer[]> {
  const factory = options.factory ?? await multicastDns();
  const found = new Map<string, FoundServer>();
  const endpoints = (options.interfaces ?? lanInterfaces()).map((iface) => {
    const mdns = factory(iface);
    mdns.on("error", () => {});
    mdns.on("warning", () => {});
    mdns.on("response", (packet, rinfo) => {
      for (const server of parseResponse(packet, rinfo.address)) {
        // A dual-stack server answers on both families: list it once,
        // by its IPv4 address when it has one.
        const key = `${server.name}:${server.port}`;
        const known = found.get(key);
        if (
          known === undefined ||
          (known.address.includes(":") && !server.address.includes(":"))
        ) {
          found.set(key, server);
        }
      }
    });
    mdns.query({ questions: [{ name: SERVICE, type: "PTR" }] });
    return mdns;
  });
  await new Promise((resolve) => setTimeout(resolve, options.timeoutMs));
  await Promise.all(
    endpoints.map((mdns) =>
      new Promise<void>((resolve) => mdns.destroy(resolve))
    ),
  );
  return [...found.values()].sort((a, b) =>
    a.name.localeCompare(b.name) || a.address.localeCompare(b.address)
  );
}

/** How long the client listens for servers, by default. */
export const BROWSE_MS = 1500;

/**
 * Picks the server to connect to from what discovery found: the one named
 * `name`, or the only one. Otherwise says why not, in words for the person.
 */
export function chooseServer(
  found: FoundServer[],
  name: string | undefined,
): { ok: true; server: FoundServer } | {
  ok: false;
  problem: string;
  several: boolean;
} {
  const listed = found.map((s) => `${s.name} (${s.address}:${s.port})`).join(
    ", ",
  );
  if (found.length === 0) {
    return {
      ok: false,
      several: false,
      problem:
        `No Lochat server answered on the LAN within ${BROWSE_MS / 1000} s. ` +
        "Is one running (make server)? Pass --host ADDR (and --port) to connect directly",
    };
  }
  if (name !== undefined) {
    const match = found.find((s) =>
      s.name.toLowerCase() === name.toLowerCase()
    );
    if (match !== undefined) return { ok: true, server: match };
    return {
      ok: false,
      several: false,
      problem: `No server called "${name}" on the LAN; found: ${listed}`,
    };
  }
  if (found.length === 1) return { ok: true, server: found[0]! };
  return {
    ok: false,
    several: true,
    problem:
      `${found.length} servers on the LAN: ${listed}; pick one with --server NAME`,
  };
}
