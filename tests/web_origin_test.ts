/**
 * Who may open the web page's WebSocket (Host allowlist, Origin), the web
 * flags, the page's URLs and its DNS-SD records.
 */

import {
  hostAllowed,
  machineNames,
  upgradeRefusal,
} from "../lib/server/web/origin.ts";
import { webUrls } from "../lib/server/web/urls.ts";
import { contentSecurityPolicy } from "../lib/server/web/page.ts";
import { answer, webRecords } from "../lib/server/advertiser.ts";
import { parseServerFlags } from "../lib/server/server_flags.ts";
import { assert, assertEquals, assertMatch } from "./assert.ts";

const names = machineNames("LanBox");

Deno.test("the machine's names: as given, bare and .local, lower-case", () => {
  assertEquals(names, ["lanbox", "lanbox.local"]);
  assertEquals(machineNames("box.local."), ["box.local", "box"]);
});

Deno.test("Host: IP literals, localhost and the machine's names only", () => {
  for (
    const host of [
      "192.0.2.7:4480",
      "192.0.2.7",
      "[::1]:4480",
      "[fd00::7]",
      "localhost:4480",
      "LANBOX.local:4480",
      "lanbox",
    ]
  ) assert(hostAllowed(host, names), host);
  for (
    const host of [
      "evil.example:4480",
      "lanbox.evil.example",
      "",
      "192.0.2.7:4480:1",
      "a b",
      "[::1",
      "localhost.:4480",
    ]
  ) assert(!hostAllowed(host, names), host);
});

Deno.test("the upgrade: Origin must be the page's own, scheme and port included", () => {
  const host = "192.0.2.7:4480";
  assertEquals(
    upgradeRefusal({ host, origin: "http://192.0.2.7:4480" }, "http", names),
    undefined,
  );
  assertEquals(
    upgradeRefusal({ host, origin: "https://192.0.2.7:4480" }, "https", names),
    undefined,
  );
  for (
    const [origin, scheme] of [
      [undefined, "http"],
      ["https://192.0.2.7:4480", "http"],
      ["http://192.0.2.7:4481", "http"],
      ["http://192.0.2.7", "http"],
      ["null", "http"],
      ["http://evil.example", "http"],
    ] as const
  ) {
    assert(
      upgradeRefusal({ host, origin }, scheme, names) !== undefined,
      `${origin} ${scheme}`,
    );
  }
  // DNS rebinding: Origin and Host agree, but Host is not ours.
  assertMatch(
    upgradeRefusal(
      { host: "evil.example:4480", origin: "http://evil.example:4480" },
      "http",
      names,
    )!,
    /not a name of this server/,
  );
});

Deno.test("the CSP names the WebSocket's origin only for a checked Host", () => {
  assertMatch(
    contentSecurityPolicy("192.0.2.7:4480"),
    /connect-src 'self' ws:\/\/192\.0\.2\.7:4480 wss:\/\/192\.0\.2\.7:4480;/,
  );
  assertMatch(contentSecurityPolicy(undefined), /connect-src 'self';/);
});

Deno.test("--web-port: 4480, or 0 with --port 0, unless given; --no-web", () => {
  assertEquals(parseServerFlags([]).webPort, 4480);
  assertEquals(parseServerFlags(["--port", "0"]).webPort, 0);
  assertEquals(parseServerFlags(["--port", "4445"]).webPort, 4480);
  assertEquals(
    parseServerFlags(["--port", "0", "--web-port", "8080"]).webPort,
    8080,
  );
  assertEquals(parseServerFlags([]).web, true);
  assertEquals(parseServerFlags(["--no-web"]).web, false);
});

Deno.test("the page's URLs: the bound address, then each LAN address", () => {
  const lan = [
    { address: "192.0.2.7", netmask: "255.255.255.0", family: "IPv4" as const },
    { address: "fd00::7", netmask: "ffff::", family: "IPv6" as const },
  ];
  assertEquals(webUrls("::", 4480, "http", lan), {
    listening: "http://[::]:4480/",
    lan: ["http://192.0.2.7:4480/", "http://[fd00::7]:4480/"],
  });
  assertEquals(webUrls("127.0.0.1", 1, "https", lan), {
    listening: "https://127.0.0.1:1/",
    lan: [],
  });
});

Deno.test("the web page's DNS-SD records: _http._tcp (or _https._tcp) with path=/", () => {
  const service = {
    name: "lanbox",
    port: 4444,
    tls: false,
    web: { port: 4480, tls: false },
  };
  const [ptr, srv, txt] = webRecords(service, "box");
  assertEquals(ptr, {
    name: "_http._tcp.local",
    type: "PTR",
    ttl: 120,
    data: "lanbox._http._tcp.local",
  });
  assertEquals((srv!.data as { port: number }).port, 4480);
  assertEquals(txt!.data, ["path=/"]);
  const iface = { address: "192.0.2.7", netmask: "255.255.255.0" };
  const answers = answer(
    { questions: [{ name: "_http._tcp.local", type: "PTR" }] },
    service,
    iface,
    "box",
  )!;
  assertEquals(answers.map((r) => r.type), ["PTR", "SRV", "TXT", "A"]);
  assertEquals(
    webRecords({ ...service, web: { port: 4480, tls: true } }, "box")[0]!.name,
    "_https._tcp.local",
  );
  assertEquals(webRecords({ ...service, web: undefined }, "box"), []);
});
