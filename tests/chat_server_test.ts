import { assert, assertEquals, assertMatch } from "./assert.ts";
import { ChatServer, StartError } from "../lib/server/chat_server.ts";
import {
  SERVER_LIMITS,
  type ServerLimits,
} from "../lib/server/server_limits.ts";
import { limitDefaults, PROTOCOL_LIMITS } from "../lib/shared/limits.ts";
import type { LogFields } from "../lib/shared/log.ts";
import { DEADLINE_MS } from "./util/line_log.ts";
import { RawPeer } from "./util/raw_peer.ts";

/** One log event the server wrote. */
interface LogEvent {
  event: string;
  fields: LogFields;
}

/** The server's log, kept so a test can wait for an event. */
class EventLog {
  readonly events: LogEvent[] = [];
  #wake: (() => void) | undefined;

  /** The logger to give the server. */
  readonly log = (event: string, fields: LogFields): void => {
    this.events.push({ event, fields });
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  };

  /** The events named `event` so far. */
  named(event: string): LogEvent[] {
    return this.events.filter((e) => e.event === event);
  }

  /** Waits until `count` events named `event` have been logged. */
  async waitFor(event: string, count = 1): Promise<LogEvent[]> {
    const started = Date.now();
    while (this.named(event).length < count) {
      const left = DEADLINE_MS - (Date.now() - started);
      if (left <= 0) {
        throw new Error(
          `no ${count}× "${event}" within ${DEADLINE_MS} ms; got ${
            JSON.stringify(this.events)
          }`,
        );
      }
      let timer: ReturnType<typeof setTimeout> | undefined;
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
        timer = setTimeout(resolve, left);
      });
      clearTimeout(timer);
    }
    return this.named(event);
  }
}

/** A server on 127.0.0.1, port 0, shut down when disposed. */
interface TestServer extends AsyncDisposable {
  server: ChatServer;
  port: number;
  log: EventLog;
}

/**
 * Starts a server in-process on 127.0.0.1 (port 0 unless given) with the
 * default limits, `resources` overriding some.
 */
async function startServer(
  options: {
    port?: number;
    resources?: Partial<ServerLimits>;
    exitWhenEmpty?: boolean;
  } = {},
): Promise<TestServer> {
  const log = new EventLog();
  const server = await ChatServer.start({
    hostname: "127.0.0.1",
    port: options.port ?? 0,
    serverName: "test",
    limits: limitDefaults(PROTOCOL_LIMITS),
    resources: { ...limitDefaults(SERVER_LIMITS), ...options.resources },
    exitWhenEmpty: options.exitWhenEmpty ?? false,
    log: log.log,
  });
  return {
    server,
    port: server.address.port,
    log,
    async [Symbol.asyncDispose]() {
      await server.shutdown("the test is over", 0);
    },
  };
}

/** Runs `fn` and returns what it threw; fails when it throws nothing. */
async function thrown(fn: () => unknown): Promise<unknown> {
  try {
    await fn();
  } catch (error) {
    return error;
  }
  throw new Error("expected an error, none was thrown");
}

Deno.test("a server on port 0 listens on a free port of 127.0.0.1 and greets with the banner", async () => {
  await using s = await startServer();
  assertEquals(s.server.address.hostname, "127.0.0.1");
  assert(s.port > 0, "a port was picked");
  await using peer = await RawPeer.connect(s.port);
  assertEquals(await peer.log.waitFor(/./), "Welcome to LoChat!");
});

Deno.test("the server counts the connections it holds", async () => {
  await using s = await startServer();
  assertEquals(s.server.connections, 0);
  await using ann = await RawPeer.native(s.port, "ann");
  await using bob = await RawPeer.native(s.port, "bob");
  assertEquals(s.server.connections, 2);
  await ann.close();
  await s.log.waitFor("disconnect");
  assertEquals(s.server.connections, 1);
  assertEquals(bob.log.lines[0], "Welcome to LoChat!");
});

for (
  const { what, listen, expected } of [
    {
      what: "a port in use",
      listen: { tls: undefined },
      expected:
        /^Port \d+ is in use on 127\.0\.0\.1; stop the other server or try --port 0$/,
    },
    {
      what: "a certificate that is not one",
      listen: { tls: { cert: "nonsense", key: "nonsense" } },
      expected:
        /^Cannot use the TLS certificate or key: .*; make a pair with `make cert`$/,
    },
  ]
) {
  Deno.test(`starting on ${what} is a StartError that says what to do`, async () => {
    using taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = listen.tls === undefined ? taken.addr.port : 0;
    const error = await thrown(() =>
      ChatServer.start({
        hostname: "127.0.0.1",
        port,
        serverName: "test",
        limits: limitDefaults(PROTOCOL_LIMITS),
        resources: limitDefaults(SERVER_LIMITS),
        exitWhenEmpty: false,
        tls: listen.tls,
        log: () => {},
      })
    );
    assert(error instanceof StartError, `not a StartError: ${error}`);
    assertMatch(error.message, expected);
    if (listen.tls === undefined) {
      assert(error.message.includes(`Port ${port} `), "names the port");
    }
  });
}

