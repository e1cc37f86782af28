/**
 * Exact answers for scripts at every limit: `--send` and a pipe against a
 * real server, with lines at, below and above the message limit (2000
 * characters, counted in code points) and the line limit (8192 bytes as
 * sent, JSON escapes included). A refused line makes a script exit 3 with
 * the reason on stderr and never hangs; a person's session exits 0 however
 * often it was refused.
 */
import { assert, assertEquals, assertMatch } from "./assert.ts";
import { ServerProcess, startClient } from "./util/program.ts";
import { RawPeer } from "./util/raw_peer.ts";
import { Tmux } from "./util/tmux.ts";

const encoder = new TextEncoder();

/** 2000 code points: 3000 UTF-16 units, 6000 bytes, 1500 graphemes. */
const AT_TEXT_LIMIT = "👍🏽".repeat(500) + "日".repeat(500) + "x".repeat(500);
/** 2000 four-byte emoji: 8000 bytes, still under the line limit as JSON. */
const FOUR_BYTE_EMOJI = "😀".repeat(2000);
/**
 * 1400 escape characters (coloured output gone wrong): 1400 code points and
 * bytes as typed, but each is `\u001b` in JSON, 8400 bytes as sent.
 */
const ESCAPES = "\x1b".repeat(1400);

/** A line at a limit, and what becomes of it. */
interface Case {
  name: string;
  text: string;
  /** Why it is refused (on stderr), or undefined: it is delivered. */
  refused?: RegExp;
}

const CASES: Case[] = [
  { name: "2000 code points of emoji, CJK and ASCII", text: AT_TEXT_LIMIT },
  { name: "2000 four-byte emoji", text: FOUR_BYTE_EMOJI },
  {
    name: "2001 code points",
    text: `${AT_TEXT_LIMIT}x`,
    refused: /Not sent: The message is 2001 characters; the limit is 2000/,
  },
  {
    name: "1400 characters that are over 8192 bytes as sent",
    text: ESCAPES,
    refused: /Not sent: The line is \d+ bytes as sent; the limit is 8192/,
  },
  {
    name: "an unknown command",
    text: "/nosuch",
    refused: /the server refused a line: Unknown command "\/nosuch"/,
  },
];

Deno.test("the cases measure what they say", () => {
  assertEquals([...AT_TEXT_LIMIT].length, 2000);
  assertEquals(AT_TEXT_LIMIT.length, 3000, "UTF-16 units");
  assertEquals(encoder.encode(AT_TEXT_LIMIT).length, 6000);
  assertEquals(encoder.encode(FOUR_BYTE_EMOJI).length, 8000);
  const asSent = encoder.encode(JSON.stringify({ text: ESCAPES })).length;
  assert(asSent > 8192 && [...ESCAPES].length < 2000, `${asSent} bytes`);
});

/** A room with a watcher that counts who said what. */
async function watched(): Promise<
  { server: ServerProcess; watcher: RawPeer } & AsyncDisposable
> {
  const server = await ServerProcess.start();
  const watcher = await RawPeer.native(server.port, "watcher");
  return {
    server,
    watcher,
    async [Symbol.asyncDispose]() {
      await watcher.close();
      await server[Symbol.asyncDispose]();
    },
  };
}

/** The texts `nick` said in the room, as the watcher saw them. */
function said(watcher: RawPeer, nick: string): string[] {
  return watcher.frames().flatMap((f) =>
    f.type === "msg" && f.from === nick ? [f.text] : []
  );
}

/** Waits until the room has seen everything said before this. */
async function fence(port: number, watcher: RawPeer): Promise<void> {
  await using last = await RawPeer.native(port, "fence");
  await last.send({ type: "msg", id: "f", text: "fence" });
  await watcher.frame((f) => f.type === "msg" && f.text === "fence");
}

Deno.test("--send at each limit: delivered exits 0; refused exits 3 with the reason, sends nothing and does not hang", async () => {
  await using room = await watched();
  const { server, watcher } = room;
  await Promise.all(CASES.map(async ({ name, text, refused }, i) => {
    await using send = startClient(server.port, [
      "--nick",
      `ci${i}`,
      "--send",
      text,
    ]);
    const code = await send.exitCode(5000);
    const stderr = send.stderr.lines.join("\n");
    if (refused === undefined) {
      assertEquals([code, stderr], [0, ""], name);
    } else {
      assertEquals(code, 3, `${name}: ${stderr}`);
      assertMatch(stderr, refused, name);
    }
  }));
  await fence(server.port, watcher);
  CASES.forEach(({ name, text, refused }, i) => {
    assertEquals(said(watcher, `ci${i}`), refused ? [] : [text], name);
  });
});

Deno.test("a pipe with a line at each limit and a 9000-byte line sends the others in order, then exits 3 with each reason", async () => {
  await using room = await watched();
  const { server, watcher } = room;
  await using pipe = startClient(server.port, ["--nick", "piper"]);
  const tooLong = { text: "y".repeat(9000), refused: /longer than 8192 bytes/ };
  const lines = [...CASES, tooLong, { text: "the last line" }];
  await pipe.write(...lines.map((line) => line.text));
  await pipe.closeStdin();
  assertEquals(await pipe.exitCode(5000), 3, pipe.stderr.lines.join("\n"));
  await fence(server.port, watcher);
  assertEquals(
    said(watcher, "piper"),
    lines.flatMap((line) => "refused" in line ? [] : [line.text]),
  );
  const stderr = pipe.stderr.lines.join("\n");
  for (const line of lines) {
    if ("refused" in line && line.refused) assertMatch(stderr, line.refused);
  }
});

Deno.test("a person's session that mistyped a command and a too-long message still exits 0 at /quit", async () => {
  await using server = await ServerProcess.start();
  await using tty = await Tmux.start(
    `NO_COLOR=1 '${Deno.execPath()}' run --allow-all client.ts --host 127.0.0.1 --port ${server.port} --nick ann; echo "exit=$?"; sleep 600`,
  );
  await tty.waitForText("You are ann in #lobby");
  await tty.type("/nosuch");
  await tty.press("Enter");
  await tty.waitForText('Unknown command "/nosuch"');
  await tty.type("x".repeat(2001));
  await tty.press("Enter");
  await tty.waitForText("Not sent: The message is 2001 characters");
  await tty.type("/quit");
  await tty.press("Enter");
  await tty.waitForText("exit=0");
});

Deno.test("--send of a line over a server's smaller --max-line exits 3 with the server's limit instead of waiting for ever", async () => {
  await using server = await ServerProcess.start(["--max-line", "512"]);
  await using send = startClient(server.port, ["--send", "x".repeat(600)]);
  assertEquals(await send.exitCode(5000), 3);
  assertMatch(
    send.stderr.lines.join("\n"),
    /Not sent: The line is \d+ bytes as sent; the limit is 512/,
  );
});
