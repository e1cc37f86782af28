import {
  assert,
  assertEquals,
  assertMatch,
  assertNotMatch,
  assertThrows,
} from "./assert.ts";
import { runCommand } from "../lib/server/commands.ts";
import type { CommandContext } from "../lib/server/command_context.ts";
import {
  COMMAND_NAMES,
  COMMAND_SPECS,
  type CommandSpec,
} from "../lib/shared/command_specs.ts";
import { firstWord, parseInput } from "../lib/shared/input.ts";
import { ChatError } from "../lib/shared/errors.ts";
import { limitDefaults, PROTOCOL_LIMITS } from "../lib/shared/limits.ts";
import { MemoryHistory } from "../lib/server/history.ts";
import { Hub } from "../lib/server/hub.ts";
import type { Member } from "../lib/server/member.ts";
import type { Outgoing } from "../lib/server/outgoing.ts";
import type { ChatMessage, ServerFrame } from "../lib/shared/protocol.ts";

const COMMANDS: readonly CommandSpec[] = COMMAND_SPECS;

/** A command context for `member` whose replies and replays go nowhere unless given. */
function contextFor(
  hub: Hub,
  member: Member,
  extra: Partial<CommandContext> = {},
): CommandContext {
  return {
    hub,
    member,
    limits: limitDefaults(PROTOCOL_LIMITS),
    multiRoom: true,
    joined: () => {},
    say: (text, options) => hub.say(member, text, options),
    reply: () => {},
    replay: () => {},
    quit: () => {},
    ...extra,
  };
}

Deno.test("a plain line is text; //text is text that starts with a slash", () => {
  assertEquals(parseInput("hello"), { kind: "text", text: "hello" });
  assertEquals(parseInput("//shrug"), { kind: "text", text: "/shrug" });
  assertEquals(parseInput(" /not-a-command"), {
    kind: "text",
    text: " /not-a-command",
  });
});

Deno.test("a command keeps the raw rest of its line, inner spacing included", () => {
  assertEquals(parseInput("/msg bob  two  spaces"), {
    kind: "command",
    name: "msg",
    args: "bob  two  spaces",
  });
  assertEquals(parseInput("/MSG   bob hi  "), {
    kind: "command",
    name: "msg",
    args: "bob hi",
  });
  assertEquals(firstWord("bob  two  spaces"), ["bob", "two  spaces"]);
  assertEquals(firstWord("   "), ["", ""]);
});

Deno.test("quotes are not special: they travel as typed", () => {
  assertEquals(parseInput('/away "out to lunch"'), {
    kind: "command",
    name: "away",
    args: '"out to lunch"',
  });
  assertEquals(firstWord('"bob smith" hi'), ['"bob', 'smith" hi']);
});

Deno.test(":q is /quit, as in the original; a lone slash is an empty command", () => {
  assertEquals(parseInput(" :q "), { kind: "command", name: "quit", args: "" });
  assertEquals(parseInput("/"), { kind: "command", name: "", args: "" });
});

function context() {
  const hub = new Hub({
    history: new MemoryHistory({ perRoom: 10 }),
    historyOnJoin: 10,
  });
  const frames: ServerFrame[] = [];
  const sink = { deliver: (out: Outgoing) => (frames.push(out.frame), true) };
  const member = hub.enter("ann", sink);
  const replies: { cmd: string; text: string; data?: unknown }[] = [];
  const replayed: ChatMessage[] = [];
  let quit: string | undefined;
  const ctx = contextFor(hub, member, {
    reply: (cmd, text, data) => replies.push({ cmd, text, data }),
    replay: (messages) => replayed.push(...messages),
    quit: (reason) => (quit = reason),
  });
  return { hub, ctx, frames, replies, replayed, quit: () => quit };
}

Deno.test("an unknown command is refused with a pointer to /help", () => {
  const { ctx } = context();
  const error = assertThrows(
    () => runCommand(ctx, "frobnicate", ""),
    ChatError,
    'Unknown command "/frobnicate"',
  );
  assertEquals(error.code, "unknown-command");
  assertMatch(error.message, /\/help lists the commands/);
});

