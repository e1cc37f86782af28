/**
 * Real processes for end-to-end tests: any {@linkcode Program} with its
 * stdout and stderr collected as {@linkcode LineLog}s, a
 * {@linkcode ServerProcess} on 127.0.0.1 and port 0, and
 * {@linkcode startClient} for a client pointed at it. Each entry point runs
 * from source unless a {@linkcode Launcher} says otherwise (the bundle test
 * runs the built programs). Every process is `AsyncDisposable`: `await using`
 * kills it and waits for its output to end.
 *
 * @example
 * ```ts
 * await using server = await ServerProcess.start(["--history", "5"]);
 * await using client = startClient(server.port, ["--nick", "ann"]);
 * await client.stdout.waitFor("You are ann");
 * ```
 *
 * @module
 */

import { DEADLINE_MS, LineLog, streamReader } from "./line_log.ts";

/** The repository's root directory; programs run in it. */
export const ROOT = new URL("../..", import.meta.url).pathname;

const encoder = new TextEncoder();

/** A running program with its output collected line by line. */
export class Program implements AsyncDisposable {
  readonly process: Deno.ChildProcess;
  readonly stdout: LineLog;
  readonly stderr: LineLog;
  #stdin: WritableStreamDefaultWriter<Uint8Array> | undefined;
  #status: Promise<Deno.CommandStatus>;

  constructor(
    command: string,
    args: string[],
    options: { label: string; env?: Record<string, string> },
  ) {
    this.process = new Deno.Command(command, {
      args,
      cwd: ROOT,
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1", ...options.env },
    }).spawn();
    this.#stdin = this.process.stdin.getWriter();
    this.stdout = new LineLog(
      streamReader(this.process.stdout),
      `${options.label} stdout`,
    );
    this.stderr = new LineLog(
      streamReader(this.process.stderr),
      `${options.label} stderr`,
    );
    this.#status = this.process.status;
  }

  /** Writes lines to the program's stdin. */
  async write(...lines: string[]): Promise<void> {
    await this.#stdin!.write(
      encoder.encode(lines.map((l) => `${l}\n`).join("")),
    );
  }

  /** Closes stdin: the program sees EOF. */
  async closeStdin(): Promise<void> {
    if (this.#stdin === undefined) return;
    const writer = this.#stdin;
    this.#stdin = undefined;
    await writer.close().catch(() => {});
  }

  /** Waits for the program to exit and returns its exit code. */
  async exitCode(deadlineMs = DEADLINE_MS): Promise<number> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`did not exit within ${deadlineMs} ms`)),
        deadlineMs,
      );
    });
    try {
      const status = await Promise.race([this.#status, timeout]);
      await Promise.all([this.stdout.done, this.stderr.done]);
      return status.code;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Sends a signal, if the program still runs. */
  kill(signal: Deno.Signal = "SIGTERM"): void {
    try {
      this.process.kill(signal);
    } catch {
      // Already gone.
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.closeStdin();
    this.kill("SIGKILL");
    await this.#status;
    await Promise.all([this.stdout.done, this.stderr.done]);
  }
}

/** How an entry point is run: from source, or as a bundled or compiled program. */
export type Launcher = (
  entry: "server" | "client",
) => { command: string; args: string[]; env?: Record<string, string> };

/** Runs `server.ts` / `client.ts` from source with the deno running the tests. */
export const fromSource: Launcher = (entry) => ({
  command: Deno.execPath(),
  args: ["run", "--allow-all", `${entry}.ts`],
});

/** A server process on 127.0.0.1 and an ephemeral port. */
export class ServerProcess extends Program {
  port = 0;
  /** The web page's port; 0 with `--no-web`. */
  webPort = 0;

  /** Starts a server and waits until it says where it listens. */
  static async start(
    args: string[] = [],
    launcher: Launcher = fromSource,
  ): Promise<ServerProcess> {
    const { command, args: base, env } = launcher("server");
    // Tests keep history in memory unless they name a data directory.
    const hostArgs = [
      "--host",
      "127.0.0.1",
      ...(args.includes("--port") ? [] : ["--port", "0"]),
      ...(args.includes("--data-dir") ? [] : ["--data-dir", "none"]),
      // A free web port too, even for a server given its main port.
      ...(args.includes("--web-port") || args.includes("--no-web")
        ? []
        : ["--web-port", "0"]),
    ];
    const server = new ServerProcess(command, [...base, ...hostArgs, ...args], {
      label: "server",
      ...(env === undefined ? {} : { env }),
    });
    try {
      const line = await server.stdout.waitFor(/^listening on /);
      server.port = Number(line.slice(line.lastIndexOf(":") + 1));
      if (!args.includes("--no-web")) {
        const web = await server.stdout.waitFor(/^web listening on /);
        server.webPort = Number(/:(\d+)\/$/.exec(web)?.[1]);
      }
    } catch (error) {
      await server[Symbol.asyncDispose]();
      throw new Error(
        `The server did not start: ${error}\nIts stderr:\n${
          server.stderr.lines.join("\n")
        }`,
      );
    }
    return server;
  }
}

/** Starts `lochat-client` against a server. */
export function startClient(
  port: number,
  args: string[] = [],
  launcher: Launcher = fromSource,
): Program {
  const { command, args: base, env } = launcher("client");
  const hostArgs = ["--host", "127.0.0.1", "--port", String(port)];
  return new Program(command, [...base, ...hostArgs, ...args], {
    label: `client ${args.join(" ")}`,
    ...(env === undefined ? {} : { env }),
  });
}

/**
 * Waits until a piped client is in: a script is shown no welcome, so it
 * asks `/who` and waits for the answer (what a script asks for shows).
 */
export async function pipedClientIn(client: Program): Promise<string> {
  await client.write("/who");
  return await client.stdout.waitFor(/^In #/);
}

/**
 * `lochat-client` as a shell command for a terminal test (tmux), from
 * source with the deno running the tests, against 127.0.0.1:`port`: no
 * colours, LOCHAT_PASSWORD unset unless `env` sets it; the shell says the
 * exit code (`exit=N`) when the client ends, and stays, so its last screen
 * can be read.
 */
export function terminalClient(
  port: number,
  args: string,
  env: Record<string, string> = {},
): string {
  const set = Object.entries({ NO_COLOR: "1", ...env })
    .map(([name, value]) => `${name}='${value}'`).join(" ");
  return `env -u LOCHAT_PASSWORD ${set} '${Deno.execPath()}' run --allow-all client.ts --host 127.0.0.1 --port ${port} ${args}; echo "exit=$?"; sleep 600`;
}
