// deno-lint-ignore-file no-control-regex
import { assert, assertEquals } from "./assert.ts";
import { ChatClient } from "../lib/client/chat_client.ts";
import type { InputEvent } from "../lib/client/client_view.ts";
import { type TerminalIO, TerminalView } from "../lib/client/terminal_view.ts";
import { MemoryHistory } from "../lib/server/history.ts";
import { Hub } from "../lib/server/hub.ts";
import type { ServerFrame } from "../lib/shared/protocol.ts";
import { memoryServer } from "./util/memory_server.ts";

const encoder = new TextEncoder();
const CLEAR_LINE = "\r\x1b[2K";
const BELL = "\x07";

/**
 * The prompt line as the screen draws it: autowrap off, the text before the
 * cursor, the cursor saved, the rest, autowrap on, the cursor restored.
 */
function promptLine(before = "", after = "", prompt = "#lobby ann> "): string {
  return `${CLEAR_LINE}\x1b[?7l${prompt}${before}\x1b7${after}\x1b[?7h\x1b8`;
}

/** `text` with each `[12:34]` time stamp as `[HH:MM]`. */
function withoutClock(text: string): string {
  return text.replaceAll(/\[\d\d:\d\d\]/g, "[HH:MM]");
}

/**
 * A terminal for the view: what it writes is collected, its size is fixed,
 * key bytes are typed by the test, raw-mode switches are recorded. Given
 * `widths`, it answers the screen's cursor position requests with them, as
 * a terminal that disagrees with string-width would.
 */
class FakeTerminal implements TerminalIO {
  /** Every `setRaw` call, in order. */
  readonly raw: boolean[] = [];
  /** Widths the terminal answers with; undefined: it never answers. */
  widths: Record<string, number> | undefined;
  #out = "";
  #keys: (Uint8Array | null)[] = [];
  #wakeReader: (() => void) | undefined;
  #idle: (() => void) | undefined;