Deno.test("a missing argument is refused with the command's usage", () => {
  const { ctx } = context();
  for (
    const [name, usage] of [["msg", "/msg NICK TEXT"], ["nick", "/nick NEW"], [
      "join",
      "/join ROOM",
    ]]
  ) {
    const error = assertThrows(
      () => runCommand(ctx, name!, "   "),
      ChatError,
      `Usage: ${usage}`,
    );
    assertEquals(error.code, "bad-args");
  }
  assertThrows(
    () => runCommand(ctx, "msg", "bob"),
    ChatError,
    "Usage: /msg NICK TEXT",
  );
});

Deno.test("/help lists every command of the table, operators' only to operators", () => {
  const { ctx, replies } = context();
  runCommand(ctx, "help", "");
  for (const command of COMMANDS) {
    const listed = replies[0]!.text.includes(`/${command.name} `) ||
      replies[0]!.text.includes(`/${command.name}\n`);
    assertEquals(listed, !command.operator, command.name);
  }
  ctx.member.op = true;
  runCommand(ctx, "help", "");
  for (const command of COMMANDS) {
    assert(replies[1]!.text.includes(`/${command.name}`), command.name);
  }
  assert(
    COMMAND_NAMES.includes("m") && COMMAND_NAMES.includes("whisper"),
    "aliases complete too",
  );
});

Deno.test("/who and /rooms reply with text and data", () => {
  const { hub, ctx, replies } = context();
  const bob = hub.enter("bob", { deliver: () => true });
  hub.setAway(bob, "lunch");
  runCommand(ctx, "who", "");
  assertEquals(replies[0]!.text, "In #lobby (2): ann, bob (away: lunch)");
  assertEquals(replies[0]!.data, {
    room: "lobby",
    members: [{ nick: "ann" }, { nick: "bob", away: "lunch" }],
  });
  runCommand(ctx, "rooms", "");
  assertEquals(replies[1]!.text, "Rooms (* you are in it):\n* #lobby (2)");
  const games = hub.enter("cat", { deliver: () => true }, { rooms: ["games"] });
  hub.setTopic(games, "games", "chess at 8");
  runCommand(ctx, "rooms", "");
  assertEquals(
    replies[2]!.text,
    "Rooms (* you are in it):\n  #games (1): chess at 8\n* #lobby (2)",
  );
  assertEquals(replies[2]!.data, {
    rooms: [
      { name: "games", members: 1, topic: "chess at 8", joined: false },
      { name: "lobby", members: 2, joined: true },
    ],
  });
  runCommand(ctx, "who", "#games");
  assertEquals(replies[3]!.text, "In #games (1): cat");
});

Deno.test("/reply answers the last private message, and says when there is none", () => {
  const { hub, ctx } = context();
  const frames: ServerFrame[] = [];
  const bob = hub.enter("bob", {
    deliver: (out) => (frames.push(out.frame), true),
  });
  assertThrows(
    () => runCommand(ctx, "reply", "hi"),
    ChatError,
    "No one has sent you a private message yet",
  );
  hub.whisper(bob, "ann", "ping");
  runCommand(ctx, "r", "pong");
  assertEquals(
    frames.filter((f) => f.type === "pm").map((f) => f.type === "pm" && f.text),
    ["ping", "pong"],
  );
});

Deno.test("/msg to an away member tells the sender they are away", () => {
  const { hub, ctx, replies } = context();
  const bob = hub.enter("bob", { deliver: () => true });
  hub.setAway(bob, "at lunch");
  runCommand(ctx, "msg", "bob are you there");
  assertEquals(replies.at(-1)!.text, "bob is away: at lunch");
});

Deno.test("/me sends an action and returns its delivery", async () => {
  const { hub, ctx } = context();
  hub.enter("bob", { deliver: () => true });
  const delivery = await runCommand(ctx, "me", "waves");
  assert(delivery !== undefined && "message" in delivery);
  assertEquals(
    [delivery.message.me, delivery.message.text, delivery.count],
    [true, "waves", 1],
  );
});

