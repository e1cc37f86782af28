import { assert, assertEquals, assertMatch } from "./assert.ts";
import { NetnsPair } from "./util/netns_pair.ts";
import type { Program } from "./util/program.ts";

// These tests make their own LAN: two network namespaces and a veth pair.
// Nothing is ever sent on a real interface. Without root they are ignored.
const canNetns = NetnsPair.available();
const why = canNetns ? "" : " (ignored: needs root to make network namespaces)";

/** What a server said about advertising. */
const advertising = (program: Program) =>
  program.stdout.lines.find((l) => /advertised on the LAN/.test(l));

/** Starts a server in namespace `ns` and waits until it says whether it advertises. */
async function server(
  pair: NetnsPair,
  ns: string,
  args: string[],
): Promise<Program> {
  const program = pair.run(
    ns,
    "server.ts",
    [
      "--data-dir",
      "none",
      // Several servers may share a namespace: each its own web port.
      ...(args.includes("--web-port") ? [] : ["--web-port", "0"]),
      ...args,
    ],
    `server ${args.join(" ")}`,
  );
  await program.stdout.waitFor(/advertised on the LAN|not advertised/);
  return program;
}

/**
 * A server in namespace A, bound to a wildcard address, and a client in B
 * without `--host`: the client must find the server at A's address and join
 * it. `::` serves (and advertises) IPv6 as well as IPv4.
 */
const findsAndJoins = [
  {
    name:
      "a client in another namespace finds the server and joins it without --host",
    ipv6: false,
    host: "0.0.0.0",
  },
  {
    name:
      "on an IPv6-only link, a server on :: is found and joined at its IPv6 address",
    ipv6: true,
    host: "::",
  },
];

for (const c of findsAndJoins) {
  Deno.test({
    name: `${c.name}${why}`,
    ignore: !canNetns,
    async fn() {
      await using pair = await NetnsPair.create({ ipv6: c.ipv6 });
      await using found = await server(pair, pair.a, [
        "--host",
        c.host,
        "--port",
        "4444",
        "--name",
        "alpha",
      ]);
      assertEquals(
        advertising(found),
        `advertised on the LAN as _lochat._tcp and _http._tcp on ${pair.addressA}`,
      );
      await using client = pair.run(pair.b, "client.ts", [
        "--nick",
        "remote",
        "--send",
        "found you",
      ], "client");
      assertEquals(
        await client.exitCode(),
        0,
        client.stderr.lines.join("\n"),
      );
      assertEquals(
        client.stderr.lines[0],
        `lochat-client: found alpha at ${pair.addressA}:4444`,
      );
      const peer = pair.addressB.replaceAll(".", "\\.");
      await found.stderr.waitFor(
        new RegExp(`join peer=${peer}:\\d+ nick=remote`),
      );
    },
  });
}

Deno.test({
  name:
    `two servers are listed, --server picks one, --no-discovery hides a third${why}`,
  ignore: !canNetns,
  async fn() {
    await using pair = await NetnsPair.create();
    await using alpha = await server(pair, pair.a, [
      "--port",
      "4444",
      "--name",
      "alpha",
    ]);
    await using beta = await server(pair, pair.a, [
      "--port",
      "4445",
      "--name",
      "beta",
    ]);
    await using gamma = await server(pair, pair.a, [
      "--port",
      "4446",
      "--name",
      "gamma",
      "--no-discovery",
    ]);
    assertEquals(
      advertising(gamma),
      "not advertised on the LAN (--no-discovery)",
    );
    await using list = pair.run(pair.b, "client.ts", ["--list"], "list");
    assertEquals(await list.exitCode(), 0);
    assertEquals(list.stdout.lines, [
      `alpha\t${pair.addressA}:4444`,
      `beta\t${pair.addressA}:4445`,
    ]);
    // With two and no --server, a script is told to choose.
    await using unsure = pair.run(
      pair.b,
      "client.ts",
      ["--send", "which?"],
      "unsure",
    );
    assertEquals(await unsure.exitCode(), 1);
    assertMatch(
      unsure.stderr.lines.join("\n"),
      /2 servers on the LAN: alpha .*beta .*pick one with --server NAME/,
    );
    await using picked = pair.run(pair.b, "client.ts", [
      "--server",
      "beta",
      "--nick",
      "picky",
      "--send",
      "hi beta",
    ], "picked");
    assertEquals(await picked.exitCode(), 0);
    await beta.stderr.waitFor("nick=picky");
    assert(
      !alpha.stderr.lines.some((l) => l.includes("nick=picky")),
      "alpha was not picked",
    );
  },
});

