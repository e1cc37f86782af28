/**
 * Every state of the interactive client in a real pseudo-terminal (tmux):
 * connecting, asking for a password, connected, waiting to reconnect, and
 * refused for good. Each test types text, presses Ctrl-C and has the server
 * answer in that state, and reads what the screen shows and how the client
 * exits (`lochat-client --help` lists the exit codes).
 */
import { assert, assertEquals, assertMatch } from "./assert.ts";
import type { ServerFrame } from "../lib/shared/protocol.ts";
import { fromSource, type Launcher, ServerProcess } from "./util/program.ts";
import { RawPeer } from "./util/raw_peer.ts";
import { Tmux } from "./util/tmux.ts";

/**
 * The client as a shell command, from source, with the deno running the
 * tests; the shell prints its exit code when it ends, and stays (a dead
 * pane's screen can be wiped). LOCHAT_PASSWORD is unset, so a password can
 * only come from the person at the keyboard.
 */
function clientCommand(port: number, args: string): string {
  return `env -u LOCHAT_PASSWORD NO_COLOR=1 '${Deno.execPath()}' run --allow-all client.ts --host 127.0.0.1 --port ${port} ${args}; echo "exit=$?"; sleep 600`;
}

/** Runs the programs from source with `env` set. */
function withEnv(env: Record<string, string>): Launcher {
  return (entry) => ({ ...fromSource(entry), env });
}

/** The prompt line: the last row with anything on it. */
const promptRow = (screen: string[]) => screen.findLast((row) => row !== "");

/** The password prompt of the server on `port`, found by address. */
const asks = (port: number) => `Password for 127.0.0.1:${port}:`;

/** Waits until the prompt line is `text` (tmux trims trailing spaces). */
function prompted(tty: Tmux, text: string): Promise<string[]> {
  return tty.waitFor((s) => promptRow(s) === text.trimEnd());
}

/** Connects a native peer that knows the server's password. */
async function member(
  port: number,
  nick: string,
  password: string,
): Promise<RawPeer> {
  const peer = await RawPeer.connect(port, nick);
  await peer.send({ type: "hello", v: 2, nick, password });
  await peer.frame((f) => f.type === "welcome");
  return peer;
}

/** Presses Ctrl-C and waits for the client to exit with `code`, at once. */
async function interrupt(tty: Tmux, code: number): Promise<void> {
  const pressed = Date.now();
  await tty.press("C-c");
  await tty.waitForText(`exit=${code}`);
  const ms = Date.now() - pressed;
  assert(ms < 3000, `Ctrl-C took ${ms} ms to end the client`);
}

/** Restarts a server on the port it had, with the same arguments. */
async function restart(
  server: ServerProcess,
  args: string[],
  launcher?: Launcher,
): Promise<ServerProcess> {
  server.kill("SIGTERM");
  assertEquals(await server.exitCode(), 0);
  await server[Symbol.asyncDispose]();
  return await ServerProcess.start(
    ["--port", String(server.port), ...args],
    launcher,
  );
}

