/**
 * The IRC listener's mapping, unit by unit: hub frames to IRC lines
 * (`irc_out.ts`), capability negotiation (`caps.ts`), mIRC codes and CTCP
 * (`formatting.ts`), refusals to numerics (`answers.ts`), and one
 * `IrcSession` driven over an in-memory connection against a real hub.
 */
import { assert, assertEquals, assertMatch } from "./assert.ts";
import { answerError } from "../lib/server/irc/answers.ts";
import { capList, requestCaps } from "../lib/server/irc/caps.ts";
import { readText, stripFormatting } from "../lib/server/irc/formatting.ts";
import {
  encodeIrc,
  historyBatch,
  type IrcReader,
  noticeLines,
} from "../lib/server/irc/irc_out.ts";
import { IrcSession } from "../lib/server/irc/irc_session.ts";
import { parseMessage } from "../lib/server/irc/message.ts";
import { Hub } from "../lib/server/hub.ts";
import { MemoryHistory } from "../lib/server/history.ts";
import { Outgoing } from "../lib/server/outgoing.ts";
import { serverContext } from "../lib/server/server_context.ts";
import { readLines } from "../lib/shared/lines.ts";
import { memoryPair } from "./util/memory_pair.ts";

const decoder = new TextDecoder();
const reader = (caps: string[] = [], nick = "ann"): IrcReader => ({
  nick,
  caps: new Set(caps),
});
const text = (bytes: Uint8Array) => decoder.decode(bytes);

Deno.test("a room message is a PRIVMSG from nick!nick@lochat, with time and msgid only for readers who asked", () => {
  const out = new Outgoing({
    type: "msg",
    seq: 7,
    room: "games",
    from: "bob",
    text: "gg",
    ts: Date.UTC(2026, 0, 2, 3, 4, 5),
  });
  assertEquals(
    text(encodeIrc(out, reader())),
    ":bob!bob@lochat PRIVMSG #games :gg\r\n",
  );
  assertEquals(
    text(encodeIrc(out, reader(["server-time", "message-tags"]))),
    "@time=2026-01-02T03:04:05.000Z;msgid=7 :bob!bob@lochat PRIVMSG #games :gg\r\n",
  );
  // Encoded once per set of tags, whoever reads it.
  assert(
    encodeIrc(out, reader(["server-time"])) ===
      encodeIrc(out, reader(["server-time"], "cat")),
  );
});

Deno.test("an action is CTCP ACTION, and a long one is cut into lines that each stay an action", () => {
  const out = new Outgoing({
    type: "msg",
    seq: 1,
    room: "games",
    from: "bob",
    text: "dances ".repeat(200).trim(),
    ts: 0,
    me: true,
  });
  const lines = text(encodeIrc(out, reader())).split("\r\n").filter((l) =>
    l !== ""
  );
  assert(lines.length > 1);
  for (const line of lines) {
    assert(new TextEncoder().encode(line).length <= 510, `${line.length}`);
    assert(line.includes("PRIVMSG #games :\x01ACTION "), line);
    assert(line.endsWith("\x01"), line);
  }
});

Deno.test("a message cut into several lines gives each line its own msgid: 48, 48.2, 48.3, live and in history", () => {
  const message = {
    type: "msg" as const,
    seq: 48,
    room: "games",
    from: "bob",
    text: "word ".repeat(250).trim(),
    ts: 0,
  };
  const ids = (lines: string) =>
    lines.split("\r\n").filter((l) => l !== "").map((l) => {
      const parsed = parseMessage(l);
      return "error" in parsed ? "" : parsed.tags.get("msgid");
    });
  const live = text(encodeIrc(new Outgoing(message), reader(["message-tags"])));
  assertEquals(ids(live), ["48", "48.2", "48.3"]);
  const history = historyBatch(
    "srv",
    reader(["message-tags", "batch"]),
    "games",
    [
      message,
    ],
  );
  assertEquals(ids(history).slice(1, -1), ["48", "48.2", "48.3"]);
});

Deno.test("a private message reaches its reader from the sender; the sender's own copy only with echo-message", () => {
  const out = new Outgoing({
    type: "pm",
    from: "bob",
    to: "ann",
    text: "psst",
    ts: 0,
  });
  assertEquals(
    text(encodeIrc(out, reader())),
    ":bob!bob@lochat PRIVMSG ann :psst\r\n",
  );
  assertEquals(text(encodeIrc(out, reader([], "bob"))), "");
  assertEquals(
    text(encodeIrc(out, reader(["echo-message"], "bob"))),
    ":bob!bob@lochat PRIVMSG ann :psst\r\n",
  );
});