Deno.test({
  name: `a server bound to 127.0.0.1 sends no multicast at all${why}`,
  ignore: !canNetns,
  async fn() {
    await using pair = await NetnsPair.create();
    // A listener in namespace B counts every mDNS packet that crosses the link.
    const listen = `
      import dgram from "node:dgram";
      const socket = dgram.createSocket({ type: "udp4", reuseAddr: true });
      socket.on("message", (_m, rinfo) => console.log("packet from " + rinfo.address));
      socket.bind(5353, "0.0.0.0", () => {
        socket.addMembership("224.0.0.251", Deno.args[0]); // on the netns veth only
        console.log("listening");
      });
    `;
    const script = await Deno.makeTempFile({ suffix: ".ts" });
    await Deno.writeTextFile(script, listen);
    try {
      await using listener = pair.run(
        pair.b,
        script,
        [pair.addressB],
        "listener",
      );
      await listener.stdout.waitFor("listening");
      {
        await using quiet = await server(pair, pair.a, [
          "--host",
          "127.0.0.1",
          "--port",
          "4444",
        ]);
        assertEquals(
          advertising(quiet),
          "not advertised on the LAN (bound to a loopback address)",
        );
        // An advertising server announces when it starts and says goodbye when it stops.
        quiet.kill("SIGTERM");
        assertEquals(await quiet.exitCode(), 0);
      }
      // Then a server that does advertise: its first packet reaches the listener
      // after anything the loopback server might have sent (one link, one queue).
      const before = listener.stdout.lines.length;
      await using loud = await server(pair, pair.a, ["--port", "4445"]);
      await listener.stdout.waitFor((l) =>
        l === `packet from ${pair.addressA}`
      );
      assertEquals(
        listener.stdout.lines.slice(1, before),
        [],
        "packets before the advertising server started",
      );
      assertEquals(
        advertising(loud),
        `advertised on the LAN as _lochat._tcp and _http._tcp on ${pair.addressA}`,
      );
    } finally {
      await Deno.remove(script);
    }
  },
});

Deno.test({
  name:
    `the web page is advertised as _http._tcp with path=/, next to _lochat._tcp${why}`,
  ignore: !canNetns,
  async fn() {
    await using pair = await NetnsPair.create();
    await using _found = await server(pair, pair.a, [
      "--port",
      "4444",
      "--web-port",
      "4480",
      "--name",
      "alpha",
    ]);
    // A plain DNS-SD query from namespace B, as a phone's browser would make.
    await using browser = pair.run(
      pair.b,
      "tests/fixtures/mdns_query.ts",
      [pair.addressB, "_http._tcp.local"],
      "query",
    );
    {
      const srv = await browser.stdout.waitFor((l) =>
        l.includes('"name":"alpha._http._tcp.local","type":"SRV"')
      );
      assertEquals(JSON.parse(srv).data.port, 4480);
      await browser.stdout.waitFor((l) =>
        l.includes('"name":"alpha._http._tcp.local","type":"TXT"') &&
        l.includes('"path=/"')
      );
      await browser.stdout.waitFor((l) =>
        l.includes(`"type":"A","data":"${pair.addressA}"`)
      );
    }
  },
});

const avahi = (() => {
  try {
    return new Deno.Command("avahi-browse", {
      args: ["--version"],
      stdout: "null",
      stderr: "null",
    }).outputSync().success;
  } catch {
    return false;
  }
})();

Deno.test({
  name: "avahi-browse sees the server" +
    (avahi && canNetns
      ? ""
      : " (ignored: avahi-browse is not installed, or it needs an avahi-daemon and D-Bus here)"),
  ignore: !(avahi && canNetns),
  fn() {},
});
