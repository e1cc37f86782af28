/**
 * The clocks of an IRC connection (`irc/timeouts.ts`), driven with made-up
 * times against a session that records what it was told to do.
 */
import { assertEquals } from "./assert.ts";
import { IrcTimeouts, type TimedSession } from "../lib/server/irc/timeouts.ts";
import type { IrcMessageInit } from "../lib/server/irc/message.ts";
import { limitDefaults } from "../lib/shared/limits.ts";
import { SERVER_LIMITS } from "../lib/server/server_limits.ts";

/** A session that writes down what the timeouts did to it. */
function recorder(): TimedSession & { did: string[] } {
  const did: string[] = [];
  return {
    did,
    options: { serverName: "lanbox" },
    close: (reason) => void did.push(`close: ${reason}`),
    abort: (reason) => void did.push(`abort: ${reason}`),
    write: (message: IrcMessageInit) => {
      did.push(`${message.command} ${message.params?.join(" ")}`);
      return true;
    },
  };
}

const resources = {
  ...limitDefaults(SERVER_LIMITS),
  handshakeTimeout: 10,
  pingInterval: 60,
};

Deno.test("an IRC peer that has not registered within the password wait is closed", () => {
  const session = recorder();
  const timeouts = new IrcTimeouts(session, resources);
  const start = timeouts.startedAt;
  const heard = { heardAt: start, partialSince: undefined };
  timeouts.tick(start + 59_000, "registering", heard);
  assertEquals(session.did, []);
  timeouts.tick(start + 61_000, "registering", heard);
  assertEquals(session.did, ["close: registration timeout after 60 s"]);
});

Deno.test("an IRC peer that holds an unfinished line too long is closed", () => {
  const session = recorder();
  const timeouts = new IrcTimeouts(session, resources);
  const start = timeouts.startedAt;
  const heard = { heardAt: start, partialSince: start };
  timeouts.tick(start + 61_000, "registered", heard);
  assertEquals(session.did, ["close: no end of line within 60 s"]);
});

Deno.test("a quiet IRC peer is pinged once, and dropped when it stays quiet", () => {
  const session = recorder();
  const timeouts = new IrcTimeouts(session, resources);
  const start = timeouts.startedAt;
  const heard = { heardAt: start, partialSince: undefined };
  timeouts.tick(start + 30_000, "registered", heard);
  timeouts.tick(start + 61_000, "registered", heard);
  timeouts.tick(start + 62_000, "registered", heard);
  assertEquals(session.did, ["PING lanbox"]);
  timeouts.tick(start + 121_000, "registered", heard);
  assertEquals(session.did, [
    "PING lanbox",
    "abort: Ping timeout: 121 seconds",
  ]);
});

Deno.test("an IRC peer that answered is pinged again after another quiet spell", () => {
  const session = recorder();
  const timeouts = new IrcTimeouts(session, resources);
  const start = timeouts.startedAt;
  timeouts.tick(start + 61_000, "registered", {
    heardAt: start,
    partialSince: undefined,
  });
  const answered = { heardAt: start + 62_000, partialSince: undefined };
  timeouts.tick(start + 100_000, "registered", answered);
  timeouts.tick(start + 123_000, "registered", answered);
  assertEquals(session.did, ["PING lanbox", "PING lanbox"]);
});
