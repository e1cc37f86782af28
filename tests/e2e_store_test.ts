import { assert, assertEquals, assertMatch } from "./assert.ts";
import { DatabaseSync } from "node:sqlite";
import { Program, ServerProcess } from "./util/program.ts";
import { SCHEMA_VERSION } from "../lib/server/sqlite_schema.ts";
import { RawPeer } from "./util/raw_peer.ts";
import type { ChatMessage, ServerFrame } from "../lib/shared/protocol.ts";

const isRoot = Deno.uid() === 0;

/** Runs the server and expects it to refuse to start; returns its stderr. */
async function refusedStart(args: string[]): Promise<string> {
  await using server = new Program(Deno.execPath(), [
    "run",
    "--allow-all",
    "server.ts",
    "--host",
    "127.0.0.1",
    "--port",
    "0",
    ...args,
  ], {
    label: "server",
  });
  assertEquals(await server.exitCode(), 1, server.stdout.lines.join("\n"));
  return server.stderr.lines.join("\n");
}

/** Everything `ann` finds in `room`'s history, oldest first, via a fresh connection. */
async function history(port: number, room: string): Promise<ChatMessage[]> {
  await using reader = await RawPeer.native(port, "reader", room);
  const welcome = reader.frames().find((f) => f.type === "welcome") as Extract<
    ServerFrame,
    { type: "welcome" }
  >;
  return welcome.history;
}

