/**
 * The IRC listener end to end: the real server with `--irc-port 0`, raw IRC
 * peers (real TCP clients in the test, `util/irc_peer.ts`), native peers
 * and a netcat-style text user, asserting on what each of them sees.
 */
import { assert, assertEquals, assertMatch } from "./assert.ts";
import type { IrcMessage } from "../lib/server/irc/message.ts";
import { CertFiles, opensslMissing } from "./util/cert_files.ts";
import { ircPort } from "./util/irc_clients.ts";
import { IrcPeer } from "./util/irc_peer.ts";
import { ServerProcess } from "./util/program.ts";
import { RawPeer } from "./util/raw_peer.ts";

/** A server with an IRC listener, and the IRC port. */
async function ircServer(
  args: string[] = [],
): Promise<{ server: ServerProcess; irc: number }> {
  const server = await ServerProcess.start(["--irc-port", "0", ...args]);
  const line = await server.stdout.waitFor(/^irc listening on /);
  return { server, irc: Number(line.slice(line.lastIndexOf(":") + 1)) };
}

const numeric = (code: string) => (m: IrcMessage) => m.command === code;

Deno.test("an IRC client registers with CAP LS 302, REQ and END, and is told the server's real limits", async () => {
  const { server, irc } = await ircServer(["--max-rooms-per-member", "3"]);
  await using _server = server;
  await using ann = await IrcPeer.connect(irc, "ann");
  await ann.send("CAP LS 302", "NICK ann", "USER ann 0 * :Ann");
  const ls = await ann.expect((m) => m.command === "CAP");
  assertEquals(ls.params.slice(0, 2), ["*", "LS"]);
  const offered = ls.params[2]!.split(" ");
  for (
    const cap of [
      "echo-message",
      "server-time",
      "message-tags",
      "batch",
      "away-notify",
      "multi-prefix",
      "sasl=PLAIN",
    ]
  ) assert(offered.includes(cap), `${cap} in ${offered}`);
  await ann.send("CAP REQ :echo-message nonsense");
  const nak = await ann.expect((m) => m.command === "CAP");
  assertEquals(nak.params.slice(1), ["NAK", "echo-message nonsense"]);
  // Registration waits for CAP END.
  const before = await ann.until("t1");
  assert(!before.some((m) => m.command === "001"), "no 001 before CAP END");
  await ann.send("CAP REQ :echo-message server-time", "CAP END");
  assertEquals(
    (await ann.expect((m) => m.command === "CAP")).params.slice(1),
    ["ACK", "echo-message server-time"],
  );
  const welcome = await ann.expect(numeric("001"));
  assertEquals(welcome.params[0], "ann");
  const isupport = (await ann.expect(numeric("005"))).params;
  for (
    const token of [
      "CASEMAPPING=ascii",
      "CHANTYPES=#",
      "NICKLEN=24",
      "CHANNELLEN=33",
      "TOPICLEN=300",
      "CHANLIMIT=#:3",
    ]
  ) assert(isupport.includes(token), `${token} in ${isupport}`);
  assertEquals(
    (await ann.expect(numeric("372"))).params[1],
    "- Welcome to LoChat!",
  );
  await ann.expect(numeric("376"));
  await ann.send("CAP LIST");
  assertEquals(
    (await ann.expect((m) => m.command === "CAP")).params.slice(1),
    // CAP LS 302 turns cap-notify on by itself.
    ["LIST", "cap-notify echo-message server-time"],
  );
});

