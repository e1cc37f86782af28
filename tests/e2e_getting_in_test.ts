/**
 * Getting in, end to end, as a new user meets it: a password typed slowly
 * or wrongly, a port that is not a Lochat server, and every way the
 * command line or the network can be wrong, each with its own words and
 * exit code (`lochat-client --help` lists them).
 */
import { assert, assertEquals, assertMatch } from "./assert.ts";
import { CertFiles, opensslMissing } from "./util/cert_files.ts";
import {
  fromSource,
  type Launcher,
  Program,
  ServerProcess,
  startClient,
  terminalClient,
} from "./util/program.ts";
import { Tmux } from "./util/tmux.ts";

/** Runs the programs from source with `env` set. */
function withEnv(env: Record<string, string>): Launcher {
  return (entry) => ({ ...fromSource(entry), env });
}

/**
 * The client with the permissions an installed client has (the Makefile's
 * CLIENT_PERMS), not --allow-all: Deno's own refusals show as they would.
 */
function installed(env: Record<string, string> = {}): Launcher {
  return () => ({
    command: Deno.execPath(),
    args: [
      "run",
      "--allow-net",
      "--allow-sys=networkInterfaces",
      "--allow-env",
      "--allow-read",
      "--allow-write",
      "client.ts",
    ],
    env,
  });
}

/** The prompt line: the last row with anything on it. */
const promptRow = (screen: string[]) => screen.findLast((row) => row !== "");

/** A port that accepts connections and says `greeting` (or nothing), then nothing. */
class NotLochat implements AsyncDisposable {
  readonly listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  readonly #conns: Deno.Conn[] = [];
  readonly #loop: Promise<void>;

  constructor(greeting?: string) {
    this.#loop = (async () => {
      for await (const conn of this.listener) {
        this.#conns.push(conn);
        if (greeting !== undefined) {
          await conn.write(new TextEncoder().encode(`${greeting}\r\n`))
            .catch(() => {});
        }
      }
    })();
  }

  get port(): number {
    return this.listener.addr.port;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.listener.close();
    await this.#loop;
    for (const conn of this.#conns) {
      try {
        conn.close();
      } catch {
        // The client closed it first.
      }
    }
  }
}

Deno.test("a person slower than the server's handshake timeout gets in with what they typed; the prompt names the server", async () => {
  await using server = await ServerProcess.start(
    ["--handshake-timeout", "1"],
    withEnv({ LOCHAT_PASSWORD: "Kq7-Vx2p" }),
  );
  await using tty = await Tmux.start(terminalClient(server.port, "--nick ann"));
  const prompt = `Password for 127.0.0.1:${server.port}:`;
  await tty.waitFor((s) => promptRow(s) === prompt);
  await tty.type("Kq7-");
  // The server gives up on the connection while the person types.
  await server.stderr.waitFor(/disconnect .*handshake timeout/);
  await tty.type("Vx2p");
  await tty.press("Enter");
  const screen = await tty.waitForText("You are ann in #lobby");
  assert(
    !screen.some((row) => /refused|No valid hello/.test(row)),
    screen.join("\n"),
  );
  await tty.press("C-c");
  await tty.waitForText("exit=0");
});

Deno.test("each wrong password says the tries left; after the third the client ends at once with exit 5 and the reason", async () => {
  await using server = await ServerProcess.start(
    [],
    withEnv({ LOCHAT_PASSWORD: "Kq7-Vx2p" }),
  );
  await using tty = await Tmux.start(terminalClient(server.port, "--nick ann"));
  const prompt = `Password for 127.0.0.1:${server.port}:`;
  await tty.waitFor((s) => promptRow(s) === prompt);
  await tty.type("one\r");
  await tty.waitForText("! Wrong password (2 tries left)");
  await tty.waitFor((s) => promptRow(s) === prompt);
  await tty.type("two\r");
  await tty.waitForText("! Wrong password (1 try left)");
  await tty.waitFor((s) => promptRow(s) === prompt);
  await tty.type("three\r");
  const screen = await tty.waitForText("exit=5");
  assertMatch(screen.join("\n"), /Wrong password 3 times/);
  assert(!screen.some((row) => row.startsWith("Password for")));
  const lines = server.stderr.lines;
  assertEquals(lines.filter((l) => / connect peer=/.test(l)).length, 1);
  assertEquals(lines.filter((l) => /wrong password/.test(l)).length, 4);
});

