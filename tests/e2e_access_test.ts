import { assert, assertEquals, assertMatch } from "./assert.ts";
import {
  pipedClientIn,
  Program,
  ServerProcess,
  startClient,
} from "./util/program.ts";
import { RawPeer } from "./util/raw_peer.ts";
import type { ServerFrame } from "../lib/shared/protocol.ts";

type Frame<T extends ServerFrame["type"]> = Extract<ServerFrame, { type: T }>;

/** Makes a self-signed pair the way `make cert` does, in a temporary directory. */
async function makeCert(
  dir: string,
  name: string,
): Promise<{ cert: string; key: string; fingerprint: string }> {
  const cert = `${dir}/${name}-cert.pem`;
  const key = `${dir}/${name}-key.pem`;
  await using make = new Program("make", [
    "--no-print-directory",
    "cert",
    `CERT=${cert}`,
    `KEY=${key}`,
  ], { label: "make cert" });
  assertEquals(await make.exitCode(), 0, make.stderr.lines.join("\n"));
  const line = make.stdout.lines.find((l) => l.includes("SHA256 "))!;
  return { cert, key, fingerprint: line.trim().replace(/^SHA256 /, "") };
}

Deno.test("TLS: an encrypted conversation, with --ca and with trust on first use", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const { cert, key, fingerprint } = await makeCert(dir, "a");
    await using server = await ServerProcess.start([
      "--tls-cert",
      cert,
      "--tls-key",
      key,
    ]);
    await server.stdout.waitFor(`TLS certificate SHA256 ${fingerprint}`);
    const known = `${dir}/known_servers`;
    await using listener = startClient(server.port, [
      "--tls",
      "--known-servers",
      known,
      "--nick",
      "ann",
    ]);
    await pipedClientIn(listener);
    assertMatch(
      listener.stderr.lines.join("\n"),
      new RegExp(
        `First TLS connection to 127\\.0\\.0\\.1:\\d+: certificate SHA256 ${fingerprint}`,
      ),
    );
    assertEquals(
      (await Deno.readTextFile(known)).trim(),
      `127.0.0.1:${server.port} ${fingerprint}`,
    );
    await using sender = startClient(server.port, [
      "--tls",
      "--ca",
      cert,
      "--nick",
      "bob",
      "--send",
      "over TLS",
    ]);
    assertEquals(await sender.exitCode(), 0, sender.stderr.lines.join("\n"));
    await listener.stdout.waitFor("<bob> over TLS");
    // The pinned certificate is accepted again, silently.
    await using again = startClient(server.port, [
      "--tls",
      "--known-servers",
      known,
      "--send",
      "me again",
    ]);
    assertEquals(await again.exitCode(), 0);
    assertEquals(again.stderr.lines, []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("TLS: a changed certificate is refused loudly", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const { cert, key } = await makeCert(dir, "b");
    await using server = await ServerProcess.start([
      "--tls-cert",
      cert,
      "--tls-key",
      key,
    ]);
    const known = `${dir}/known_servers`;
    // A pin from "before": the fingerprint of another certificate.
    const other = await makeCert(dir, "c");
    await Deno.writeTextFile(
      known,
      `127.0.0.1:${server.port} ${other.fingerprint}\n`,
    );
    await using client = startClient(server.port, [
      "--tls",
      "--known-servers",
      known,
      "--send",
      "hi",
    ]);
    assertEquals(await client.exitCode(), 1);
    const said = client.stderr.lines.join("\n");
    assertMatch(
      said,
      /THE CERTIFICATE OF 127\.0\.0\.1:\d+ HAS CHANGED\. Refusing to connect\./,
    );
    assertMatch(said, new RegExp(`pinned: +SHA256 ${other.fingerprint}`));
    assertMatch(
      said,
      /delete the line for 127\.0\.0\.1:\d+ from .*known_servers/,
    );
    // And --ca with the wrong certificate fails verification.
    await using wrongCa = startClient(server.port, [
      "--tls",
      "--ca",
      other.cert,
      "--send",
      "hi",
    ]);
    assertEquals(await wrongCa.exitCode(), 1);
    assertMatch(
      wrongCa.stderr.lines.join("\n"),
      /TLS with 127\.0\.0\.1:\d+ failed: .*\(checked against --ca\)/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("TLS: plain text to the TLS port gets a clear error instead of a hang", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const { cert, key } = await makeCert(dir, "d");
    await using server = await ServerProcess.start([
      "--tls-cert",
      cert,
      "--tls-key",
      key,
    ]);
    await using client = startClient(server.port, ["--send", "hello?"]);
    assertEquals(await client.exitCode(), 1);
    assertMatch(
      client.stderr.lines.join("\n"),
      /The server at 127\.0\.0\.1:\d+ speaks TLS; add --tls/,
    );
    await using netcat = await RawPeer.connect(server.port, "netcat");
    await netcat.write("hello\n");
    await netcat.log.ended();
    await netcat.close();
    await server.stderr.waitFor(
      "the client spoke plain text to the TLS port (it needs --tls)",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a password: a wrong one is refused, the right one lets in, netcat users use /pass", async () => {
  await using server = await ServerProcess.start([], (entry) => ({
    command: Deno.execPath(),
    args: ["run", "--allow-all", `${entry}.ts`],
    env: { LOCHAT_PASSWORD: "open sesame" },
  }));
  await using wrong = startClient(
    server.port,
    ["--send", "let me in"],
    (entry) => ({
      command: Deno.execPath(),
      args: ["run", "--allow-all", `${entry}.ts`],
      env: { LOCHAT_PASSWORD: "open says me" },
    }),
  );
  assertEquals(await wrong.exitCode(), 5, "a wrong password is final: exit 5");
  assertMatch(
    wrong.stderr.lines.join("\n"),
    /Wrong password for 127\.0\.0\.1:\d+: check LOCHAT_PASSWORD/,
  );
  await server.stderr.waitFor("refuse peer=127.0.0.1");
  await using none = await RawPeer.connect(server.port, "no password");
  await none.send({ type: "hello", v: 1, nick: "sneaky" });
  const refused = await none.frame((f) => f.type === "error") as Frame<"error">;
  assertEquals(refused.code, "password");
  await none.close();
  await using netcat = await RawPeer.connect(server.port, "netcat");
  await netcat.log.waitFor(
    "This server needs a password: type /pass PASSWORD",
  );
  await netcat.write("hello?\n");
  await netcat.log.waitFor("! This server needs a password first");
  await netcat.write("/pass open sesame\n");
  await netcat.log.waitFor(/^You are guest\d+ in #lobby/);
  await using right = startClient(server.port, [
    "--nick",
    "ann",
    "--send",
    "welcome in",
  ], (entry) => ({
    command: Deno.execPath(),
    args: ["run", "--allow-all", `${entry}.ts`],
    env: { LOCHAT_PASSWORD: "open sesame" },
  }));
  assertEquals(await right.exitCode(), 0);
  await netcat.log.waitFor("<ann> welcome in");
  assert(
    !server.stderr.lines.join("\n").includes("open sesame"),
    "the password is never logged",
  );
});

Deno.test("operators: /oper with the secret, then /kick and /ban; others may not", async () => {
  await using server = await ServerProcess.start(["--op", "boss"], (entry) => ({
    command: Deno.execPath(),
    args: ["run", "--allow-all", `${entry}.ts`],
    env: { LOCHAT_OP_SECRET: "hunter2" },
  }));
  await using boss = await RawPeer.native(server.port, "boss");
  await using pest = await RawPeer.native(server.port, "pest");
  await using troll = await RawPeer.native(server.port, "troll");
  await pest.send({ type: "msg", id: "k", text: "/kick boss" });
  assertEquals(
    (await pest.frame((f) => f.type === "error") as Frame<"error">).code,
    "forbidden",
  );
  await boss.send({ type: "msg", id: "o1", text: "/oper wrong" });
  assertEquals(
    (await boss.frame((f) => f.type === "error") as Frame<"error">).code,
    "forbidden",
  );
  await boss.send({ type: "msg", id: "o2", text: "/oper hunter2" });
  await boss.frame((f) => f.type === "reply" && f.cmd === "oper");
  await boss.send({ type: "msg", id: "k2", text: "/kick pest  spamming" });
  const bye = await pest.frame((f) => f.type === "bye") as Frame<"bye">;
  assertEquals(bye.reason, "You were kicked by boss: spamming");
  const quit = await troll.frame((f) =>
    f.type === "event" && f.event === "quit"
  ) as Frame<"event">;
  assertEquals([quit.nick, quit.reason], [
    "pest",
    "kicked by boss: spamming",
  ]);
  await boss.send({ type: "msg", id: "b", text: "/ban troll" });
  await troll.frame((f) => f.type === "bye");
  await using banned = await RawPeer.connect(server.port, "banned");
  assertMatch(
    await banned.log.waitFor(/./),
    /^Your address is banned by boss/,
  );
  await banned.log.ended();
  await banned.close();
  await boss.send({ type: "msg", id: "u", text: "/unban 127.0.0.1" });
  await boss.frame((f) => f.type === "reply" && f.cmd === "unban");
  const back = await RawPeer.native(server.port, "back");
  await back.close();
});

Deno.test("connection limits per address: the next one is refused with the reason", async () => {
  await using server = await ServerProcess.start([
    "--max-per-address",
    "2",
  ]);
  await using a = await RawPeer.native(server.port, "a");
  await using b = await RawPeer.native(server.port, "b");
  await using c = await RawPeer.connect(server.port, "c");
  assertEquals(
    await c.log.waitFor(/./),
    "Too many connections from your address (the limit is 2); close some and try again",
  );
  await c.log.ended();
  await server.stderr.waitFor(
    /refuse peer=127\.0\.0\.1:\d+ reason="Too many connections/,
  );
  // The limit is on connections held: one leaving makes room.
  await b.close();
  await a.frame((f) =>
    f.type === "event" && f.event === "quit" && f.nick === "b"
  );
  const d = await RawPeer.native(server.port, "d");
  await d.close();
});

Deno.test("connection limits in total: a full server says so", async () => {
  await using server = await ServerProcess.start([
    "--max-per-address",
    "10",
    "--max-connections",
    "2",
  ]);
  await using _a = await RawPeer.native(server.port, "a");
  await using _b = await RawPeer.native(server.port, "b");
  await using c = await RawPeer.connect(server.port, "c");
  assertEquals(
    await c.log.waitFor(/./),
    "The server is full (2 connections); try again later",
  );
  await c.log.ended();
  assertEquals(c.log.lines.length, 1, "a netcat user gets the line only");
  // A client that says hello gets a bye it can act on, and no raw line.
  await using d = await RawPeer.connect(server.port, "d");
  await d.send({ type: "hello", v: 2, nick: "d" });
  const bye = await d.frame((f) => f.type === "bye") as Frame<"bye">;
  assertEquals([bye.reason, bye.code], [
    "The server is full (2 connections); try again later",
    "full",
  ]);
  await d.log.ended();
});

Deno.test("keepalive: a native client that stops answering pings is dropped; one that answers stays", async () => {
  await using server = await ServerProcess.start(["--ping-interval", "1"]);
  // The real client answers pings by itself.
  await using watcher = startClient(server.port, [
    "--nick",
    "watcher",
    "--json",
  ]);
  await watcher.stdout.waitFor('"type":"welcome"');
  await using silent = await RawPeer.native(server.port, "silent");
  await silent.frame((f) => f.type === "ping");
  const quit = await watcher.stdout.waitFor(
    (l) => l.includes('"event":"quit","nick":"silent"'),
    10_000,
  );
  assertMatch(quit, /"reason":"ping timeout: nothing heard for \d+ s"/);
  await silent.log.ended();
  // Well past two intervals, the client that answers is still there.
  await watcher.write("/who");
  assertMatch(
    await watcher.stdout.waitFor('"cmd":"who"'),
    /"In #lobby \(1\): watcher"/,
  );
  assert(
    watcher.stdout.lines.some((l) => l.includes('"type":"ping"')),
    "the watcher was pinged too",
  );
});

Deno.test("handshake timeout: a connection stuck before a valid hello is closed", async () => {
  await using server = await ServerProcess.start(["--handshake-timeout", "1"]);
  await using stuck = await RawPeer.connect(server.port, "stuck");
  await stuck.send({ type: "hello", v: 1, nick: "9-not-a-nick" });
  await stuck.frame((f) => f.type === "error" && f.code === "nick-invalid");
  const timeout = await stuck.frame(
    (f) => f.type === "error" && f.code === "not-now",
    10_000,
  ) as Frame<"error">;
  assertEquals(timeout.message, "No valid hello within 1 s; closing");
  await stuck.log.ended();
  await stuck.close();
  await server.stderr.waitFor(/reason="handshake timeout after 1 s"/);
});

Deno.test("TLS: SIGTERM with clients connected over TLS tells them why and the server exits", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const { cert, key } = await makeCert(dir, "d");
    await using server = await ServerProcess.start([
      "--tls-cert",
      cert,
      "--tls-key",
      key,
    ]);
    const conn = await Deno.connectTls({
      hostname: "127.0.0.1",
      port: server.port,
      caCerts: [await Deno.readTextFile(cert)],
    });
    const lines: string[] = [];
    const reading = (async () => {
      let rest = "";
      const decoder = new TextDecoder();
      const buffer = new Uint8Array(65536);
      while (true) {
        const n = await conn.read(buffer).catch(() => null);
        if (n === null) return;
        rest += decoder.decode(buffer.subarray(0, n), { stream: true });
        const parts = rest.split("\n");
        rest = parts.pop()!;
        lines.push(...parts);
      }
    })();
    await conn.write(
      new TextEncoder().encode('{"type":"hello","v":3,"nick":"ann"}\n'),
    );
    await server.stderr.waitFor("join");
    server.kill("SIGTERM");
    // The listener's close must not wait for the TLS connections to end.
    assertEquals(await server.exitCode(8000), 0);
    await reading;
    conn.close();
    assert(
      lines.some((line) =>
        line.includes('"type":"bye"') && line.includes("shutdown")
      ),
      `the client was told: ${lines.at(-1)}`,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
