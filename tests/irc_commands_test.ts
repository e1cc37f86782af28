/**
 * What IRC commands do, against a real hub, over in-memory connections
 * (`util/irc_memory.ts`): notices, `WHO` masks and `+i`, `TOPIC` of a room
 * that does not exist, `USER` with an empty real name, `KICK`, CTCP and
 * `userhost-in-names`: what irctest found missing, each as IRC clients see
 * it and as the other clients' members do.
 */
import { assert, assertEquals, assertMatch } from "./assert.ts";
import { ctcpAnswer } from "../lib/server/irc/ctcp.ts";
import type { IrcMessage } from "../lib/server/irc/message.ts";
import { globMatch } from "../lib/server/irc/names.ts";
import { isupportTokens } from "../lib/server/irc/welcome.ts";
import { limitDefaults, PROTOCOL_LIMITS } from "../lib/shared/limits.ts";
import { IrcWorld } from "./util/irc_memory.ts";

const commands = (messages: IrcMessage[]) => messages.map((m) => m.command);
const lines = (messages: IrcMessage[]) =>
  messages.map((m) => [m.source ?? "", m.command, ...m.params].join(" "));

Deno.test("a NOTICE to a room reaches IRC users as a NOTICE (echo and history too) and others as a notice", async () => {
  await using world = new IrcWorld();
  const [, carl] = world.native("carl", ["dev"]);
  const ann = await world.client("ann", ["echo-message"]);
  const bob = await world.client("bob");
  await ann.ask("JOIN #dev");
  await bob.ask("JOIN #dev");
  await ann.ask(); // bob's JOIN
  carl.frames = [];
  const echo = await ann.ask("NOTICE #dev :build is green");
  assertEquals(lines(echo), ["ann!ann@lochat NOTICE #dev build is green"]);
  assertEquals(lines(await bob.ask()), [
    "ann!ann@lochat NOTICE #dev build is green",
  ]);
  assertEquals(carl.frames.map((f) => f.type === "msg" && f.notice), [true]);
  // Kept as a notice: a joiner's history has it as one.
  const dave = await world.client("dave", ["server-time"]);
  const joined = await dave.ask("JOIN #dev");
  assert(
    lines(joined).includes("ann!ann@lochat NOTICE #dev build is green"),
    lines(joined).join("\n"),
  );
  assertEquals(world.hub.history("dev").at(-1)?.notice, true);
});

Deno.test("a NOTICE to a nick reaches an IRC user as a NOTICE and a native one as a notice, and is never answered", async () => {
  await using world = new IrcWorld();
  const [, carl] = world.native("carl");
  const ann = await world.client("ann");
  const bob = await world.client("bob");
  await bob.ask("AWAY :lunch");
  // No 301 for the away bob, no 401 for no one: a notice is never answered.
  assertEquals(await ann.ask("NOTICE bob :psst", "NOTICE nobody :hello"), []);
  assertEquals(lines(await bob.ask()), ["ann!ann@lochat NOTICE bob psst"]);
  await ann.ask("NOTICE carl :psst");
  const pm = carl.frames.at(-1);
  assert(pm?.type === "pm" && pm.notice === true, JSON.stringify(pm));
  // A PRIVMSG is still a PRIVMSG, answered with the away message.
  assertEquals(commands(await ann.ask("PRIVMSG bob :hi")), ["301"]);
  assertEquals(commands(await bob.ask()), ["PRIVMSG"]);
});

