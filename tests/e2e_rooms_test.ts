/**
 * Many rooms at once, end to end: the real server, the real terminal client
 * in tmux, newest-version and version 1 peers, and a netcat-style text user.
 */
import { assert, assertEquals, assertMatch } from "./assert.ts";
import { PROTOCOL_VERSION, type ServerFrame } from "../lib/shared/protocol.ts";
import {
  fromSource,
  type Launcher,
  ServerProcess,
  startClient,
} from "./util/program.ts";
import { RawPeer } from "./util/raw_peer.ts";
import { Tmux } from "./util/tmux.ts";

type Frame<T extends ServerFrame["type"]> = Extract<ServerFrame, { type: T }>;

/** The client as a shell command, from source, with the deno running the tests. */
function clientCommand(port: number, args: string): string {
  return `NO_COLOR=1 '${Deno.execPath()}' run --allow-all client.ts --host 127.0.0.1 --port ${port} ${args}; echo "exit=$?"; sleep 600`;
}

/** The prompt line: the last row with anything on it. */
const promptRow = (screen: string[]) => screen.findLast((row) => row !== "");

/**
 * Says `text` in `room` and waits for its answer (an ack or an error), past
 * whatever came before it.
 */
async function sayIn(
  peer: RawPeer,
  room: string,
  id: string,
  text: string,
): Promise<void> {
  await peer.send({ type: "msg", id, text, room });
  await peer.frame((f) =>
    (f.type === "ack" || f.type === "error") && f.id === id
  );
}