Deno.test("with echo-message a channel message comes back with its time and id: the tick; without it nothing comes back", async () => {
  const { server, irc } = await ircServer();
  await using _server = server;
  await using ann = await IrcPeer.register(irc, "ann", [
    "echo-message",
    "server-time",
    "message-tags",
  ]);
  await using bob = await IrcPeer.register(irc, "bob");
  await ann.send("JOIN #games");
  await ann.expect(numeric("366"));
  await bob.send("JOIN #games");
  await bob.expect(numeric("366"));
  const sent = Date.now();
  await ann.send("PRIVMSG #games :good game");
  const echo = await ann.expect((m) => m.command === "PRIVMSG");
  assertEquals(echo.source, "ann!ann@lochat");
  assertEquals(echo.params, ["#games", "good game"]);
  assertMatch(echo.tags.get("msgid") ?? "", /^\d+$/);
  const time = Date.parse(echo.tags.get("time") ?? "");
  assert(Math.abs(time - sent) < 5000, `time ${echo.tags.get("time")}`);
  const heard = await bob.expect((m) => m.command === "PRIVMSG");
  assertEquals(heard.params, ["#games", "good game"]);
  assertEquals(heard.tags.size, 0, "bob asked for no tags");
  // bob did not ask for echo-message: his line gets no answer on success.
  await bob.send("PRIVMSG #games :thanks");
  const answers = await bob.until("after-thanks");
  assertEquals(answers, []);
  assertEquals(
    (await ann.expect((m) => m.command === "PRIVMSG")).params,
    ["#games", "thanks"],
  );
});

Deno.test("joining a room shows its recent messages as a history batch with their times, or with [HH:MM] to a client without tags", async () => {
  const { server, irc } = await ircServer();
  await using _server = server;
  await using bob = await RawPeer.inRooms(server.port, "bob", ["games"]);
  const times: number[] = [];
  for (const [id, text] of [["b1", "first"], ["b2", "second"]]) {
    await bob.send({ type: "msg", id, text, room: "games" });
    const ack = await bob.frame((f) => f.type === "ack" && f.id === id);
    if (ack.type === "ack") times.push(ack.ts);
  }
  await using ann = await IrcPeer.register(irc, "ann", [
    "batch",
    "server-time",
  ]);
  await ann.send("JOIN #games");
  await ann.expect(numeric("366"));
  const start = await ann.expect((m) => m.command === "BATCH");
  const id = start.params[0]!.slice(1);
  assertEquals(start.params, [`+${id}`, "chathistory", "#games"]);
  for (const [i, text] of ["first", "second"].entries()) {
    const m = await ann.expect((m) => m.command === "PRIVMSG");
    assertEquals(m.source, "bob!bob@lochat");
    assertEquals(m.params, ["#games", text]);
    assertEquals(m.tags.get("batch"), id);
    assertEquals(m.tags.get("time"), new Date(times[i]!).toISOString());
  }
  assertEquals(
    (await ann.expect((m) => m.command === "BATCH")).params,
    [`-${id}`],
  );

  await using old = await IrcPeer.register(irc, "old");
  await old.send("JOIN #games");
  const first = await old.expect((m) => m.command === "PRIVMSG");
  assertMatch(first.params[1]!, /^\[\d\d:\d\d\] first$/);
  assertEquals(first.tags.size, 0);
});

