// deno-lint-ignore-file no-console
/**
 * `lochat-client`: flags in, pick the person's side (a terminal, a pipe,
 * `--send`, `--json`), run the client loop, restore the terminal on every
 * way out. Exit codes: 0 done, 1 connection failed or lost, 2 bad usage,
 * 3 the server refused a line that was sent.
 *
 * @module
 */

import { clientHelp, parseClientFlags } from "./lib/client/client_flags.ts";
import { UsageError } from "./lib/shared/flags.ts";
import { runClient } from "./lib/client/client_loop.ts";
import type { ClientView, InputEvent } from "./lib/client/client_view.ts";
import { EXIT } from "./lib/client/exit_codes.ts";
import { PROTOCOL_LIMITS } from "./lib/shared/limits.ts";
import { DEFAULT_PORT } from "./lib/shared/protocol.ts";
import { browse, BROWSE_MS, chooseServer } from "./lib/client/browse.ts";
import type { FoundServer } from "./lib/shared/dns_sd.ts";
import { readLines } from "./lib/shared/lines.ts";
import { JsonView, PlainView } from "./lib/client/script_views.ts";
import type { Streams } from "./lib/client/script_views.ts";
import { TerminalView } from "./lib/client/terminal_view.ts";
import type { ConnectOptions } from "./lib/client/client_handshake.ts";
import { KnownServers } from "./lib/client/known_servers.ts";
import { fileProblem } from "./lib/shared/file_problems.ts";
import { dialTls } from "./lib/client/tls_trust.ts";
import type { TlsTrust } from "./lib/client/tls_trust.ts";

const streams: Streams = {
  out: (line) => console.log(line),
  err: (line) => console.error(line),
};

async function main(): Promise<number> {
  let flags;
  try {
    flags = parseClientFlags(Deno.args, {
      noColor: (Deno.env.get("NO_COLOR") ?? "") !== "",
      password: Deno.env.get("LOCHAT_PASSWORD"),
    });
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`lochat-client: ${error.message}\nTry lochat-client --help`);
    return EXIT.usage;
  }
  if (flags.help) {
    console.log(clientHelp());
    return EXIT.ok;
  }
  const interactive = Deno.stdin.isTerminal() && Deno.stdout.isTerminal();
  let hostname = flags.hostname;
  let port = flags.port ?? DEFAULT_PORT;
  let useTls = flags.tls;
  let serverName: string | undefined;
  if (flags.list || hostname === undefined) {
    const found = await browse({ timeoutMs: BROWSE_MS });
    if (flags.list) {
      for (const s of found) {
        console.log(`${s.name}\t${s.address}:${s.port}${s.tls ? "\tTLS" : ""}`);
      }
      if (found.length === 0) {
        const none = chooseServer(found, undefined);
        if (!none.ok) console.error(`lochat-client: ${none.problem}`);
      }
      return found.length > 0 ? EXIT.ok : EXIT.failed;
    }
    let choice = chooseServer(found, flags.server);
    if (!choice.ok && choice.several && interactive) {
      choice = pickServer(found);
    }
    if (!choice.ok) {
      console.error(`lochat-client: ${choice.problem}`);
      return EXIT.failed;
    }
    hostname = choice.server.address;
    serverName = choice.server.name;
    port = flags.port ?? choice.server.port;
    useTls ||= choice.server.tls;
    console.error(
      `lochat-client: found ${choice.server.name} at ${hostname}:${port}${
        useTls ? " (TLS)" : ""
      }`,
    );
  }
  let ca: string | undefined;
  if (flags.ca !== undefined) {
    try {
      ca = await Deno.readTextFile(flags.ca);
    } catch (error) {
      console.error(`lochat-client: --ca: ${fileProblem(error, flags.ca)}`);
      return EXIT.usage;
    }
  }
  const knownServers = new KnownServers(
    flags.knownServers ?? KnownServers.defaultFile({
      xdgConfigHome: Deno.env.get("XDG_CONFIG_HOME"),
      home: Deno.env.get("HOME"),
    }),
  );
  const connect: ConnectOptions = {
    hostname,
    port,
    nick: flags.nick,
    rooms: flags.rooms.length === 0 ? undefined : flags.rooms,
    password: flags.password,
    serverName,
    // The terminal view asks for it (set below); a script cannot be asked.
    askPassword: undefined,
    passwordHint: flags.send !== undefined
      ? "set LOCHAT_PASSWORD, or run without --send to be asked"
      : "set LOCHAT_PASSWORD (a script is not asked for it)",
    // A script's visit: no join or quit notices, no backlog unless asked.
    ...(interactive && flags.send === undefined && !flags.json
      ? (flags.history === undefined ? {} : { history: flags.history })
      : { quiet: true, history: flags.history ?? 0 }),
  };
  if (useTls) {
    const trust: TlsTrust = ca !== undefined ? { kind: "ca", ca } : {
      kind: "pin",
      known: knownServers,
      notice: (text) => console.error(`lochat-client: ${text}`),
    };
    connect.dial = (hostname, port) => dialTls(hostname, port, trust);
  }

  if (flags.send !== undefined) {
    const input = (async function* (line: string): AsyncGenerator<InputEvent> {
      yield { kind: "line", line };
      yield { kind: "eof" };
    })(flags.send);
    const view = new PlainView(streams, {
      live: false,
      history: flags.history,
    });
    return await runClient({
      connect,
      input,
      view,
      reconnect: false,
      script: true,
    });
  }

  if (!flags.json && interactive) {
    const view = new TerminalView({
      io: terminal(),
      color: flags.color,
      bell: flags.bell,
      nick: flags.nick,
    });
    // Asked on the prompt line, never echoed; kept for reconnects.
    connect.askPassword = ({ server, problem, signal }) =>
      view.askSecret(`Password for ${server}: `, problem, signal);
    const restore = (code: number) => () => {
      view.stop();
      Deno.exit(code);
    };
    const signals: [Deno.Signal, () => void][] = [
      ["SIGTERM", restore(143)],
      ["SIGHUP", restore(129)],
      ["SIGINT", restore(130)],
      ["SIGWINCH", () => view.resized()],
    ];
    for (const [signal, handler] of signals) {
      Deno.addSignalListener(signal, handler);
    }
    view.start();
    try {
      return await runClient({
        connect,
        input: view.input(),
        view,
        reconnect: flags.reconnect,
      });
    } finally {
      view.stop();
    }
  }

  const view: ClientView = flags.json
    ? new JsonView(streams)
    : new PlainView(streams, { history: flags.history });
  return await runClient({
    connect,
    script: !interactive,
    input: pipeInput(),
    view,
    reconnect: flags.reconnect,
  });
}

