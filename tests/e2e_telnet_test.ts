import { assert, assertEquals } from "./assert.ts";
import {
  DO,
  DONT,
  IAC,
  IP,
  TelnetOption,
  WILL,
  WONT,
} from "../lib/server/telnet/commands.ts";
import { BytePeer } from "./util/byte_peer.ts";
import { ServerProcess } from "./util/program.ts";
import { RawPeer } from "./util/raw_peer.ts";
import { Tmux } from "./util/tmux.ts";

const SERVER_ARGS = ["--no-discovery"];

/** The next chat message `reader` gets, as `from: text`. */
async function nextMessage(reader: RawPeer): Promise<string> {
  const msg = await reader.frame((f) => f.type === "msg");
  assert(msg.type === "msg");
  return `${msg.from}: ${msg.text}`;
}

/** The telnet commands (`IAC verb option`) in what the server sent. */
function negotiation(bytes: Uint8Array): string[] {
  const names = new Map([[WILL, "WILL"], [WONT, "WONT"], [DO, "DO"], [
    DONT,
    "DONT",
  ]]);
  const seen: string[] = [];
  for (let i = 0; i + 2 < bytes.length; i++) {
    const verb = names.get(bytes[i + 1]!);
    if (bytes[i] === IAC && verb !== undefined) {
      seen.push(`${verb} ${bytes[i + 2]}`);
      i += 2;
    }
  }
  return seen;
}

for (
  const { how, port } of [
    { how: "", port: (p: number) => `${p}` },
    // A minus before the port makes telnet open with its option negotiation.
    {
      how: ", after telnet's opening negotiation",
      port: (p: number) => `-${p}`,
    },
  ]
) {
  Deno.test(`a line typed in Linux telnet arrives whole${how}, and every line on its screen starts in column 0`, async () => {
    await using server = await ServerProcess.start(SERVER_ARGS);
    await using bob = await RawPeer.native(server.port, "bob");
    await using telnet = await Tmux.start(
      `telnet -- 127.0.0.1 ${port(server.port)}`,
    );
    await telnet.waitForText("You are guest");
    await telnet.type("hello from telnet");
    await telnet.press("Enter");
    assertEquals(await nextMessage(bob), "guest1: hello from telnet");
    await bob.send({ type: "msg", id: "b1", text: "hi from bob" });
    await bob.send({ type: "msg", id: "b2", text: "and a second line" });
    const screen = await telnet.waitForText("<bob> and a second line");
    const ours = screen.filter((row) =>
      /Welcome to LoChat|You are guest|Message Received|<bob>/.test(row)
    );
    assert(ours.length >= 5, screen.join("\n"));
    for (const row of ours) {
      assert(
        /^(Welcome|You are|Message|\[\d\d:\d\d\] <bob>)/.test(row),
        `a line does not start in column 0 (a staircase):\n${
          screen.join("\n")
        }`,
      );
    }
  });
}

Deno.test("Ctrl-C in Linux telnet sends nothing that spoils the next line", async () => {
  await using server = await ServerProcess.start(SERVER_ARGS);
  await using bob = await RawPeer.native(server.port, "bob");
  await using telnet = await Tmux.start(`telnet 127.0.0.1 ${server.port}`);
  await telnet.waitForText("You are guest");
  await telnet.type("dropped half a lin");
  await telnet.press("C-c");
  await telnet.type("after ctrl-c");
  await telnet.press("Enter");
  assertEquals(await nextMessage(bob), "guest1: after ctrl-c");
  assertEquals(
    server.stderr.lines.filter((l) => l.includes("invalid")),
    [],
  );
});

Deno.test({
  name: "Ctrl-C in Linux telnet shows the server's hint",
  async fn() {
    await using server = await ServerProcess.start(SERVER_ARGS);
    await using telnet = await Tmux.start(`telnet 127.0.0.1 ${server.port}`);
    await telnet.waitForText("You are guest");
    await telnet.press("C-c");
    await telnet.waitForText("Ctrl-C drops the line being typed");
  },
});