Deno.test("IRC, native and netcat users see each other's messages, private messages both ways, /me, and nick changes", async () => {
  const { server, irc } = await ircServer();
  await using _server = server;
  await using nat = await RawPeer.inRooms(server.port, "nat", ["lobby"]);
  await using cat = await RawPeer.connect(server.port, "cat");
  await cat.write("hello from netcat\n");
  await nat.frame((f) => f.type === "msg" && f.text === "hello from netcat");
  await using ann = await IrcPeer.register(irc, "ann");
  await ann.send("JOIN #lobby");
  const names = await ann.expect(numeric("353"));
  assert(names.params[3]!.split(" ").includes("nat"), names.params[3]);
  const history = await ann.expect((m) => m.command === "PRIVMSG");
  assertMatch(history.params[1]!, /^\[\d\d:\d\d\] hello from netcat$/);

  await ann.send("PRIVMSG #lobby :hi from irc");
  await nat.frame((f) =>
    f.type === "msg" && f.from === "ann" && f.text === "hi from irc" &&
    f.room === "lobby"
  );
  await cat.log.waitFor((line) => line.includes("<ann> hi from irc"));

  await nat.send({ type: "msg", id: "n1", text: "hi ann", room: "lobby" });
  const fromNative = await ann.expect((m) => m.command === "PRIVMSG");
  assertEquals(fromNative.source, "nat!nat@lochat");
  assertEquals(fromNative.params, ["#lobby", "hi ann"]);
  await cat.write("and from netcat\n");
  const fromCat = await ann.expect((m) => m.command === "PRIVMSG");
  assertMatch(fromCat.source ?? "", /^guest\d+!/);
  assertEquals(fromCat.params, ["#lobby", "and from netcat"]);

  // /me both ways.
  await ann.send("PRIVMSG #lobby :\x01ACTION waves\x01");
  await nat.frame((f) =>
    f.type === "msg" && f.me === true && f.text === "waves"
  );
  await nat.send({ type: "msg", id: "n2", text: "/me bows", room: "lobby" });
  assertEquals(
    (await ann.expect((m) => m.command === "PRIVMSG")).params,
    ["#lobby", "\x01ACTION bows\x01"],
  );

  // Private messages both ways.
  await ann.send("PRIVMSG nat :just for you");
  await nat.frame((f) =>
    f.type === "pm" && f.from === "ann" && f.text === "just for you"
  );
  await nat.send({ type: "msg", id: "n3", text: "/msg ann and back" });
  const pm = await ann.expect((m) =>
    m.command === "PRIVMSG" && m.params[0] === "ann"
  );
  assertEquals(pm.source, "nat!nat@lochat");
  assertEquals(pm.params[1], "and back");

  // A nick change, seen by all.
  await ann.send("NICK anna");
  assertEquals(
    (await ann.expect((m) => m.command === "NICK")).params,
    ["anna"],
  );
  await nat.frame((f) =>
    f.type === "event" && f.event === "nick" && f.nick === "ann" &&
    f.to === "anna"
  );
  await nat.send({ type: "msg", id: "n4", text: "/nick nate" });
  const renamed = await ann.expect((m) => m.command === "NICK");
  assertEquals(renamed.source, "nat!nat@lochat");
  assertEquals(renamed.params, ["nate"]);
});

Deno.test("a NOTICE stays a notice: IRC users get NOTICE, a native user a notice, a netcat user -nick- text; CTCP VERSION to a native user is answered", async () => {
  const { server, irc } = await ircServer();
  await using _server = server;
  await using nat = await RawPeer.inRooms(server.port, "nat", ["lobby"]);
  await using cat = await RawPeer.connect(server.port, "cat");
  await cat.write("here\n");
  await using ann = await IrcPeer.register(irc, "ann");
  await using bob = await IrcPeer.register(irc, "bob");
  await ann.send("JOIN #lobby");
  await ann.expect(numeric("366"));
  await bob.send("JOIN #lobby");
  await bob.expect(numeric("366"));
  await ann.send("NOTICE #lobby :deploy done");
  const notice = await bob.expect((m) => m.params[1] === "deploy done");
  assertEquals([notice.source, notice.command], ["ann!ann@lochat", "NOTICE"]);
  await nat.frame((f) =>
    f.type === "msg" && f.notice === true && f.text === "deploy done"
  );
  await cat.log.waitFor((line) => line.includes("-ann- deploy done"));
  await ann.send("NOTICE bob :psst", "NOTICE nat :psst");
  const toBob = await bob.expect((m) => m.params[1] === "psst");
  assertEquals([toBob.command, toBob.params[0]], ["NOTICE", "bob"]);
  await nat.frame((f) => f.type === "pm" && f.notice === true);
  await ann.send("PRIVMSG nat :\x01VERSION\x01");
  const version = await ann.expect((m) => m.command === "NOTICE");
  assertEquals(version.source, "nat!nat@lochat");
  const answer = version.params[1]!;
  assert(
    answer.startsWith("\x01VERSION Lochat ") && answer.endsWith("\x01"),
    answer,
  );
});