Deno.test("kill -9 mid-stream: every acked message survives, and resending the rest doubles nothing", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const args = ["--data-dir", dir, "--rate", "0", "--history", "1000"];
    await using server = await ServerProcess.start(args);
    // The sender says hello as lochat-client does: with a token it keeps across reconnects.
    const hello = {
      type: "hello",
      v: 1,
      nick: "sender",
      client: "kill9-token",
    };
    await using sender = await RawPeer.connect(server.port, "sender");
    await sender.send(hello);
    await sender.frame((f) => f.type === "welcome");
    const count = 500;
    const killAt = 20 + Math.floor(Math.random() * 460);
    const frames = Array.from(
      { length: count },
      (_, i) => ({ type: "msg", id: `m${i}`, text: `message ${i}` }),
    );
    // Stream in batches of ten; once message killAt is acked, kill -9 the
    // server with the rest of that batch in flight and the others unsent.
    for (let start = 0; start < count; start += 10) {
      await sender.write(
        frames.slice(start, start + 10).map((f) => JSON.stringify(f)).join(
          "\n",
        ) + "\n",
      );
      if (start + 10 > killAt) {
        await sender.frame((f) => f.type === "ack" && f.id === `m${killAt}`);
        server.kill("SIGKILL");
        break;
      }
    }
    await server.exitCode();
    await server[Symbol.asyncDispose]();
    await sender.log.ended();
    const acked = new Set(
      sender.frames().flatMap((f) => (f.type === "ack" ? [f.id] : [])),
    );
    await sender.close();
    assert(acked.size > killAt, `killed after ${acked.size} acks`);

    await using again = await ServerProcess.start(args);
    const kept = (await history(again.port, "lobby")).map((m) => m.text);
    // Every acked message is there, in order, once; more may be (committed, not yet acked).
    const ackedTexts = frames.filter((f) => acked.has(f.id)).map((f) => f.text);
    assertEquals(
      kept.slice(0, ackedTexts.length),
      ackedTexts,
      `killed at ack ${killAt}`,
    );
    assertEquals(
      kept,
      frames.slice(0, kept.length).map((f) => f.text),
      "a prefix of what was sent, once each",
    );

    // Reconnect as the client would and resend everything not acked.
    await using resender = await RawPeer.connect(again.port, "resender");
    await resender.send(hello);
    await resender.frame((f) => f.type === "welcome");
    const unacked = frames.filter((f) => !acked.has(f.id));
    assert(unacked.length > 0, "some lines were not acked");
    await resender.write(
      unacked.map((f) => JSON.stringify(f)).join("\n") + "\n",
    );
    const last = unacked.at(-1)!.id;
    await resender.frame((f) => f.type === "ack" && f.id === last);
    await resender.close();
    const all = (await history(again.port, "lobby")).map((m) => m.text);
    assertEquals(
      all,
      frames.map((f) => f.text),
      `killed at ack ${killAt}: all 500, in order, none twice`,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("rooms' histories come back after a clean restart, and /history pages further back", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const args = ["--data-dir", dir, "--history", "3"];
    {
      await using server = await ServerProcess.start(args);
      await server.stdout.waitFor(`history in ${dir}/lochat.db`);
      await using ann = await RawPeer.native(server.port, "ann");
      for (let i = 0; i < 5; i++) {
        await ann.send({ type: "msg", id: `l${i}`, text: `lobby ${i}` });
      }
      await ann.send({ type: "msg", id: "j", text: "/join games" });
      for (let i = 0; i < 2; i++) {
        await ann.send({ type: "msg", id: `g${i}`, text: `games ${i}` });
      }
      await ann.frame((f) => f.type === "ack" && f.id === "g1");
      await ann.close();
      server.kill("SIGTERM");
      assertEquals(await server.exitCode(), 0);
    }
    await using server = await ServerProcess.start(args);
    assertEquals((await history(server.port, "lobby")).map((m) => m.text), [
      "lobby 2",
      "lobby 3",
      "lobby 4",
    ]);
    assertEquals((await history(server.port, "games")).map((m) => m.text), [
      "games 0",
      "games 1",
    ]);
    await using bob = await RawPeer.native(server.port, "bob");
    await bob.send({ type: "msg", id: "h", text: "/history 5" });
    const older = [
      await bob.frame((f) => f.type === "msg"),
      await bob.frame((f) => f.type === "msg"),
    ];
    assertEquals(older.map((f) => f.type === "msg" && [f.text, f.history]), [[
      "lobby 0",
      true,
    ], ["lobby 1", true]]);
    await bob.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("two servers on one data directory: the second says so and exits 1", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await using first = await ServerProcess.start(["--data-dir", dir]);
    const said = await refusedStart(["--data-dir", dir]);
    assertEquals(
      said,
      `lochat-server: Another lochat-server is using ${dir} (the database is locked); stop it, or give this one another --data-dir`,
    );
    // The first is unharmed.
    const peer = await RawPeer.native(first.port, "still");
    await peer.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a store from a newer schema is refused, not touched", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const db = new DatabaseSync(`${dir}/lochat.db`);
    db.exec("CREATE TABLE future (x)");
    db.exec("PRAGMA user_version = 99");
    db.close();
    const said = await refusedStart(["--data-dir", dir]);
    assertMatch(
      said,
      new RegExp(
        `lochat\\.db was written by a newer Lochat \\(schema 99; this server knows up to ${SCHEMA_VERSION}\\)`,
      ),
    );
    const check = new DatabaseSync(`${dir}/lochat.db`);
    assertEquals(
      (check.prepare("PRAGMA user_version").get() as { user_version: number })
        .user_version,
      99,
    );
    check.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name: isRoot
    ? "a read-only data directory is a clear error"
    : "a read-only data directory is a clear error (as non-root: chmod)",
  async fn() {
    const dir = await Deno.makeTempDir();
    let mounted = false;
    try {
      if (isRoot) {
        // Root ignores file modes, so make the directory a read-only mount.
        const mount = await new Deno.Command("mount", {
          args: ["-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", dir],
        }).output();
        assert(
          mount.success,
          `mount failed: ${new TextDecoder().decode(mount.stderr)}`,
        );
        mounted = true;
      } else {
        await Deno.chmod(dir, 0o500);
      }
      const said = await refusedStart(["--data-dir", dir]);
      assertMatch(
        said,
        /^lochat-server: The data directory .* is read-only .*; make it writable, or pass --data-dir/,
      );
    } finally {
      if (mounted) await new Deno.Command("umount", { args: [dir] }).output();
      await Deno.chmod(dir, 0o700);
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "a full disk: the sender is told its message was not stored; the server stays up; nothing stored is lost",
  ignore: !isRoot,
  async fn() {
    const dir = await Deno.makeTempDir();
    const mount = await new Deno.Command("mount", {
      args: ["-t", "tmpfs", "-o", "size=200k", "tmpfs", dir],
    }).output();
    assert(
      mount.success,
      `mount failed: ${new TextDecoder().decode(mount.stderr)}`,
    );
    try {
      const args = ["--data-dir", dir, "--rate", "0", "--history", "5"];
      let acked = 0;
      {
        await using server = await ServerProcess.start(args);
        await using ann = await RawPeer.native(server.port, "ann");
        const big = "x".repeat(1900);
        let refused: Extract<ServerFrame, { type: "error" }> | undefined;
        for (let i = 0; i < 400 && refused === undefined; i++) {
          await ann.send({ type: "msg", id: `f${i}`, text: `${i} ${big}` });
          const answer = await ann.frame((f) =>
            (f.type === "ack" || f.type === "error") && f.id === `f${i}`
          );
          if (answer.type === "error") refused = answer;
          else acked = i + 1;
        }
        assert(refused !== undefined, "the disk never filled");
        assertEquals(refused.code, "storage");
        assertMatch(
          refused.message,
          /could not store your message, so it was not sent: .*full/i,
        );
        // Still serving: a command needs no disk.
        await ann.send({ type: "msg", id: "who", text: "/who" });
        await ann.frame((f) => f.type === "reply" && f.cmd === "who");
        await ann.close();
        await server.stderr.waitFor("store-failed");
        server.kill("SIGTERM");
        await server.exitCode();
      }
      // Make room and start again: everything acked before the disk filled is intact.
      await new Deno.Command("mount", { args: ["-o", "remount,size=4m", dir] })
        .output();
      await using server = await ServerProcess.start(args);
      const kept = (await history(server.port, "lobby")).map((m) =>
        Number(m.text.split(" ")[0])
      );
      assertEquals(kept, Array.from({ length: 5 }, (_, i) => acked - 5 + i));
    } finally {
      await new Deno.Command("umount", { args: [dir] }).output();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("a line resent after a restart is answered from the store, not stored twice", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const args = ["--data-dir", dir];
    const hello = { type: "hello", v: 1, nick: "ann", client: "restart-token" };
    let firstSeq: number | undefined;
    {
      await using server = await ServerProcess.start(args);
      await using ann = await RawPeer.connect(server.port, "ann");
      await ann.send(hello);
      await ann.send({ type: "msg", id: "x1", text: "only once" });
      const ack = await ann.frame((f) => f.type === "ack" && f.id === "x1");
      firstSeq = ack.type === "ack" ? ack.seq : undefined;
      await ann.close();
      server.kill("SIGTERM");
      assertEquals(await server.exitCode(), 0);
    }
    await using server = await ServerProcess.start(args);
    await using again = await RawPeer.connect(server.port, "ann again");
    await again.send(hello);
    await again.send({ type: "msg", id: "x1", text: "only once" });
    const ack = await again.frame((f) => f.type === "ack" && f.id === "x1");
    assertEquals(ack.type === "ack" && ack.seq, firstSeq);
    await again.send({ type: "msg", id: "x2", text: "after" });
    await again.frame((f) => f.type === "delivered" && f.id === "x2");
    assertEquals(
      again.frames().filter((f) => f.type === "delivered").map((f) =>
        f.type === "delivered" && f.id
      ),
      ["x2"],
    );
    await again.close();
    assertEquals((await history(server.port, "lobby")).map((m) => m.text), [
      "only once",
      "after",
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