Deno.test("a port that accepts and says nothing, or speaks SSH, is not a Lochat server: said within seconds, exit 1, --send too", async () => {
  await using silent = new NotLochat();
  await using ssh = new NotLochat("SSH-2.0-OpenSSH_9.6");
  const started = Date.now();
  await using send = startClient(silent.port, ["--send", "hello?"]);
  await using pipe = startClient(ssh.port, ["--nick", "ci"]);
  await pipe.write("hello?");
  await pipe.closeStdin();
  assertEquals(await send.exitCode(), 1);
  assertEquals(await pipe.exitCode(), 1);
  assert(Date.now() - started < 12_000, "a few seconds, not for ever");
  assertEquals(send.stderr.lines, [
    `lochat-client: 127.0.0.1:${silent.port} did not answer as a Lochat server (no \`Welcome to LoChat!\`); check --host and --port`,
  ]);
  assertEquals(pipe.stderr.lines, [
    `lochat-client: 127.0.0.1:${ssh.port} did not answer as a Lochat server (no \`Welcome to LoChat!\`); it said "SSH-2.0-OpenSSH_9.6"; check --host and --port`,
  ]);
});

Deno.test("a long refusal on a terminal wraps between words; the advice suits an installed client and a checkout", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = listener.addr.port;
  listener.close();
  await using tty = await Tmux.start(
    terminalClient(port, "--nick ann"),
    { columns: 60 },
  );
  const screen = await tty.waitForText("exit=1");
  const first = screen.findIndex((row) => row.startsWith("! Cannot connect"));
  const rows = screen.slice(first, screen.indexOf("exit=1"))
    .filter((row) => row !== "");
  assert(rows.length > 1, screen.join("\n"));
  for (const row of rows.slice(1)) assert(/^ {2}\S/.test(row), row);
  assertEquals(
    rows.map((row) => row.trim()).join(" "),
    `! Cannot connect to 127.0.0.1:${port}: connection refused. Is lochat-server running there? ` +
      "Start lochat-server there (or `make server` in a checkout), or pass --host and --port",
    "every row ends at a space",
  );
});

Deno.test("a nick over the protocol's 24 characters is refused before connecting, as usage", async () => {
  await using client = startClient(1, ["--nick", `a${"b".repeat(29)}`]);
  assertEquals(await client.exitCode(), 2);
  assertMatch(client.stderr.lines[0]!, /--nick: .* use 1–24 characters/);
});

Deno.test("more --room than a member may be in is refused at the hello as usage: exit 2, saying how many", async () => {
  await using server = await ServerProcess.start();
  const rooms = Array.from({ length: 21 }, (_, i) => `r${i}`).join(",");
  await using client = startClient(server.port, [
    "--room",
    rooms,
    "--send",
    "hi",
  ]);
  assertEquals(await client.exitCode(), 2);
  assertMatch(
    client.stderr.lines.join("\n"),
    /give at most 20 rooms with --room/,
  );
  assert(!client.stderr.lines.join("\n").includes("/part"));
});

Deno.test("--send to a server with a password, without LOCHAT_PASSWORD, says how to give it (not /pass): exit 5", async () => {
  await using server = await ServerProcess.start(
    [],
    withEnv({ LOCHAT_PASSWORD: "Kq7-Vx2p" }),
  );
  await using client = startClient(server.port, ["--send", "hi"]);
  assertEquals(await client.exitCode(), 5);
  assertEquals(client.stderr.lines, [
    `lochat-client: 127.0.0.1:${server.port} needs a password: set LOCHAT_PASSWORD, or run without --send to be asked`,
  ]);
});

Deno.test("a host that cannot be found is said so, with what to do: exit 1", async () => {
  await using client = new Program(
    Deno.execPath(),
    [
      "run",
      "--allow-all",
      "client.ts",
      "--host",
      "nosuchhost.invalid",
      "--send",
      "hi",
    ],
    { label: "client nosuchhost" },
  );
  assertEquals(await client.exitCode(), 1);
  assertEquals(client.stderr.lines, [
    "lochat-client: Cannot find host nosuchhost.invalid: check the name, or use its IP address",
  ]);
});

const missing = await opensslMissing();

Deno.test({
  name:
    `a known-servers file or config directory the client cannot use is said so, without Deno's advice about flags${
      missing === undefined ? "" : ` (ignored: ${missing})`
    }`,
  ignore: missing !== undefined,
  async fn() {
    await using cert = await CertFiles.make();
    await using server = await ServerProcess.start([
      "--tls-cert",
      cert.cert,
      "--tls-key",
      cert.key,
    ]);
    const cases: [string[], Record<string, string>, string][] = [
      [["--known-servers", "/proc/lochat/known_servers"], {}, "/proc/lochat"],
      [[], { XDG_CONFIG_HOME: "/proc/lochat-config" }, "/proc/lochat-config"],
    ];
    for (const [args, env, path] of cases) {
      await using client = startClient(
        server.port,
        ["--tls", ...args, "--send", "hi"],
        installed(env),
      );
      assertEquals(await client.exitCode(), 1);
      const said = client.stderr.lines.join("\n");
      assertMatch(said, new RegExp(`${path}/\\S* cannot be used: `));
      assert(!/--allow|run again/.test(said), said);
    }
  },
});