Deno.test("events become JOIN, PART, QUIT, NICK, TOPIC, and AWAY only with away-notify", () => {
  const event = (extra: Record<string, unknown>) =>
    text(encodeIrc(
      new Outgoing({ type: "event", nick: "bob", ts: 0, ...extra } as never),
      reader(),
    ));
  assertEquals(
    event({ event: "join", room: "dev" }),
    ":bob!bob@lochat JOIN #dev\r\n",
  );
  assertEquals(
    event({ event: "part", room: "dev", reason: "bye now" }),
    ":bob!bob@lochat PART #dev :bye now\r\n",
  );
  assertEquals(
    event({ event: "quit", reason: "off" }),
    ":bob!bob@lochat QUIT :Quit: off\r\n",
  );
  assertEquals(
    event({ event: "nick", to: "rob" }),
    ":bob!bob@lochat NICK :rob\r\n",
  );
  assertEquals(
    event({ event: "topic", room: "dev", reason: "ship it" }),
    ":bob!bob@lochat TOPIC #dev :ship it\r\n",
  );
  assertEquals(event({ event: "away", reason: "lunch" }), "");
  assertEquals(
    text(encodeIrc(
      new Outgoing({
        type: "event",
        event: "away",
        nick: "bob",
        ts: 0,
        reason: "lunch",
      }),
      reader(["away-notify"]),
    )),
    ":bob!bob@lochat AWAY :lunch\r\n",
  );
});

Deno.test("a notice is a NOTICE, in a room, in private and in history; a kick is a KICK with the operator's reason", () => {
  const room = new Outgoing({
    type: "msg",
    seq: 3,
    room: "dev",
    from: "bob",
    text: "build green",
    ts: 0,
    notice: true,
  });
  assertEquals(
    text(encodeIrc(room, reader())),
    ":bob!bob@lochat NOTICE #dev :build green\r\n",
  );
  const pm = new Outgoing({
    type: "pm",
    from: "bob",
    to: "ann",
    text: "psst",
    ts: 0,
    notice: true,
  });
  assertEquals(
    text(encodeIrc(pm, reader())),
    ":bob!bob@lochat NOTICE ann :psst\r\n",
  );
  assertMatch(
    historyBatch("srv", reader(), "dev", [{
      seq: 1,
      room: "dev",
      from: "bob",
      text: "old news",
      ts: 0,
      notice: true,
    }]),
    /^:bob!bob@lochat NOTICE #dev :\[\d\d:\d\d\] old news\r\n$/,
  );
  const part = (reason: string | undefined, by?: string) =>
    text(encodeIrc(
      new Outgoing({
        type: "event",
        event: "part",
        nick: "ann",
        room: "dev",
        ts: 0,
        ...(reason === undefined ? {} : { reason }),
        ...(by === undefined ? {} : { by }),
      }),
      reader(),
    ));
  assertEquals(
    part("kicked by boss: spam", "boss"),
    ":boss!boss@lochat KICK #dev ann :spam\r\n",
  );
  assertEquals(
    part("kicked by boss", "boss"),
    ":boss!boss@lochat KICK #dev ann :boss\r\n",
  );
  // Someone's own part reason that reads like a kick is still a PART.
  assertEquals(
    part("kicked by boss: spam"),
    ":ann!ann@lochat PART #dev :kicked by boss: spam\r\n",
  );
});