Deno.test("WHO with a mask answers a 352 per member matching, in any case, and +i hides a member from masks of those who share no room", async () => {
  await using world = new IrcWorld();
  world.native("bert");
  const evan = await world.client("evan");
  const Shiv = await world.client("Shiv");
  const nicks = (messages: IrcMessage[]) =>
    messages.filter((m) => m.command === "352").map((m) => m.params[5]);
  const all = await Shiv.ask("WHO *");
  assertEquals(nicks(all), ["bert", "evan", "Shiv"]);
  assertEquals(all.at(-1)?.params, ["Shiv", "*", "End of WHO list"]);
  assertEquals(nicks(await Shiv.ask("WHO E?A*")), ["evan"]);
  assertEquals(nicks(await Shiv.ask("WHO b*")), ["bert"]);
  assertEquals(nicks(await Shiv.ask("WHO x*")), []);
  assertEquals(
    lines(await evan.ask("MODE evan +i")),
    ["evan!evan@lochat MODE evan +i"],
  );
  assertEquals((await evan.ask("MODE evan")).at(0)?.params, ["evan", "+i"]);
  assertEquals(nicks(await Shiv.ask("WHO eva*")), []);
  // Not from a nick, nor from oneself.
  assertEquals(nicks(await Shiv.ask("WHO evan")), ["evan"]);
  assertEquals(nicks(await evan.ask("WHO e*")), ["evan"]);
  // Nor from someone who shares a room.
  await evan.ask("JOIN #test");
  await Shiv.ask("JOIN #test");
  const shared = (await Shiv.ask("WHO eva*")).filter((m) =>
    m.command === "352"
  );
  assertEquals(shared.map((m) => m.params.slice(1, 3)), [["#test", "evan"]]);
  await evan.ask("MODE evan -i", "PART #test");
  assertEquals(nicks(await Shiv.ask("WHO eva*")), ["evan"]);
});

Deno.test("TOPIC of a room that does not exist is 403; a room that exists, or that an operator keeps while empty, answers 331 or 332", async () => {
  await using world = new IrcWorld();
  const ann = await world.client("ann");
  const boss = await world.client("boss");
  assertEquals(
    (await ann.ask("TOPIC #nowhere")).map((m) => [m.command, ...m.params]),
    [["403", "ann", "#nowhere", "No such channel"]],
  );
  await ann.ask("JOIN #chan");
  assertEquals(commands(await boss.ask("TOPIC #chan")), ["331"]);
  await ann.ask("PART #chan");
  assertEquals(commands(await boss.ask("TOPIC #chan")), ["403"]);
  // An operator's topic keeps the room while empty.
  await boss.ask("OPER boss s3cret", "JOIN #kept", "TOPIC #kept :stays");
  await boss.ask("PART #kept");
  assertEquals(
    (await ann.ask("TOPIC #kept")).map((m) => [m.command, ...m.params]),
    [["332", "ann", "#kept", "stays"]],
  );
});

Deno.test("USER with an empty real name or user name is 461, and a good USER then registers", async () => {
  await using world = new IrcWorld();
  const peer = world.connect();
  const refused = await peer.ask("NICK ann", "USER ann * * :", "USER  * * :x");
  assertEquals(refused.map((m) => [m.command, ...m.params]), [
    ["461", "ann", "USER", "Not enough parameters"],
    ["461", "ann", "USER", "Not enough parameters"],
  ]);
  await peer.send("USER ann * * :Ann");
  await peer.next((m) => m.command === "001");
});

Deno.test("005 says CLIENTTAGDENY=*: client-only tags are dropped, not relayed", () => {
  const tokens = isupportTokens(limitDefaults(PROTOCOL_LIMITS), "Lochat");
  assert(tokens.includes("CLIENTTAGDENY=*"), tokens.join(" "));
});

Deno.test("with userhost-in-names NAMES gives nick!nick@lochat, and without it nicks", async () => {
  await using world = new IrcWorld();
  const ann = await world.client("ann", ["userhost-in-names"]);
  const bob = await world.client("bob");
  await bob.ask("JOIN #chan");
  const full = await ann.ask("JOIN #chan");
  assertEquals(
    full.find((m) => m.command === "353")?.params.at(-1),
    "ann!ann@lochat bob!bob@lochat",
  );
  const plain = await bob.ask("NAMES #chan");
  assertEquals(
    plain.find((m) => m.command === "353")?.params.at(-1),
    "ann bob",
  );
});