Deno.test("/msg and /reply return whom the private message reached: one of one, an ignorer too; a note to oneself nothing", () => {
  const { hub, ctx } = context();
  const bob = hub.enter("bob", { deliver: () => true });
  assertEquals(runCommand(ctx, "msg", "bob hi"), { count: 1, of: 1 });
  bob.ignores.set(ctx.member.person, new Set([ctx.member.nick]));
  assert(bob.ignoring(ctx.member));
  assertEquals(runCommand(ctx, "msg", "bob still there?"), { count: 1, of: 1 });
  assertEquals(runCommand(ctx, "msg", `${ctx.member.nick} note`), undefined);
});

Deno.test("/ignore and /unignore manage the ignore list", () => {
  const { hub, ctx, replies } = context();
  const bob = hub.enter("Bob", { deliver: () => true });
  runCommand(ctx, "ignore", "bob");
  assert(ctx.member.ignores.has(bob.person));
  runCommand(ctx, "ignore", "");
  assertEquals(replies.at(-1)!.text, "You ignore: Bob");
  assertThrows(
    () => runCommand(ctx, "ignore", "ann"),
    ChatError,
    "You cannot ignore yourself",
  );
  runCommand(ctx, "unignore", "BOB");
  assert(!ctx.member.ignores.has(bob.person));
  assertThrows(
    () => runCommand(ctx, "unignore", "bob"),
    ChatError,
    'You do not ignore "bob"',
  );
});

Deno.test("/history pages further back each time", () => {
  const hub = new Hub({
    history: new MemoryHistory({ perRoom: 100 }),
    historyOnJoin: 3,
  });
  const bob = hub.enter("bob", { deliver: () => true });
  for (let i = 1; i <= 10; i++) hub.say(bob, `m${i}`);
  const replayed: ChatMessage[] = [];
  const ann = hub.enter("ann", { deliver: () => true });
  const ctx = contextFor(hub, ann, {
    replay: (m) => replayed.push(...m),
  });
  // ann was shown m8..m10 on joining; /history goes on from there.
  const shown = hub.roomState(ann, "lobby", { max: 3 });
  assertEquals(shown.history.map((m) => m.text), ["m8", "m9", "m10"]);
  runCommand(ctx, "history", "4");
  assertEquals(replayed.map((m) => m.text), ["m4", "m5", "m6", "m7"]);
  runCommand(ctx, "history", "");
  assertEquals(replayed.slice(4).map((m) => m.text), ["m1", "m2", "m3"]);
  assertThrows(
    () => runCommand(ctx, "history", "lots"),
    ChatError,
    "Usage: /history [N]",
  );
});

Deno.test("/quit asks the session to end with the reason", () => {
  const { ctx, quit } = context();
  runCommand(ctx, "quit", " off to bed ");
  assertEquals(quit(), "off to bed");
});

/** The last event the member's sink got, as `event room reason`. */
function lastEvent(frames: ServerFrame[]): string | undefined {
  const event = frames.findLast((f) => f.type === "event");
  return event?.type === "event"
    ? `${event.event} ${event.room} ${event.reason ?? "-"}`
    : undefined;
}

Deno.test("/part #ROOM REASON leaves that room, tells it why, and keeps the current room", () => {
  const { hub, ctx, frames } = context();
  hub.join(ctx.member, "games");
  hub.join(ctx.member, "chess");
  runCommand(ctx, "part", "#games gone fishing");
  assertEquals([...ctx.member.rooms], ["lobby", "chess"]);
  assertEquals(ctx.member.room, "chess");
  assertEquals(lastEvent(frames), "part games gone fishing");
});

Deno.test("/part alone leaves the current room, or the room the line was said in; /leave is the same command", () => {
  const { hub, ctx, frames } = context();
  hub.join(ctx.member, "games");
  runCommand(ctx, "part", "");
  assertEquals([[...ctx.member.rooms], ctx.member.room], [["lobby"], "lobby"]);
  assertEquals(lastEvent(frames), "part games -");
  hub.join(ctx.member, "chess");
  runCommand(ctx, "leave", "bye all");
  assertEquals([...ctx.member.rooms], ["lobby"]);
  assertEquals(lastEvent(frames), "part chess bye all");
  hub.join(ctx.member, "news");
  runCommand({ ...ctx, room: "lobby" }, "part", "");
  assertEquals([[...ctx.member.rooms], ctx.member.room], [["news"], "news"]);
  assertEquals(lastEvent(frames), "part lobby -");
});