Deno.test("mIRC colour and formatting codes are stripped from what IRC users say, for IRC readers and the echo too", async () => {
  const { server, irc } = await ircServer();
  await using _server = server;
  await using nat = await RawPeer.inRooms(server.port, "nat", ["lobby"]);
  await using bob = await IrcPeer.register(irc, "bob");
  await bob.send("JOIN #lobby");
  await bob.expect(numeric("366"));
  await using ann = await IrcPeer.register(irc, "ann", ["echo-message"]);
  await ann.send(
    "JOIN #lobby",
    "PRIVMSG #lobby :\x02bold\x02 \x0304,12red\x03 \x1dit\x1d\x0f!",
  );
  const m = await nat.frame((f) => f.type === "msg" && f.from === "ann");
  assertEquals(m.type === "msg" ? m.text : "", "bold red it!");
  // One plain message for every reader: IRC users get it plain too.
  const heard = await bob.expect((m) => m.command === "PRIVMSG");
  assertEquals(heard.params, ["#lobby", "bold red it!"]);
  const echo = await ann.expect((m) => m.command === "PRIVMSG");
  assertEquals(echo.params, ["#lobby", "bold red it!"]);
});

Deno.test("a Lochat message longer than an IRC line reaches IRC users whole, as several PRIVMSGs cut at character boundaries", async () => {
  const { server, irc } = await ircServer();
  await using _server = server;
  await using nat = await RawPeer.inRooms(server.port, "nat", ["lobby"]);
  await using ann = await IrcPeer.register(irc, "ann");
  await ann.send("JOIN #lobby");
  await ann.expect(numeric("366"));
  const text = "héllo wörld 👋🏽 ".repeat(100).trim();
  await nat.send({ type: "msg", id: "long", text, room: "lobby" });
  let joined = "";
  let pieces = 0;
  while (joined.length < text.length) {
    const m = await ann.expect((m) => m.command === "PRIVMSG");
    pieces++;
    joined += m.params[1];
  }
  assertEquals(joined, text);
  assert(pieces > 1, `${pieces} pieces`);
  const encoder = new TextEncoder();
  for (const line of ann.log.lines.filter((l) => l.includes("PRIVMSG"))) {
    assert(encoder.encode(line).length + 2 <= 512, `${line.length}`);
    assert(line.isWellFormed());
  }
});

