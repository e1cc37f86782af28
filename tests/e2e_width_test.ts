/**
 * Widths in a real pseudo-terminal: the client against a real server in
 * tmux at three widths, with text whose width terminals disagree about
 * (tmux draws 👍🏽 four columns wide where string-width says two). What
 * tmux itself makes of each piece of text is read from a plain `printf` in
 * a pane of its own, never from the client's code; positions are read from
 * tmux (`#{cursor_x}`, `capture-pane`).
 */
import { assert, assertEquals } from "./assert.ts";
import { graphemes } from "../lib/client/line_editor.ts";
import { ServerProcess } from "./util/program.ts";
import { RawPeer } from "./util/raw_peer.ts";
import { Tmux } from "./util/tmux.ts";

/** The client as a shell command, from source, with the deno running the tests. */
function clientCommand(port: number, args: string): string {
  return `NO_COLOR=1 '${Deno.execPath()}' run --allow-all client.ts --host 127.0.0.1 --port ${port} ${args}`;
}

const SAMPLES = {
  "skin tone": "👍🏽",
  "ZWJ family": "👨‍👩‍👧‍👦",
  "flag": "🇯🇵",
  "CJK": "日本語",
  "combining mark": "e\u0301",
  "Arabic": "مرحبا",
};

/** What tmux makes of `text` printed alone: its width and how it reads back. */
interface Drawn {
  width: number;
  shown: string;
}

const drawnCache = new Map<string, Drawn>();

/** Prints `text` with printf in a pane of its own and reads what tmux made of it. */
async function tmuxDraws(text: string): Promise<Drawn> {
  const known = drawnCache.get(text);
  if (known !== undefined) return known;
  await using tty = await Tmux.start(
    `printf '%s|' '${text}'; sleep 60`,
    { columns: 200, rows: 3 },
  );
  const screen = await tty.waitFor((s) => s[0]!.endsWith("|"));
  const drawn = {
    width: (await tty.cursor()).x - 1,
    shown: screen[0]!.slice(0, -1),
  };
  drawnCache.set(text, drawn);
  return drawn;
}

/** tmux's width of `text`, cluster by cluster (ASCII is one column). */
async function tmuxWidth(text: string): Promise<number> {
  let width = 0;
  for (const cluster of graphemes(text)) {
    width += /^[\x20-\x7e]$/.test(cluster)
      ? 1
      : (await tmuxDraws(cluster)).width;
  }
  return width;
}

/** `text` as capture-pane reads it back, isolates (FSI, PDI) left out. */
async function tmuxShows(text: string): Promise<string> {
  let shown = "";
  for (const cluster of graphemes(text)) {
    shown += /^[\x20-\x7e]$/.test(cluster)
      ? cluster
      : (await tmuxDraws(cluster)).shown;
  }
  return withoutIsolates(shown);
}

function withoutIsolates(text: string): string {
  return text.replaceAll(/[\u2068\u2069]/g, "");
}

const INDENT = " ".repeat("[12:00] <ann> ".length);

/**
 * The rows of the message whose first row has `start`: that row and the
 * rows after it that start with the indent, as [prefix, text] where text
 * joins what follows the prefix and the indents.
 */
function messageRows(screen: string[], start: string) {
  const first = screen.findIndex((row) => withoutIsolates(row).includes(start));
  if (first < 0) return undefined;
  const rows = [screen[first]!];
  for (const row of screen.slice(first + 1)) {
    if (!row.startsWith(INDENT)) break;
    rows.push(row);
  }
  const text = rows[0]!.slice(INDENT.length) +
    rows.slice(1).map((row) => row.slice(INDENT.length)).join("");
  return { rows, text: withoutIsolates(text) };
}

