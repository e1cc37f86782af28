/**
 * Bring your own IRC client, end to end: real IRC clients from Debian (ii,
 * irssi in tmux, WeeChat headless) on the server's IRC listener, in the
 * same rooms as the Lochat terminal client in tmux and a netcat-style
 * text-mode user on the native port. Each test skips, saying which, when a
 * client is not installed (`.ci/run` installs them).
 */
import { assert, assertEquals, assertMatch } from "./assert.ts";
import { clock } from "../lib/shared/render.ts";
import {
  Ii,
  installed,
  type IrcClientBinary,
  ircPort,
  Irssi,
  WeeChat,
} from "./util/irc_clients.ts";
import { CertFiles, opensslMissing } from "./util/cert_files.ts";
import { ServerProcess } from "./util/program.ts";
import { RawPeer } from "./util/raw_peer.ts";
import { Tmux } from "./util/tmux.ts";

const have = new Map<IrcClientBinary, boolean>();
for (const binary of ["ii", "irssi", "weechat-headless"] as const) {
  have.set(binary, await installed(binary));
}

/**
 * A test that needs `binaries` (and whatever `otherwise` says is missing,
 * when it says anything): ignored, saying what is missing, without them.
 */
function withClients(
  name: string,
  binaries: IrcClientBinary[],
  fn: () => Promise<void>,
  otherwise?: string,
): void {
  const absent = binaries.filter((b) => !have.get(b));
  const missing = absent.length === 0 ? [] : [
    `${absent.join(", ")} not installed (.ci/run installs them from Debian)`,
  ];
  if (otherwise !== undefined) missing.push(otherwise);
  Deno.test({
    name: missing.length === 0
      ? name
      : `${name} (ignored: ${missing.join("; ")})`,
    ignore: missing.length > 0,
    fn,
  });
}

/** The terminal client as a shell command, from source, with the deno running the tests. */
function clientCommand(port: number, args: string): string {
  return `NO_COLOR=1 '${Deno.execPath()}' run --allow-all client.ts --host 127.0.0.1 --port ${port} ${args}; echo "exit=$?"; sleep 600`;
}

/** A server with an IRC listener on a free port. */
async function startServer(): Promise<{ server: ServerProcess; irc: number }> {
  const server = await ServerProcess.start(["--irc-port", "0"]);
  try {
    return { server, irc: await ircPort(server) };
  } catch (error) {
    await server[Symbol.asyncDispose]();
    throw error;
  }
}

/** A netcat user on the native port: text mode, renamed to `nick`. */
async function netcat(port: number, nick: string): Promise<RawPeer> {
  const peer = await RawPeer.connect(port, `netcat ${nick}`);
  try {
    await peer.write(`/nick ${nick}\r\n`);
    await peer.log.waitFor(`is now known as ${nick}`);
  } catch (error) {
    await peer.close();
    throw error;
  }
  return peer;
}

/** Types a line into the terminal client and presses Enter. */
async function typeLine(tty: Tmux, line: string): Promise<void> {
  await tty.type(line);
  await tty.press("Enter");
}

/** The screen row that contains `text`, without its leading `[HH:MM] `. */
function rowWith(screen: string[], text: string): string {
  const row = screen.find((r) => r.includes(text));
  assert(row !== undefined, `no row with "${text}":\n${screen.join("\n")}`);
  return row.replace(/\[\d\d:\d\d\] /, "");
}

