import { assert, assertEquals, assertMatch, assertThrows } from "./assert.ts";
import { runCommand } from "../lib/server/commands.ts";
import type { CommandContext } from "../lib/server/commands.ts";
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
  assertEquals(replies[1]!.text, "Rooms: #lobby (2)");
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
  assertEquals(
    [delivery?.message.me, delivery?.message.text, delivery?.count],
    [true, "waves", 1],
  );
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
