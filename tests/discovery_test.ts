import { assert, assertEquals, assertMatch } from "./assert.ts";
import {
  Advertiser,
  answer,
  interfacesFor,
  records,
  sameSubnet,
} from "../lib/server/advertiser.ts";
import { browse, chooseServer, parseResponse } from "../lib/client/browse.ts";
import { isLoopback, SERVICE } from "../lib/shared/dns_sd.ts";
import { PROTOCOL_VERSION } from "../lib/shared/protocol.ts";
import type { Interface, Mdns, Packet } from "../lib/shared/dns_sd.ts";

// Documentation-range addresses (RFC 5737): nothing here touches a network.
const LAN: Interface = { address: "192.0.2.10", netmask: "255.255.255.0" };
const OTHER: Interface = { address: "198.51.100.7", netmask: "255.255.255.0" };
const service = { name: "lanbox", port: 4444, tls: true };

/** An mDNS endpoint that records what it is asked to send. */
class FakeMdns implements Mdns {
  sent: Packet[] = [];
  queries: Packet[] = [];
  destroyed = false;
  #listeners = new Map<string, (...args: never[]) => void>();
  on(event: string, listener: (...args: never[]) => void): void {
    this.#listeners.set(event, listener);
  }
  respond(packet: Packet): void {
    this.sent.push(packet);
  }
  query(packet: Packet): void {
    this.queries.push(packet);
  }
  destroy(callback?: () => void): void {
    this.destroyed = true;
    callback?.();
  }
  emit(event: "query" | "response", packet: Packet, from: string): void {
    (this.#listeners.get(event) as (p: Packet, r: { address: string }) => void)(
      packet,
      { address: from },
    );
  }
}

/** A factory of fake endpoints, and the endpoints it made, in order. */
function fakeEndpoints(): { fakes: FakeMdns[]; factory: () => FakeMdns } {
  const fakes: FakeMdns[] = [];
  return {
    fakes,
    factory: () => {
      const fake = new FakeMdns();
      fakes.push(fake);
      return fake;
    },
  };
}

Deno.test("a loopback server advertises on no interface; a wildcard one on all", () => {
  for (const host of ["127.0.0.1", "127.1.2.3", "::1", "localhost"]) {
    assert(isLoopback(host), host);
    assertEquals(interfacesFor(host, [LAN, OTHER]), []);
  }
  assertEquals(interfacesFor("0.0.0.0", [LAN, OTHER]), [LAN, OTHER]);
  assertEquals(interfacesFor("198.51.100.7", [LAN, OTHER]), [OTHER]);
});

Deno.test("a loopback server creates no mDNS socket at all", async () => {
  let made = 0;
  const ad = await Advertiser.start({
    hostname: "127.0.0.1",
    service,
    interfaces: [LAN],
    factory: () => (made++, new FakeMdns()),
  });
  assertEquals([made, ad.interfaces], [0, []]);
  await ad.stop();
});

Deno.test("the records are DNS-SD: PTR, SRV, TXT and the interface's own A", () => {
  const [ptr, srv, txt, a] = records(service, LAN, "box");
  assertEquals(ptr, {
    name: SERVICE,
    type: "PTR",
    ttl: 120,
    data: `lanbox.${SERVICE}`,
  });
  assertEquals(srv!.data, {
    port: 4444,
    target: "box.local",
    weight: 0,
    priority: 0,
  });
  assertEquals(txt!.data, [
    `v=${PROTOCOL_VERSION}`,
    "tls=1",
    "name=lanbox",
  ]);
  assertEquals([a!.name, a!.data], ["box.local", "192.0.2.10"]);
});

Deno.test("queries for the service, the instance or the host are answered; others are not", () => {
  assertEquals(
    answer({ questions: [{ name: SERVICE, type: "PTR" }] }, service, LAN, "box")
      ?.length,
    4,
  );
  assertEquals(
    answer(
      { questions: [{ name: `lanbox.${SERVICE}`, type: "SRV" }] },
      service,
      LAN,
      "box",
    )?.length,
    3,
  );
  assertEquals(
    answer(
      { questions: [{ name: "box.local", type: "A" }] },
      service,
      LAN,
      "box",
    )?.[0]?.data,
    LAN.address,
  );
  assertEquals(
    answer(
      { questions: [{ name: "_services._dns-sd._udp.local", type: "PTR" }] },
      service,
      LAN,
      "box",
    )?.[0]?.data,
    SERVICE,
  );
  assertEquals(
    answer(
      { questions: [{ name: "_http._tcp.local", type: "PTR" }] },
      service,
      LAN,
      "box",
    ),
    undefined,
  );
});

