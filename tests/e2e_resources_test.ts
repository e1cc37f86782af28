import { assert, assertEquals, assertMatch, assertNotMatch } from "./assert.ts";
import type { ServerFrame } from "../lib/shared/protocol.ts";
import { CertFiles, opensslMissing } from "./util/cert_files.ts";
import {
  fromSource,
  type Launcher,
  Program,
  ServerProcess,
} from "./util/program.ts";
import { RawPeer } from "./util/raw_peer.ts";

type Frame<T extends ServerFrame["type"]> = Extract<ServerFrame, { type: T }>;

const SERVER_ARGS = ["--no-discovery"];
const noOpenssl = await opensslMissing();

/** Runs the programs from source with `env` set. */
function withEnv(env: Record<string, string>): Launcher {
  return (entry) => ({ ...fromSource(entry), env });
}

/**
 * A server of six places held by three silent sockets (text-mode guests by
 * now) and three slowloris sockets (`{` and nothing more).
 */
async function fullOfIdleGuests(
  held: AsyncDisposableStack,
): Promise<{ server: ServerProcess; silent: RawPeer[] }> {
  const server = held.use(
    await ServerProcess.start([...SERVER_ARGS, "--max-connections", "6"]),
  );
  const silent: RawPeer[] = [];
  for (let i = 0; i < 3; i++) {
    const peer = held.use(await RawPeer.connect(server.port, `silent ${i}`));
    await peer.log.waitFor("You are guest");
    silent.push(peer);
  }
  for (let i = 0; i < 3; i++) {
    const peer = held.use(await RawPeer.connect(server.port, `slowloris ${i}`));
    await peer.log.waitFor("Welcome to LoChat!");
    await peer.write("{");
  }
  return { server, silent };
}

Deno.test("silent and slowloris sockets filling --max-connections do not lock a new user out: the longest-idle silent guest makes room", async () => {
  await using held = new AsyncDisposableStack();
  const { server, silent } = await fullOfIdleGuests(held);
  await using ann = await RawPeer.native(server.port, "ann");
  await silent[0]!.log.ended();
  await server.stderr.waitFor(/ evict /);
  await using _bob = await RawPeer.native(server.port, "bob");
  await silent[1]!.log.ended();
  await ann.send({ type: "msg", id: "a1", text: "/who" });
  const who = await ann.frame((f) => f.type === "reply" && f.cmd === "who");
  assertMatch((who as Frame<"reply">).text, /ann, bob/);
});

Deno.test({
  name: "the guest evicted to make room is told why",
  async fn() {
    await using held = new AsyncDisposableStack();
    const { server, silent } = await fullOfIdleGuests(held);
    await using _ann = await RawPeer.native(server.port, "ann");
    await silent[0]!.log.waitFor("your place went to someone new");
  },
});

Deno.test("a text-mode user who joined and only reads is not closed by the handshake timeout", async () => {
  await using server = await ServerProcess.start([
    ...SERVER_ARGS,
    "--handshake-timeout",
    "1",
  ]);
  await using bob = await RawPeer.native(server.port, "bob");
  await using reader = await RawPeer.connect(server.port, "reader");
  await reader.log.waitFor(/^You are guest\d+/);
  const joined = Date.now();
  // One still in its handshake after a refused nick: the timeout closes it.
  await using stuck = await RawPeer.connect(server.port, "stuck");
  await stuck.send({ type: "hello", v: 1, nick: "bob" });
  await stuck.frame((f) => f.type === "error" && f.code === "nick-taken");
  await stuck.log.ended();
  assert(Date.now() - joined >= 1000, "the handshake timeout has passed");
  await bob.send({ type: "msg", id: "b1", text: "still listening?" });
  await reader.log.waitFor("<bob> still listening?");
  assertEquals(
    server.stderr.lines.filter((l) => / disconnect .*handshake/.test(l))
      .length,
    1,
    "only the stuck one was closed",
  );
});