Deno.test("IRC refusals: 417 for a long line, 421 for an unknown command, 432 with the one rule both sides allow for nicks either side refuses, 405 past the rooms limit", async () => {
  const { server, irc } = await ircServer(["--max-rooms-per-member", "2"]);
  await using _server = server;
  await using ann = await IrcPeer.register(irc, "ann");
  await ann.send(`PRIVMSG #lobby :${"x".repeat(600)}`);
  assertEquals(
    (await ann.expect(numeric("417"))).params[0],
    "ann",
  );
  await ann.send("FROB the thing");
  assertEquals((await ann.expect(numeric("421"))).params[1], "FROB");
  // IRC allows it, Lochat does not; then neither allows it, then only IRC
  // refuses it: one 432 that names what both allow, whichever refused.
  await ann.send("NICK ann|away");
  const rule = await ann.expect(numeric("432"));
  assertEquals(rule.params[1], "ann|away");
  assertMatch(
    rule.params[2]!,
    /ASCII letters, digits, "_" or "-", starting with a letter \(IRC allows these and \[\]\\`\^\{\}\|, Lochat only these\)/,
  );
  for (const nick of ["2ann", "Ünï", "9abc", "a[b]"]) {
    await ann.send(`NICK ${nick}`);
    const refused = await ann.expect(numeric("432"));
    assertEquals(refused.params.slice(1), [nick, rule.params[2]]);
  }
  await ann.send("JOIN #a,#b,#c");
  await ann.expect((m) => m.command === "JOIN" && m.params[0] === "#a");
  await ann.expect((m) => m.command === "JOIN" && m.params[0] === "#b");
  const full = await ann.expect(numeric("405"));
  assertEquals(full.params[1], "#c");
  assertMatch(full.params[2]!, /2 rooms/);
  // A NICK that is taken is 433.
  await using _bob = await IrcPeer.register(irc, "bob");
  await ann.send("NICK bob");
  assertEquals((await ann.expect(numeric("433"))).params[1], "bob");
});

Deno.test("with a server password, PASS or SASL PLAIN lets an IRC client in, and a wrong one is 464 and ERROR", async () => {
  const { server, irc } = await ircServer(["--password", "s3cret"]);
  await using _server = server;
  await using wrong = await IrcPeer.connect(irc, "wrong");
  await wrong.send("PASS nope", "NICK eve", "USER eve 0 * :Eve");
  await wrong.expect(numeric("464"));
  await wrong.expect((m) => m.command === "ERROR");
  await wrong.log.ended();

  await using none = await IrcPeer.connect(irc, "none");
  await none.send("NICK eve", "USER eve 0 * :Eve");
  await none.expect(numeric("464"));
  await none.log.ended();

  await using ann = await IrcPeer.register(irc, "ann", [], ["PASS s3cret"]);
  await ann.send("JOIN #lobby");
  await ann.expect(numeric("366"));

  await using bob = await IrcPeer.connect(irc, "bob");
  await bob.send("CAP LS 302", "CAP REQ :sasl", "NICK bob", "USER bob 0 * :B");
  await bob.expect((m) => m.command === "CAP" && m.params[1] === "ACK");
  await bob.send("AUTHENTICATE PLAIN");
  await bob.expect((m) => m.command === "AUTHENTICATE" && m.params[0] === "+");
  await bob.send(`AUTHENTICATE ${btoa("\0bob\0s3cret")}`);
  await bob.expect(numeric("900"));
  await bob.expect(numeric("903"));
  await bob.send("CAP END");
  await bob.expect(numeric("001"));
});

Deno.test("an IRC client on the native port is told where the IRC listener is, in IRC, and its lines are never chat", async () => {
  const { server, irc } = await ircServer();
  await using _server = server;
  await using nat = await RawPeer.inRooms(server.port, "nat", ["lobby"]);
  await using lost = await IrcPeer.connect(server.port, "lost");
  await lost.send("CAP LS 302", "NICK lost", "USER lost 0 * :Lost");
  const notice = await lost.expect((m) => m.command === "NOTICE");
  assertMatch(notice.params[1]!, new RegExp(`IRC on port ${irc}\\b`));
  await lost.expect((m) => m.command === "ERROR");
  await lost.log.ended();
  // nat hears nothing of it: a line of its own comes back first.
  await nat.send({ type: "msg", id: "n1", text: "/who" });
  await nat.frame((f) => f.type === "reply" && f.cmd === "who");
  assert(
    !nat.frames().some((f) => f.type === "msg" || f.type === "event"),
    JSON.stringify(nat.frames()),
  );
});

Deno.test("a server without an IRC listener says so to an IRC client on its native port", async () => {
  await using server = await ServerProcess.start();
  await using lost = await IrcPeer.connect(server.port, "lost");
  await lost.send("NICK lost", "USER lost 0 * :Lost");
  const notice = await lost.expect((m) => m.command === "NOTICE");
  assertMatch(notice.params[1]!, /has no IRC listener/);
  await lost.log.ended();
});

/** A server with IRC over TLS (and plain IRC too with `plain`), and its ports. */
async function ircsServer(
  cert: CertFiles,
  plain: boolean,
): Promise<{ server: ServerProcess; ircs: number; irc: number | undefined }> {
  const server = await ServerProcess.start([
    "--tls-cert",
    cert.cert,
    "--tls-key",
    cert.key,
    "--ircs-port",
    "0",
    ...(plain ? ["--irc-port", "0"] : []),
  ]);
  return {
    server,
    ircs: await ircPort(server, "ircs"),
    irc: plain ? await ircPort(server) : undefined,
  };
}

const tlsMissing = await opensslMissing();

Deno.test({
  name:
    "a plain IRC client on the TLS port is told in plain IRC to use TLS or the plain port, and closed; a TLS client still gets in",
  ignore: tlsMissing !== undefined,
  fn: async () => {
    await using cert = await CertFiles.make();
    for (const plain of [true, false]) {
      const { server, ircs, irc } = await ircsServer(cert, plain);
      await using _server = server;
      await using lost = await IrcPeer.connect(ircs, "plain on tls");
      await lost.send("CAP LS 302", "NICK lost", "USER lost 0 * :Lost");
      const said = plain
        ? `This is IRC over TLS; connect with TLS (irssi: -tls, WeeChat: -ssl) or use the plain IRC port ${irc}`
        : "This is IRC over TLS; connect with TLS (irssi: -tls, WeeChat: -ssl): this server has no plain IRC port";
      assertEquals(
        (await lost.expect((m) => m.command === "NOTICE")).params,
        ["*", said],
      );
      assertEquals(
        (await lost.expect((m) => m.command === "ERROR")).params,
        [said],
      );
      await lost.log.ended();
      await server.stderr.waitFor(/spoke plain text to the TLS port/);
      // The first bytes read to tell plain text from TLS are the handshake's.
      const conn = await tlsIrc(ircs, cert);
      const read = reader(conn);
      await write(conn, "NICK tina\r\nUSER tina 0 * :Tina\r\n");
      assertMatch(await read.until(/ 001 /), / 001 tina /);
      conn.close();
    }
  },
});

Deno.test({
  name:
    "the server ends an IRC over TLS connection with close_notify, not a bare end of stream",
  ignore: tlsMissing !== undefined,
  fn: async () => {
    await using cert = await CertFiles.make();
    const { server, ircs } = await ircsServer(cert, false);
    await using _server = server;
    const conn = await tlsIrc(ircs, cert);
    const read = reader(conn);
    await write(conn, "NICK tina\r\nUSER tina 0 * :Tina\r\n");
    await read.until(/ 376 /);
    await write(conn, "QUIT :bye\r\n");
    await read.until(/^ERROR /);
    // rustls says "peer closed connection without sending TLS close_notify"
    // where irssi says "unexpected eof" and WeeChat "non-properly terminated".
    assertEquals(await read.end(), "closed with close_notify");
    conn.close();
  },
});

/** A TLS connection to the IRC over TLS port, trusting `cert`. */
async function tlsIrc(port: number, cert: CertFiles): Promise<Deno.TlsConn> {
  return await Deno.connectTls({
    hostname: "localhost",
    port,
    caCerts: [await Deno.readTextFile(cert.cert)],
  });
}

async function write(conn: Deno.Conn, text: string): Promise<void> {
  await conn.write(new TextEncoder().encode(text));
}

/** The lines a connection reads, and how it ended. */
function reader(conn: Deno.Conn) {
  const decoder = new TextDecoder();
  const buffer = new Uint8Array(16384);
  let rest = "";
  const lines: string[] = [];
  let ended: string | undefined;
  const more = async () => {
    try {
      const n = await conn.read(buffer);
      if (n === null) ended = "closed with close_notify";
      else rest += decoder.decode(buffer.subarray(0, n), { stream: true });
    } catch (error) {
      ended = String(error);
    }
    const parts = rest.split("\r\n");
    rest = parts.pop()!;
    lines.push(...parts);
  };
  return {
    async until(pattern: RegExp): Promise<string> {
      while (true) {
        const at = lines.findIndex((l) => pattern.test(l));
        if (at !== -1) return lines.splice(0, at + 1).pop()!;
        if (ended !== undefined) throw new Error(`${ended}: ${lines}`);
        await more();
      }
    },
    async end(): Promise<string> {
      while (ended === undefined) await more();
      return ended;
    },
  };
}