for (
  const { limit, resources, refusal } of [
    {
      limit: "the per-address limit",
      resources: { maxPerAddress: 1 },
      refusal:
        "Too many connections from your address (the limit is 1); close some and try again",
    },
    {
      limit: "the total limit",
      resources: { maxConnections: 1 },
      refusal: "The server is full (1 connections); try again later",
    },
  ]
) {
  Deno.test(`a connection over ${limit} is refused in its own terms: a plain line to netcat, a bye to a client`, async () => {
    await using s = await startServer({ resources });
    await using ann = await RawPeer.native(s.port, "ann");
    await using refused = await RawPeer.connect(s.port, "refused");
    await refused.log.ended();
    assertEquals(
      refused.log.lines,
      [refusal],
      "one line, not the banner, no frame",
    );
    await using client = await RawPeer.connect(s.port, "client");
    await client.send({ type: "hello", v: 2, nick: "late" });
    await client.log.ended();
    assertEquals(client.frames(), [{
      type: "bye",
      reason: refusal,
      code: "full",
    }]);
    assertEquals(client.log.lines.length, 1, "only the bye");
    const [refuse] = await s.log.waitFor("refuse");
    assertEquals(refuse?.fields.reason, refusal);
    assertMatch(String(refuse?.fields.peer), /^127\.0\.0\.1:\d+$/);
    assertEquals(s.server.connections, 1, "the first connection stays");
    // The one let in is still served.
    await ann.send({ type: "msg", id: "m1", text: "still here" });
    await ann.frame((f) => f.type === "ack" && f.id === "m1");
  });
}

Deno.test("a refused connection does not count: the next one after a leaver gets in", async () => {
  await using s = await startServer({ resources: { maxPerAddress: 1 } });
  const ann = await RawPeer.native(s.port, "ann");
  await ann.close();
  await s.log.waitFor("disconnect");
  await using bob = await RawPeer.native(s.port, "bob");
  assertEquals(s.server.connections, 1);
  assertEquals(s.log.named("refuse"), []);
  assertEquals(bob.frames()[0]?.type, "welcome");
});

Deno.test("shutdown tells every client why in a bye, closes them and resolves done", async () => {
  await using s = await startServer();
  await using ann = await RawPeer.native(s.port, "ann");
  await using bob = await RawPeer.native(s.port, "bob");
  await using silent = await RawPeer.connect(s.port, "silent");
  await silent.log.waitFor("Welcome to LoChat!");
  const reason = "The server is shutting down for maintenance";
  await s.server.shutdown(reason);
  await s.server.done;
  for (const peer of [ann, bob, silent]) {
    await peer.log.ended();
    assertEquals(peer.frames().at(-1), {
      type: "bye",
      reason,
      code: "shutdown",
    });
  }
  assertEquals(s.server.connections, 0);
  assertEquals(s.log.named("shutdown")[0]?.fields, {
    reason,
    connections: 3,
  });
  await s.server.shutdown("again"); // A second shutdown is harmless.
  assertEquals(s.log.named("shutdown").length, 1);
});

Deno.test({
  name: "a server can start again on the port of one that has shut down",
  async fn() {
    const first = await startServer();
    await first.server.shutdown("restart");
    await using second = await startServer({ port: first.port });
    assertEquals(second.port, first.port);
  },
});

Deno.test("with exitWhenEmpty the server stops when the last client leaves, not before", async () => {
  await using s = await startServer({ exitWhenEmpty: true });
  let stopped = false;
  const done = s.server.done.then(() => (stopped = true));
  const ann = await RawPeer.native(s.port, "ann");
  const bob = await RawPeer.native(s.port, "bob");
  await ann.close();
  await s.log.waitFor("disconnect");
  assertEquals([stopped, s.server.connections], [false, 1]);
  await bob.close();
  await done;
  assertEquals(s.log.named("shutdown")[0]?.fields, {
    reason: "the last client left (--exit-when-empty)",
    connections: 0,
  });
});
