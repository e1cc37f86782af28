import { assert, assertEquals, assertMatch } from "./assert.ts";
import { pipedClientIn, ServerProcess, startClient } from "./util/program.ts";
import { RawPeer } from "./util/raw_peer.ts";
import type { ServerFrame } from "../lib/shared/protocol.ts";

Deno.test("every client is greeted with the banner, its message is acked and fanned out to three others", async () => {
  await using server = await ServerProcess.start();
  await using connected = new AsyncDisposableStack();
  const peers = await Promise.all(
    ["ann", "bob", "cat", "dan"].map(async (n) =>
      connected.use(await RawPeer.native(server.port, n))
    ),
  );
  for (const peer of peers) {
    assertEquals(peer.log.lines[0], "Welcome to LoChat!");
  }
  const [ann, ...others] = peers;
  // Wait until everyone has seen the last join, so all four are in the room.
  for (const other of others.slice(0, -1)) {
    await other.frame((f) =>
      f.type === "event" && f.event === "join" && f.nick === "dan"
    );
  }
  await ann!.send({ type: "msg", id: "m1", text: "hello all" });
  const ack = await ann!.frame((f) => f.type === "ack");
  assertEquals(ack.type === "ack" && ack.id, "m1");
  assert(ack.type === "ack" && typeof ack.seq === "number");
  const delivered = await ann!.frame((f) => f.type === "delivered");
  assertEquals(delivered, { type: "delivered", id: "m1", count: 3, of: 3 });
  for (const other of others) {
    const msg = await other.frame((f) => f.type === "msg");
    assert(msg.type === "msg");
    assertEquals([msg.from, msg.text, msg.room], [
      "ann",
      "hello all",
      "lobby",
    ]);
  }
  assertEquals(
    ann!.frames().filter((f) => f.type === "msg").length,
    0,
    "the sender gets no copy",
  );
});

Deno.test("a netcat-style text user and a native client talk both ways", async () => {
  await using server = await ServerProcess.start();
  await using native = await RawPeer.native(server.port, "nat");
  await using text = await RawPeer.connect(server.port, "netcat");
  assertEquals(await text.log.waitFor(/./), "Welcome to LoChat!");
  await text.write("hi from netcat\n");
  await text.log.waitFor("You are guest");
  await text.log.waitFor("Message Received");
  const msg = await native.frame((f) => f.type === "msg");
  assert(msg.type === "msg");
  assertEquals(msg.text, "hi from netcat");
  assertMatch(msg.from, /^guest\d+$/);
  await native.send({ type: "msg", id: "n1", text: "hi from native" });
  assertMatch(
    await text.log.waitFor("hi from native"),
    /^\[\d\d:\d\d\] <nat> hi from native$/,
  );
  await text.write("/nick netty\n");
  await native.frame((f) =>
    f.type === "event" && f.event === "nick" && f.to === "netty"
  );
});

Deno.test("every member sees 1000 quick messages of one sender, once each, in the order sent", async () => {
  await using server = await ServerProcess.start([
    "--history",
    "0",
    "--rate",
    "0",
  ]);
  await using sender = await RawPeer.native(server.port, "fast");
  await using native = await RawPeer.native(server.port, "reader");
  await using text = await RawPeer.connect(server.port, "text-reader");
  await text.write("/who\n");
  await text.log.waitFor("In #lobby (3)");
  const count = 1000;
  const burst = Array.from(
    { length: count },
    (_, i) => JSON.stringify({ type: "msg", id: `i${i}`, text: `n${i}` }),
  );
  await sender.write(burst.join("\n") + "\n");
  const last = `n${count - 1}`;
  await native.frame((f) => f.type === "msg" && f.text === last);
  await text.log.waitFor(`<fast> ${last}`);
  await sender.frame((f) => f.type === "delivered" && f.id === `i${count - 1}`);
  const received = native.frames().flatMap((
    f,
  ) => (f.type === "msg" ? [f.text] : []));
  assertEquals(received, Array.from({ length: count }, (_, i) => `n${i}`));
  const textLines = text.log.lines.filter((l) => l.includes("<fast>")).map((
    l,
  ) => l.split("> ")[1]);
  assertEquals(textLines, received);
  const acks = sender.frames().flatMap((
    f,
  ) => (f.type === "ack" ? [f.id] : []));
  assertEquals(acks, Array.from({ length: count }, (_, i) => `i${i}`));
});