Deno.test("PuTTY's opening negotiation is refused with DONT and WONT, and the line after it is delivered", async () => {
  await using server = await ServerProcess.start(SERVER_ARGS);
  await using bob = await RawPeer.native(server.port, "bob");
  await using putty = await BytePeer.connect(server.port, "putty");
  const { NAWS, TSPEED, TTYPE, NEW_ENVIRON, ECHO, SGA } = TelnetOption;
  await putty.write(
    new Uint8Array([
      ...[IAC, WILL, NAWS, IAC, WILL, TSPEED, IAC, WILL, TTYPE],
      ...[IAC, WILL, NEW_ENVIRON, IAC, DO, ECHO, IAC, WILL, SGA, IAC, DO, SGA],
      ...new TextEncoder().encode("hello from putty\r\n"),
    ]),
  );
  assertEquals(await nextMessage(bob), "guest1: hello from putty");
  await putty.waitForText("Message Received");
  assertEquals(
    negotiation(putty.bytes).sort(),
    [
      `DONT ${NAWS}`,
      `DONT ${TSPEED}`,
      `DONT ${TTYPE}`,
      `DONT ${NEW_ENVIRON}`,
      `WONT ${ECHO}`,
      `DONT ${SGA}`,
      `WONT ${SGA}`,
    ].sort(),
  );
});

for (
  const { name, sent, lines } of [
    {
      name: '"helo", two Backspaces and "llo" is "hello"',
      sent: "helo\b\bllo\r\n",
      lines: ["hello"],
    },
    {
      name: '"helo", two DELs and "llo" is "hello"',
      sent: "helo\x7f\x7fllo\r\n",
      lines: ["hello"],
    },
    {
      name: "a bare CR ends a line",
      sent: "first by CR\rsecond by CR\r",
      lines: ["first by CR", "second by CR"],
    },
    {
      name: "CR NUL ends a line",
      sent: "first by CR NUL\r\0second by CR NUL\r\0",
      lines: ["first by CR NUL", "second by CR NUL"],
    },
    {
      name: "a whole line is one line however the bytes fall",
      sent: "mixed LF\nthen CR LF\r\n",
      lines: ["mixed LF", "then CR LF"],
    },
  ]
) {
  Deno.test(`text mode over raw telnet bytes: ${name}`, async () => {
    await using server = await ServerProcess.start(SERVER_ARGS);
    await using bob = await RawPeer.native(server.port, "bob");
    await using typist = await BytePeer.connect(server.port, "typist");
    await typist.write(sent);
    const got = [];
    for (let i = 0; i < lines.length; i++) got.push(await nextMessage(bob));
    assertEquals(got, lines.map((line) => `guest1: ${line}`));
  });
}

Deno.test("Interrupt Process drops the line being typed, and the server says how to leave", async () => {
  await using server = await ServerProcess.start(SERVER_ARGS);
  await using bob = await RawPeer.native(server.port, "bob");
  await using typist = await BytePeer.connect(server.port, "typist");
  await typist.write("hi\r\n");
  assertEquals(await nextMessage(bob), "guest1: hi");
  await typist.write("half a li");
  await typist.write(new Uint8Array([IAC, IP]));
  await typist.write("whole\r\n");
  assertEquals(await nextMessage(bob), "guest1: whole");
  await typist.waitForText("Ctrl-C drops the line being typed");
});

Deno.test("every line the server sends in text mode ends in CR LF", async () => {
  await using server = await ServerProcess.start(SERVER_ARGS);
  await using bob = await RawPeer.native(server.port, "bob");
  await using typist = await BytePeer.connect(server.port, "typist");
  // A message, a multi-line reply (/help), a refusal and someone else's line.
  await typist.write("hi\r\n/help\r\n/frob\r\n");
  await typist.waitForText("Unknown command");
  await bob.send({ type: "msg", id: "b1", text: "last line" });
  await typist.waitForText("<bob> last line\r\n");
  const text = typist.text;
  assert(text.split("\n").length > 10, "many lines came back");
  const bare = [...text.matchAll(/[^\r]\n/g)].map((m) => m.index);
  assertEquals(bare, [], `bare LF in ${JSON.stringify(text)}`);
});
