/**
 * The web listener from outside, against a real server process: the page
 * and its headers, 404s, who may open the WebSocket, a web member chatting
 * with a native client and a netcat user, the limits a web member meets,
 * the flags and what the server prints, and HTTPS/WSS.
 */

import { assert, assertEquals, assertMatch, assertNotMatch } from "./assert.ts";
import { CertFiles, opensslMissing } from "./util/cert_files.ts";
import { fromSource, Program, ServerProcess } from "./util/program.ts";
import { RawPeer } from "./util/raw_peer.ts";
import { Tmux } from "./util/tmux.ts";
import { rawHttp, upgradeRequest, WebPeer } from "./util/web_peer.ts";

function get(port: number, path: string, method = "GET"): string {
  return `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`;
}

Deno.test("the page, its script and styles are served with a strict CSP, nosniff and no-referrer", async () => {
  await using server = await ServerProcess.start();
  const port = server.webPort;
  for (
    const [path, type] of [
      ["/", "text/html"],
      ["/app.js", "text/javascript"],
      ["/app.css", "text/css"],
    ]
  ) {
    const answer = await rawHttp(port, get(port, path!));
    assertEquals(answer.status, 200, path);
    assertMatch(answer.headers.get("content-type")!, new RegExp(`^${type}`));
    const csp = answer.headers.get("content-security-policy")!;
    assertMatch(csp, /default-src 'none'/);
    assertMatch(csp, /script-src 'self'(;|$)/);
    assertNotMatch(csp, /unsafe-inline|unsafe-eval/);
    assertMatch(csp, /frame-ancestors 'none'/);
    assertEquals(answer.headers.get("x-content-type-options"), "nosniff");
    assertEquals(answer.headers.get("referrer-policy"), "no-referrer");
    assert(answer.body.length > 0, path);
  }
  const page = await rawHttp(port, get(port, "/"));
  assertMatch(page.body, /<script type="module" src="\/app\.js"><\/script>/);
  // No inline script: every <script> has a src and nothing in it.
  assertNotMatch(page.body, /<script(?![^>]*\bsrc=)[^>]*>/);
  const head = await rawHttp(port, get(port, "/", "HEAD"), 1000);
  assertEquals(head.status, 200);
  assertEquals(head.body, "");
});

Deno.test("every other request is a bare 404, a plain GET on the WebSocket's path too", async () => {
  await using server = await ServerProcess.start();
  const port = server.webPort;
  for (
    const request of [
      get(port, "/ws"),
      get(port, "/index.html"),
      get(port, "/../../etc/passwd"),
      get(port, "/app.js/"),
      get(port, "/", "POST"),
      get(port, "/", "DELETE"),
      upgradeRequest(
        { Host: `127.0.0.1:${port}`, Origin: `http://127.0.0.1:${port}` },
        "/chat",
      ),
    ]
  ) {
    const answer = await rawHttp(port, request);
    assertEquals(answer.status, 404, request);
    assert(["", "Not found\n"].includes(answer.body), answer.body);
    assertEquals(answer.headers.get("server"), undefined);
    assertEquals(answer.headers.get("x-powered-by"), undefined);
  }
});