Deno.test("a person in three rooms sees each room's lines marked with their room, talks in the current one, and switches with /switch, Alt-number and Ctrl-N; the prompt counts unread lines and mentions per room", async () => {
  await using server = await ServerProcess.start();
  await using bob = await RawPeer.inRooms(server.port, "bob", [
    "lobby",
    "games",
    "dev",
  ]);
  await using tty = await Tmux.start(
    clientCommand(server.port, "--nick ann --room lobby,games --room dev"),
    { columns: 100 },
  );
  await tty.waitForText("You are ann in #lobby");
  await tty.waitForText("Also in #games, #dev");
  await tty.waitFor((s) => promptRow(s) === "#lobby ann>");

  await sayIn(bob, "lobby", "b1", "in the lobby");
  await sayIn(bob, "games", "b2", "chess anyone");
  await sayIn(bob, "dev", "b3", "build is red, ann");
  await sayIn(bob, "games", "b4", "or go");
  const screen = await tty.waitForText("or go");
  const said = (text: string) =>
    screen.find((row) => row.includes(text))!.replace(/\[\d\d:\d\d\] /, "");
  assertEquals(said("in the lobby"), "<bob> in the lobby");
  assertEquals(said("chess anyone"), "[#games] <bob> chess anyone");
  assertEquals(said("build is red"), "[#dev] <bob> build is red, ann");
  // Unread per room, in join order; @1: one of them names ann.
  assertEquals(
    promptRow(await tty.waitFor((s) => /\(games 2/.test(promptRow(s) ?? ""))),
    "(games 2, dev 1 @1) #lobby ann>",
  );

  // A line goes to the current room.
  await tty.type("hello lobby");
  await tty.press("Enter");
  const inLobby = await bob.frame((f) => f.type === "msg" && f.from === "ann");
  assertEquals(inLobby.type === "msg" && [inLobby.room, inLobby.text], [
    "lobby",
    "hello lobby",
  ]);

  // /switch: lines now go to #games, whose unread count is gone.
  await tty.type("/switch games");
  await tty.press("Enter");
  await tty.waitFor((s) => promptRow(s) === "(dev 1 @1) #games ann>");
  await tty.type("white or black?");
  await tty.press("Enter");
  const inGames = await bob.frame((f) =>
    f.type === "msg" && f.from === "ann" && f.room === "games"
  );
  assertEquals(inGames.type === "msg" && inGames.text, "white or black?");
  // The lobby is another room now: its lines are marked.
  await sayIn(bob, "lobby", "b5", "lobby again");
  const marked = await tty.waitForText("lobby again");
  assertMatch(
    marked.find((row) => row.includes("lobby again"))!,
    /^\[#lobby\] \[\d\d:\d\d\] <bob> lobby again$/,
  );
  await tty.waitFor((s) => promptRow(s) === "(lobby 1, dev 1 @1) #games ann>");

  // Alt-3 is the third room joined; Ctrl-N the next (wrapping), Ctrl-P back.
  await tty.press("M-3");
  await tty.waitFor((s) => promptRow(s) === "(lobby 1) #dev ann>");
  await tty.press("C-n");
  await tty.waitFor((s) => promptRow(s) === "#lobby ann>");
  await tty.press("C-p");
  await tty.waitFor((s) => promptRow(s) === "#dev ann>");
  await tty.press("M-7");
  await tty.waitForText("There is no room 7: you are in 3");
  await tty.type("fixing it");
  await tty.press("Enter");
  const inDev = await bob.frame((f) =>
    f.type === "msg" && f.from === "ann" && f.room === "dev"
  );
  assertEquals(inDev.type === "msg" && inDev.text, "fixing it");

  // /rooms: every room, the current one marked, with Alt numbers.
  await sayIn(bob, "games", "b6", "your move, ann");
  await tty.waitFor((s) => promptRow(s) === "(games 1 @1) #dev ann>");
  await tty.type("/rooms");
  await tty.press("Enter");
  const rooms = await tty.waitForText("Rooms (> you talk here");
  const listed = rooms.slice(
    rooms.findIndex((row) => row.startsWith("Rooms (>")) + 1,
  ).slice(0, 3);
  // In the order joined, as Alt numbers them; > marks the current one.
  assertEquals(listed, [
    "1  #lobby (2)",
    "2  #games (2) [1 unread, 1 for you]",
    "3> #dev (2)",
  ]);
  await tty.press("C-c");
  await tty.waitForText("exit=0");
});

Deno.test("/join adds a room and switches to it with its history and topic; /part leaves it and the prompt goes back", async () => {
  await using server = await ServerProcess.start();
  await using bob = await RawPeer.inRooms(server.port, "bob", ["games"]);
  await sayIn(bob, "games", "t", "/topic chess at eight");
  await sayIn(bob, "games", "g1", "e4");
  await using tty = await Tmux.start(clientCommand(server.port, "--nick ann"));
  await tty.waitForText("You are ann in #lobby");
  await tty.type("/join games");
  await tty.press("Enter");
  const joined = await tty.waitForText("You joined #games");
  assertMatch(
    joined.find((row) => row.startsWith("You joined #games"))!,
    /^You joined #games \(here: ann, bob\)\. Topic: chess at eight$/,
  );
  assert(joined.some((row) => /\(history\) <bob> e4$/.test(row)));
  await tty.waitFor((s) => promptRow(s) === "#games ann>");
  const join = await bob.frame((f) =>
    f.type === "event" && f.event === "join" && f.nick === "ann"
  );
  assertEquals(join.type === "event" && join.room, "games");
  await tty.type("/part see you");
  await tty.press("Enter");
  const part = await bob.frame((f) =>
    f.type === "event" && f.event === "part" && f.nick === "ann"
  ) as Frame<"event">;
  assertEquals([part.room, part.reason], ["games", "see you"]);
  await tty.waitFor((s) => promptRow(s) === "#lobby ann>");
  await tty.type("/part");
  await tty.press("Enter");
  await tty.waitFor((s) => promptRow(s) === "(no room) ann>");
  await tty.type("anyone?");
  await tty.press("Enter");
  await tty.waitForText("You are in no room: /join ROOM");
  await tty.press("C-c");
  await tty.waitForText("exit=0");
});

Deno.test("a netcat user in two rooms sees lines from the other room prefixed [#room], and /join, /switch and /part work as in the client", async () => {
  await using server = await ServerProcess.start();
  await using bob = await RawPeer.inRooms(server.port, "bob", [
    "lobby",
    "games",
  ]);
  await using nc = await RawPeer.connect(server.port, "netcat");
  await nc.write("/nick carol\r\n");
  await nc.log.waitFor((l) => l.includes("now known as carol"));
  await nc.write("/join games\r\n");
  await nc.log.waitFor((l) => l.startsWith("You joined #games"));
  await sayIn(bob, "lobby", "b1", "lobby line");
  await sayIn(bob, "games", "b2", "games line");
  assertMatch(
    await nc.log.waitFor((l) => l.includes("lobby line")),
    /^\[#lobby\] \[\d\d:\d\d\] <bob> lobby line$/,
  );
  assertMatch(
    await nc.log.waitFor((l) => l.includes("games line")),
    /^\[\d\d:\d\d\] <bob> games line$/,
  );
  // A plain line goes to the current room.
  await nc.write("to games\r\n");
  const first = await bob.frame((f) => f.type === "msg" && f.from === "carol");
  assertEquals(first.type === "msg" && first.room, "games");
  await nc.write("/switch lobby\r\n");
  await nc.log.waitFor((l) => l === "You are talking in #lobby now");
  await nc.write("to lobby\r\n");
  const second = await bob.frame((f) =>
    f.type === "msg" && f.text === "to lobby"
  );
  assertEquals(second.type === "msg" && second.room, "lobby");
  await sayIn(bob, "games", "b3", "games again");
  assertMatch(
    await nc.log.waitFor((l) => l.includes("games again")),
    /^\[#games\] \[\d\d:\d\d\] <bob> games again$/,
  );
  // A private message reads "-> *bob*" to its sender.
  await nc.write("/msg bob psst\r\n");
  assertMatch(
    await nc.log.waitFor((l) => l.includes("psst")),
    /^\[\d\d:\d\d\] -> \*bob\* psst$/,
  );
  await nc.write("/part games bye\r\n");
  const part = await bob.frame((f) =>
    f.type === "event" && f.event === "part"
  ) as Frame<"event">;
  assertEquals([part.nick, part.room, part.reason], ["carol", "games", "bye"]);
});

Deno.test("presence reaches each reader once however many rooms they share; a version 1 client in one of them still chats as before", async () => {
  await using server = await ServerProcess.start();
  const rooms = ["lobby", "games", "dev"];
  await using ann = await RawPeer.inRooms(server.port, "ann", rooms);
  await using bob = await RawPeer.inRooms(server.port, "bob", rooms);
  await using old = await RawPeer.native(server.port, "old", "games");
  await sayIn(bob, "lobby", "n", "/nick robert");
  await sayIn(bob, "lobby", "a", "/away lunch");
  await sayIn(bob, "lobby", "k", "/back");
  await sayIn(bob, "games", "m", "for everyone in games");
  await old.frame((f) =>
    f.type === "msg" && f.text === "for everyone in games"
  );
  await bob.send({ type: "quit", reason: "done" });
  await ann.frame((f) => f.type === "event" && f.event === "quit");
  await old.frame((f) => f.type === "event" && f.event === "quit");
  for (const [who, peer] of [["ann", ann], ["old", old]] as const) {
    const events = peer.frames().flatMap((f) =>
      f.type === "event" && ["nick", "away", "back", "quit"].includes(f.event)
        ? [f.event]
        : []
    );
    assertEquals(events, ["nick", "away", "back", "quit"], who);
  }
  // The version 1 client: its lines go to its one room, /join moves it.
  await old.send({ type: "msg", id: "o1", text: "old but fine" });
  const heard = await ann.frame((f) =>
    f.type === "msg" && f.from === "old"
  ) as Frame<"msg">;
  assertEquals([heard.room, heard.text], ["games", "old but fine"]);
  await old.send({ type: "msg", id: "o2", text: "/join dev" });
  const moved = await old.frame((f) =>
    f.type === "reply" && f.cmd === "join"
  ) as Frame<"reply">;
  assertEquals(moved.text, "You joined #dev (2 here)");
  const left = await ann.frame((f) =>
    f.type === "event" && f.nick === "old" && f.room === "games" &&
    f.event === "part"
  );
  assert(left !== undefined);
  assert(
    !old.frames().some((f) => f.type === "joined"),
    "a version 1 client never gets a frame it does not know",
  );
});

Deno.test("history per room comes with the welcome and after a reconnect, what was missed comes per room", async () => {
  await using server = await ServerProcess.start();
  await using bob = await RawPeer.inRooms(server.port, "bob", [
    "lobby",
    "games",
  ]);
  await sayIn(bob, "lobby", "l1", "lobby one");
  await sayIn(bob, "games", "g1", "games one");
  const ann = await RawPeer.connect(server.port, "ann");
  await ann.send({
    type: "hello",
    v: 3,
    nick: "ann",
    rooms: ["games", "lobby"],
    client: "ann-token",
  });
  const welcome = await ann.frame((f) => f.type === "welcome") as Frame<
    "welcome"
  >;
  assertEquals(welcome.room, "games");
  assertEquals(
    welcome.rooms!.map((r) => [r.name, r.history.map((m) => m.text)]),
    [["games", ["games one"]], ["lobby", ["lobby one"]]],
  );
  const seen = Object.fromEntries(
    welcome.rooms!.map((r) => [r.name, r.history.at(-1)!.seq]),
  );
  await ann.close();
  await sayIn(bob, "lobby", "l2", "lobby two");
  await sayIn(bob, "games", "g2", "games two");
  await sayIn(bob, "games", "g3", "games three");
  await using back = await RawPeer.connect(server.port, "ann again");
  await back.send({
    type: "hello",
    v: 3,
    nick: "ann",
    rooms: ["games", "lobby"],
    client: "ann-token",
    since: seen,
  });
  const again = await back.frame((f) => f.type === "welcome") as Frame<
    "welcome"
  >;
  assertEquals(
    again.rooms!.map((r) => [r.name, r.history.map((m) => m.text)]),
    [["games", ["games two", "games three"]], ["lobby", ["lobby two"]]],
  );
});

Deno.test("topics survive a restart; a room whose topic an operator set is kept while empty, listed with its topic", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const args = ["--data-dir", dir, "--op", "boss"];
    const env = { LOCHAT_OP_SECRET: "0p-secret" };
    const launcher: Launcher = (entry) => ({ ...fromSource(entry), env });
    let port: number;
    {
      await using server = await ServerProcess.start(args, launcher);
      port = server.port;
      await using boss = await RawPeer.inRooms(port, "boss", ["news"]);
      await sayIn(boss, "news", "o", "/oper 0p-secret");
      await sayIn(boss, "news", "t1", "/topic read-only announcements");
      await sayIn(boss, "news", "l", "/topic -lock");
      await using ann = await RawPeer.inRooms(port, "ann", ["games"]);
      await sayIn(ann, "games", "t2", "/topic chess at eight");
      await sayIn(ann, "news", "x", "hi");
      server.kill("SIGTERM");
      assertEquals(await server.exitCode(), 0);
    }
    await using server = await ServerProcess.start(
      [...args, "--port", String(port)],
      launcher,
    );
    await using cat = await RawPeer.inRooms(server.port, "cat", ["lobby"]);
    await cat.send({ type: "msg", id: "r", text: "/rooms", room: "lobby" });
    const list = await cat.frame((f) =>
      f.type === "reply" && f.cmd === "rooms"
    ) as Frame<"reply">;
    // news is kept empty (an operator's topic); games is not (no one is in it).
    assertEquals(list.data, {
      rooms: [
        { name: "lobby", members: 1, joined: true },
        {
          name: "news",
          members: 0,
          topic: "read-only announcements",
          joined: false,
        },
      ],
    });
    await cat.send({ type: "msg", id: "j", text: "/join games" });
    const games = await cat.frame((f) =>
      f.type === "joined" && f.name === "games"
    ) as Frame<"joined">;
    assertEquals(games.topic, "chess at eight");
    await sayIn(cat, "lobby", "j2", "/join news");
    await cat.send({
      type: "msg",
      id: "t3",
      text: "/topic spam",
      room: "news",
    });
    const refused = await cat.frame((f) =>
      f.type === "error" && f.id === "t3"
    ) as Frame<"error">;
    assertEquals(refused.code, "forbidden");
    assertMatch(refused.message, /topic of #news is locked/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the client starts in every --room; --send and piped lines go to the first", async () => {
  await using server = await ServerProcess.start();
  await using bob = await RawPeer.inRooms(server.port, "bob", [
    "lobby",
    "games",
    "dev",
  ]);
  const send = startClient(server.port, [
    "--nick",
    "ci",
    "--room",
    "dev,games",
    "--send",
    "deployed",
  ]);
  assertEquals(await send.exitCode(), 0);
  await send[Symbol.asyncDispose]();
  const sent = await bob.frame((f) => f.type === "msg" && f.from === "ci");
  assertEquals(sent.type === "msg" && sent.room, "dev");
  await using piped = startClient(server.port, [
    "--nick",
    "pipe",
    "--room",
    "#games",
    "--room",
    "dev",
  ]);
  await piped.write("one", "two");
  await piped.closeStdin();
  assertEquals(await piped.exitCode(), 0);
  const lines = bob.frames().filter((f) =>
    f.type === "msg" && f.from === "pipe"
  ) as Frame<"msg">[];
  assertEquals(lines.map((m) => [m.room, m.text]), [
    ["games", "one"],
    ["games", "two"],
  ]);
  const bad = startClient(server.port, ["--room", "lobby,Bad Room!"]);
  assertEquals(await bad.exitCode(), 2);
  assertMatch(
    bad.stderr.lines.join("\n"),
    /--room: .* is not a valid room name/,
  );
  await bad[Symbol.asyncDispose]();
});

Deno.test("a client that asked for no history in its hello is shown none when it joins another room either", async () => {
  await using server = await ServerProcess.start();
  await using ann = await RawPeer.inRooms(server.port, "ann", ["games"]);
  await ann.send({ type: "msg", id: "1", text: "said before" });
  await ann.frame((f) => f.type === "ack");
  await using ci = await RawPeer.connect(server.port, "ci");
  await ci.send({
    type: "hello",
    v: PROTOCOL_VERSION,
    nick: "ci",
    rooms: ["lobby"],
    quiet: true,
    history: 0,
  });
  await ci.frame((f) => f.type === "welcome");
  await ci.send({ type: "msg", id: "j", text: "/join games" });
  const joined = await ci.frame((f) => f.type === "joined");
  assertEquals(joined.type === "joined" ? joined.history : undefined, []);
  // Without the wish, a joiner sees what was said.
  await using bob = await RawPeer.inRooms(server.port, "bob", ["lobby"]);
  await bob.send({ type: "msg", id: "j", text: "/join games" });
  const seen = await bob.frame((f) => f.type === "joined");
  assertEquals(
    seen.type === "joined" ? seen.history.map((m) => m.text) : undefined,
    ["said before"],
  );
});
