import { assert, assertEquals, assertMatch } from "./assert.ts";
import { pipedClientIn, ServerProcess, startClient } from "./util/program.ts";
import { RawPeer } from "./util/raw_peer.ts";
import type { ServerFrame } from "../lib/shared/protocol.ts";

Deno.test("--send delivers one message and exits 0 after its ack, printing nothing", async () => {
  await using server = await ServerProcess.start();
  await using watcher = await RawPeer.native(server.port, "watcher");
  await using send = startClient(server.port, [
    "--nick",
    "ci",
    "--send",
    "build 42 passed",
  ]);
  assertEquals(await send.exitCode(), 0);
  assertEquals([send.stdout.lines, send.stderr.lines], [[], []]);
  const msg = await watcher.frame((f) => f.type === "msg");
  assertEquals(msg.type === "msg" && [msg.from, msg.text], [
    "ci",
    "build 42 passed",
  ]);
});

Deno.test("--send exits 3 with the server's reason when the message is refused", async () => {
  await using server = await ServerProcess.start();
  await using send = startClient(server.port, ["--send", "/msg nobody hello"]);
  assertEquals(await send.exitCode(), 3);
  assertEquals(send.stderr.lines, [
    'lochat-client: the server refused a line: No one called "nobody" is online; /who lists the room',
  ]);
});

Deno.test("a piped client is quiet as --send is: no welcome, rooms, topics or /join backlog on stdout; what it asked for shows", async () => {
  await using server = await ServerProcess.start();
  await using bob = await RawPeer.inRooms(server.port, "bob", [
    "lobby",
    "dev",
    "games",
  ]);
  for (
    const [id, room, text] of [
      ["t", "games", "/topic chess at eight"],
      ["l", "lobby", "earlier in the lobby"],
      ["d", "dev", "earlier in dev"],
    ]
  ) {
    await bob.send({ type: "msg", id, room, text });
    await bob.frame((f) => f.type === "ack" && f.id === id);
  }
  await using pipe = startClient(server.port, [
    "--nick",
    "ci",
    "--room",
    "dev,games",
  ]);
  await pipe.write("/join lobby", "/who", "done");
  await pipe.closeStdin();
  assertEquals(await pipe.exitCode(), 0, pipe.stderr.lines.join("\n"));
  assertEquals(pipe.stdout.lines, ["In #lobby (2): bob, ci"]);
  assertEquals(pipe.stderr.lines, []);
  await using send = startClient(server.port, [
    "--nick",
    "ci2",
    "--room",
    "dev,games",
    "--send",
    "/who",
  ]);
  assertEquals(await send.exitCode(), 0);
  assertEquals(send.stdout.lines, ["In #dev (2): bob, ci2"]);
  // Asked for: the backlog of --history N, on joining too.
  await using asked = startClient(server.port, [
    "--nick",
    "ci3",
    "--history",
    "1",
  ]);
  await asked.write("/join dev");
  await asked.closeStdin();
  assertEquals(await asked.exitCode(), 0);
  assertEquals(
    asked.stdout.lines.map((line) => line.replace(/\[\d\d:\d\d\] /, "")),
    ["(history) <ci> done", "(history) <bob> earlier in dev"],
  );
});

// "--send exits 1 with the reason when the server is unreachable" is a case
// of the unreachable-server table in e2e_cli_test.ts.