/** A server that accepts connections and never says a word. */
class SilentServer implements AsyncDisposable {
  readonly listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  readonly conns: Deno.Conn[] = [];
  #accepted: (() => void) | undefined;
  readonly #loop = (async () => {
    for await (const conn of this.listener) {
      this.conns.push(conn);
      this.#accepted?.();
    }
  })();

  get port(): number {
    return this.listener.addr.port;
  }

  /** Waits until someone has connected. */
  async accepted(): Promise<void> {
    while (this.conns.length === 0) {
      await new Promise<void>((resolve) => (this.#accepted = resolve));
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.listener.close();
    await this.#loop;
    for (const conn of this.conns) {
      try {
        conn.close();
      } catch {
        // The client closed it first.
      }
    }
  }
}

Deno.test("connecting: the client says it is connecting, shows typed lines as pending, and Ctrl-C leaves at once with 130", async () => {
  await using silent = new SilentServer();
  await using tty = await Tmux.start(clientCommand(silent.port, "--nick ann"));
  await silent.accepted();
  await tty.type("said too early");
  await tty.press("Enter");
  const screen = await tty.waitFor((s) =>
    s.some((row) => row.endsWith("> said too early …"))
  );
  assertMatch(promptRow(screen) ?? "", /connecting/i);
  await interrupt(tty, 130);
});

Deno.test("asking for the password: on the prompt line, never echoed; a wrong one is said before asking again; the right one gets in", async () => {
  // No four characters in a row of it are English (the welcome has words).
  const secret = "Zq9-Xv7kP-W7k";
  await using server = await ServerProcess.start(
    [],
    withEnv({ LOCHAT_PASSWORD: secret }),
  );
  await using tty = await Tmux.start(clientCommand(server.port, "--nick ann"));
  await prompted(tty, asks(server.port));
  await tty.type("wrong-guess");
  // Nothing typed shows, not even as stars.
  await prompted(tty, asks(server.port));
  await tty.press("Enter");
  const again = await tty.waitForText("Wrong password");
  assertEquals(
    again.filter((row) => row !== ""),
    ["! Wrong password (2 tries left)", asks(server.port)],
    "the reason comes first, then the question",
  );
  await tty.type(secret.slice(0, 5));
  assertEquals(promptRow(await tty.screen()), asks(server.port));
  await tty.type(secret.slice(5));
  await tty.press("Enter");
  const welcomed = await tty.waitForText("You are ann in #lobby");
  assertEquals(promptRow(welcomed), "#lobby ann>", "no keystroke left behind");
  assert(!welcomed.join("\n").includes("guess"), welcomed.join("\n"));
  await interrupt(tty, 0);
});

Deno.test("asking for the password: Ctrl-C leaves at once with 130", async () => {
  await using server = await ServerProcess.start(
    [],
    withEnv({ LOCHAT_PASSWORD: "sesame" }),
  );
  await using tty = await Tmux.start(clientCommand(server.port, "--nick ann"));
  await prompted(tty, asks(server.port));
  await tty.type("ses");
  await interrupt(tty, 130);
  assert(
    !server.stderr.lines.some((line) => /wrong password/.test(line)),
    "giving up is not a wrong password",
  );
});

Deno.test("a password typed once is kept: after a server restart the client gets back in without asking, and no keystroke of it reaches anyone", async () => {
  // No four characters in a row of it are English (the welcome has words).
  const secret = "Zq9-Xv7kP-W7k";
  const env = withEnv({ LOCHAT_PASSWORD: secret });
  await using held = new AsyncDisposableStack();
  const first = await ServerProcess.start([], env);
  let server = first;
  held.defer(() => server[Symbol.asyncDispose]());
  const tty = held.use(
    await Tmux.start(clientCommand(first.port, "--nick ann")),
  );
  await prompted(tty, asks(server.port));
  await tty.type(secret);
  const typing = await prompted(tty, asks(server.port));
  await tty.press("Enter");
  await tty.waitForText("You are ann in #lobby");
  const bobBefore = held.use(await member(first.port, "bob", secret));
  await tty.type("before the restart");
  await tty.press("Enter");
  await bobBefore.frame((f) => f.type === "msg");

  server = await restart(first, [], env);
  await tty.waitForText("Reconnected to");
  const bobAfter = held.use(await member(server.port, "bob", secret));
  // Typing goes to the chat line: the client did not ask again.
  await tty.type("after the restart");
  await tty.press("Enter");
  const msg = await bobAfter.frame((f) => f.type === "msg");
  assertEquals(msg.type === "msg" && msg.text, "after the restart");
  const screen = await tty.screen();
  assert(!screen.some((row) => row.startsWith("Password")), screen.join("\n"));
  assertEquals(
    server.stderr.lines.filter((l) => /refuse|secret-throttled/.test(l)),
    [],
    "the kept password got in at the first try",
  );

  // Any four characters in a row of the secret, anywhere.
  const pieces = Array.from(
    { length: secret.length - 3 },
    (_, i) => secret.slice(i, i + 4),
  );
  const seen = {
    "bob before the restart": bobBefore.log.lines,
    "bob after the restart": bobAfter.log.lines,
    "the first server's log": first.stderr.lines,
    "the second server's log": server.stderr.lines,
    "the screen while typing it": typing,
    "the screen at the end": screen,
  };
  for (const [where, lines] of Object.entries(seen)) {
    for (const line of lines) {
      for (const piece of pieces) {
        assert(!line.includes(piece), `${where} shows "${piece}": ${line}`);
      }
    }
  }
});

Deno.test("connected: a typed line is sent and ticked, others' lines show, and Ctrl-C quits cleanly with 0", async () => {
  await using server = await ServerProcess.start();
  await using bob = await RawPeer.native(server.port, "bob");
  await using tty = await Tmux.start(clientCommand(server.port, "--nick ann"));
  await tty.waitForText("You are ann in #lobby");
  await tty.type("hello bob");
  await tty.press("Enter");
  const msg = await bob.frame((f) => f.type === "msg");
  assertEquals(msg.type === "msg" && [msg.from, msg.text], [
    "ann",
    "hello bob",
  ]);
  await tty.waitFor((s) =>
    s.some((row) => /<ann> hello bob ✓✓ 1\/1$/.test(row))
  );
  await bob.send({ type: "msg", id: "b1", text: "hi ann" });
  await tty.waitForText("<bob> hi ann");
  await tty.type("half typed");
  await interrupt(tty, 0);
  await bob.frame((f) => f.type === "event" && f.event === "quit");
  assert(
    !bob.frames().some((f) => f.type === "msg" && f.text === "half typed"),
    "the half-typed line is not sent",
  );
  assertEquals(
    bob.frames().flatMap((f) =>
      f.type === "event" && f.event === "quit" ? [[f.nick, f.reason ?? ""]] : []
    ),
    [["ann", ""]],
    "a quit with no reason",
  );
});

Deno.test("waiting to reconnect: the state updates in place on the prompt line, typed lines wait as pending and are ticked after the reconnect, and Ctrl-C leaves with 130", async () => {
  await using held = new AsyncDisposableStack();
  let server = await ServerProcess.start();
  held.defer(() => server[Symbol.asyncDispose]());
  const port = server.port;
  const tty = held.use(
    await Tmux.start(clientCommand(port, "--nick ann"), { columns: 240 }),
  );
  await tty.waitForText("You are ann in #lobby");
  server.kill("SIGTERM");
  assertEquals(await server.exitCode(), 0);
  // Attempts 1 and 2 fail before attempt 3 is announced.
  const waiting = await tty.waitFor((s) =>
    /attempt 3 of \d+/.test(promptRow(s) ?? "")
  );
  assertMatch(promptRow(waiting)!, /Ctrl-C leaves/);
  assertEquals(
    waiting.filter((row) => /attempt \d+ of/.test(row)).length,
    1,
    `one status row, not a row per attempt:\n${waiting.join("\n")}`,
  );
  await tty.type("typed while away");
  await tty.press("Enter");
  await tty.waitForText("<ann> typed while away …");

  await server[Symbol.asyncDispose]();
  server = await ServerProcess.start(["--port", String(port)]);
  const back = await tty.waitFor((s) =>
    s.some((row) => /<ann> typed while away ✓/.test(row))
  );
  assertEquals(promptRow(back), "#lobby ann>");
  assert(!back.some((row) => /attempt \d+ of/.test(row)), back.join("\n"));
  await using bob = await RawPeer.native(port, "bob");
  const welcome = bob.frames().find((f) => f.type === "welcome");
  assertEquals(
    welcome?.type === "welcome" && welcome.history.map((m) => m.text),
    ["typed while away"],
    "sent once, after the reconnect",
  );

  server.kill("SIGTERM");
  assertEquals(await server.exitCode(), 0);
  await tty.waitFor((s) => /Ctrl-C leaves/.test(promptRow(s) ?? ""));
  await interrupt(tty, 130);
});

Deno.test("waiting to reconnect in 80 columns: the prompt line still shows the attempt and what is being typed", async () => {
  await using server = await ServerProcess.start();
  await using tty = await Tmux.start(clientCommand(server.port, "--nick ann"));
  await tty.waitForText("You are ann in #lobby");
  server.kill("SIGTERM");
  assertEquals(await server.exitCode(), 0);
  await tty.waitFor((s) => (promptRow(s) ?? "").startsWith("["));
  await tty.type("half typed");
  // A person types blind if the state pushes what they type off the row.
  await tty.waitFor((s) => {
    const row = promptRow(s) ?? "";
    return row.endsWith("half typed") && /attempt \d+/.test(row);
  });
  await interrupt(tty, 130);
});

Deno.test("refused for good: a banned client shows the reason, does not retry, and exits 4", async () => {
  await using server = await ServerProcess.start(
    ["--op", "boss"],
    withEnv({ LOCHAT_OP_SECRET: "0p-secret" }),
  );
  // Every client here is on 127.0.0.1: the operator's own connection is the
  // one a ban of that address spares, so boss is an operator first.
  await using boss = await RawPeer.native(server.port, "boss");
  await boss.send({ type: "msg", id: "o", text: "/oper 0p-secret" });
  await boss.frame((f) => f.type === "reply" && f.cmd === "oper");
  await using tty = await Tmux.start(clientCommand(server.port, "--nick mal"));
  await tty.waitForText("You are mal in #lobby");
  await boss.send({ type: "msg", id: "b", text: "/ban mal being rude" });
  await boss.frame((f) => f.type === "reply" && f.cmd === "ban");
  const screen = await tty.waitForText("exit=4");
  assertMatch(screen.join("\n"), /banned by boss: being rude/);
  assert(
    !screen.some((row) => /attempt \d+ of|Reconnect/i.test(row)),
    screen.join("\n"),
  );
  const connects = (lines: string[]) =>
    lines.filter((line) => / connect peer=/.test(line)).length;
  assertEquals(connects(server.stderr.lines), 2, "boss and mal, once each");
  const who = (frame: ServerFrame) =>
    frame.type === "reply" && frame.cmd === "who";
  await boss.send({ type: "msg", id: "w", text: "/who" });
  const reply = await boss.frame(who);
  assertEquals(reply.type === "reply" && reply.text, "In #lobby (1): boss");
});