Deno.test("an operator's KICK reaches IRC users as KICK with the reason, and native users as a part that names the operator", async () => {
  await using world = new IrcWorld();
  const [, carl] = world.native("carl", ["chan"]);
  const boss = await world.client("boss");
  const bob = await world.client("bob");
  await boss.ask("OPER boss s3cret", "JOIN #chan");
  await bob.ask("JOIN #chan");
  await boss.ask(); // bob's JOIN
  carl.frames = [];
  const kick = "boss!boss@lochat KICK #chan bob spam";
  assertEquals(lines(await boss.ask("KICK #chan bob :spam")), [kick]);
  assertEquals(lines(await bob.ask()), [kick]);
  assertEquals(carl.frames, [{
    type: "event",
    event: "part",
    nick: "bob",
    room: "chan",
    ts: (carl.frames[0] as { ts: number }).ts,
    reason: "kicked by boss: spam",
    by: "boss",
  }]);
  // Without a reason, IRC's is the operator's nick.
  await bob.ask("JOIN #chan");
  await boss.ask("KICK #chan bob");
  assertEquals(lines(await bob.ask()), [
    "boss!boss@lochat KICK #chan bob boss",
  ]);
});

Deno.test("CTCP to a native user is answered by the server for it, between IRC users passed on, to a room not carried", async () => {
  await using world = new IrcWorld();
  const [, carl] = world.native("carl", ["chan"]);
  const ann = await world.client("ann");
  const bob = await world.client("bob");
  const version = await ann.ask("PRIVMSG carl :\x01VERSION\x01");
  assertEquals(version.map((m) => [m.source, m.command, m.params[0]]), [[
    "carl!carl@lochat",
    "NOTICE",
    "ann",
  ]]);
  assert(version[0]!.params[1]!.startsWith("\x01VERSION Lochat"));
  assertEquals(
    (await ann.ask("PRIVMSG carl :\x01PING 1712\x01"))[0]?.params[1],
    "\x01PING 1712\x01",
  );
  const time = (await ann.ask("PRIVMSG carl :\x01TIME\x01"))[0]?.params[1];
  assert(time?.startsWith("\x01TIME ") && time.endsWith("\x01"), time);

  assertEquals(await ann.ask("PRIVMSG carl :\x01FINGER\x01"), []);
  assertEquals(carl.frames.filter((f) => f.type === "pm"), []);
  // Between IRC users, the other client answers for itself.
  await ann.ask("PRIVMSG bob :\x01VERSION\x01");
  assertEquals(lines(await bob.ask()), [
    "ann!ann@lochat PRIVMSG bob \x01VERSION\x01",
  ]);
  await bob.ask("NOTICE ann :\x01VERSION irssi 1.4\x01");
  assertEquals(lines(await ann.ask()), [
    "bob!bob@lochat NOTICE ann \x01VERSION irssi 1.4\x01",
  ]);
  // A room has no one client to answer; no one is, 401.
  await ann.ask("JOIN #chan");
  assertEquals(await ann.ask("PRIVMSG #chan :\x01VERSION\x01"), []);
  assertEquals(
    commands(await ann.ask("PRIVMSG nobody :\x01VERSION\x01")),
    ["401"],
  );
});

Deno.test("the server's CTCP answers: VERSION, PING with its argument, TIME, CLIENTINFO; nothing for the rest", () => {
  assertEquals(ctcpAnswer("PING 1 2"), "PING 1 2");
  assertEquals(ctcpAnswer("ping"), "PING");
  assertEquals(ctcpAnswer("TIME", new Date(0)), `TIME ${new Date(0)}`);
  assertEquals(
    ctcpAnswer("CLIENTINFO"),
    "CLIENTINFO ACTION CLIENTINFO PING TIME VERSION",
  );
  assert(ctcpAnswer("VERSION")!.startsWith("VERSION Lochat"));
  assertEquals(ctcpAnswer("FINGER"), undefined);
  assertEquals(ctcpAnswer("DCC SEND x 1 2 3"), undefined);
});

