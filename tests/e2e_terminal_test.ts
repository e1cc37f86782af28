// deno-lint-ignore-file no-control-regex
import { assert, assertEquals, assertMatch } from "./assert.ts";
import { displayWidth } from "../lib/client/line_editor.ts";
import { ServerProcess } from "./util/program.ts";
import { RawPeer } from "./util/raw_peer.ts";
import { Tmux } from "./util/tmux.ts";

/** The client as a shell command, from source, with the deno running the tests. */
function clientCommand(port: number, args: string): string {
  return `NO_COLOR=1 '${Deno.execPath()}' run --allow-all client.ts --host 127.0.0.1 --port ${port} ${args}`;
}

const promptRow = (screen: string[]) =>
  screen.findLast((row) => row.startsWith("#"))!;
/** Matches a screen whose prompt line shows `text` (tmux trims trailing spaces). */
const prompted = (text: string) => (screen: string[]) =>
  promptRow(screen) === `#lobby ann> ${text}`.trimEnd();

Deno.test("incoming messages go above the prompt; the half-typed line and the cursor stay put", async () => {
  await using server = await ServerProcess.start();
  await using tty = await Tmux.start(clientCommand(server.port, "--nick ann"));
  await tty.waitForText("You are ann in #lobby");
  await tty.type("half a thought");
  await tty.waitFor((s) => promptRow(s) === "#lobby ann> half a thought");
  await using bob = await RawPeer.native(server.port, "bob");
  for (const text of ["one", "two", "three"]) {
    await bob.send({ type: "msg", id: text, text: `message ${text}` });
  }
  const screen = await tty.waitForText("<bob> message three");
  const rows = screen.filter((row) => row.includes("<bob>"));
  assertEquals(rows.map((r) => r.replace(/^\[\d\d:\d\d\] /, "")), [
    "<bob> message one",
    "<bob> message two",
    "<bob> message three",
  ]);
  const prompt = screen.findIndex((row) =>
    row === "#lobby ann> half a thought"
  );
  assert(
    prompt > screen.findIndex((row) => row.includes("message three")),
    "the prompt is below the messages",
  );
  assertEquals(await tty.waitForCursor("#lobby ann> half a thought".length), {
    x: "#lobby ann> half a thought".length,
    y: prompt,
  });
  await tty.type(" finished");
  await tty.press("Enter");
  const line = await bob.frame((f) => f.type === "msg");
  assertEquals(line.type === "msg" && line.text, "half a thought finished");
  // The sender's own line gets its ticks in place.
  await tty.waitFor((s) =>
    s.some((row) => /<ann> half a thought finished ✓✓ 1\/1$/.test(row))
  );
});

Deno.test("editing keys: arrows, Home/End, Ctrl-A/E/U/K/W, Backspace and Delete", async () => {
  await using server = await ServerProcess.start();
  await using bob = await RawPeer.native(server.port, "bob");
  await using tty = await Tmux.start(clientCommand(server.port, "--nick ann"));
  await tty.waitForText("You are ann in #lobby");
  const prompt = (text: string) => tty.waitFor(prompted(text));
  await tty.type("hello world");
  await tty.press("Left", "Left", "Left", "Left", "Left", "BSpace");
  await prompt("helloworld");
  await tty.type("_");
  await tty.press("Home");
  await tty.type(">");
  await tty.press("End");
  await tty.type("!");
  await prompt(">hello_world!");
  await tty.press("C-a", "Delete");
  await prompt("hello_world!");
  await tty.press("C-e", "BSpace");
  await prompt("hello_world");
  await tty.type(" and more words");
  await tty.press("C-w");
  await prompt("hello_world and more ");
  await tty.press("C-a", "Right", "Right", "Right", "Right", "Right", "C-k");
  await prompt("hello");
  await tty.waitForCursor("#lobby ann> hello".length);
  await tty.press("C-u");
  await prompt("");
  await tty.type("edited");
  await tty.press("Enter");
  const msg = await bob.frame((f) => f.type === "msg");
  assertEquals(msg.type === "msg" && msg.text, "edited");
});

Deno.test("Up and Down recall earlier lines, and the draft comes back", async () => {
  await using server = await ServerProcess.start();
  await using tty = await Tmux.start(clientCommand(server.port, "--nick ann"));
  await tty.waitForText("You are ann in #lobby");
  for (const line of ["first", "second"]) {
    await tty.type(line);
    await tty.press("Enter");
    await tty.waitFor((s) => s.some((row) => row.includes(`<ann> ${line}`)));
  }
  await tty.type("draft");
  await tty.press("Up");
  await tty.waitFor((s) => promptRow(s) === "#lobby ann> second");
  await tty.press("Up");
  await tty.waitFor((s) => promptRow(s) === "#lobby ann> first");
  await tty.press("Down", "Down");
  await tty.waitFor((s) => promptRow(s) === "#lobby ann> draft");
});

