/**
 * Real IRC clients from Debian, driven by end-to-end tests: {@linkcode Ii}
 * (suckless ii: a FIFO `in` and a file `out` per server, channel and
 * query), {@linkcode Irssi} in a tmux pane (what a person sees), and
 * {@linkcode WeeChat} headless (commands through its FIFO, what it shows
 * read back from its logs, each line with the time WeeChat gave it). Each
 * keeps its configuration in a fresh temporary directory, never in the
 * user's own, connects to 127.0.0.1 only, and is `AsyncDisposable`:
 * `await using` stops it and removes its directory.
 *
 * None of these programs has change events a test could await, so the waits
 * here look at files or the screen every 20 ms until {@linkcode DEADLINE_MS}
 * and then fail with what they saw.
 *
 * @example
 * ```ts
 * await using ii = await Ii.start(port, "iris");
 * await ii.join("#lobby");
 * await ii.say("#lobby", "hello");
 * await ii.waitFor("#lobby", "<ann> hi iris");
 * ```
 *
 * @module
 */

import { DEADLINE_MS } from "./line_log.ts";
import type { Program } from "./program.ts";
import { Tmux } from "./tmux.ts";

const encoder = new TextEncoder();

/** The Debian IRC clients the tests drive, by binary name. */
export type IrcClientBinary = "ii" | "irssi" | "weechat-headless";