Deno.test("IRC masks: * any run, ? any one character, without regard to ASCII case", () => {
  const cases: [string, string, boolean][] = [
    ["*", "anyone", true],
    ["*", "", true],
    ["ev*", "Evan", true],
    ["EV*", "evan", true],
    ["e?an", "evan", true],
    ["e?an", "ean", false],
    ["*an", "evan", true],
    ["*a*n*", "evan", true],
    ["b*b", "bob", true],
    ["b*b", "bobby", false],
    ["evan", "evan2", false],
    ["", "", true],
  ];
  for (const [mask, name, want] of cases) {
    assertEquals(globMatch(mask, name), want, `${mask} ~ ${name}`);
  }
});

Deno.test("an operator lifts a ban with what the ban list shows, the banned nick or the bare address; +b says the ban is server-wide", async () => {
  await using world = new IrcWorld();
  const boss = await world.client("boss", [], "192.0.2.1");
  await boss.ask("OPER boss s3cret", "JOIN #lobby");
  const listed = "*!*@192.0.2.7";
  // What irssi's /unban sends (the listed mask), a nick, an address, and
  // the mask irssi's /ban makes of nick!nick@lochat.
  for (const unban of [listed, "wendy", "192.0.2.7", "*!wendy@lochat"]) {
    const wendy = await world.client("wendy", [], "192.0.2.7");
    await wendy.ask("JOIN #lobby");
    const set = await boss.ask("MODE #lobby +b wendy");
    const notice = set.find((m) => m.command === "NOTICE");
    assertEquals(
      notice?.params[1]?.startsWith(
        "Bans are server-wide in Lochat: 192.0.2.7 is banned from the server",
      ),
      true,
      lines(set).join("\n"),
    );
    assert(
      lines(set).includes(`boss!boss@lochat MODE #lobby +b ${listed}`),
      lines(set).join("\n"),
    );
    const list = await boss.ask("MODE #lobby b");
    assertEquals(
      list.filter((m) => m.command === "367").map((m) => m.params[2]),
      [listed],
    );
    assertEquals(
      lines(await boss.ask(`MODE #lobby -b ${unban}`)),
      [`boss!boss@lochat MODE #lobby -b ${listed}`],
      `-b ${unban}`,
    );
    assertEquals(world.hub.moderation.banned("192.0.2.7"), undefined);
  }
  // A mask that is not banned is said so in IRC's terms: no /bans, no 421.
  const none = await boss.ask(`MODE #lobby -b ${listed}`);
  assertEquals(commands(none), ["NOTICE"]);
  assertEquals(
    none[0]!.params[1],
    `${listed} is not banned: MODE #lobby b lists the bans (as *!*@ADDRESS); -b takes one of those, a banned nick or an address`,
  );
  // Not an operator: 482, whatever the mask.
  const ann = await world.client("ann", [], "192.0.2.8");
  assertEquals(commands(await ann.ask("MODE #lobby -b 192.0.2.7")), ["482"]);
});