for (const columns of [40, 80, 132]) {
  Deno.test(`at ${columns} columns every own line ends ticked wherever it ends, no tick covers text, continuation rows are indented`, async () => {
    await using server = await ServerProcess.start();
    // Someone to deliver to: ticks end as ✓✓ 1/1.
    await using _bob = await RawPeer.native(server.port, "bob");
    await using tty = await Tmux.start(
      clientCommand(server.port, "--nick ann"),
      { columns, rows: 40 },
    );
    await tty.waitForText("You are ann in #lobby");
    let id = 0;
    let ownRows = 0;
    for (const sample of Object.values(SAMPLES)) {
      const width = await tmuxWidth(sample);
      // Lines whose last cluster ends on either side of the right edge and
      // of the room a tick needs, a column at a time.
      for (const end of [columns, columns - 12]) {
        for (let shift = -2; shift <= 2; shift++) {
          const marker = `L${String(id++).padStart(2, "0")}:`;
          const filler = end + shift - INDENT.length - marker.length - width;
          if (filler < 0) continue;
          const text = `${marker}${"x".repeat(filler)}${sample}`;
          await tty.type(text);
          await tty.press("Enter");
          const screen = await tty.waitFor((s) =>
            messageRows(s, `<ann> ${marker}`)?.rows.at(-1)?.endsWith(
              "✓✓ 1/1",
            ) ?? false
          );
          const message = messageRows(screen, `<ann> ${marker}`)!;
          // A tick with a row of its own starts at the indent, no space first.
          const ownRow = message.rows.at(-1) === `${INDENT}✓✓ 1/1`;
          ownRows += ownRow ? 1 : 0;
          assertEquals(
            message.text,
            `${await tmuxShows(text)}${ownRow ? "" : " "}✓✓ 1/1`,
            `the line and its tick, as tmux shows them:\n${screen.join("\n")}`,
          );
        }
      }
    }
    assert(ownRows > 0, "some ticks had a row of their own");
    const screen = await tty.screen();
    assert(!screen.some((row) => row.includes("…")), screen.join("\n"));
  });

  Deno.test(`at ${columns} columns the prompt cursor stands right after the text tmux drew before it`, async () => {
    await using server = await ServerProcess.start();
    await using tty = await Tmux.start(
      clientCommand(server.port, "--nick ann"),
      { columns, rows: 10 },
    );
    await tty.waitForText("You are ann in #lobby");
    const text = Object.values(SAMPLES).join(" ");
    const clusters = graphemes(text);
    await tty.type(text);
    const prompt = "#lobby ann> ";
    const shown = await tmuxShows(text);
    await tty.waitFor((s) => s.includes(`${prompt}${shown}`));
    // From the end, a few clusters further left each time.
    let back = 0;
    for (const step of [0, 1, 2, 2, 3, 4]) {
      if (step > 0) await tty.press(...Array<string>(step).fill("Left"));
      back += step;
      const before = clusters.slice(0, clusters.length - back).join("");
      await tty.waitForCursor(prompt.length + await tmuxWidth(before));
    }
  });

  Deno.test(`at ${columns} columns a message from someone else wraps under its text, and a long run of spaces cannot pass for another message`, async () => {
    await using server = await ServerProcess.start();
    await using bob = await RawPeer.native(server.port, "bob");
    await using tty = await Tmux.start(
      clientCommand(server.port, "--nick ann"),
      { columns, rows: 40 },
    );
    await tty.waitForText("You are ann in #lobby");
    const texts = [
      `M1:${"日本語".repeat(Math.ceil(columns / 3))}x`,
      `M2:${"xy👍🏽🇯🇵e\u0301".repeat(Math.ceil(columns / 6))}`,
      `M3:${"مرحبا-".repeat(Math.ceil(columns / 5))}👨‍👩‍👧‍👦`,
    ];
    for (const [i, text] of texts.entries()) {
      await bob.send({ type: "msg", id: `m${i}`, text });
      const start = `<bob> ${text.slice(0, 3)}`;
      const screen = await tty.waitFor((s) =>
        messageRows(s, start) !== undefined
      );
      const message = messageRows(screen, start)!;
      assert(message.rows.length >= 2, "the message wraps");
      assertEquals(message.text, await tmuxShows(text), screen.join("\n"));
    }
    await bob.send({
      type: "msg",
      id: "spoof",
      text: `look${" ".repeat(120)}[12:00] <boss> you are fired`,
    });
    const screen = await tty.waitForText("you are fired");
    const first = screen.findIndex((row) => row.includes("<bob> look"));
    const last = screen.findIndex((row) => row.includes("you are fired"));
    for (const row of screen.slice(first + 1, last + 1)) {
      assert(row === "" || row.startsWith(INDENT), `not indented: ${row}`);
    }
    assert(!screen.some((row) => row.startsWith("[12:00] <boss>")));
  });
}