Deno.test("the client sends every piped line and exits 0 once they are acknowledged", async () => {
  await using server = await ServerProcess.start();
  await using watcher = await RawPeer.native(server.port, "watcher");
  await using client = startClient(server.port, ["--nick", "piper"]);
  const lines = Array.from({ length: 50 }, (_, i) => `line ${i}`);
  await client.write(...lines);
  await client.closeStdin();
  assertEquals(await client.exitCode(), 0);
  const received = watcher.frames().flatMap((
    f,
  ) => (f.type === "msg" ? [f.text] : []));
  // Every line was acked before the client left, so the watcher gets them
  // all (a script comes and goes quietly: no join or quit notice).
  await watcher.frame((f) => f.type === "msg" && f.text === "line 49");
  assertEquals(
    watcher.frames().filter((f) => f.type === "event").length,
    0,
    "no notices",
  );
  assertEquals(
    watcher.frames().flatMap((f) => (f.type === "msg" ? [f.text] : [])),
    lines,
  );
  assert(received.length <= lines.length);
});

Deno.test("a client killed mid-stream does not disturb the others", async () => {
  await using server = await ServerProcess.start();
  await using ann = await RawPeer.native(server.port, "ann");
  await using bob = await RawPeer.native(server.port, "bob");
  await using victim = startClient(server.port, ["--nick", "victim"]);
  await victim.write("about to die");
  await ann.frame((f) => f.type === "msg" && f.from === "victim");
  victim.kill("SIGKILL");
  await server.stderr.waitFor(/disconnect .*nick=victim/);
  await ann.send({ type: "msg", id: "a1", text: "still here?" });
  assertEquals(
    await ann.frame((f) => f.type === "delivered" && f.id === "a1"),
    {
      type: "delivered",
      id: "a1",
      count: 1,
      of: 1,
    },
  );
  await bob.frame((f) => f.type === "msg" && f.text === "still here?");
  await bob.send({ type: "msg", id: "b1", text: "yes" });
  await ann.frame((f) => f.type === "msg" && f.text === "yes");
});

Deno.test("SIGTERM tells every client the server is shutting down, then exits 0", async () => {
  await using server = await ServerProcess.start();
  await using native = await RawPeer.native(server.port, "nat");
  await using text = await RawPeer.connect(server.port, "netcat");
  await using client = startClient(server.port, [
    "--nick",
    "cli",
    "--no-reconnect",
  ]);
  await text.write("/who\n");
  await text.log.waitFor("In #lobby");
  await pipedClientIn(client);
  server.kill("SIGTERM");
  const bye: ServerFrame = await native.frame((f) => f.type === "bye");
  assertMatch(bye.type === "bye" ? bye.reason : "", /shutting down/);
  await text.log.waitFor("-- The server is shutting down");
  await native.log.ended();
  await text.log.ended();
  assertEquals(await server.exitCode(), 0);
  assertEquals(await client.exitCode(), 1);
  // Said once, on stderr: a script's stdout is for the chat.
  assertEquals(
    client.stderr.lines.filter((line) => line.includes("shutting down")),
    [
      "lochat-client: The server closed the connection: The server is shutting down",
    ],
  );
  assert(!client.stdout.lines.some((line) => line.includes("shutting down")));
});

Deno.test("--exit-when-empty stops the server when the last client leaves", async () => {
  await using server = await ServerProcess.start(["--exit-when-empty"]);
  await using peer = await RawPeer.native(server.port, "only");
  await peer.send({ type: "quit" });
  await peer.log.ended();
  await peer.close();
  assertEquals(await server.exitCode(), 0);
  await server.stderr.waitFor("the last client left");
});