withClients(
  "ii and irssi chat in two rooms with the terminal client and a netcat user, each line where its room is",
  ["ii", "irssi"],
  async () => {
    const { server, irc } = await startServer();
    await using _server = server;
    await using tty = await Tmux.start(
      clientCommand(server.port, "--nick ann --room lobby,games"),
      { columns: 100 },
    );
    await tty.waitForText("You are ann in #lobby");
    await using carl = await netcat(server.port, "carl");
    await carl.write("/join games\r\n");
    await carl.log.waitFor("You joined #games");
    await using ii = await Ii.start(irc, "iris");
    await ii.join("#lobby");
    await ii.join("#games");
    await using irssi = await Irssi.start(irc, "irv");
    await irssi.join("#lobby");
    await irssi.join("#games");
    // The IRC users are members like any other: the terminal client lists them.
    await ii.waitFor("#games", /irv.*has joined #games/);

    // ii in #lobby: ann's current room, carl's other room, irssi's other window.
    await ii.say("#lobby", "hello lobby from ii");
    assertEquals(
      rowWith(await tty.waitForText("hello lobby from ii"), "from ii"),
      "<iris> hello lobby from ii",
    );
    assertMatch(
      await carl.log.waitFor("hello lobby from ii"),
      /^\[#lobby\] \[\d\d:\d\d\] <iris> hello lobby from ii$/,
    );

    // irssi in #games (its active window): ann sees it marked with its room.
    await irssi.type("a game from irssi");
    assertEquals(
      rowWith(await tty.waitForText("a game from irssi"), "from irssi"),
      "[#games] <irv> a game from irssi",
    );
    assertMatch(
      await carl.log.waitFor("a game from irssi"),
      /^\[\d\d:\d\d\] <irv> a game from irssi$/,
    );
    await ii.waitFor("#games", "<irv> a game from irssi");

    // The terminal client in #lobby; the netcat user in #games.
    await typeLine(tty, "ann says hi to the lobby");
    await ii.waitFor("#lobby", "<ann> ann says hi to the lobby");
    await carl.write("carl plays along\r\n");
    await carl.log.waitFor(/^Message Received/);
    await ii.waitFor("#games", "<carl> carl plays along");
    assertEquals(
      rowWith(await tty.waitForText("carl plays along"), "plays along"),
      "[#games] <carl> carl plays along",
    );
    await irssi.waitFor(/carl> carl plays along$/);
    await irssi.window("#lobby");
    await irssi.waitFor(/iris> hello lobby from ii$/);
    await irssi.waitFor(/ann> ann says hi to the lobby$/);
    // No IRC line leaked into the wrong room.
    assert(
      !(await ii.lines("#games")).some((l) => l.includes("hello lobby")),
    );
    assert(
      !(await ii.lines("#lobby")).some((l) => l.includes("carl plays along")),
    );

    // A nick change is seen by all: IRC, terminal and netcat.
    await irssi.type("/nick irving");
    await irssi.waitFor("You're now known as irving");
    await tty.waitForText("-- irv is now known as irving");
    await carl.log.waitFor("irv is now known as irving");
    await ii.waitFor("", /irv.*irving/);
    await typeLine(tty, "/nick anna");
    await irssi.waitFor(/ann is now known as anna/);
    await ii.waitFor("", /ann.*anna/);
    await carl.write("/nick carla\r\n");
    await irssi.waitFor(/carl is now known as carla/);
    await tty.waitForText("-- carl is now known as carla");
    // And the new nicks talk.
    await irssi.type("irving now");
    await ii.waitFor("#lobby", "<irving> irving now");
    await tty.waitForText("<irving> irving now");
  },
);

withClients(
  "private messages go both ways between IRC clients, the terminal client and a netcat user, and /me is an action everywhere",
  ["ii", "irssi"],
  async () => {
    const { server, irc } = await startServer();
    await using _server = server;
    await using tty = await Tmux.start(
      clientCommand(server.port, "--nick ann"),
      { columns: 100 },
    );
    await tty.waitForText("You are ann in #lobby");
    await using carl = await netcat(server.port, "carl");
    await using ii = await Ii.start(irc, "iris");
    await ii.join("#lobby");
    await using irssi = await Irssi.start(irc, "irv");
    await irssi.join("#lobby");

    // Terminal client → ii, and back.
    await typeLine(tty, "/msg iris psst, iris");
    await ii.waitFor("ann", "<ann> psst, iris");
    await ii.say("ann", "psst back, ann");
    assertEquals(
      rowWith(await tty.waitForText("psst back"), "psst back"),
      "*iris* psst back, ann",
    );

    // irssi → netcat user, and back: irssi opens a query window for it.
    await irssi.type("/msg carl hello carl");
    await carl.log.waitFor(/^\[\d\d:\d\d\] \*irv\* hello carl$/);
    await carl.write("/msg irv hello irv\r\n");
    await irssi.window("carl");
    await irssi.waitFor(/carl> hello irv$/);

    // ii ↔ irssi, IRC to IRC through Lochat.
    await ii.send("", "/PRIVMSG irv :from one irc client to another");
    await irssi.window("iris");
    await irssi.waitFor(/iris> from one irc client to another$/);
    await irssi.type("and back again");
    await ii.waitFor("irv", "<irv> and back again");
    // Nobody else saw any of it.
    assert(!(await tty.screen()).some((r) => r.includes("and back again")));
    assert(!carl.log.lines.some((l) => l.includes("and back again")));

    // /me from irssi, the terminal client and ii.
    await irssi.window("#lobby");
    await irssi.type("/me waves");
    assertEquals(
      rowWith(await tty.waitForText("irv waves"), "irv waves"),
      "* irv waves",
    );
    await carl.log.waitFor(/^\[\d\d:\d\d\] \* irv waves$/);
    // ii shows CTCP as it comes: the ACTION itself.
    await ii.waitFor("#lobby", "<irv> \x01ACTION waves\x01");
    await typeLine(tty, "/me nods");
    await irssi.waitFor(/\* ann nods$/);
    await carl.log.waitFor(/\* ann nods$/);
    await ii.me("#lobby", "bows");
    await irssi.waitFor(/\* iris bows$/);
    assertEquals(
      rowWith(await tty.waitForText("iris bows"), "iris bows"),
      "* iris bows",
    );
  },
);

withClients(
  "an IRC client joining a room is shown its history with the times it was said: in the text for ii, by server-time for WeeChat and irssi",
  ["ii", "irssi", "weechat-headless"],
  async () => {
    const { server, irc } = await startServer();
    await using _server = server;
    await using bob = await RawPeer.inRooms(server.port, "bob", ["lobby"]);
    const said: { text: string; ts: number }[] = [];
    for (const text of ["the first thing", "the second thing"]) {
      const id = `m${said.length}`;
      await bob.send({ type: "msg", id, text, room: "lobby" });
      const ack = await bob.frame((f) => f.type === "ack" && f.id === id);
      said.push({ text, ts: ack.type === "ack" ? ack.ts : 0 });
    }
    // Join in a later second than the history's, so that a client showing
    // the time it received a line cannot pass for one showing when it was said.
    const last = said[said.length - 1]!.ts;
    while (Math.floor(Date.now() / 1000) <= Math.floor(last / 1000)) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }

    // ii knows no tags: the time starts the text.
    await using ii = await Ii.start(irc, "iris");
    await ii.join("#lobby");
    for (const { text, ts } of said) {
      await ii.waitFor("#lobby", `<bob> ${clock(ts)} ${text}`);
    }

    // WeeChat takes server-time: its log line carries the time of saying.
    await using weechat = await WeeChat.start(irc, "wendy", {
      channels: ["#lobby"],
    });
    for (const { text, ts } of said) {
      const line = await weechat.waitFor("#lobby", `bob\t${text}`);
      assertEquals(line.time, weechatTime(ts), `the time of "${text}"`);
      assertEquals(line.text, text);
    }
    const joined = await weechat.waitFor("#lobby", /wendy.*has joined/);
    assert(joined.time > weechatTime(last), "the join comes after, later");

    // irssi shows server-time with /set show_server_time on (as the README
    // says), to the second here: joined a second later, a time of receipt
    // would show another second, whatever minute the clock is in.
    await using irssi = await Irssi.start(irc, "irv", {
      settings: {
        "fe-text": { show_server_time: "yes" },
        core: { timestamp_format: "%H:%M:%S" },
      },
    });
    await irssi.join("#lobby");
    for (const { text, ts } of said) {
      assertEquals(
        (await irssi.waitFor(`bob> ${text}`)).trim(),
        `${weechatTime(ts).slice(11)} < bob> ${text}`,
      );
    }

    // After the history, the live room: a line now has no time in its text.
    await bob.send({ type: "msg", id: "now", text: "and now", room: "lobby" });
    await ii.waitFor("#lobby", "<bob> and now");
    await weechat.waitFor("#lobby", "bob\tand now");
  },
);

withClients(
  "ii and irssi pointed at the native port by mistake are told where the IRC port is, and nothing they sent is posted",
  ["ii", "irssi"],
  async () => {
    const { server, irc } = await startServer();
    await using _server = server;
    await using bob = await RawPeer.inRooms(server.port, "bob", ["lobby"]);
    const told = `point your IRC client at IRC on port ${irc}`;
    await using ii = await Ii.start(server.port, "lost", { welcome: told });
    // Said twice: as a NOTICE, then as the ERROR that closes the connection.
    await ii.waitForCount("", told, 2);
    await using irssi = await Irssi.start(server.port, "mislaid", {
      welcome: told,
    });
    await irssi.waitFor("Connection lost");
    // The room heard nothing of their CAP, NICK and USER lines, nor of guests.
    await bob.send({
      type: "msg",
      id: "after",
      text: "anyone?",
      room: "lobby",
    });
    await bob.frame((f) => f.type === "ack" && f.id === "after");
    const heard = bob.frames().filter((f) =>
      (f.type === "msg" && f.from !== "bob") || f.type === "event"
    );
    assertEquals(heard, []);
  },
);

withClients(
  "IRC over TLS: irssi trusts the certificate file and logs in with SASL PLAIN, WeeChat pins the fingerprint and gives the server password, as the README says",
  ["irssi", "weechat-headless"],
  async () => {
    await using cert = await CertFiles.make();
    await using server = await ServerProcess.start([
      "--tls-cert",
      cert.cert,
      "--tls-key",
      cert.key,
      "--ircs-port",
      "0",
      "--password",
      "sekrit",
    ]);
    const ircs = await ircPort(server, "ircs");
    const printed = await server.stdout.waitFor(/^TLS certificate SHA256 /);
    const fingerprint = printed.replace(/^.* /, "").replaceAll(":", "");
    // No plain IRC port was asked for, so none is open.
    assert(!server.stdout.lines.some((l) => l.startsWith("irc listening")));

    // irssi checks the certificate's name: it connects to localhost.
    await using irssi = await Irssi.start(undefined, "irv", {
      commands: [
        "/network add -sasl_mechanism PLAIN -sasl_username irv -sasl_password sekrit lochat",
        `/server add -4 -tls -tls_verify -tls_cafile ${cert.cert} -network lochat localhost ${ircs}`,
        "/connect lochat",
      ],
    });
    await irssi.waitFor("SASL authentication succeeded");
    await irssi.join("#lobby");
    // irssi shows joins once it has synced the channel (its MODE and WHO).
    await irssi.waitFor("Join to #lobby was synced");

    await using weechat = await WeeChat.start(ircs, "wendy", {
      fingerprint,
      password: "sekrit",
      channels: ["#lobby"],
    });
    await weechat.waitFor("#lobby", /wendy.*has joined #lobby/);
    await irssi.waitFor(/wendy.*has joined #lobby/);
    await irssi.type("over TLS from irssi");
    await weechat.waitFor("#lobby", "irv\tover TLS from irssi");
    await weechat.input("#lobby", "and back from WeeChat");
    await irssi.waitFor(/wendy> and back from WeeChat$/);

    // The wrong password gets nowhere.
    await using wrong = await WeeChat.start(ircs, "mallory", {
      fingerprint,
      password: "guess",
      welcome: /password incorrect/i,
    });
    assert(
      !(await wrong.lines("")).some((l) => /welcome/i.test(l.text)),
      "no welcome for a wrong password",
    );
  },
  await opensslMissing(),
);

/** A time as WeeChat's logger writes it: local `YYYY-MM-DD HH:MM:SS`. */
function weechatTime(ts: number): string {
  const d = new Date(ts);
  const two = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${
    two(d.getHours())
  }:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}
