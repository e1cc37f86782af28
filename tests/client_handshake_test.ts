/**
 * Getting in, against scripted servers in memory: what a server says (or
 * does not say) at each step of the handshake, and what the client makes
 * of it.
 */
import { assert, assertEquals, assertMatch, assertRejects } from "./assert.ts";
import {
  type ConnectOptions,
  handshake,
} from "../lib/client/client_handshake.ts";
import { ConnectError, RefusedError } from "../lib/client/connect_errors.ts";
import type { PasswordAsk } from "../lib/client/server_password.ts";
import { readLines } from "../lib/shared/lines.ts";
import type { ClientFrame, ServerFrame } from "../lib/shared/protocol.ts";
import { type MemoryEnd, memoryPair } from "./util/memory_pair.ts";

const encoder = new TextEncoder();

/** The server's end of one connection, as a script sees it. */
interface ServerEnd {
  /** Which connection this is, from 1. */
  n: number;
  /** Writes frames or plain lines, after what was written before. */
  say(...lines: (ServerFrame | string)[]): Promise<void>;
  /** Closes the connection once what was written is read. */
  close(): Promise<void>;
}

/**
 * A dial whose every connection is served by `serve`, called with each
 * `hello` the client says (`undefined` for the connection's start); the
 * banner is sent first unless `banner` is false.
 */
function scripted(
  serve: (end: ServerEnd, hello: ClientFrame | undefined) => Promise<void>,
  options: { banner?: boolean } = {},
) {
  const ends: MemoryEnd[] = [];
  let count = 0;
  const dial = async () => {
    const [server, client] = memoryPair();
    ends.push(server, client);
    // Writes are queued, not awaited: a memory pair has no buffer, and the
    // client writes its hello while the banner is on its way.
    let writes = Promise.resolve();
    const end: ServerEnd = {
      n: ++count,
      say(...lines) {
        for (const line of lines) {
          const text = typeof line === "string" ? line : JSON.stringify(line);
          writes = writes.then(() =>
            server.write(encoder.encode(`${text}\n`)).then(() => {}, () => {})
          );
        }
        return Promise.resolve();
      },
      close: () => {
        writes = writes.then(() => server.close());
        return writes;
      },
    };
    (async () => {
      if (options.banner !== false) await end.say("Welcome to LoChat!");
      await serve(end, undefined);
      for await (const line of readLines(server, { maxBytes: 65536 })) {
        if (line.ok) await serve(end, JSON.parse(line.line));
      }
    })();
    return await Promise.resolve(client);
  };
  return {
    dial,
    get connections() {
      return count;
    },
    close: () => ends.forEach((end) => end.close()),
  };
}

const welcome = (nick: string): ServerFrame => ({
  type: "welcome",
  v: 3,
  banner: "Welcome to LoChat!",
  server: "trialbox",
  nick,
  room: "lobby",
  history: [],
  rooms: [{ name: "lobby", members: [nick], history: [] }],
});

const needs: ServerFrame = {
  type: "error",
  code: "password",
  message:
    "This server needs a password: set LOCHAT_PASSWORD for lochat-client, or type /pass PASSWORD",
};
const wrong: ServerFrame = {
  type: "error",
  code: "password",
  message: "Wrong password",
};

function options(
  dial: NonNullable<ConnectOptions["dial"]>,
  more: Partial<ConnectOptions> = {},
): ConnectOptions {
  return { hostname: "127.0.0.1", port: 4545, nick: "ann", dial, ...more };
}

Deno.test("a port that accepts and says nothing is not a Lochat server: said after the greeting wait, not a wait for ever", async () => {
  const server = scripted(async () => {}, { banner: false });
  const started = Date.now();
  const error = await assertRejects(
    () => handshake(options(server.dial, { greetingMs: 100 }), 3),
    ConnectError,
  );
  assertEquals(
    error.message,
    "127.0.0.1:4545 did not answer as a Lochat server (no `Welcome to LoChat!`); check --host and --port",
  );
  assert(Date.now() - started < 2000);
  server.close();
});

Deno.test("a port that greets as something else (SSH) is not a Lochat server, and the client says what it said", async () => {
  const server = scripted(async (end, hello) => {
    if (hello === undefined) await end.say("SSH-2.0-OpenSSH_9.6");
  }, { banner: false });
  const error = await assertRejects(
    () => handshake(options(server.dial, { greetingMs: 100 }), 3),
    ConnectError,
  );
  assertEquals(
    error.message,
    '127.0.0.1:4545 did not answer as a Lochat server (no `Welcome to LoChat!`); it said "SSH-2.0-OpenSSH_9.6"; check --host and --port',
  );
  server.close();
});

Deno.test("a refusal at the door (a bye before any banner) is still the server's refusal", async () => {
  const server = scripted(async (end, hello) => {
    if (hello === undefined) {
      await end.say({
        type: "bye",
        reason: "The server is full",
        code: "full",
      });
      end.close();
    }
  }, { banner: false });
  const error = await assertRejects(
    () => handshake(options(server.dial), 3),
    RefusedError,
  );
  assertEquals(error.kind, "full");
  server.close();
});

/**
 * A server with the password "sesame" that gives up on a connection that
 * has not given it (its handshake timeout) and says `gaveUp` when it has.
 */
function impatient(gaveUp: () => void) {
  return scripted(async (end, hello) => {
    if (hello?.type !== "hello") return;
    if (hello.password === "sesame") return await end.say(welcome("ann"));
    await end.say(hello.password === undefined ? needs : wrong);
    const reason = "No valid hello within 10 s; closing";
    await end.say(
      { type: "error", code: "not-now", message: reason },
      { type: "bye", reason, code: "timeout" },
    );
    await end.close();
    gaveUp();
  });
}