Deno.test("--json prints every event as one JSON object per line", async () => {
  await using server = await ServerProcess.start();
  await using json = startClient(server.port, ["--nick", "bot", "--json"]);
  const welcome = JSON.parse(
    await json.stdout.waitFor('"type":"welcome"'),
  ) as ServerFrame;
  assertEquals(welcome.type === "welcome" && welcome.nick, "bot");
  await using bob = await RawPeer.native(server.port, "bob");
  await bob.send({ type: "msg", id: "1", text: "for the bot" });
  const msg = JSON.parse(
    await json.stdout.waitFor('"type":"msg"'),
  ) as ServerFrame;
  assertEquals(msg.type === "msg" && [msg.from, msg.text], [
    "bob",
    "for the bot",
  ]);
  await json.write("/who");
  const who = JSON.parse(
    await json.stdout.waitFor('"cmd":"who"'),
  ) as ServerFrame;
  assertEquals(who.type === "reply" && who.data, {
    room: "lobby",
    members: [{ nick: "bob" }, { nick: "bot" }],
  });
  await json.write("thanks");
  const ack = JSON.parse(
    await json.stdout.waitFor('"type":"delivered"'),
  ) as ServerFrame;
  assertEquals(ack.type === "delivered" && [ack.count, ack.of], [1, 1]);
  await json.closeStdin();
  assertEquals(await json.exitCode(), 0);
  for (const line of json.stdout.lines) {
    assert(typeof JSON.parse(line).type === "string", line);
  }
});

Deno.test("a piped client whose lines are refused exits 3 after sending the rest", async () => {
  await using server = await ServerProcess.start();
  await using watcher = await RawPeer.native(server.port, "watcher");
  await using client = startClient(server.port, ["--nick", "piper"]);
  await client.write("fine", "/bogus", "also fine");
  await client.closeStdin();
  assertEquals(await client.exitCode(), 3);
  await watcher.frame((f) => f.type === "msg" && f.text === "also fine");
  assertMatch(
    client.stderr.lines.join("\n"),
    /refused a line: Unknown command "\/bogus"/,
  );
});

Deno.test("restarting the server while a piped client sends 200 lines: each arrives once, in order", async () => {
  await using first = await ServerProcess.start([
    "--log",
    "off",
    "--rate",
    "0",
  ]);
  const port = first.port;
  // The watcher is a real client too: it reconnects to the new server by itself.
  await using watcher = startClient(port, [
    "--nick",
    "watcher",
    "--json",
    "--room",
    "ops",
  ]);
  await watcher.stdout.waitFor('"type":"welcome"');
  await using piper = startClient(port, ["--nick", "piper", "--room", "ops"]);
  const lines = Array.from(
    { length: 200 },
    (_, i) => `line ${String(i).padStart(3, "0")}`,
  );
  await piper.write(...lines.slice(0, 120));
  await watcher.stdout.waitFor('"text":"line 060"');
  first.kill("SIGTERM");
  assertEquals(await first.exitCode(), 0);
  await first[Symbol.asyncDispose]();
  await using _second = await ServerProcess.start([
    "--port",
    String(port),
    "--log",
    "off",
    "--rate",
    "0",
  ]);
  await piper.stderr.waitFor("Reconnected to");
  await watcher.stderr.waitFor("Reconnected to");
  await piper.write(...lines.slice(120));
  await piper.closeStdin();
  assertEquals(await piper.exitCode(), 0, piper.stderr.lines.join("\n"));
  await watcher.stdout.waitFor('"text":"line 199"');
  // A line reaches the watcher live or, if it came while the watcher was
  // reconnecting, in the history it is shown on rejoining: once either way.
  const messages = watcher.stdout.lines
    .map((line) => JSON.parse(line) as ServerFrame)
    .flatMap((
      f,
    ) => (f.type === "welcome" ? f.history : f.type === "msg" ? [f] : []))
    .filter((m) => m.from === "piper");
  assertEquals(
    messages.map((m) => m.text),
    lines,
    "each line once, in order",
  );
  assertMatch(
    piper.stderr.lines.join("\n"),
    /Reconnected to 127\.0\.0\.1:\d+ as piper in #ops/,
  );
});

Deno.test("--no-reconnect exits 1 when the server goes away", async () => {
  await using server = await ServerProcess.start();
  await using client = startClient(server.port, [
    "--nick",
    "once",
    "--no-reconnect",
  ]);
  await pipedClientIn(client);
  server.kill("SIGTERM");
  assertEquals(await client.exitCode(), 1);
  assertMatch(
    client.stderr.lines.join("\n"),
    /The server closed the connection: The server is shutting down/,
  );
});
