import { assert, assertEquals, assertMatch } from "./assert.ts";
import { dialProblem, isFinal } from "../lib/client/connect_errors.ts";
import { EXIT, exitFor } from "../lib/client/exit_codes.ts";
import { fileProblem } from "../lib/shared/file_problems.ts";

Deno.test("a host that cannot be found is said so, with what to do", async () => {
  let error: unknown;
  try {
    (await Deno.connect({ hostname: "nosuchhost.invalid", port: 4444 }))
      .close();
  } catch (caught) {
    error = caught;
  }
  assertEquals(
    dialProblem(error, "nosuchhost.invalid", 4444),
    "Cannot find host nosuchhost.invalid: check the name, or use its IP address",
  );
});

Deno.test("connection refused names lochat-server for installed users and make server for a checkout", () => {
  const problem = dialProblem(
    new Deno.errors.ConnectionRefused("Connection refused (os error 111)"),
    "127.0.0.1",
    4444,
  );
  assertMatch(
    problem,
    /^Cannot connect to 127\.0\.0\.1:4444: connection refused\. Is lochat-server running there\? Start lochat-server there \(or `make server` in a checkout\), or pass --host and --port$/,
  );
});

Deno.test("more --room than the server allows is bad usage: exit 2, final", () => {
  assertEquals(exitFor("usage"), EXIT.usage);
  assert(isFinal("usage"));
  assert(!isFinal("timeout"), "a handshake timeout is worth trying again");
});

Deno.test("a directory the client cannot use is said in words, never as Deno's advice about --allow flags", async () => {
  for (const path of ["/proc/lochat-test/known_servers", "/sys/x/y"]) {
    let error: unknown;
    try {
      await Deno.mkdir(path, { recursive: true });
    } catch (caught) {
      error = caught;
    }
    const problem = fileProblem(error, path);
    assert(problem.startsWith(`${path} cannot be used: `), problem);
    assert(!/--allow|run again/.test(problem), problem);
  }
  const refused = fileProblem(
    new Deno.errors.NotCapable(
      'Requires all access to "/proc/x", run again with the --allow-all flag',
    ),
    "/proc/x",
  );
  assertMatch(refused, /^\/proc\/x cannot be used: it is a system path/);
  assert(!refused.includes("--allow-all"), refused);
  assertEquals(
    fileProblem(new Deno.errors.PermissionDenied("denied"), "/etc/x"),
    "/etc/x cannot be used: permission denied; choose a directory you may write to",
  );
});
