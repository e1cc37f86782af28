/**
 * Where typed lines go and which room is which, end to end: the real
 * server, the real client in tmux and in a pipe, and a peer in every room
 * that sees where each line lands.
 */
import { assert, assertEquals, assertMatch } from "./assert.ts";
import type { ServerFrame } from "../lib/shared/protocol.ts";
import { ServerProcess, startClient, terminalClient } from "./util/program.ts";
import { RawPeer } from "./util/raw_peer.ts";
import { Tmux } from "./util/tmux.ts";

/** The prompt line: the last row with anything on it. */
const promptRow = (screen: string[]) => screen.findLast((row) => row !== "");

/** Waits until the prompt line is `text`. */
const prompted = (tty: Tmux, text: string) =>
  tty.waitFor((s) => promptRow(s) === text);

/** Where `nick`'s lines landed, as [room, text], once `last` has. */
async function landed(
  peer: RawPeer,
  nick: string,
  last: string,
): Promise<[string, string][]> {
  await peer.frame((f) => f.type === "msg" && f.text === last);
  return peer.frames().flatMap((f: ServerFrame): [string, string][] =>
    f.type === "msg" && f.from === nick ? [[f.room, f.text]] : []
  );
}

Deno.test("on a terminal, a line typed right after /join, /part, /switch, Alt-number, Ctrl-N or Ctrl-P goes to the room current after it", async () => {
  await using server = await ServerProcess.start();
  await using bob = await RawPeer.inRooms(server.port, "bob", [
    "lobby",
    "dev",
    "games",
  ]);
  await using tty = await Tmux.start(
    terminalClient(server.port, "--nick ann --room dev,games"),
    { columns: 100 },
  );
  await prompted(tty, "#dev ann>");
  // Each burst reaches the client in one read, before the server answers.
  await tty.type("/join lobby\rto lobby\r");
  await tty.type("/part\rafter part\r");
  await tty.type("/join lobby\r\x1b1alt one\r");
  await tty.type("/join lobby\r\x0enext\r");
  await tty.type("/join lobby\r\x10previous\r");
  await tty.type("/join lobby\r/switch games\rswitched\r");
  assertEquals(await landed(bob, "ann", "switched"), [
    ["lobby", "to lobby"],
    ["games", "after part"],
    ["dev", "alt one"],
    ["dev", "next"],
    ["games", "previous"],
    ["games", "switched"],
  ]);
  await tty.press("C-c");
  await tty.waitForText("exit=0");
});

Deno.test("in a pipe, a line after /switch or /join goes to the room current after it", async () => {
  await using server = await ServerProcess.start();
  await using bob = await RawPeer.inRooms(server.port, "bob", [
    "lobby",
    "dev",
    "games",
  ]);
  await using ci = startClient(server.port, [
    "--nick",
    "ci",
    "--room",
    "dev",
    "--room",
    "games",
  ]);
  await ci.write("to dev", "/switch games", "to games", "/join lobby");
  await ci.write("to lobby", "/part", "after part");
  await ci.closeStdin();
  assertEquals(await ci.exitCode(), 0, ci.stderr.lines.join("\n"));
  assertEquals(await landed(bob, "ci", "after part"), [
    ["dev", "to dev"],
    ["games", "to games"],
    ["lobby", "to lobby"],
    ["games", "after part"],
  ]);
});

Deno.test("every switch of room, by command or key, leaves a line saying where lines go now", async () => {
  await using server = await ServerProcess.start();
  await using tty = await Tmux.start(
    terminalClient(server.port, "--nick ann --room lobby,games,dev"),
    { columns: 100 },
  );
  await prompted(tty, "#lobby ann>");
  await tty.type("/switch games");
  await tty.press("Enter");
  await prompted(tty, "#games ann>");
  await tty.press("M-3");
  await prompted(tty, "#dev ann>");
  await tty.press("C-n");
  await prompted(tty, "#lobby ann>");
  await tty.press("C-p");
  await prompted(tty, "#dev ann>");
  await tty.type("/switch lobby");
  await tty.press("Enter");
  const screen = await prompted(tty, "#lobby ann>");
  assertEquals(screen.filter((row) => row.startsWith("-- now talking")), [
    "-- now talking in #games",
    "-- now talking in #dev",
    "-- now talking in #lobby",
    "-- now talking in #dev",
    "-- now talking in #lobby",
  ]);
  await tty.press("C-c");
  await tty.waitForText("exit=0");
});

Deno.test("the rooms keep their order and Alt numbers across a reconnect; /rooms lists them so", async () => {
  await using held = new AsyncDisposableStack();
  let server = await ServerProcess.start();
  held.defer(() => server[Symbol.asyncDispose]());
  const port = server.port;
  const tty = held.use(
    await Tmux.start(
      terminalClient(port, "--nick ann --room lobby,games,dev"),
      { columns: 100 },
    ),
  );
  await prompted(tty, "#lobby ann>");
  await tty.press("M-2");
  await prompted(tty, "#games ann>");
  server.kill("SIGTERM");
  assertEquals(await server.exitCode(), 0);
  await server[Symbol.asyncDispose]();
  server = await ServerProcess.start(["--port", String(port)]);
  await tty.waitForText("Reconnected to");
  await prompted(tty, "#games ann>");
  await tty.type("/rooms");
  await tty.press("Enter");
  const rooms = await tty.waitForText("Rooms (> you talk here");
  const listed = rooms.slice(
    rooms.findIndex((row) => row.startsWith("Rooms (>")) + 1,
  ).slice(0, 3);
  assertEquals(listed, [
    "1  #lobby (1)",
    "2> #games (1)",
    "3  #dev (1)",
  ]);
  // Alt-1 is still the first room joined.
  await tty.press("M-1");
  await prompted(tty, "#lobby ann>");
  await tty.press("M-3");
  await prompted(tty, "#dev ann>");
  await tty.press("C-c");
  await tty.waitForText("exit=0");
});

Deno.test("a plain line in no room is refused at once in the server's words, and never shown as said", async () => {
  await using server = await ServerProcess.start();
  await using tty = await Tmux.start(
    terminalClient(server.port, "--nick ann"),
  );
  await prompted(tty, "#lobby ann>");
  await tty.type("/part");
  await tty.press("Enter");
  await prompted(tty, "(no room) ann>");
  await tty.type("anyone?");
  await tty.press("Enter");
  const screen = await tty.waitForText("! You are in no room: /join ROOM");
  assert(
    !screen.some((row) => /<ann> anyone\?/.test(row)),
    screen.join("\n"),
  );
  assertMatch(screen.join("\n"), /-- now in no room: \/join ROOM/);
  assert(
    !server.stderr.lines.some((line) => /anyone/.test(line)),
    "the server never saw it",
  );
  await tty.press("C-c");
  await tty.waitForText("exit=0");
});
