import { assertEquals } from "./assert.ts";
import type { ServerFrame } from "../lib/shared/protocol.ts";
import { ServerProcess } from "./util/program.ts";
import { RawPeer } from "./util/raw_peer.ts";

const SERVER_ARGS = ["--no-discovery"];

/** Lines the server refuses, whatever the moment: the code each gets. */
const REFUSED = [
  { id: "r-unknown", text: "/frob", code: "unknown-command" },
  { id: "r-missing", text: "/msg bob are you there", code: "no-such-nick" },
  { id: "r-nick", text: "/nick 9lives", code: "nick-invalid" },
  { id: "r-long", text: "x".repeat(2001), code: "text-invalid" },
];

/** Connects as ann with a client token, as lochat-client does. */
async function ann(port: number): Promise<RawPeer> {
  const peer = await RawPeer.connect(port, "ann");
  await peer.send({ type: "hello", v: 1, nick: "ann", client: "ann-token" });
  await peer.frame((f) => f.type === "welcome");
  return peer;
}

/**
 * Sends the refused lines and a `/who` after them, waits for the `/who`'s
 * ack (by then every earlier line is answered), and returns what came back
 * for each refused id: the types of its frames, and the error's code.
 */
async function answers(peer: RawPeer, fence: string): Promise<string[][]> {
  for (const { id, text } of REFUSED) {
    await peer.send({ type: "msg", id, text });
  }
  await peer.send({ type: "msg", id: fence, text: "/who" });
  await peer.frame((f) => f.type === "ack" && f.id === fence);
  const frames = peer.frames();
  return REFUSED.map(({ id }) =>
    frames.filter((f) => "id" in f && f.id === id).map((f) =>
      f.type === "error" ? `error ${f.code}` : f.type
    )
  );
}

Deno.test("a refused line gets one error with its id and no ack; resent from a new connection, it is refused again", async () => {
  await using server = await ServerProcess.start(SERVER_ARGS);
  const expected = REFUSED.map(({ code }) => [`error ${code}`]);
  const first = await ann(server.port);
  assertEquals(await answers(first, "fence-1"), expected);
  await first.close();
  await server.stderr.waitFor(/ disconnect .*nick=ann/);
  // Now there is a bob: applied again, the /msg would reach him.
  await using bob = await RawPeer.native(server.port, "bob");
  await using again = await ann(server.port);
  assertEquals(await answers(again, "fence-2"), expected);
  await bob.send({ type: "msg", id: "b", text: "/who" });
  await bob.frame((f) => f.type === "ack" && f.id === "b");
  assertEquals(bob.frames().filter((f) => f.type === "pm"), []);
});

Deno.test("with history on disk, a message, /msg, /nick and a message sent back to back are answered and seen in order", async () => {
  const dir = await Deno.makeTempDir({ prefix: "lochat_order_" });
  try {
    await using server = await ServerProcess.start([
      ...SERVER_ARGS,
      "--data-dir",
      dir,
    ]);
    await using bob = await RawPeer.native(server.port, "bob");
    await using ann = await RawPeer.native(server.port, "ann");
    await bob.frame((f) => f.type === "event" && f.nick === "ann");
    const lines = [
      { type: "msg", id: "1", text: "first, to the room" },
      { type: "msg", id: "2", text: "/msg bob second, in private" },
      { type: "msg", id: "3", text: "/nick ann2" },
      { type: "msg", id: "4", text: "fourth, to the room" },
    ];
    await ann.write(lines.map((l) => JSON.stringify(l)).join("\n") + "\n");
    await ann.frame((f) => f.type === "ack" && f.id === "4");
    assertEquals(
      ann.frames().flatMap((f) => (f.type === "ack" ? [f.id] : [])),
      ["1", "2", "3", "4"],
    );
    await bob.frame((f) => f.type === "msg" && f.text.startsWith("fourth"));
    const seen = bob.frames().flatMap((f: ServerFrame) => {
      if (f.type === "msg") return [`msg ${f.from}: ${f.text}`];
      if (f.type === "pm") return [`pm ${f.from}: ${f.text}`];
      if (f.type === "event" && f.event === "nick") {
        return [`nick ${f.nick} -> ${f.to}`];
      }
      return [];
    });
    assertEquals(seen, [
      "msg ann: first, to the room",
      "pm ann: second, in private",
      "nick ann -> ann2",
      "msg ann2: fourth, to the room",
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