Deno.test("joining a room again replays only what the user was not sent yet: after PART, its own line, a kick, a reconnect", async () => {
  await using world = new IrcWorld();
  const [bob] = world.native("bob", ["lobby"]);
  const say = async (text: string) => {
    await world.hub.say(bob, text, { room: "lobby" });
  };
  const replayed = async (
    client: { ask(...l: string[]): Promise<IrcMessage[]> },
  ) =>
    (await client.ask("JOIN #lobby"))
      .filter((m) => m.command === "PRIVMSG" && m.params[0] === "#lobby")
      .map((m) => m.params[1]);
  await say("one");
  const ann = await world.client("ann", ["server-time"], "192.0.2.7");
  assertEquals(await replayed(ann), ["one"]);
  await ann.ask("PART #lobby");
  await say("two");
  assertEquals(await replayed(ann), ["two"], "what was said while away");
  await ann.ask("PART #lobby");
  assertEquals(await replayed(ann), [], "a /cycle: nothing new");
  // Its own line was shown by its client as typed: not replayed either.
  await ann.ask("PRIVMSG #lobby :mine", "PART #lobby");
  assertEquals(await replayed(ann), []);
  const boss = await world.client("boss", [], "192.0.2.1");
  await boss.ask("OPER boss s3cret", "JOIN #lobby", "KICK #lobby ann");
  await say("three");
  assertEquals(await replayed(ann), ["three"], "after a kick");
  await ann.close();
  await say("four");
  const again = await world.client("ann", ["server-time"], "192.0.2.7");
  assertEquals(await replayed(again), ["four"], "after a reconnect");
  // Someone else is shown the recent messages.
  const cat = await world.client("cat", ["server-time"], "192.0.2.9");
  assertEquals(await replayed(cat), ["one", "two", "mine", "three", "four"]);
});

Deno.test("MODE and WHO take the comma lists irssi sends when it joins several channels, answering per channel", async () => {
  await using world = new IrcWorld();
  world.native("bert", ["games"]);
  const ann = await world.client("ann");
  await ann.ask("JOIN #lobby,#games");
  const modes = await ann.ask("MODE #lobby,#games");
  assertEquals(lines(modes), ["srv 324 ann #lobby +", "srv 324 ann #games +"]);
  const who = await ann.ask("WHO #lobby,#games");
  assertEquals(
    who.map((m) => `${m.command} ${m.params[1]} ${m.params[5] ?? ""}`),
    [
      "352 #lobby ann",
      "315 #lobby ",
      "352 #games ann",
      "352 #games bert",
      "315 #games ",
    ],
  );
  assertEquals(lines(await ann.ask("MODE #lobby,#games b")), [
    "srv 368 ann #lobby End of channel ban list",
    "srv 368 ann #games End of channel ban list",
  ]);
  assertEquals(commands(await ann.ask("MODE #lobby,#games +t")), ["403"]);
});

Deno.test("OPER is announced as MODE #room +o in the operator's rooms, and an operator's JOIN is followed by one", async () => {
  await using world = new IrcWorld();
  const ann = await world.client("ann");
  const boss = await world.client("boss");
  await ann.ask("JOIN #lobby,#games");
  await boss.ask("JOIN #lobby");
  await ann.ask();
  const opered = await boss.ask("OPER boss s3cret");
  assert(
    lines(opered).includes("srv MODE #lobby +o boss"),
    lines(opered).join("\n"),
  );
  assertEquals(lines(await ann.ask()), ["srv MODE #lobby +o boss"]);
  await boss.ask("JOIN #games");
  assertEquals(lines(await ann.ask()), [
    "boss!boss@lochat JOIN #games",
    "srv MODE #games +o boss",
  ]);
});

Deno.test("VERSION is 351 and the ISUPPORT lines, TIME is 391; a user MODE that changes nothing gets no answer", async () => {
  await using world = new IrcWorld();
  const ann = await world.client("ann");
  const version = await ann.ask("VERSION");
  assertEquals(version[0]?.command, "351");
  assertEquals(version[0]?.params.slice(1, 3), ["lochat-irc-1", "srv"]);
  assert(version.slice(1).every((m) => m.command === "005"));
  const time = await ann.ask("TIME");
  assertEquals(commands(time), ["391"]);
  assertEquals(time[0]?.params[1], "srv");
  assertMatch(time[0]!.params[2]!, /\d\d:\d\d:\d\d [+-]\d\d:\d\d$/);
  assertEquals(await ann.ask("MODE ann +w"), []);
  assertEquals(lines(await ann.ask("MODE ann +i")), [
    "ann!ann@lochat MODE ann +i",
  ]);
  assertEquals(await ann.ask("MODE ann +i"), []);
  assertEquals(lines(await ann.ask("MODE ann")), ["srv 221 ann +i"]);
});