Deno.test("/switch makes a joined room current and tells the session, and refuses a room not joined", () => {
  const hub = new Hub({
    history: new MemoryHistory({ perRoom: 10 }),
    historyOnJoin: 10,
  });
  const ann = hub.enter("ann", { deliver: () => true });
  const joined: [string, boolean][] = [];
  const ctx = contextFor(hub, ann, {
    joined: (room, fresh) => joined.push([room, fresh]),
  });
  hub.join(ann, "games");
  runCommand(ctx, "switch", "#lobby");
  assertEquals(ann.room, "lobby");
  assertEquals(joined, [["lobby", false]]);
  assertEquals([...ann.rooms], ["lobby", "games"]);
  const error = assertThrows(
    () => runCommand(ctx, "switch", "chess"),
    ChatError,
    "You are not in #chess: /join chess",
  );
  assertEquals(error.code, "not-now");
  assertEquals([ann.room, joined.length], ["lobby", 1]);
  assertEquals(hub.rooms().map((r) => r.name), ["games", "lobby"]);
});

Deno.test("/topic shows the room's topic, and /topic TEXT sets it and tells the room", () => {
  const { hub, ctx, frames, replies } = context();
  runCommand(ctx, "topic", "");
  assertEquals(replies.at(-1), {
    cmd: "topic",
    text: "#lobby has no topic",
    data: { room: "lobby", topic: "" },
  });
  runCommand(ctx, "topic", "  welcome, all  ");
  assertEquals(hub.topic("lobby"), "welcome, all");
  assertEquals(lastEvent(frames), "topic lobby welcome, all");
  runCommand(ctx, "topic", "");
  assertEquals(replies.at(-1), {
    cmd: "topic",
    text: "The topic of #lobby: welcome, all",
    data: { room: "lobby", topic: "welcome, all" },
  });
});

Deno.test("/topic -lock is for operators only; once locked, others cannot change the topic", () => {
  const { hub, ctx, replies } = context();
  const error = assertThrows(
    () => runCommand(ctx, "topic", "-lock"),
    ChatError,
    "Only operators",
  );
  assertEquals(error.code, "forbidden");
  runCommand(ctx, "topic", "still open");
  assertEquals(hub.topic("lobby"), "still open");
  ctx.member.op = true;
  runCommand(ctx, "topic", "-lock");
  assertEquals(
    replies.at(-1)!.text,
    "The topic of #lobby is locked: only operators may change it",
  );
  const bob = hub.enter("bob", { deliver: () => true });
  assertThrows(
    () => runCommand(contextFor(hub, bob), "topic", "mine now"),
    ChatError,
    "The topic of #lobby is locked",
  );
  assertEquals(hub.topic("lobby"), "still open");
});

Deno.test("/who #ROOM lists that room's members, even one the caller is not in", () => {
  const { hub, ctx, replies } = context();
  hub.enter("cat", { deliver: () => true }, { rooms: ["games", "lobby"] });
  hub.enter("bob", { deliver: () => true }, { rooms: ["games"] });
  runCommand(ctx, "who", "#games");
  assertEquals(replies.at(-1), {
    cmd: "who",
    text: "In #games (2): bob, cat",
    data: { room: "games", members: [{ nick: "bob" }, { nick: "cat" }] },
  });
  runCommand(ctx, "who", "");
  assertEquals(replies.at(-1)!.text, "In #lobby (2): ann, cat");
});

