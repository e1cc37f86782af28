import { assert, assertEquals, assertMatch } from "./assert.ts";
import { ChatClient } from "../lib/client/chat_client.ts";
import { ConnectError } from "../lib/client/connect_errors.ts";
import { MemoryHistory } from "../lib/server/history.ts";
import { Hub } from "../lib/server/hub.ts";
import { memoryServer } from "./util/memory_server.ts";

/** A hub with a session behind every dial, all in memory. */
function world() {
  const hub = new Hub({
    history: new MemoryHistory({ perRoom: 10 }),
    historyOnJoin: 10,
  });
  const { dial, sessions } = memoryServer(hub);
  /** Connects a client as `nick` to this in-memory server. */
  const connect = (nick: string) =>
    ChatClient.connect({ hostname: "mem", port: 1, nick, dial });
  return { hub, connect, sessions };
}

Deno.test("a client connects, sends, and sees its line acked", async () => {
  const { connect, sessions } = world();
  const client = await connect("ann");
  assertEquals([client.nick, client.room], ["ann", "lobby"]);
  const id = client.send("hello");
  assertEquals(client.pending, 1);
  const ack = await client.next();
  assertEquals(ack?.type === "ack" && ack.id, id);
  assertEquals(client.pending, 0);
  client.close();
  await Promise.all(sessions);
});

Deno.test("a taken nick is swapped for the server's suggestion, and the client is told", async () => {
  const { hub, connect, sessions } = world();
  hub.enter("ann", { deliver: () => true });
  const client = await connect("ann");
  assertEquals(client.nick, "ann2");
  assertMatch(
    client.notices[0]!,
    /The nick "ann" is taken; try "ann2"; you are ann2/,
  );
  client.close();
  await Promise.all(sessions);
});

Deno.test("a refused line is counted and no longer pending", async () => {
  const { connect, sessions } = world();
  const client = await connect("ann");
  client.send("/nonsense");
  const error = await client.next();
  assert(error?.type === "error");
  assertEquals([client.pending, client.refused], [0, 1]);
  client.close();
  await Promise.all(sessions);
});

Deno.test("the client follows its own rename and room changes", async () => {
  const { connect, sessions } = world();
  const client = await connect("ann");
  client.send("/nick anna");
  client.send("/join games");
  while (client.pending > 0) await client.next();
  assertEquals([client.nick, client.room], ["anna", "games"]);
  client.close();
  await Promise.all(sessions);
});

Deno.test("connecting to nothing is a ConnectError that says what to do", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = listener.addr.port;
  listener.close();
  try {
    await ChatClient.connect({ hostname: "127.0.0.1", port });
    throw new Error("connected to a closed port");
  } catch (error) {
    assert(error instanceof ConnectError);
    assertMatch(
      error.message,
      /connection refused\. Is lochat-server running there\?/,
    );
  }
});