  write(text: string): void {
    this.#out += text;
    if (this.widths === undefined) return;
    // Each request prints a cluster at the start of the row, then asks.
    for (const [, cluster] of text.matchAll(/\r([^\r\x1b]+)\x1b\[6n/g)) {
      const width = this.widths[cluster!] ?? 1;
      this.#keys.push(encoder.encode(`\x1b[24;${width + 1}R`));
    }
    this.#wake();
  }

  columns(): number {
    return 80;
  }

  rows(): number {
    return 24;
  }

  setRaw(raw: boolean): void {
    this.raw.push(raw);
  }

  async read(buffer: Uint8Array): Promise<number | null> {
    while (this.#keys.length === 0) {
      const idle = this.#idle;
      this.#idle = undefined;
      idle?.();
      await new Promise<void>((resolve) => (this.#wakeReader = resolve));
    }
    const chunk = this.#keys.shift()!;
    if (chunk === null) return null;
    buffer.set(chunk);
    return chunk.length;
  }

  /**
   * Types `keys`; resolves once the view has read them all and waits for
   * more. Only for keys that submit nothing: after a line the view waits
   * for its reader instead (see {@linkcode FakeTerminal.press}).
   */
  type(keys: string): Promise<void> {
    const idle = new Promise<void>((resolve) => (this.#idle = resolve));
    this.press(keys);
    return idle;
  }

  /** Types `keys` without waiting for the view to read them. */
  press(keys: string): void {
    this.#keys.push(encoder.encode(keys));
    this.#wake();
  }

  /** Ends the input, as a closed stdin does. */
  end(): void {
    this.#keys.push(null);
    this.#wake();
  }

  /** What was written since the last call. */
  output(): string {
    const out = this.#out;
    this.#out = "";
    return out;
  }

  #wake(): void {
    const wake = this.#wakeReader;
    this.#wakeReader = undefined;
    wake?.();
  }
}

/**
 * An in-memory server with `ann` (the view's person) and `bob` connected,
 * and the view started on a fake terminal. Disposing it stops the view,
 * closes both clients and waits for their sessions.
 */
async function chat(options: { bell?: boolean } = {}) {
  const hub = new Hub({
    history: new MemoryHistory({ perRoom: 10 }),
    historyOnJoin: 10,
  });
  const { dial, sessions } = memoryServer(hub);
  const connect = (nick: string) =>
    ChatClient.connect({ hostname: "mem", port: 1, nick, dial });
  const ann = await connect("ann");
  const bob = await connect("bob");
  const io = new FakeTerminal();
  const view = new TerminalView({
    io,
    color: false,
    bell: options.bell ?? false,
  });
  view.start();
  view.connected(ann, false);
  const events = view.input();
  // The view reads keys only while someone waits for its next event.
  const firstEvent = events.next();
  /** The next frame `client` gets that satisfies `match`. */
  const frame = async (
    client: ChatClient,
    match: (frame: ServerFrame) => boolean,
  ): Promise<ServerFrame> => {
    while (true) {
      const next = await client.next();
      if (next === undefined) {
        throw new Error(`${client.nick}: connection ended`);
      }
      if (match(next)) return next;
    }
  };
  // ann sees bob join: the view learns his nick as the terminal would.
  view.frame(await frame(ann, (f) => f.type === "event"), ann);
  io.output();
  return {
    ann,
    bob,
    io,
    view,
    events,
    firstEvent,
    frame,
    /** bob says `text`; ann's next `msg` goes to the view. */
    async fromBob(text: string): Promise<void> {
      bob.send(text);
      view.frame(await frame(ann, (f) => f.type === "msg"), ann);
    },
    async [Symbol.asyncDispose]() {
      io.end();
      await firstEvent;
      await events.return(undefined);
      view.stop();
      ann.close();
      bob.close();
      await Promise.all(sessions);
    },
  };
}

/** Every event `input()` gives for `keys` until it ends. */
async function inputEvents(keys: string[]): Promise<InputEvent[]> {
  const io = new FakeTerminal();
  const view = new TerminalView({ io, color: false, bell: false });
  for (const chunk of keys) io.press(chunk);
  io.end();
  const events: InputEvent[] = [];
  for await (const event of view.input()) events.push(event);
  return events;
}

Deno.test("start switches raw mode on, and stop switches it off once however often it is called", () => {
  const io = new FakeTerminal();
  const view = new TerminalView({ io, color: false, bell: false });
  view.stop(); // Before start: nothing to restore.
  assertEquals(io.raw, []);
  view.start();
  assertEquals(io.raw, [true]);
  // Not connected yet: the prompt has no nick to show.
  assertEquals(io.output(), promptLine("", "", "#lobby> "));
  view.stop();
  view.stop();
  assertEquals(io.raw, [true, false]);
  assertEquals(io.output(), CLEAR_LINE, "the prompt is cleared once");
});

Deno.test("stop is safe when the terminal is already gone", () => {
  const io = new FakeTerminal();
  const view = new TerminalView({ io, color: false, bell: false });
  view.start();
  io.setRaw = () => {
    throw new Deno.errors.BadResource("stdin is closed");
  };
  view.stop();
  view.stop();
});

for (
  const { keys, what, events } of [
    {
      what: "a typed line",
      keys: ["hello there\r"],
      events: [{ kind: "line", line: "hello there" }, { kind: "eof" }],
    },
    {
      what: "a line typed in pieces, with a correction",
      keys: ["helo", "\x1b[D", "l", "\x1b[F!\n"],
      events: [{ kind: "line", line: "hello!" }, { kind: "eof" }],
    },
    {
      what: "Ctrl-C",
      keys: ["half typed\x03never read\r"],
      events: [{ kind: "interrupt" }],
    },
    {
      what: "Ctrl-D on an empty line",
      keys: ["\x04more\r"],
      events: [{ kind: "eof" }],
    },
    {
      what: "Ctrl-D inside a line (it deletes)",
      keys: ["ab\x1b[D\x04\r"],
      events: [{ kind: "line", line: "a" }, { kind: "eof" }],
    },
    {
      what: "two pasted lines",
      keys: ["one\ntwo\n"],
      events: [
        { kind: "line", line: "one" },
        { kind: "line", line: "two" },
        { kind: "eof" },
      ],
    },
    { what: "the end of input", keys: [], events: [{ kind: "eof" }] },
  ] satisfies { what: string; keys: string[]; events: InputEvent[] }[]
) {
  Deno.test(
    `input() turns ${what} into ${events.map((e) => e.kind).join(", ")}`,
    async () => {
      assertEquals(await inputEvents(keys), events);
    },
  );
}

Deno.test("an incoming message is printed above the prompt, and the half-typed line is drawn again", async () => {
  await using c = await chat();
  await c.io.type("half");
  assertEquals(c.io.output(), promptLine("half"));
  await c.fromBob("hello everyone");
  assertEquals(
    withoutClock(c.io.output()),
    `${CLEAR_LINE}[HH:MM] <bob> hello everyone\r\n${promptLine("half")}`,
  );
});

Deno.test("an own line is printed with … and ticked by its ack, then by its delivery report", async () => {
  await using c = await chat();
  const id = c.ann.send("hello bob");
  c.view.sent(id, "hello bob", c.ann);
  assertEquals(
    withoutClock(c.io.output()),
    `${CLEAR_LINE}[HH:MM] <ann> hello bob …\r\n${promptLine()}`,
  );
  // One row up, the line again with the tick after it (the terminal places
  // it), and back on the prompt row.
  const ack = await c.frame(c.ann, (f) => f.type === "ack");
  c.view.frame(ack, c.ann);
  assertEquals(
    withoutClock(c.io.output()),
    `\x1b[1A${CLEAR_LINE}[HH:MM] <ann> hello bob ✓\r\n${promptLine()}`,
  );
  const delivered = await c.frame(c.ann, (f) => f.type === "delivered");
  c.view.frame(delivered, c.ann);
  assertEquals(
    withoutClock(c.io.output()),
    `\x1b[1A${CLEAR_LINE}[HH:MM] <ann> hello bob ✓✓ 1/1\r\n${promptLine()}`,
  );
});

for (
  const { line, shown } of [
    { line: "/who", shown: undefined },
    { line: "/nick anna", shown: undefined },
    { line: "/me", shown: undefined },
    { line: "/me waves", shown: "* ann waves" },
    { line: "//shrug", shown: "<ann> /shrug" },
    { line: "plain text", shown: "<ann> plain text" },
  ]
) {
  Deno.test(
    `sent("${line}") ${
      shown === undefined ? "is not echoed" : `is echoed as "${shown}"`
    }`,
    async () => {
      await using c = await chat();
      c.view.sent("id-1", line, c.ann);
      const out = c.io.output();
      if (shown === undefined) assertEquals(out, "");
      else {
        assert(
          out.startsWith(CLEAR_LINE) && out.includes(`] ${shown} …\r\n`),
          `${JSON.stringify(out)} does not show ${JSON.stringify(shown)}`,
        );
      }
    },
  );
}

for (
  const { bell, text, rings } of [
    { bell: true, text: "ann: look at this", rings: true },
    { bell: true, text: "hi @ANN!", rings: true },
    { bell: false, text: "ann: look at this", rings: false },
    { bell: true, text: "annabel is not ann's nick", rings: true },
    { bell: true, text: "annabel is somebody else", rings: false },
    { bell: true, text: "nothing for anyone", rings: false },
  ]
) {
  Deno.test(
    `"${text}" ${rings ? "rings" : "does not ring"} the bell with the bell ${
      bell ? "on" : "off"
    }`,
    async () => {
      await using c = await chat({ bell });
      await c.fromBob(text);
      assertEquals(c.io.output().includes(BELL), rings);
    },
  );
}

Deno.test("a private message rings the bell with the bell on", async () => {
  await using c = await chat({ bell: true });
  c.bob.send("/msg ann psst");
  c.view.frame(await c.frame(c.ann, (f) => f.type === "pm"), c.ann);
  const out = c.io.output();
  assert(out.includes(BELL), `no bell in ${JSON.stringify(out)}`);
  assert(out.includes("*bob* psst"));
});

Deno.test("a message from history does not ring the bell", async () => {
  await using c = await chat({ bell: true });
  const old: ServerFrame = {
    type: "msg",
    seq: 1,
    room: "lobby",
    from: "bob",
    text: "ann: from yesterday",
    ts: 0,
    history: true,
  };
  c.view.frame(old, c.ann);
  const out = c.io.output();
  assert(!out.includes(BELL), "rang for history");
  assert(out.includes("(history) <bob> ann: from yesterday"));
});

for (
  const { typed, line } of [
    { typed: "bo\t", line: "bob: " },
    { typed: "B\t", line: "bob: " },
    { typed: "hi b\t", line: "hi bob " },
    { typed: "hi an\t", line: "hi ann " },
    { typed: "carol\t", line: "carol" },
    { typed: "/his\t", line: "/history " },
    { typed: "/wh\t", line: "/wh" },
    { typed: "/jo\t#games", line: "/join #games" },
    { typed: "say /wh\t", line: "say /wh" },
  ]
) {
  Deno.test(
    `Tab completes ${JSON.stringify(typed.replace("\t", "⇥"))} to ${
      JSON.stringify(line)
    }`,
    async () => {
      await using c = await chat();
      c.io.press(`${typed}\r`);
      assertEquals((await c.firstEvent).value, { kind: "line", line });
    },
  );
}

Deno.test("Tab lists the candidates when more than one fits", async () => {
  await using c = await chat();
  await c.io.type("/wh\t");
  const out = c.io.output();
  assert(
    out.includes(`${CLEAR_LINE}/whisper  /who  /whois\r\n${promptLine("/wh")}`),
    `no candidates in ${JSON.stringify(out)}`,
  );
});

Deno.test("Tab completes a nick the view learned from a message", async () => {
  await using c = await chat();
  c.view.frame({
    type: "msg",
    seq: 9,
    room: "lobby",
    from: "dave",
    text: "hello",
    ts: 0,
  }, c.ann);
  c.io.press("da\t\r");
  assertEquals((await c.firstEvent).value, { kind: "line", line: "dave: " });
});

Deno.test("a cursor position report is the terminal's answer, not typed text: the line waits for it and wraps by it", async () => {
  await using c = await chat();
  c.io.widths = { "👍🏽": 4 };
  // 80 columns: "[HH:MM] <bob> " is 14, 31 "x" and 9 👍🏽 at 4 columns are 67
  // more: string-width (2 each) would keep them on one row.
  const text = `${"x".repeat(31)}${"👍🏽".repeat(9)}`;
  const typed = c.io.type("hi");
  await c.fromBob(text);
  // Asked first, printed once the answer came through the keyboard.
  assertEquals(c.io.output().includes(text), false);
  await typed;
  await c.io.type("!");
  const out = withoutClock(c.io.output());
  assert(
    out.includes(
      `${CLEAR_LINE}[HH:MM] <bob> ${"x".repeat(31)}${"👍🏽".repeat(8)}\r\n` +
        `${CLEAR_LINE}${" ".repeat(14)}👍🏽\r\n`,
    ),
    JSON.stringify(out),
  );
  assert(!out.includes("R"), "the report never reaches the prompt line");
  c.io.press("\r");
  assertEquals((await c.firstEvent).value, { kind: "line", line: "hi!" });
});

Deno.test("a switch of room leaves a line in the scrollback: where lines go now", async () => {
  await using c = await chat();
  c.view.rooms("dev", ["lobby", "dev"]);
  c.io.output();
  c.view.switched("dev");
  assertEquals(
    c.io.output(),
    `${CLEAR_LINE}-- now talking in #dev\r\n${
      promptLine("", "", "#dev ann> ")
    }`,
  );
  c.view.rooms(undefined, []);
  c.io.output();
  c.view.switched(undefined);
  assert(c.io.output().includes("-- now in no room: /join ROOM\r\n"));
});

Deno.test("the server's bye is not printed: the client says once why the connection ended", async () => {
  await using c = await chat();
  c.view.frame(
    { type: "bye", reason: "The server is shutting down", code: "shutdown" },
    c.ann,
  );
  assertEquals(c.io.output(), "");
});

Deno.test("a countdown redraws the status in place, on the prompt line", async () => {
  await using c = await chat();
  c.view.status("reconnect attempt 1 of 30 in 3.0 s");
  c.io.output();
  c.view.countdown("reconnect attempt 1 of 30 in 2.0 s");
  assertEquals(
    c.io.output(),
    promptLine("", "", "[reconnect attempt 1 of 30 in 2.0 s] "),
  );
});

Deno.test("asking again after a wrong password, the reason is printed above the question: the prompt line never shows the connection's state between them", async () => {
  await using c = await chat();
  c.view.status("connecting to lan:4444");
  c.io.output();
  const asked = c.view.askSecret(
    "Password for lan:4444: ",
    "Wrong password (2 tries left)",
  );
  const out = c.io.output();
  const reason = out.indexOf("! Wrong password (2 tries left)");
  assert(reason >= 0, out);
  assert(!out.slice(reason).includes("connecting"), JSON.stringify(out));
  assert(out.endsWith("Password for lan:4444: "), JSON.stringify(out));
  await c.io.type("\r");
  assertEquals(await asked, "");
});