/** Whether `binary` is on the PATH. */
export async function installed(binary: IrcClientBinary): Promise<boolean> {
  const found = await new Deno.Command("sh", {
    args: ["-c", `command -v ${binary}`],
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).output();
  return found.success;
}

/**
 * The IRC port a server started with `--irc-port 0` printed
 * (`irc listening on HOST:PORT`), before or after its main port; with
 * `"ircs"`, the TLS one of `--ircs-port 0` (`ircs listening on …`).
 */
export async function ircPort(
  server: Program,
  kind: "irc" | "ircs" = "irc",
): Promise<number> {
  const said = (line: string) => line.startsWith(`${kind} listening on `);
  const line = server.stdout.lines.find(said) ??
    await server.stdout.waitFor(said);
  return Number(line.slice(line.lastIndexOf(":") + 1));
}

/** Waits until `look()` returns something, looking every 20 ms. */
async function poll<T>(
  look: () => Promise<T | undefined>,
  failure: () => Promise<string>,
  deadlineMs = DEADLINE_MS,
): Promise<T> {
  const started = Date.now();
  while (true) {
    const found = await look();
    if (found !== undefined) return found;
    if (Date.now() - started > deadlineMs) {
      throw new Error(`${await failure()} (waited ${deadlineMs} ms)`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A file's lines, or none while it does not exist yet. */
async function fileLines(path: string): Promise<string[]> {
  try {
    const text = await Deno.readTextFile(path);
    return text === "" ? [] : text.replace(/\n$/, "").split("\n");
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return [];
    throw error;
  }
}

/** A test for a line: a substring, a pattern or a predicate. */
export type LineMatch = string | RegExp | ((line: string) => boolean);

function tester(match: LineMatch): (line: string) => boolean {
  return typeof match === "function"
    ? match
    : typeof match === "string"
    ? (line) => line.includes(match)
    : (line) => match.test(line);
}

/** Whether `path` is a FIFO. */
async function isFifo(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isFifo === true;
  } catch {
    return false;
  }
}

/** Writes `text` into a FIFO (the reader is the client, which keeps it open). */
async function writeFifo(path: string, text: string): Promise<void> {
  using fifo = await Deno.open(path, { write: true });
  const bytes = encoder.encode(text);
  let written = 0;
  while (written < bytes.length) {
    written += await fifo.write(bytes.subarray(written));
  }
}

/** Stops a child process by its PID (one this module started) and reaps it. */
async function stop(process: Deno.ChildProcess): Promise<void> {
  try {
    process.kill("SIGTERM");
  } catch {
    // Gone already.
  }
  const timer = setTimeout(() => {
    try {
      process.kill("SIGKILL");
    } catch {
      // Gone already.
    }
  }, 3000);
  await process.status;
  clearTimeout(timer);
}

/**
 * suckless ii: files in, files out. Under its directory, `127.0.0.1/in` is
 * the server's FIFO and `127.0.0.1/out` what the server said; each channel
 * and each query gets a folder of its own (`127.0.0.1/#lobby/`,
 * `127.0.0.1/ann/`, names lower-cased) with the same two files. Lines in
 * `out` read `EPOCH <nick> text`.
 */
export class Ii implements AsyncDisposable {
  readonly nick: string;
  readonly dir: string;
  readonly #process: Deno.ChildProcess;

  private constructor(nick: string, dir: string, process: Deno.ChildProcess) {
    this.nick = nick;
    this.dir = dir;
    this.#process = process;
  }

  /**
   * Starts ii as `nick` against 127.0.0.1:`port` (with the server password
   * `password`, passed in the environment as ii wants it) and waits until
   * the server has welcomed it (a line matching `welcome` in the server's
   * `out`).
   */
  static async start(
    port: number,
    nick: string,
    options: { password?: string; welcome?: LineMatch } = {},
  ): Promise<Ii> {
    const dir = await Deno.makeTempDir({ prefix: "lochat-ii-" });
    const process = new Deno.Command("ii", {
      args: [
        "-s",
        "127.0.0.1",
        "-p",
        String(port),
        "-n",
        nick,
        "-i",
        dir,
        "-f",
        `${nick} in a test`,
        ...(options.password === undefined ? [] : ["-k", "IIPASS"]),
      ],
      env: options.password === undefined ? {} : { IIPASS: options.password },
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
    const ii = new Ii(nick, dir, process);
    try {
      await ii.waitFor("", options.welcome ?? /welcome/i);
      await poll(
        async () => (await isFifo(ii.#path("", "in"))) || undefined,
        () => Promise.resolve(`ii ${nick}: no server FIFO`),
      );
    } catch (error) {
      await ii[Symbol.asyncDispose]();
      throw error;
    }
    return ii;
  }

  #path(target: string, file: "in" | "out"): string {
    const folder = target === "" ? "" : `/${target.toLowerCase()}`;
    return `${this.dir}/127.0.0.1${folder}/${file}`;
  }

  /** Writes one line into the `in` FIFO of `target` ("" is the server). */
  async send(target: string, line: string): Promise<void> {
    const path = this.#path(target, "in");
    await poll(
      async () => (await isFifo(path)) || undefined,
      () => Promise.resolve(`ii ${this.nick}: no FIFO ${path}`),
    );
    await writeFifo(path, `${line}\n`);
  }

  /** Joins `channel` (ii's `/j`) and waits until ii has made its folder. */
  async join(channel: string): Promise<void> {
    await this.send("", `/j ${channel}`);
    const path = this.#path(channel, "in");
    await poll(
      async () => (await isFifo(path)) || undefined,
      () => Promise.resolve(`ii ${this.nick} did not open ${channel}`),
    );
  }

  /** Says `text` in a channel or query: a line in its `in`. */
  say(target: string, text: string): Promise<void> {
    return this.send(target, text);
  }

  /** Sends a CTCP ACTION (ii has no `/me`: the line is the CTCP itself). */
  me(target: string, text: string): Promise<void> {
    return this.send(target, `\x01ACTION ${text}\x01`);
  }

  /** What ii wrote to `target`'s `out` ("" is the server), line by line. */
  lines(target: string): Promise<string[]> {
    return fileLines(this.#path(target, "out"));
  }

  /** Waits until `target`'s `out` has a line that matches; returns it. */
  waitFor(target: string, match: LineMatch): Promise<string> {
    const test = tester(match);
    return poll(
      async () => (await this.lines(target)).find(test),
      async () =>
        `ii ${this.nick}: ${
          target || "the server"
        } showed no line matching ${match}; it has:\n${
          (await this.lines(target)).join("\n")
        }`,
    );
  }

  /** Waits until `target`'s `out` has `count` lines that match. */
  async waitForCount(
    target: string,
    match: LineMatch,
    count: number,
  ): Promise<void> {
    const test = tester(match);
    await poll(
      async () =>
        (await this.lines(target)).filter(test).length >= count || undefined,
      async () =>
        `ii ${this.nick}: ${
          target || "the server"
        } showed fewer than ${count} lines matching ${match}; it has:\n${
          (await this.lines(target)).join("\n")
        }`,
    );
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await stop(this.#process);
    await Deno.remove(this.dir, { recursive: true }).catch(() => {});
  }
}

/**
 * The irssi command line: a private home, and the one server it connects to
 * (none when `port` is undefined: the test types its own `/connect`).
 */
function irssiCommand(
  home: string,
  port: number | undefined,
  nick: string,
  password: string | undefined,
): string {
  const pass = password === undefined ? "" : ` -w '${password}'`;
  const connect = port === undefined ? "" : ` -c 127.0.0.1 -p ${port}${pass}`;
  return `irssi --home='${home}' -n ${nick}${connect}; echo "irssi exit=$?"; sleep 600`;
}

/**
 * irssi in a tmux pane: what a person sees. Only the active window shows;
 * {@linkcode Irssi.window} goes to a channel or query as a person would with
 * `/window goto`.
 */
export class Irssi implements AsyncDisposable {
  readonly nick: string;
  readonly tmux: Tmux;
  readonly home: string;

  private constructor(nick: string, tmux: Tmux, home: string) {
    this.nick = nick;
    this.tmux = tmux;
    this.home = home;
  }

  /**
   * Starts irssi as `nick` with a fresh `--home` (what Debian's irssi shows
   * out of the box) and waits for the server's welcome (`welcome` on
   * screen). It connects to 127.0.0.1:`port`, or, with `port` undefined,
   * types `commands` (a `/connect` with TLS, a `/network add` for SASL …)
   * as a person would.
   */
  static async start(
    port: number | undefined,
    nick: string,
    options: {
      password?: string;
      commands?: string[];
      welcome?: string;
      columns?: number;
      rows?: number;
      /**
       * `/set` settings, by the module that keeps them in irssi's config
       * (`/save` shows it: `core` has `timestamp_format`, `fe-text` has
       * `show_server_time`).
       */
      settings?: Record<string, Record<string, string>>;
    } = {},
  ): Promise<Irssi> {
    const home = await Deno.makeTempDir({ prefix: "lochat-irssi-" });
    if (options.settings !== undefined) {
      const modules = Object.entries(options.settings).map(([module, set]) =>
        `"${module}" = { ${
          Object.entries(set).map(([name, value]) => `${name} = "${value}";`)
            .join(" ")
        } };`
      );
      await Deno.writeTextFile(
        `${home}/config`,
        `settings = { ${modules.join(" ")} };\n`,
      );
    }
    const tmux = await Tmux.start(
      irssiCommand(home, port, nick, options.password),
      { columns: options.columns ?? 120, rows: options.rows ?? 30 },
    );
    const irssi = new Irssi(nick, tmux, home);
    try {
      if (options.commands !== undefined) {
        // The status bar is drawn once irssi reads its input.
        await tmux.waitForText("[(status)]");
        for (const command of options.commands) await irssi.type(command);
      }
      await tmux.waitForText(options.welcome ?? "Welcome");
    } catch (error) {
      await irssi[Symbol.asyncDispose]();
      throw error;
    }
    return irssi;
  }

  /** Types a line and presses Enter. */
  async type(line: string): Promise<void> {
    await this.tmux.type(line);
    await this.tmux.press("Enter");
  }

  /** Joins `channel`: irssi opens a window for it and makes it active. */
  async join(channel: string): Promise<void> {
    await this.type(`/join ${channel}`);
    await this.waitForStatus(channel);
  }

  /** Makes the window of a channel or query active, and waits until it is. */
  async window(name: string): Promise<void> {
    await this.type(`/window goto ${name}`);
    await this.waitForStatus(name);
  }

  /** Waits until the status bar names `name` as the active window. */
  async waitForStatus(name: string): Promise<void> {
    const lower = name.toLowerCase();
    await this.tmux.waitFor((screen) =>
      screen.some((row) => row.toLowerCase().startsWith(`[${lower}]`))
    );
  }

  /** Waits until a row of the screen matches; returns that row. */
  async waitFor(match: LineMatch): Promise<string> {
    const test = tester(match);
    const screen = await this.tmux.waitFor((rows) => rows.some(test));
    return screen.find(test)!;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.tmux[Symbol.asyncDispose]();
    await Deno.remove(this.home, { recursive: true }).catch(() => {});
  }
}

/** One line of a WeeChat log: when WeeChat says it happened, who, and what. */
export type WeeChatLine = { time: string; prefix: string; text: string };

/**
 * WeeChat without a terminal (`weechat-headless`), in a private `--dir`:
 * commands and lines go in through its FIFO plugin, and what each buffer
 * shows is read back from its logger files, which WeeChat writes with the
 * time it shows beside each line (the server's, for a line with
 * `server-time`). The server is named `lochat` in WeeChat, so a channel's
 * buffer is `irc.lochat.#room`.
 */
export class WeeChat implements AsyncDisposable {
  readonly nick: string;
  readonly dir: string;
  readonly #process: Deno.ChildProcess;

  private constructor(nick: string, dir: string, process: Deno.ChildProcess) {
    this.nick = nick;
    this.dir = dir;
    this.#process = process;
  }

  /**
   * Starts WeeChat as `nick` against 127.0.0.1:`port`, joining `channels`
   * once connected, and waits until the server has welcomed it.
   */
  static async start(
    port: number,
    nick: string,
    options: {
      channels?: string[];
      password?: string;
      /** TLS, trusting the certificate with this SHA-256 fingerprint (hex). */
      fingerprint?: string;
      /** SASL PLAIN with this user name and password. */
      sasl?: { user: string; password: string };
      welcome?: LineMatch;
    } = {},
  ): Promise<WeeChat> {
    const dir = await Deno.makeTempDir({ prefix: "lochat-weechat-" });
    const server = "irc.server.lochat";
    const commands = [
      // Logs written as lines arrive, not every two minutes.
      "/set logger.file.flush_delay 0",
      `/set fifo.file.path ${dir}/fifo`,
      // WeeChat 3.8 says `ssl` where WeeChat 4 says `tls`.
      `/server add lochat 127.0.0.1/${port} ${
        options.fingerprint === undefined ? "-nossl" : "-ssl"
      }`,
      ...(options.fingerprint === undefined
        ? []
        : [`/set ${server}.ssl_fingerprint ${options.fingerprint}`]),
      ...(options.sasl === undefined ? [] : [
        `/set ${server}.sasl_mechanism plain`,
        `/set ${server}.sasl_username ${options.sasl.user}`,
        `/set ${server}.sasl_password ${options.sasl.password}`,
      ]),
      `/set ${server}.nicks ${nick}`,
      `/set ${server}.username ${nick}`,
      `/set ${server}.realname ${nick}`,
      ...(options.password === undefined
        ? []
        : [`/set ${server}.password ${options.password}`]),
      ...(options.channels === undefined || options.channels.length === 0
        ? []
        : [`/set ${server}.autojoin ${options.channels.join(",")}`]),
      "/connect lochat",
    ];
    const process = new Deno.Command("weechat-headless", {
      args: ["--dir", dir, "--run-command", commands.join(";")],
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
    const weechat = new WeeChat(nick, dir, process);
    try {
      await weechat.waitFor("", options.welcome ?? /welcome/i);
      await poll(
        async () => (await isFifo(`${dir}/fifo`)) || undefined,
        () => Promise.resolve(`WeeChat ${nick}: no FIFO`),
      );
    } catch (error) {
      await weechat[Symbol.asyncDispose]();
      throw error;
    }
    return weechat;
  }

  #log(buffer: string): string {
    const name = buffer === "" ? "server.lochat" : `lochat.${buffer}`;
    return `${this.dir}/logs/irc.${name.toLowerCase()}.weechatlog`;
  }

  /**
   * Types `line` into `buffer` ("" the server's, `#room` a channel's,
   * `nick` a query's): text is said there, `/commands` run there.
   */
  async input(buffer: string, line: string): Promise<void> {
    const name = buffer === "" ? "server.lochat" : `lochat.${buffer}`;
    await writeFifo(`${this.dir}/fifo`, `irc.${name} *${line}\n`);
  }

  /** What the buffer's log holds, line by line. */
  async lines(buffer: string): Promise<WeeChatLine[]> {
    return (await fileLines(this.#log(buffer))).map((line) => {
      const [time = "", prefix = "", ...text] = line.split("\t");
      return { time, prefix, text: text.join("\t") };
    });
  }

  /**
   * Waits until the buffer's log has a line whose `prefix<TAB>text`
   * matches; returns it.
   */
  waitFor(buffer: string, match: LineMatch): Promise<WeeChatLine> {
    const test = tester(match);
    const shown = (l: WeeChatLine) => `${l.prefix}\t${l.text}`;
    return poll(
      async () => (await this.lines(buffer)).find((l) => test(shown(l))),
      async () =>
        `WeeChat ${this.nick}: ${
          buffer || "the server buffer"
        } logged no line matching ${match}; it has:\n${
          (await this.lines(buffer)).map((l) => `${l.time}\t${shown(l)}`)
            .join("\n")
        }`,
    );
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await stop(this.#process);
    await Deno.remove(this.dir, { recursive: true }).catch(() => {});
  }
}
