import { assert, assertEquals, assertThrows } from "./assert.ts";
import { clientHelp, parseClientFlags } from "../lib/client/client_flags.ts";
import { parseServerFlags, serverHelp } from "../lib/server/server_flags.ts";
import { UsageError } from "../lib/shared/flags.ts";

Deno.test("server flags have documented defaults", () => {
  const flags = parseServerFlags([]);
  assertEquals([
    flags.hostname,
    flags.port,
    flags.resources.historyOnJoin,
    flags.log,
    flags.exitWhenEmpty,
  ], [
    "0.0.0.0",
    4444,
    50,
    "text",
    false,
  ]);
});

Deno.test("server flags parse values and port 0", () => {
  const flags = parseServerFlags([
    "--host",
    "127.0.0.1",
    "--port",
    "0",
    "--history",
    "5",
    "--exit-when-empty",
  ]);
  assertEquals(
    [
      flags.hostname,
      flags.port,
      flags.resources.historyOnJoin,
      flags.exitWhenEmpty,
    ],
    ["127.0.0.1", 0, 5, true],
  );
});

Deno.test("a bad value names the flag, the value and the range", () => {
  assertThrows(
    () => parseServerFlags(["--port", "70000"]),
    UsageError,
    '--port must be a whole number from 0 to 65535, not "70000"',
  );
  assertThrows(
    () => parseServerFlags(["--port=-1"]),
    UsageError,
    "--port must be",
  );
  assertThrows(
    () => parseServerFlags(["--log", "xml"]),
    UsageError,
    '--log must be text, json or off, not "xml"',
  );
  assertThrows(
    () => parseClientFlags(["--nick", "9lives"], { noColor: false }),
    UsageError,
    "--nick:",
  );
});

Deno.test("--nick is checked against the protocol's nick limit (24), as a server checks it", () => {
  const error = assertThrows(
    () => parseClientFlags(["--nick", "1bad"], { noColor: false }),
    UsageError,
    "1–24 characters",
  );
  assert(!error.message.includes("64"), error.message);
  assertThrows(
    () => parseClientFlags(["--nick", `a${"b".repeat(29)}`]),
    UsageError,
    "1–24 characters",
  );
  assertEquals(
    parseClientFlags(["--nick", `a${"b".repeat(23)}`]).nick,
    `a${"b".repeat(23)}`,
  );
});

Deno.test("an unknown flag or a stray argument is a usage error", () => {
  assertThrows(() => parseServerFlags(["--prot", "1"]), UsageError, "--prot");
  assertThrows(
    () => parseClientFlags(["extra"], { noColor: false }),
    UsageError,
  );
});

Deno.test("NO_COLOR and --no-color turn colours off", () => {
  assert(parseClientFlags([], { noColor: false }).color);
  assert(!parseClientFlags([], { noColor: true }).color);
  assert(!parseClientFlags(["--no-color"], { noColor: false }).color);
});

Deno.test("help lists every flag", () => {
  for (
    const flag of [
      "--host",
      "--port",
      "--history",
      "--exit-when-empty",
      "--help",
    ]
  ) assert(serverHelp().includes(flag), flag);
  for (const flag of ["--host", "--port", "--nick", "--room", "--no-color"]) {
    assert(clientHelp().includes(flag), flag);
  }
});

for (
  const [program, help] of [["server", serverHelp], [
    "client",
    clientHelp,
  ]] as const
) {
  Deno.test(`${program} --help keeps every flag's description in one column, a wide flag's on the next row`, () => {
    const rows = help().split("\n").filter((row) => /^\s+(-\w, )?--/.test(row));
    assert(rows.length > 5, "the help lists the flags");
    const lines = help().split("\n");
    for (const row of rows) {
      const at = lines.indexOf(row);
      const description = row.length > 33 ? row : lines[at + 1]!;
      assertEquals(description.slice(0, 33).length, 33, row);
      assert(description[32] === " " && description[33] !== " ", row);
    }
  });
}