Deno.test("history is a chathistory batch with times, or [HH:MM] text without server-time", () => {
  const messages = [{ seq: 1, room: "dev", from: "bob", text: "hi", ts: 0 }];
  const batched = historyBatch(
    "srv",
    reader(["batch", "server-time"]),
    "dev",
    messages,
  ).split("\r\n");
  assertEquals(batched[0], ":srv BATCH +history-dev chathistory #dev");
  assertEquals(
    batched[1],
    "@batch=history-dev;time=1970-01-01T00:00:00.000Z :bob!bob@lochat PRIVMSG #dev :hi",
  );
  assertEquals(batched[2], ":srv BATCH -history-dev");
  const plain = historyBatch("srv", reader(), "dev", messages);
  assertMatch(plain, /^:bob!bob@lochat PRIVMSG #dev :\[\d\d:\d\d\] hi\r\n$/);
  assertEquals(historyBatch("srv", reader(["batch"]), "dev", []), "");
});

Deno.test("a server notice is a line a row, cut to fit, cleaned", () => {
  const lines = noticeLines(
    "srv",
    "ann",
    `one\n\x1b[31mtwo\n${"x".repeat(600)}`,
  )
    .split("\r\n").filter((l) => l !== "");
  assertEquals(lines[0], ":srv NOTICE ann :one");
  assertEquals(lines[1], ":srv NOTICE ann :two");
  assertEquals(lines.length, 4);
});

Deno.test("CAP REQ is all or nothing, and - drops a capability", () => {
  assertEquals(
    requestCaps(new Set(), "server-time echo-message"),
    new Set(["server-time", "echo-message"]),
  );
  assertEquals(requestCaps(new Set(), "server-time bogus"), undefined);
  assertEquals(requestCaps(new Set(), ""), undefined);
  assertEquals(
    requestCaps(new Set(["batch", "sasl"]), "-sasl"),
    new Set(["batch"]),
  );
  assert(capList(302).includes("sasl=PLAIN"));
  assert(capList(0).split(" ").includes("sasl"));
});

Deno.test("mIRC formatting codes are stripped; CTCP ACTION is an action, other CTCP is not text", () => {
  assertEquals(
    stripFormatting(
      "\x02b\x02 \x0304,12c\x03 \x04ff0000h\x04 \x1di\x1d\x1fu\x1f\x1es\x1e\x11m\x11\x16r\x16\x0f.",
    ),
    "b c h iusmr.",
  );
  assertEquals(stripFormatting("\x0312345"), "345");
  assertEquals(readText("\x01ACTION \x02waves\x01"), {
    kind: "action",
    text: "waves",
  });
  assertEquals(readText("\x01VERSION\x01"), {
    kind: "ctcp",
    command: "VERSION",
  });
  assertEquals(readText("plain"), { kind: "text", text: "plain" });
});

Deno.test("Lochat refusals become the numerics IRC has for the command that caused them", () => {
  const code = (command: string, error: Parameters<typeof answerError>[2]) =>
    answerError(command, "#x", error, "why")?.code;
  assertEquals(code("JOIN", "room-limit"), "405");
  assertEquals(code("JOIN", "room-invalid"), "403");
  assertEquals(code("NICK", "nick-taken"), "433");
  assertEquals(code("NICK", "nick-invalid"), "432");
  assertEquals(code("PRIVMSG", "not-now"), "404");
  assertEquals(code("PART", "not-now"), "442");
  assertEquals(code("KICK", "forbidden"), "482");
  assertEquals(code("OPER", "forbidden"), "464");
  assertEquals(code("PRIVMSG", "no-such-nick"), "401");
  assertEquals(code("PRIVMSG", "storage"), undefined);
});

Deno.test("an IrcSession registers, joins, hears a native member and echoes its own line, over an in-memory connection", async () => {
  const hub = new Hub({
    history: new MemoryHistory({ perRoom: 50 }),
    historyOnJoin: 50,
  });
  const context = serverContext({ hub });
  const [client, server] = memoryPair();
  const session = new IrcSession(server, context, { peer: "test" }, {
    serverName: "srv",
    created: new Date(0),
  });
  const running = session.run();
  const lines = readLines(client, { maxBytes: 16384 })[Symbol.asyncIterator]();
  const next = async (match: (command: string) => boolean) => {
    while (true) {
      const result = await lines.next();
      if (result.done) throw new Error("ended");
      if (!result.value.ok) continue;
      const parsed = parseMessage(result.value.line);
      if (!("error" in parsed) && match(parsed.command)) return parsed;
    }
  };
  const send = (line: string) =>
    client.write(new TextEncoder().encode(`${line}\r\n`));
  await send("CAP LS 302");
  await send("CAP REQ :echo-message");
  await send("NICK ann");
  await send("USER ann 0 * :Ann");
  await send("CAP END");
  await next((c) => c === "376");
  await send("JOIN #dev");
  await next((c) => c === "366");
  const bob = hub.enter("bob", { deliver: () => true }, { rooms: ["dev"] });
  await hub.say(bob, "hello ann", { room: "dev" });
  assertEquals((await next((c) => c === "PRIVMSG")).params, [
    "#dev",
    "hello ann",
  ]);
  await send("PRIVMSG #dev :hello bob");
  const echo = await next((c) => c === "PRIVMSG");
  assertEquals(echo.source, "ann!ann@lochat");
  assertEquals(hub.history("dev").map((m) => m.text), [
    "hello ann",
    "hello bob",
  ]);
  await send("QUIT :done");
  assertEquals((await next((c) => c === "ERROR")).params, [
    "Closing link (Quit: done)",
  ]);
  client.close();
  await running;
  assertEquals(hub.find("ann"), undefined);
});
