/**
 * Nothing missed after a reconnect: a real client is cut off (its server
 * stops), others talk meanwhile (to the same history on disk, served on
 * another port the client does not know), and the server comes back on its
 * own port. The client shows what it missed once, in order, then the live
 * messages; over the catch-up limit it is told how many older ones were
 * left.
 */
import { assertEquals, assertMatch } from "./assert.ts";
import type { ChatMessage, ServerFrame } from "../lib/shared/protocol.ts";
import { pipedClientIn, ServerProcess, startClient } from "./util/program.ts";
import { RawPeer } from "./util/raw_peer.ts";

/** Lines of `prefix` numbered from 0. */
const numbered = (prefix: string, count: number) =>
  Array.from({ length: count }, (_, i) => `${prefix} ${i}`);

/**
 * Has `nick` say `texts` in the lobby of the server on `port`, each acked.
 * Ids are the texts: a talker without a client token must not reuse an id
 * the history on disk already answered.
 */
async function talk(port: number, nick: string, texts: string[]) {
  await using talker = await RawPeer.native(port, nick);
  await talker.write(
    texts.map((text) => JSON.stringify({ type: "msg", id: text, text }))
      .join("\n") + "\n",
  );
  await talker.frame((f) => f.type === "ack" && f.id === texts.at(-1));
}

/**
 * Stops `server`, has `nick` say `texts` to its history served on another
 * port, and starts the server again on its own port: to a client of that
 * port, the room talked while it was away.
 */
async function talkWhileAway(
  server: ServerProcess,
  args: string[],
  nick: string,
  texts: string[],
): Promise<ServerProcess> {
  server.kill("SIGTERM");
  assertEquals(await server.exitCode(), 0);
  await server[Symbol.asyncDispose]();
  {
    await using elsewhere = await ServerProcess.start(args);
    await talk(elsewhere.port, nick, texts);
    elsewhere.kill("SIGTERM");
    assertEquals(await elsewhere.exitCode(), 0);
  }
  return await ServerProcess.start(["--port", String(server.port), ...args]);
}

/**
 * Server arguments with history in a fresh data directory, which is removed
 * when disposed.
 */
async function onDisk(): Promise<{ args: string[] } & AsyncDisposable> {
  const dir = await Deno.makeTempDir({ prefix: "lochat_catch_up_" });
  return {
    args: ["--data-dir", dir, "--rate", "0", "--log", "off"],
    [Symbol.asyncDispose]: () => Deno.remove(dir, { recursive: true }),
  };
}

Deno.test("a --json client that reconnects while others talk shows every message it missed once, in order, then the live ones", async () => {
  await using disk = await onDisk();
  await using held = new AsyncDisposableStack();
  let server = await ServerProcess.start(disk.args);
  held.defer(() => server[Symbol.asyncDispose]());
  await using watcher = startClient(server.port, [
    "--nick",
    "watcher",
    "--json",
  ]);
  await watcher.stdout.waitFor('"type":"welcome"');
  const before = numbered("before", 3);
  const missed = numbered("missed", 40);
  const after = numbered("after", 3);
  await talk(server.port, "talker", before);
  await watcher.stdout.waitFor('"text":"before 2"');

  server = await talkWhileAway(server, disk.args, "talker", missed);
  await watcher.stderr.waitFor("Reconnected to");
  await talk(server.port, "talker", after);
  await watcher.stdout.waitFor('"text":"after 2"');
  await watcher.closeStdin();
  assertEquals(await watcher.exitCode(), 0);

  const frames = watcher.stdout.lines.map((line) =>
    JSON.parse(line) as ServerFrame
  );
  const welcomes = frames.filter((f) => f.type === "welcome");
  assertEquals(welcomes.length, 2, "the first welcome and the reconnect's");
  const caughtUp = welcomes[1]!.rooms ?? [];
  assertEquals(
    caughtUp.map((room) => ({
      name: room.name,
      texts: room.history.map((m) => m.text),
      more: room.more,
    })),
    [{ name: "lobby", texts: missed, more: undefined }],
  );
  // Every message the watcher was shown, welcomes' history included.
  const shown = frames.flatMap((f): ChatMessage[] =>
    f.type === "welcome"
      ? (f.rooms ?? []).flatMap((room) => room.history)
      : f.type === "msg"
      ? [f]
      : []
  );
  assertEquals(
    shown.map((m) => m.text),
    [...before, ...missed, ...after],
    "each once, in order",
  );
});

Deno.test("a piped client that missed more than 500 messages shows the last 500 marked (missed), is told how many older ones were left, then shows live ones", async () => {
  await using disk = await onDisk();
  await using held = new AsyncDisposableStack();
  let server = await ServerProcess.start(disk.args);
  held.defer(() => server[Symbol.asyncDispose]());
  await using watcher = startClient(server.port, ["--nick", "watcher"]);
  await pipedClientIn(watcher);
  await talk(server.port, "talker", ["before"]);
  await watcher.stdout.waitFor("<talker> before");
  const missed = numbered("missed", 520);
  server = await talkWhileAway(server, disk.args, "talker", missed);
  await watcher.stderr.waitFor("Reconnected to");
  await talk(server.port, "talker", ["after"]);
  await watcher.stdout.waitFor("<talker> after");
  await watcher.closeStdin();
  assertEquals(await watcher.exitCode(), 0);

  const said = watcher.stdout.lines.flatMap((line) => {
    const match = line.match(/^\[\d\d:\d\d\] (\(missed\) )?<talker> (.*)$/);
    return match === null ? [] : [`${match[1] ?? ""}${match[2]}`];
  });
  assertEquals(said, [
    "before",
    ...missed.slice(20).map((text) => `(missed) ${text}`),
    "after",
  ]);
  assertMatch(
    watcher.stderr.lines.join("\n"),
    /20 older messages of #lobby not shown; \/history shows them/,
  );
});
