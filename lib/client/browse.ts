/**
 * The client's side of discovery: ask every LAN interface who serves
 * `_lochat._tcp`, collect the answers, and pick the server to join.
 *
 * @module
 */

import {
  type FoundServer,
  type Interface,
  isSrv,
  lanInterfaces,
  type MdnsFactory,
  multicastDns,
  type Packet,
  SERVICE,
} from "../shared/dns_sd.ts";
import { CLIENT_SETTINGS } from "./client_settings.ts";

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
export const BROWSE_MS: number = CLIENT_SETTINGS.browseMs.default;

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
