import { assertEquals, assertMatch, assertNotMatch } from "./assert.ts";
import {
  pipedClientIn,
  Program,
  ROOT,
  ServerProcess,
  startClient,
} from "./util/program.ts";
import type { Launcher } from "./util/program.ts";

/** PATH with the deno that runs the tests first, for the bundles' `deno` shebang. */
const PATH = `${Deno.execPath().replace(/\/[^/]+$/, "")}:${
  Deno.env.get("PATH") ?? ""
}`;

async function make(
  target: string,
  env: Record<string, string> = {},
): Promise<void> {
  await using program = new Program("make", ["--no-print-directory", target], {
    label: `make ${target}`,
    env: { PATH, ...env },
  });
  const code = await program.exitCode(300_000);
  if (code !== 0) {
    throw new Error(
      `make ${target} failed (${code}):\n${program.stderr.lines.join("\n")}`,
    );
  }
}

/** Runs the server and a piped client from `launcher` and checks a message goes through. */
async function exchange(launcher: Launcher): Promise<void> {
  await using server = await ServerProcess.start([], launcher);
  await using listener = startClient(
    server.port,
    ["--nick", "listener"],
    launcher,
  );
  await pipedClientIn(listener);
  await using sender = startClient(server.port, ["--nick", "sender"], launcher);
  await sender.write("hello from a built program");
  await sender.closeStdin();
  assertEquals(await sender.exitCode(), 0);
  await listener.stdout.waitFor("<sender> hello from a built program");
}

Deno.test("make bundle builds single-file programs that chat as executables", async () => {
  await make("bundle");
  await exchange((entry) => ({
    command: `${ROOT}dist/lochat-${entry}.js`,
    args: [],
    env: { PATH },
  }));
});

Deno.test("the bundled server, given a data directory Deno may not write (/proc), says so in words, not Deno's advice about --allow-all", async () => {
  await make("bundle");
  await using server = new Program(
    `${ROOT}dist/lochat-server.js`,
    [
      "--host",
      "127.0.0.1",
      "--port",
      "0",
      "--no-web",
      "--data-dir",
      "/proc/lochat-test",
    ],
    { label: "server", env: { PATH } },
  );
  assertEquals(await server.exitCode(), 1);
  const said = server.stderr.lines.join("\n");
  assertMatch(
    said,
    /Cannot create the data directory \/proc\/lochat-test: it is a system path/,
  );
  assertNotMatch(said, /allow-all/);
});

const denort = Deno.env.get("DENORT_BIN");
Deno.test({
  name: denort === undefined
    ? "make build's compiled binaries chat (ignored: deno compile needs to download denort; set DENORT_BIN)"
    : "make build's compiled binaries chat",
  ignore: denort === undefined,
  async fn() {
    await make("build", { DENORT_BIN: denort! });
    await exchange((entry) => ({
      command: `${ROOT}dist/lochat-${entry}`,
      args: [],
    }));
  },
});