Deno.test("each interface answers only queries from its own subnet, with its own address", async () => {
  const fakes = new Map<string, FakeMdns>();
  const ad = await Advertiser.start({
    hostname: "0.0.0.0",
    service,
    host: "box",
    interfaces: [LAN, OTHER],
    factory: (iface) => {
      const fake = new FakeMdns();
      fakes.set(iface.address, fake);
      return fake;
    },
  });
  const lan = fakes.get(LAN.address)!;
  const other = fakes.get(OTHER.address)!;
  const announced = [lan.sent.length, other.sent.length];
  lan.emit(
    "query",
    { questions: [{ name: SERVICE, type: "PTR" }] },
    "192.0.2.55",
  );
  other.emit(
    "query",
    { questions: [{ name: SERVICE, type: "PTR" }] },
    "192.0.2.55",
  );
  assertEquals([
    lan.sent.length - announced[0]!,
    other.sent.length - announced[1]!,
  ], [1, 0]);
  const a = lan.sent.at(-1)!.answers!.find((r) => r.type === "A");
  assertEquals(a?.data, LAN.address);
  assert(sameSubnet("192.0.2.200", LAN) && !sameSubnet("192.0.3.1", LAN));
  return ad.stop().then(() => {
    // Goodbye: the records again with TTL 0, then the sockets closed.
    assertEquals(lan.sent.at(-1)!.answers!.every((r) => r.ttl === 0), true);
    assert(lan.destroyed && other.destroyed);
  });
});

Deno.test("a response is read back into the servers it describes", () => {
  const packet: Packet = {
    answers: records(service, LAN, "box").slice(0, 1),
    additionals: records(service, LAN, "box").slice(1),
  };
  assertEquals(parseResponse(packet, "192.0.2.10"), [{
    name: "lanbox",
    address: "192.0.2.10",
    port: 4444,
    tls: true,
    version: PROTOCOL_VERSION,
  }]);
  assertEquals(parseResponse({ answers: [] }, "192.0.2.10"), []);
});

Deno.test("browsing asks each interface and collects what answers within the time", async () => {
  const { fakes, factory } = fakeEndpoints();
  const found = browse({ timeoutMs: 20, interfaces: [LAN], factory });
  assertEquals(fakes[0]!.queries, [{
    questions: [{ name: SERVICE, type: "PTR" }],
  }]);
  fakes[0]!.emit(
    "response",
    { answers: records(service, LAN, "box") },
    LAN.address,
  );
  assertEquals((await found).map((s) => `${s.name} ${s.address}:${s.port}`), [
    "lanbox 192.0.2.10:4444",
  ]);
  assert(fakes[0]!.destroyed);
});

Deno.test("choosing: the only one, the named one, or a clear reason", () => {
  const a = {
    name: "alpha",
    address: "192.0.2.1",
    port: 4444,
    tls: false,
    version: 1,
  };
  const b = {
    name: "beta",
    address: "192.0.2.2",
    port: 4445,
    tls: false,
    version: 1,
  };
  assertEquals(chooseServer([a], undefined), { ok: true, server: a });
  assertEquals(chooseServer([a, b], "BETA"), { ok: true, server: b });
  const none = chooseServer([], undefined);
  assert(!none.ok);
  assertMatch(
    none.problem,
    /No Lochat server answered on the LAN within 1\.5 s\. .*Pass --host ADDR/,
  );
  const several = chooseServer([a, b], undefined);
  assert(!several.ok && several.several);
  assertMatch(
    several.problem,
    /2 servers on the LAN: alpha \(192\.0\.2\.1:4444\), beta .*--server NAME/,
  );
});

Deno.test("a server answering on both IPv4 and IPv6 is listed once, by its IPv4 address", async () => {
  const V6: Interface = {
    address: "2001:db8::10",
    netmask: "ffff:ffff:ffff:ffff::",
    family: "IPv6",
    name: "eth0",
  };
  const { fakes, factory } = fakeEndpoints();
  const found = browse({ timeoutMs: 20, interfaces: [LAN, V6], factory });
  fakes[1]!.emit(
    "response",
    { answers: records(service, V6, "box") },
    "fe80::10",
  );
  fakes[0]!.emit(
    "response",
    { answers: records(service, LAN, "box") },
    LAN.address,
  );
  assertEquals((await found).map((s) => `${s.name} ${s.address}:${s.port}`), [
    "lanbox 192.0.2.10:4444",
  ]);
  assertEquals(records(service, V6, "box")[3]?.type, "AAAA");
  assertEquals(interfacesFor("0.0.0.0", [LAN, V6]), [LAN]);
  assertEquals(interfacesFor("::", [LAN, V6]), [LAN, V6]);
});