/**
 * Lines from stdin as input events; a line that cannot be read (too long,
 * not UTF-8) is refused, which makes a script's exit code 3.
 */
async function* pipeInput(): AsyncGenerator<InputEvent> {
  for await (
    const result of readLines(Deno.stdin, {
      maxBytes: PROTOCOL_LIMITS.lineBytes.default,
    })
  ) {
    if (result.ok) {
      yield { kind: "line", line: result.line };
    } else if (result.error === "too-long") {
      yield {
        kind: "refused",
        reason:
          `Not sent: a line longer than ${result.limit} bytes; split it into several lines`,
      };
    } else {
      yield {
        kind: "refused",
        reason: "Not sent: a line that is not valid UTF-8",
      };
    }
  }
  yield { kind: "eof" };
}

/** Lists the servers found and asks which one, on the terminal. */
function pickServer(found: FoundServer[]): ReturnType<typeof chooseServer> {
  found.forEach((s, i) =>
    console.log(
      `  ${i + 1}) ${s.name}  ${s.address}:${s.port}${s.tls ? "  TLS" : ""}`,
    )
  );
  const answer = prompt(`Pick a server [1-${found.length}]:`) ?? "";
  const picked = found[Number(answer.trim()) - 1];
  if (picked === undefined) {
    return {
      ok: false,
      several: false,
      problem: `"${answer}" is not one of 1-${found.length}`,
    };
  }
  return { ok: true, server: picked };
}

/** The process's terminal, for the interactive view. */
function terminal() {
  const encoder = new TextEncoder();
  return {
    read: (buffer: Uint8Array) => Deno.stdin.read(buffer),
    setRaw: (raw: boolean) => Deno.stdin.setRaw(raw),
    write(text: string) {
      const bytes = encoder.encode(text);
      let written = 0;
      while (written < bytes.length) {
        written += Deno.stdout.writeSync(bytes.subarray(written));
      }
    },
    columns: () => Deno.consoleSize().columns,
    rows: () => Deno.consoleSize().rows,
  };
}

Deno.exit(await main());