Deno.test("a one-room client's /join moves it: it leaves its room for the new one, as version 1 clients expect", () => {
  const hub = new Hub({
    history: new MemoryHistory({ perRoom: 10 }),
    historyOnJoin: 10,
  });
  const ann = hub.enter("ann", { deliver: () => true });
  const inLobby: ServerFrame[] = [];
  const inGames: ServerFrame[] = [];
  hub.enter("bob", { deliver: (out) => (inLobby.push(out.frame), true) });
  hub.enter("cat", { deliver: (out) => (inGames.push(out.frame), true) }, {
    rooms: ["games"],
  });
  const joined: [string, boolean][] = [];
  const ctx = contextFor(hub, ann, {
    multiRoom: false,
    joined: (room, fresh) => joined.push([room, fresh]),
  });
  runCommand(ctx, "join", "#games");
  assertEquals([[...ann.rooms], ann.room], [["games"], "games"]);
  assertEquals(joined, [["games", true]]);
  assertEquals(lastEvent(inLobby), "part lobby -");
  assertEquals(lastEvent(inGames), "join games -");
  assertEquals(hub.who("lobby").map((m) => m.nick), ["bob"]);
  const error = assertThrows(
    () => runCommand(ctx, "join", "games"),
    ChatError,
    "You are in #games already",
  );
  assertEquals(error.code, "not-now");
  runCommand(ctx, "part", "");
  assertEquals([[...ann.rooms], ann.room], [["lobby"], "lobby"]);
  assertThrows(
    () => runCommand(ctx, "switch", "lobby"),
    ChatError,
    "This client is in one room at a time",
  );
});

Deno.test("a one-room client moves rooms even on a server that allows one room per member", () => {
  const hub = new Hub({
    history: new MemoryHistory({ perRoom: 10 }),
    historyOnJoin: 10,
    limits: { ...limitDefaults(PROTOCOL_LIMITS), roomsPerMember: 1 },
  });
  const ann = hub.enter("ann", { deliver: () => true });
  const ctx = contextFor(hub, ann, { multiRoom: false });
  runCommand(ctx, "join", "games");
  assertEquals([[...ann.rooms], ann.room], [["games"], "games"]);
  runCommand(ctx, "part", "");
  assertEquals([[...ann.rooms], ann.room], [["lobby"], "lobby"]);
});

Deno.test("/who of a room that does not exist says so, not that it is empty", () => {
  const { ctx } = context();
  assertThrows(
    () => runCommand(ctx, "who", "nosuchroom"),
    ChatError,
    "There is no room #nosuchroom; /rooms lists them",
  );
});

Deno.test("/whois says away with the message once: `away: lunch`, or `away` alone", () => {
  const { hub, ctx, replies } = context();
  const bob = hub.enter("bob", { deliver: () => true });
  hub.setAway(bob, "lunch");
  runCommand(ctx, "whois", "bob");
  assertMatch(replies.at(-1)!.text, /, away: lunch(,|$)/);
  assertNotMatch(replies.at(-1)!.text, /away is away/);
  hub.setAway(bob, "");
  runCommand(ctx, "whois", "bob");
  assertMatch(replies.at(-1)!.text, /, away(,|$)/);
});

Deno.test("/help keeps every description in its column: a wide usage gets a row of its own", () => {
  const { ctx, replies } = context();
  ctx.member.op = true;
  runCommand(ctx, "help", "");
  const rows = replies[0]!.text.split("\n").slice(1);
  const column = 23; // Two spaces, a 20-wide usage, a space.
  let ownRows = 0;
  rows.forEach((row, i) => {
    if (row.slice(0, column).trim() === "") return; // A description's own row.
    const next = rows[i + 1] ?? "";
    if (next.slice(0, column).trim() !== "" || next === "") {
      // Usage and description side by side, the description in its column.
      assertEquals([row[column - 1], row[column] === " "], [" ", false], row);
    } else {
      // A usage too wide for the column: its description on the next row.
      assert(row.length > column - 1, row);
      ownRows++;
    }
  });
  assert(ownRows > 0, "the table has a usage wider than the column (/kick)");
});

Deno.test("/whois of someone in no room says so, not #undefined", () => {
  const { hub, ctx, replies } = context();
  const bob = hub.enter("bob", { deliver: () => true }, { rooms: [] });
  assertEquals([...bob.rooms], []);
  runCommand(ctx, "whois", "bob");
  const reply = replies.at(-1)!;
  assertMatch(reply.text, /^bob: /);
  assertNotMatch(reply.text, /undefined/);
});