Deno.test("Tab completes nicks and commands", async () => {
  await using server = await ServerProcess.start();
  await using _robert = await RawPeer.native(server.port, "robert");
  await using _rosalind = await RawPeer.native(server.port, "rosalind");
  await using tty = await Tmux.start(clientCommand(server.port, "--nick ann"));
  await tty.waitForText("You are ann in #lobby");
  await tty.type("/jo");
  await tty.press("Tab");
  await tty.waitFor((s) => promptRow(s) === "#lobby ann> /join");
  await tty.press("C-u");
  await tty.type("/who");
  await tty.press("Enter");
  await tty.waitForText("In #lobby (3): ann, robert, rosalind");
  await tty.type("ro");
  await tty.press("Tab");
  // Two candidates: listed above the prompt, the line keeps what they share.
  await tty.waitForText("robert  rosalind");
  await tty.type("s");
  await tty.press("Tab");
  await tty.waitFor((s) => promptRow(s) === "#lobby ann> rosalind:");
  await tty.waitForCursor("#lobby ann> rosalind: ".length);
});

Deno.test("CJK and emoji on the prompt line take their real width; the cursor lands after them", async () => {
  await using server = await ServerProcess.start();
  await using bob = await RawPeer.native(server.port, "bob");
  await using tty = await Tmux.start(clientCommand(server.port, "--nick ann"));
  await tty.waitForText("You are ann in #lobby");
  const text = "日本語 👋🏽 café";
  await tty.type(text);
  await tty.waitFor((s) => promptRow(s) === `#lobby ann> ${text}`);
  assertEquals(displayWidth(text), 14, "CJK and emoji take two columns each");
  await tty.waitForCursor("#lobby ann> ".length + 16);
  // Five graphemes back (" café"): the cursor stands right after the emoji.
  await tty.press("Left", "Left", "Left", "Left", "Left");
  // tmux draws 👋🏽 four columns wide (string-width says two): the cursor
  // lands where the terminal put the text, not where a width table guessed.
  await tty.waitForCursor("#lobby ann> ".length + 11);
  await tty.press("BSpace");
  await tty.waitFor((s) => promptRow(s) === "#lobby ann> 日本語  café");
  await tty.press("Enter");
  const msg = await bob.frame((f) => f.type === "msg");
  assertEquals(msg.type === "msg" && msg.text, "日本語  café");
});

Deno.test("a mention is highlighted and rings the bell; --no-bell keeps quiet", async () => {
  await using server = await ServerProcess.start();
  await using bob = await RawPeer.native(server.port, "bob");
  const command = (args: string) =>
    `env -u NO_COLOR '${Deno.execPath()}' run --allow-all client.ts --host 127.0.0.1 --port ${server.port} ${args}`;
  // tmux raises a window's bell flag when the program in it rings the bell.
  await using loud = await Tmux.start(command("--nick ann"));
  await using quiet = await Tmux.start(command("--nick cat --no-bell"));
  await loud.waitForText("You are ann in #lobby");
  await quiet.waitForText("You are cat in #lobby");
  await bob.send({ type: "msg", id: "m1", text: "no names here" });
  await loud.waitForText("no names here");
  assertEquals(await loud.display("#{window_bell_flag}"), "0");
  await bob.send({ type: "msg", id: "m2", text: "hey ann and cat, look" });
  await loud.waitForText("hey ann and cat, look");
  await quiet.waitForText("hey ann and cat, look");
  assertEquals(await loud.display("#{window_bell_flag}"), "1");
  assertEquals(await quiet.display("#{window_bell_flag}"), "0");
  assertMatch(await loud.styledScreen(), /\x1b\[1mhey ann and cat, look/);
});

Deno.test("Ctrl-C leaves and the terminal is back in cooked mode", async () => {
  await using server = await ServerProcess.start();
  const state = await Deno.makeTempFile();
  try {
    await using tty = await Tmux.start(
      `${
        clientCommand(server.port, "--nick ann")
      }; code=$?; stty -a > '${state}'; echo "exit=$code"`,
    );
    await tty.waitForText("You are ann in #lobby");
    await tty.type("unsent");
    await tty.press("C-c");
    await tty.waitForText("exit=0");
    const stty = await Deno.readTextFile(state);
    assertMatch(stty, /(^|\s)icanon(\s|$)/m);
    assertMatch(stty, /(^|\s)echo(\s|$)/m);
  } finally {
    await Deno.remove(state);
  }
});

Deno.test("a narrower window redraws the prompt line with the cursor still in view", async () => {
  await using server = await ServerProcess.start();
  await using tty = await Tmux.start(clientCommand(server.port, "--nick ann"), {
    columns: 80,
  });
  await tty.waitForText("You are ann in #lobby");
  const text = "a fairly long line that will not fit in thirty columns";
  await tty.type(text);
  await tty.waitFor(prompted(text));
  await tty.resize(30, 24);
  // The line scrolls: its end and the cursor stay on the one prompt row.
  const screen = await tty.waitFor((s) =>
    promptRow(s).endsWith("thirty columns") && promptRow(s).length <= 30
  );
  const cursor = await tty.waitForCursor(promptRow(screen).length);
  assertEquals(screen[cursor.y], promptRow(screen));
});