Deno.test("lines sent before the password are rate-limited like any others", async () => {
  await using server = await ServerProcess.start(
    [...SERVER_ARGS, "--rate", "5", "--burst", "5"],
    withEnv({ LOCHAT_PASSWORD: "right" }),
  );
  await using guesser = await RawPeer.connect(server.port, "guesser");
  await guesser.write("guess\n".repeat(200));
  const refusals = () =>
    guesser.log.lines.filter((l) => l.includes("needs a password first"))
      .length;
  await guesser.log.waitFor(
    "You are sending faster than 5 lines a second",
    3000,
  );
  assert(refusals() <= 5, `${refusals()} answers before the warning`);
  await guesser.log.waitForCount(
    (l) => l.includes("needs a password first"),
    refusals() + 2,
  );
  assert(refusals() < 20, `${refusals()} of 200 lines answered at once`);
});

Deno.test("a session closed by /quit whose peer reads nothing is cut off after the flush time, freeing its address's place", async () => {
  await using server = await ServerProcess.start([
    ...SERVER_ARGS,
    "--max-per-address",
    "2",
    "--rate",
    "0",
    "--max-queue",
    String(64 * 1024 * 1024),
  ]);
  await using talker = await RawPeer.native(server.port, "talker");
  // Connected, never read: the kernel's buffers fill, then the server's queue.
  using stuck = await Deno.connect({
    hostname: "127.0.0.1",
    port: server.port,
  });
  const send = async (frame: unknown) => {
    const bytes = new TextEncoder().encode(`${JSON.stringify(frame)}\n`);
    for (let at = 0; at < bytes.length;) {
      at += await stuck.write(bytes.subarray(at));
    }
  };
  await send({ type: "hello", v: 1, nick: "stuck" });
  await talker.frame((f) =>
    f.type === "event" && f.event === "join" && f.nick === "stuck"
  );
  // About 9 MB for stuck: more than the kernel's buffers hold (a few MB on
  // loopback), less than its queue.
  const big = "漢".repeat(1900);
  const count = 1600;
  for (let i = 0; i < count; i += 100) {
    await talker.write(
      Array.from(
        { length: 100 },
        (_, j) => JSON.stringify({ type: "msg", id: `t${i + j}`, text: big }),
      ).join("\n") + "\n",
    );
  }
  const last = await talker.frame((f) =>
    f.type === "delivered" && f.id === `t${count - 1}`
  );
  assertEquals(last, {
    type: "delivered",
    id: `t${count - 1}`,
    count: 1,
    of: 1,
  });
  await send({ type: "msg", id: "q", text: "/quit leaving" });
  const quit = await talker.frame((f) =>
    f.type === "event" && f.event === "quit" && f.nick === "stuck"
  );
  const quitAt = Date.now();
  assertEquals((quit as Frame<"event">).reason, "leaving");
  await server.stderr.waitFor(/ disconnect .*nick=stuck/, 10_000);
  assert(Date.now() - quitAt < 8000, "cut off within a few seconds");
  // Its place is free again: a second connection from the address gets in.
  await using _again = await RawPeer.native(server.port, "again");
});

Deno.test({
  name:
    "on a TLS server a connection that never sends a ClientHello is closed after the handshake timeout" +
    (noOpenssl === undefined ? "" : ` (ignored: ${noOpenssl})`),
  ignore: noOpenssl !== undefined,
  async fn() {
    await using cert = await CertFiles.make();
    await using server = await ServerProcess.start([
      ...SERVER_ARGS,
      "--tls-cert",
      cert.cert,
      "--tls-key",
      cert.key,
      "--handshake-timeout",
      "1",
    ]);
    await using silent = await RawPeer.connect(server.port, "no ClientHello");
    await server.stderr.waitFor(/refuse .*TLS/);
    await silent.log.ended(5000);
  },
});

Deno.test("failed passwords slow the address down; the right one still gets in", async () => {
  await using server = await ServerProcess.start(
    SERVER_ARGS,
    withEnv({ LOCHAT_PASSWORD: "right" }),
  );
  const answer = async (password: string) => {
    await using peer = await RawPeer.connect(server.port, password);
    const sent = Date.now();
    await peer.send({ type: "hello", v: 1, nick: "guesser", password });
    const frame = await peer.frame((f) =>
      f.type === "welcome" || (f.type === "error" && f.code === "password")
    );
    return { frame, ms: Date.now() - sent };
  };
  const first = await answer("wrong 1");
  assertEquals(first.frame.type, "error");
  assert(
    first.ms < 400,
    `the first failure is answered at once (${first.ms} ms)`,
  );
  const second = await answer("wrong 2");
  assertEquals(second.frame.type, "error");
  assert(second.ms >= 400, `the second try waited ${second.ms} ms`);
  const right = await answer("right");
  assertEquals(right.frame.type, "welcome");
  await server.stderr.waitFor(/secret-throttled .*address=127\.0\.0\.1/);
});