Deno.test("the upgrade is refused (403) without Origin, from another origin, with another scheme and with a rebinding Host", async () => {
  await using server = await ServerProcess.start();
  const port = server.webPort;
  const here = `127.0.0.1:${port}`;
  for (
    const headers of [
      { Host: here },
      { Host: here, Origin: "http://evil.example" },
      { Host: here, Origin: `https://${here}` },
      { Host: here, Origin: "null" },
      { Host: `evil.example:${port}`, Origin: `http://evil.example:${port}` },
      { Origin: `http://${here}` },
    ] as Record<string, string>[]
  ) {
    const answer = await rawHttp(port, upgradeRequest(headers));
    assertEquals(answer.status, 403, JSON.stringify(headers));
  }
  await server.stderr.waitFor(/refuse .*reason="web: no Origin/);
  await server.stderr.waitFor(
    /refuse .*web: Host \\"evil\.example:\d+\\" is not/,
  );
  // The page's own origin gets in, by IP literal or as localhost.
  const ok = await rawHttp(
    port,
    upgradeRequest({ Host: here, Origin: `http://${here}` }),
    500,
  );
  assertEquals(ok.status, 101);
  const local = await rawHttp(
    port,
    upgradeRequest({
      Host: `localhost:${port}`,
      Origin: `http://localhost:${port}`,
    }),
    500,
  );
  assertEquals(local.status, 101);
});

Deno.test("a web member chats with a native client and a netcat user: acks, ticks, one frame per message", async () => {
  await using server = await ServerProcess.start();
  await using web = await WebPeer.open(server.webPort, "webby");
  assertEquals(web.messages[0]!.startsWith('{"type":"welcome"'), true);
  assert(web.messages.every((m) => !m.includes("\n")));
  await using native = await RawPeer.native(server.port, "nat");
  await using text = await RawPeer.connect(server.port, "netcat");
  await text.write("hi from netcat\n");
  await text.log.waitFor("Message Received");
  const fromText = await web.frame((f) => f.type === "msg" && f.from !== "nat");
  assert(fromText.type === "msg");
  assertEquals(fromText.text, "hi from netcat");

  await web.send({ type: "msg", id: "w1", text: "hello from a browser" });
  const ack = await web.frame((f) => f.type === "ack" && f.id === "w1");
  assert(ack.type === "ack" && typeof ack.seq === "number");
  const ticks = await web.frame((f) => f.type === "delivered" && f.id === "w1");
  assert(ticks.type === "delivered");
  assertEquals([ticks.count, ticks.of], [2, 2]);
  const seen = await native.frame((f) =>
    f.type === "msg" && f.from === "webby"
  );
  assert(seen.type === "msg");
  assertEquals(seen.text, "hello from a browser");
  await text.log.waitFor("<webby> hello from a browser");

  await native.send({ type: "msg", id: "n1", text: "hi web" });
  await web.frame((f) => f.type === "msg" && f.text === "hi web");
  await native.send({ type: "msg", id: "n2", text: "/msg webby psst" });
  await web.frame((f) => f.type === "pm" && f.text === "psst");
  await web.send({ type: "msg", id: "w2", text: "/join #games" });
  await web.frame((f) => f.type === "joined" && f.name === "games");
  assert(web.messages.every((m) => !m.includes("\n")));
  assertEquals(web.closed, undefined);
});

Deno.test("a web connection never falls into text mode and gets no banner", async () => {
  await using server = await ServerProcess.start();
  await using web = await WebPeer.connect(server.webPort);
  await new Promise((resolve) => setTimeout(resolve, 700)); // > the hello wait
  assertEquals(web.messages, []);
  await web.sendText("just typing");
  const refused = await web.frame((f) => f.type === "error");
  assert(refused.type === "error");
  assertEquals(refused.code, "bad-frame");
  await web.send({ type: "hello", v: 3, nick: "late" });
  const welcome = await web.frame((f) => f.type === "welcome");
  assert(welcome.type === "welcome");
  assertEquals(welcome.nick, "late");
});

Deno.test("a message over the line limit closes with 1009 naming the limit; newline and binary messages are refused", async () => {
  await using server = await ServerProcess.start(["--max-line", "1024"]);
  await using long = await WebPeer.open(server.webPort, "long");
  // At the limit (1023 bytes and the newline the server adds): taken.
  const text = "x".repeat(1023 - '{"type":"msg","id":"a","text":""}'.length);
  await long.send({ type: "msg", id: "a", text });
  await long.frame((f) => f.type === "ack" && f.id === "a");
  await long.sendText("y".repeat(1024));
  const closed = await long.closing();
  assertEquals(closed.code, 1009);
  assertMatch(closed.reason, /longer than 1023 bytes.*1024 bytes/);
  await server.stderr.waitFor(/disconnect .*nick=long .*Max payload/);

  await using lines = await WebPeer.open(server.webPort, "lines");
  await lines.sendText('{"type":"ping"}\n{"type":"ping"}');
  const error = await lines.frame((f) => f.type === "error");
  assert(error.type === "error");
  assertMatch(error.message, /newline/);
  assertEquals((await lines.closing()).code, 1007);

  await using binary = await WebPeer.open(server.webPort, "binary");
  await binary.sendText(new TextEncoder().encode('{"type":"ping"}'), true);
  assertEquals((await binary.closing()).code, 1003);
});

Deno.test("the per-address limit counts web connections with the others, and a refused page is told why", async () => {
  await using server = await ServerProcess.start(["--max-per-address", "2"]);
  await using native = await RawPeer.native(server.port, "nat");
  await using web = await WebPeer.open(server.webPort, "web");
  await using third = await WebPeer.connect(server.webPort);
  const bye = await third.frame((f) => f.type === "bye");
  assert(bye.type === "bye");
  assertEquals(bye.code, "full");
  assertMatch(bye.reason, /limit is 2/);
  await third.closing();
  // The page could still be loaded meanwhile.
  const page = await rawHttp(server.webPort, get(server.webPort, "/"));
  assertEquals(page.status, 200);
  await native.close();
  await server.stderr.waitFor(/disconnect .*nick=nat/);
  await using _again = await WebPeer.open(server.webPort, "again");
  assertEquals(web.closed, undefined);
});

Deno.test("a web port in use is the same clear error and exit 1 as the main port", async () => {
  await using first = await ServerProcess.start();
  const { command, args } = fromSource("server");
  await using second = new Program(command, [
    ...args,
    "--host",
    "127.0.0.1",
    "--port",
    "0",
    "--web-port",
    String(first.webPort),
    "--data-dir",
    "none",
  ], { label: "second server" });
  assertEquals(await second.exitCode(), 1);
  assertEquals(second.stderr.lines, [
    `lochat-server: Port ${first.webPort} is in use on 127.0.0.1; stop the other server or try --web-port 0`,
  ]);
});

Deno.test("--port 0 picks a free web port too and prints where; no QR code into a pipe; --no-web has none", async () => {
  const { command, args } = fromSource("server");
  const base = [...args, "--host", "127.0.0.1", "--data-dir", "none"];
  await using server = new Program(command, [...base, "--port", "0"], {
    label: "server",
  });
  await server.stdout.waitFor(/^listening on /);
  const line = await server.stdout.waitFor(/^web listening on /);
  const port = Number(
    /^web listening on http:\/\/127\.0\.0\.1:(\d+)\/$/.exec(line)?.[1],
  );
  assert(port > 0 && port !== 4480, line);
  await server.stdout.waitFor(/^not advertised/);
  assert(
    !server.stdout.lines.some((l) => /[█▀▄]/.test(l) || l.includes("\x1b[")),
  );
  assertEquals((await rawHttp(port, get(port, "/"))).status, 200);

  await using none = new Program(
    command,
    [...base, "--port", "0", "--no-web"],
    {
      label: "server --no-web",
    },
  );
  await none.stdout.waitFor(/^not advertised/);
  assert(!none.stdout.lines.some((l) => l.includes("web listening")));
});

const tmuxMissing = await new Deno.Command("tmux", { args: ["-V"] }).output()
  .then((o) => o.success ? undefined : "tmux does not run", () => "no tmux");

Deno.test({
  name: "on a terminal the server shows a QR code of the page's address",
  ignore: tmuxMissing !== undefined,
  async fn() {
    const { command, args } = fromSource("server");
    await using tmux = await Tmux.start(
      [
        command,
        ...args,
        "--host",
        "127.0.0.1",
        "--port",
        "0",
        "--data-dir",
        "none",
        "--log",
        "off",
      ]
        .join(" "),
      { columns: 100, rows: 50 },
    );
    // What follows the code: it has all been drawn.
    const screen = await tmux.waitFor((rows) =>
      rows.some((row) => row.startsWith("history in memory only"))
    );
    const at = screen.findIndex((row) => row.startsWith("Scan to open"));
    const code = screen.slice(at + 1).filter((row) => /^[█▀▄ ]+$/.test(row));
    assert(code.length >= 12, screen.join("\n"));
    // A quiet zone: the first row is all light.
    assertMatch(code[0]!, /^█+$/);
  },
});

const noOpenssl = await opensslMissing();

Deno.test({
  name:
    "with --tls-cert the page is HTTPS and the socket WSS, with the same pair",
  ignore: noOpenssl !== undefined,
  async fn() {
    await using cert = await CertFiles.make();
    await using server = await ServerProcess.start([
      "--tls-cert",
      cert.cert,
      "--tls-key",
      cert.key,
    ]);
    assert(
      server.stdout.lines.includes(
        `web listening on https://127.0.0.1:${server.webPort}/`,
      ),
    );
    const ca = await Deno.readTextFile(cert.cert);
    using client = Deno.createHttpClient({ caCerts: [ca] });
    const page = await fetch(`https://localhost:${server.webPort}/`, {
      client,
    });
    assertEquals(page.status, 200);
    assertMatch(page.headers.get("content-security-policy")!, /default-src/);
    await page.body?.cancel();
    await using web = await WebPeer.open(server.webPort, "secure", { ca });
    await using native = await RawPeer.connect(server.port).catch(() =>
      undefined
    );
    void native;
    await web.send({ type: "msg", id: "s1", text: "over wss" });
    await web.frame((f) => f.type === "ack" && f.id === "s1");
    // Plain http:// to the HTTPS port gets nothing.
    const plain = await rawHttp(server.webPort, get(server.webPort, "/"), 1000);
    assertEquals(plain.status, 0);
  },
});

/** The server's resident memory, in MB. */
async function rssMb(pid: number): Promise<number> {
  const status = await Deno.readTextFile(`/proc/${pid}/status`);
  return Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024;
}

for (const tls of [false, true]) {
  Deno.test({
    name:
      `a page that sends faster than the server reads is held back by TCP (${
        tls ? "WSS" : "WS"
      }): the server's memory stays flat`,
    ignore: tls && noOpenssl !== undefined,
    async fn() {
      await using cert = tls ? await CertFiles.make() : undefined;
      await using server = await ServerProcess.start([
        "--rate",
        "1",
        "--burst",
        "1",
        "--log",
        "off",
        ...(cert === undefined
          ? []
          : ["--tls-cert", cert.cert, "--tls-key", cert.key]),
      ]);
      const ca = cert === undefined
        ? undefined
        : await Deno.readTextFile(cert.cert);
      await using web = await WebPeer.open(
        server.webPort,
        "fast",
        ca === undefined ? {} : { ca },
      );
      await new Promise((resolve) => setTimeout(resolve, 300));
      const before = await rssMb(server.process.pid);
      const line = JSON.stringify({ type: "ping", t: 1 }).padEnd(1000, " ");
      for (let i = 0; i < 40_000; i++) web.ws.send(line); // 40 MB
      await new Promise((resolve) => setTimeout(resolve, 1500));
      const after = await rssMb(server.process.pid);
      assert(
        after - before < 15,
        `the server's memory grew from ${before} MB to ${after} MB`,
      );
      assertEquals(web.closed, undefined);
    },
  });
}
