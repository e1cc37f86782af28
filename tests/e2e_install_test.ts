/**
 * `make install` into a temporary prefix, then the installed `lochat-server`
 * and `lochat-client` run from another directory with no `deno` on PATH (the
 * install carries its own, or is compiled), and `make uninstall` leaves the
 * prefix as it found it.
 */

import { assert, assertEquals, assertMatch } from "./assert.ts";
import { LineLog, streamReader } from "./util/line_log.ts";
import { Program } from "./util/program.ts";

const denoDir = Deno.execPath().replace(/\/[^/]+$/, "");
const systemPath = Deno.env.get("PATH") ?? "/usr/bin:/bin";

/** PATH with the deno that runs the tests first, so make bundles with it. */
const MAKE_PATH = `${denoDir}:${systemPath}`;

/** The PATH the installed programs get: this one without any directory that has a deno. */
const NO_DENO_PATH = systemPath.split(":").filter((dir) => {
  try {
    Deno.statSync(`${dir}/deno`);
    return false;
  } catch {
    return dir !== "" && dir !== denoDir;
  }
}).join(":");

/** The names in a directory, sorted. */
async function names(dir: string): Promise<string[]> {
  const found: string[] = [];
  for await (const entry of Deno.readDir(dir)) found.push(entry.name);
  return found.sort();
}

async function make(...args: string[]): Promise<string[]> {
  await using program = new Program("make", ["--no-print-directory", ...args], {
    label: `make ${args.join(" ")}`,
    env: { PATH: MAKE_PATH },
  });
  const code = await program.exitCode(120_000);
  assertEquals(
    code,
    0,
    `make ${args.join(" ")} failed:\n${program.stderr.lines.join("\n")}`,
  );
  return program.stdout.lines;
}

/** Runs an installed program in `cwd` with nothing of the test's environment but HOME. */
function installed(
  prefix: string,
  name: string,
  args: string[],
  cwd: string,
  signal?: AbortSignal,
): Deno.Command {
  return new Deno.Command(`${prefix}/bin/${name}`, {
    args,
    cwd,
    ...(signal === undefined ? {} : { signal }),
    clearEnv: true,
    env: {
      PATH: NO_DENO_PATH,
      HOME: Deno.env.get("HOME") ?? cwd,
      NO_COLOR: "1",
    },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  });
}

Deno.test("make install puts programs on PATH that run without deno; make uninstall takes them away", async () => {
  const prefix = await Deno.makeTempDir({ prefix: "lochat-prefix-" });
  const elsewhere = await Deno.makeTempDir({ prefix: "lochat-cwd-" });
  try {
    const said = (await make("install", `PREFIX=${prefix}`)).join("\n");
    assertMatch(said, /Installed .*lochat-server and lochat-client in /);
    assert(
      said.includes(`export PATH="${prefix}/bin:$PATH"`),
      `no PATH line to add in:\n${said}`,
    );
    assertEquals(
      await names(`${prefix}/bin`),
      ["lochat-client", "lochat-server"],
    );

    const server = installed(prefix, "lochat-server", [
      "--host",
      "127.0.0.1",
      "--port",
      "0",
      "--data-dir",
      "none",
      "--no-discovery",
    ], elsewhere).spawn();
    const stdout = new LineLog(streamReader(server.stdout), "server stdout");
    const stderr = new LineLog(streamReader(server.stderr), "server stderr");
    try {
      const line = await stdout.waitFor(/^listening on /).catch((error) => {
        throw new Error(`${error}\nstderr:\n${stderr.lines.join("\n")}`);
      });
      const port = line.slice(line.lastIndexOf(":") + 1);
      const client = await installed(
        prefix,
        "lochat-client",
        [
          "--host",
          "127.0.0.1",
          "--port",
          port,
          "--nick",
          "t",
          "--send",
          "hi",
        ],
        elsewhere,
        AbortSignal.timeout(15_000),
      ).output();
      assertEquals(
        client.code,
        0,
        `lochat-client --send: ${new TextDecoder().decode(client.stderr)}`,
      );
    } finally {
      server.kill("SIGTERM");
      await server.status;
      await Promise.all([stdout.done, stderr.done]);
    }

    await make("uninstall", `PREFIX=${prefix}`);
    assertEquals(await names(prefix), []);
  } finally {
    await Deno.remove(prefix, { recursive: true });
    await Deno.remove(elsewhere, { recursive: true });
  }
});