Deno.test("a person slower than the server's handshake timeout still gets in: what they typed is used on a new connection, and the prompt names the server", async () => {
  const asked: Omit<PasswordAsk, "signal">[] = [];
  let gaveUp!: () => void;
  const closed = new Promise<void>((resolve) => (gaveUp = resolve));
  const server = impatient(gaveUp);
  const { welcome: got, password } = await handshake(
    options(server.dial, {
      serverName: "trialbox",
      askPassword: async ({ server, problem }) => {
        asked.push({ server, problem });
        await closed;
        // Typed well after the server gave up.
        await new Promise((resolve) => setTimeout(resolve, 20));
        return "sesame";
      },
    }),
    3,
  );
  assertEquals([got.nick, password], ["ann", "sesame"]);
  assertEquals(asked, [{
    server: "trialbox (127.0.0.1:4545)",
    problem: undefined,
  }]);
  assertEquals(server.connections, 2);
  server.close();
});

Deno.test("a password typed just as the server gives up is used on a new connection too", async () => {
  let gaveUp!: () => void;
  const closed = new Promise<void>((resolve) => (gaveUp = resolve));
  const server = impatient(gaveUp);
  // Answered the moment the server closes: the answer may come first.
  const { password } = await handshake(
    options(server.dial, { askPassword: () => closed.then(() => "sesame") }),
    3,
  );
  assertEquals(password, "sesame");
  server.close();
});

Deno.test("each wrong password says how many tries are left; after the last, the client ends at once with the server's reason, without asking again", async () => {
  const problems: (string | undefined)[] = [];
  const server = scripted(async (end, hello) => {
    if (hello?.type !== "hello") return;
    if (hello.password === undefined) return await end.say(needs);
    await end.say(wrong);
    if (hello.password === "third") {
      await end.say({
        type: "bye",
        reason: "Wrong password 3 times; ask the server's owner for it",
        code: "password",
      });
      end.close();
    }
  });
  const answers = ["first", "second", "third", "the right one"];
  const error = await assertRejects(
    () =>
      handshake(
        options(server.dial, {
          askPassword: ({ problem }) => {
            problems.push(problem);
            return Promise.resolve(answers.shift());
          },
        }),
        3,
      ),
    RefusedError,
  );
  assertEquals(error.kind, "password");
  assertMatch(error.message, /Wrong password 3 times/);
  assertEquals(problems, [
    undefined,
    "Wrong password (2 tries left)",
    "Wrong password (1 try left)",
  ]);
  assertEquals(server.connections, 1);
  server.close();
});

Deno.test("a final bye while the person types (a ban) ends the question at once", async () => {
  let signal: AbortSignal | undefined;
  const server = scripted(async (end, hello) => {
    if (hello?.type !== "hello") return;
    await end.say(needs, {
      type: "bye",
      reason: "Your address is banned",
      code: "banned",
    });
    end.close();
  });
  const error = await assertRejects(
    () =>
      handshake(
        options(server.dial, {
          askPassword: (ask) => {
            signal = ask.signal;
            return new Promise((resolve) =>
              ask.signal.addEventListener("abort", () => resolve(undefined))
            );
          },
        }),
        3,
      ),
    RefusedError,
  );
  assertEquals(error.kind, "banned");
  assert(signal?.aborted);
  server.close();
});

Deno.test("a script without a password is told how to give one, in its own terms", async () => {
  const server = scripted(async (end, hello) => {
    if (hello?.type === "hello") await end.say(needs);
  });
  const error = await assertRejects(
    () =>
      handshake(
        options(server.dial, {
          passwordHint:
            "set LOCHAT_PASSWORD, or run without --send to be asked",
        }),
        3,
      ),
    RefusedError,
  );
  assertEquals(error.kind, "password");
  assertEquals(
    error.message,
    "127.0.0.1:4545 needs a password: set LOCHAT_PASSWORD, or run without --send to be asked",
  );
  assert(!error.message.includes("/pass"));
  server.close();
});

Deno.test("more rooms than a member may be in, refused at the door, is bad usage of --room", async () => {
  const server = scripted(async (end, hello) => {
    if (hello?.type !== "hello") return;
    await end.say({
      type: "error",
      code: "room-limit",
      message: "You may be in 20 rooms at once; /part one first",
    });
  });
  const rooms = Array.from({ length: 21 }, (_, i) => `r${i}`);
  const error = await assertRejects(
    () => handshake(options(server.dial, { rooms }), 3),
    RefusedError,
  );
  assertEquals(error.kind, "usage");
  assertMatch(error.message, /give at most 20 rooms with --room$/);
  server.close();
});

Deno.test("a handshake timeout is not a refusal: its bye says so, and the client may come back", async () => {
  const server = scripted(async (end, hello) => {
    if (hello?.type !== "hello") return;
    await end.say(
      {
        type: "error",
        code: "not-now",
        message: "No valid hello within 10 s; closing",
      },
      {
        type: "bye",
        reason: "No valid hello within 10 s; closing",
        code: "timeout",
      },
    );
    end.close();
  });
  const error = await assertRejects(
    () => handshake(options(server.dial), 3),
    RefusedError,
  );
  assertEquals(error.kind, "timeout");
  assert(!error.final);
  assert(!/refused/i.test(error.message), error.message);
  server.close();
});
