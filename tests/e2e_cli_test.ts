import { assertEquals, assertMatch } from "./assert.ts";
import { Program, ServerProcess, startClient } from "./util/program.ts";

function run(entry: "server" | "client", args: string[]): Program {
  return new Program(Deno.execPath(), [
    "run",
    "--allow-all",
    `${entry}.ts`,
    ...args,
  ], { label: entry });
}

Deno.test("--help on both binaries prints usage and exits 0", async () => {
  for (const entry of ["server", "client"] as const) {
    await using program = run(entry, ["--help"]);
    assertEquals(await program.exitCode(), 0);
    assertMatch(
      program.stdout.lines[0]!,
      new RegExp(`^Usage: lochat-${entry} \\[OPTIONS\\]`),
    );
  }
});

Deno.test("a bad flag is one clear line on stderr and exit 2", async () => {
  await using server = run("server", ["--port", "http"]);
  assertEquals(await server.exitCode(), 2);
  assertEquals(
    server.stderr.lines[0],
    'lochat-server: --port must be a whole number from 0 to 65535, not "http"',
  );
  await using client = run("client", ["--colour"]);
  assertEquals(await client.exitCode(), 2);
  assertMatch(
    client.stderr.lines[0]!,
    /^lochat-client: Unknown option '--colour'/,
  );
});

Deno.test("a port in use says so and how to fix it, exit 1", async () => {
  await using first = await ServerProcess.start();
  await using second = run("server", [
    "--host",
    "127.0.0.1",
    "--port",
    String(first.port),
    "--data-dir",
    "none",
  ]);
  assertEquals(await second.exitCode(), 1);
  assertEquals(second.stderr.lines, [
    `lochat-server: Port ${first.port} is in use on 127.0.0.1; stop the other server or try --port 0`,
  ]);
});

/** A client pointed at a port where nothing listens, interactive or with --send. */
const unreachable = [
  {
    name: "a client with no server says so and exits 1",
    args: [],
    stderr:
      /^lochat-client: Cannot connect to 127\.0\.0\.1:\d+: connection refused/,
  },
  {
    name: "--send exits 1 with the reason when the server is unreachable",
    args: ["--send", "anyone?"],
    stderr: /connection refused/,
  },
];

for (const c of unreachable) {
  Deno.test(c.name, async () => {
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = listener.addr.port;
    listener.close();
    await using client = startClient(port, c.args);
    assertEquals(await client.exitCode(), 1);
    assertMatch(client.stderr.lines[0]!, c.stderr);
  });
}
