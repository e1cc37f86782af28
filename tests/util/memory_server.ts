/**
 * A whole server in memory for client-side unit tests:
 * {@linkcode memoryServer} gives a `dial` that starts a real server
 * {@linkcode Session} on the given hub over a {@linkcode memoryPair} and
 * hands the client its end.
 *
 * @module
 */

import type { Hub } from "../../lib/server/hub.ts";
import { serverContext } from "../../lib/server/server_context.ts";
import { Session } from "../../lib/server/session.ts";
import type { MemoryEnd } from "./memory_pair.ts";
import { memoryPair } from "./memory_pair.ts";

/**
 * A hub whose every dial gets a fresh {@linkcode Session} over a memory pair:
 * a whole server in memory, for client-side unit tests.
 */
export function memoryServer(hub: Hub): {
  dial: () => Promise<MemoryEnd>;
  sessions: Promise<void>[];
  ends: MemoryEnd[];
} {
  const sessions: Promise<void>[] = [];
  const ends: MemoryEnd[] = [];
  const context = serverContext({ hub, serverName: "test" });
  const dial = () => {
    const [server, client] = memoryPair();
    const session = new Session(server, context, { peer: "memory" });
    sessions.push(session.run());
    ends.push(client);
    return Promise.resolve(client);
  };
  return { dial, sessions, ends };
}