Deno.test("/ban closes every connection of the address but the operator's own", async () => {
  await using server = await ServerProcess.start(
    [...SERVER_ARGS, "--op", "boss"],
    withEnv({ LOCHAT_OP_SECRET: "s3cret" }),
  );
  await using boss = await RawPeer.native(server.port, "boss");
  await using mal = await RawPeer.native(server.port, "mal");
  await using netcat = await RawPeer.connect(server.port, "mal's netcat");
  await netcat.write("/nick mal2\n");
  await boss.frame((f) => f.type === "event" && f.to === "mal2");
  await boss.send({ type: "msg", id: "o", text: "/oper s3cret" });
  await boss.frame((f) => f.type === "reply" && f.cmd === "oper");
  await boss.send({ type: "msg", id: "b", text: "/ban mal spamming" });
  const reply = await boss.frame((f) =>
    f.type === "reply" && f.cmd === "ban"
  ) as Frame<"reply">;
  assertMatch(reply.text, /^Banned 127\.0\.0\.1 and closed its 2 connections/);
  await mal.frame((f) => f.type === "bye");
  await mal.log.ended();
  await netcat.log.waitFor("banned by boss: spamming");
  await netcat.log.ended();
  await boss.send({ type: "msg", id: "w", text: "/who" });
  const who = await boss.frame((f) =>
    f.type === "reply" && f.cmd === "who"
  ) as Frame<"reply">;
  assertEquals(who.text, "In #lobby (1): boss");
  await using refused = await RawPeer.connect(server.port, "refused");
  assertMatch(await refused.log.waitFor(/./), /^Your address is banned/);
});

Deno.test({
  name:
    "a start on a full disk is one line on stderr and exit 1, not a stack trace" +
    (Deno.uid() === 0 ? "" : " (ignored: needs root to mount a tmpfs)"),
  ignore: Deno.uid() !== 0,
  async fn() {
    const mount = await Deno.makeTempDir({ prefix: "lochat_full_" });
    const mounted = await new Deno.Command("mount", {
      args: ["-t", "tmpfs", "-o", "size=512k", "tmpfs", mount],
    }).output();
    assert(mounted.success, new TextDecoder().decode(mounted.stderr));
    try {
      const data = `${mount}/data`;
      const args = [
        ...SERVER_ARGS,
        ...["--data-dir", data, "--history-limit", "5", "--rate", "0"],
      ];
      {
        await using server = await ServerProcess.start(args);
        await using ann = await RawPeer.native(server.port, "ann");
        for (let i = 0; i < 12; i++) {
          await ann.send({ type: "msg", id: `m${i}`, text: `message ${i}` });
        }
        await ann.frame((f) => f.type === "ack" && f.id === "m11");
        await ann.close();
        server.kill("SIGTERM");
        assertEquals(await server.exitCode(), 0);
      }
      // Fill every block that is left, then start again: the prune at start
      // has nowhere to write.
      const filler = await Deno.open(`${mount}/filler`, {
        write: true,
        create: true,
      });
      let full = false;
      try {
        const block = new Uint8Array(4096);
        for (let i = 0; i < 1024 && !full; i++) {
          try {
            await filler.write(block);
          } catch (error) {
            if (!/no space/i.test(String(error))) throw error;
            full = true;
          }
        }
      } finally {
        filler.close();
      }
      assert(full, "the tmpfs never filled");
      await using again = new Program(
        fromSource("server").command,
        [
          ...fromSource("server").args,
          "--host",
          "127.0.0.1",
          "--port",
          "0",
          ...args,
        ],
        { label: "server on a full disk" },
      );
      assertEquals(await again.exitCode(), 1, again.stdout.lines.join("\n"));
      const said = again.stderr.lines.filter((l) => l.trim() !== "");
      assertEquals(said.length, 1, said.join("\n"));
      assertMatch(said[0]!, /^lochat-server: The disk holding /);
      assertNotMatch(said.join("\n"), /\bat .*\.ts:\d+/);
    } finally {
      await new Deno.Command("umount", { args: [mount] }).output();
      await Deno.remove(mount, { recursive: true });
    }
  },
});
