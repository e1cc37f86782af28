import { assert, assertEquals, assertMatch } from "./assert.ts";
import type { ServerFrame } from "../lib/shared/protocol.ts";
import { ServerProcess } from "./util/program.ts";
import { RawPeer } from "./util/raw_peer.ts";

type Frame<T extends ServerFrame["type"]> = Extract<ServerFrame, { type: T }>;

const SERVER_ARGS = ["--no-discovery"];

/** Sends a line as `peer` and waits for its ack, or fails with the error. */
async function say(peer: RawPeer, id: string, text: string): Promise<void> {
  await peer.send({ type: "msg", id, text });
  const answer = await peer.frame((f) =>
    (f.type === "ack" || f.type === "error") && f.id === id
  );
  assert(answer.type === "ack", `${text}: ${JSON.stringify(answer)}`);
}

/** The chat messages and private messages `peer` got, as `kind from: text`. */
function words(peer: RawPeer): string[] {
  return peer.frames().flatMap((f) =>
    f.type === "msg" || f.type === "pm"
      ? [`${f.type} ${f.from}: ${f.text}`]
      : []
  );
}

Deno.test("after /ignore, a new nick does not get the ignored person past it, in the room or in private", async () => {
  await using server = await ServerProcess.start(SERVER_ARGS);
  await using ann = await RawPeer.native(server.port, "ann");
  await using mal = await RawPeer.native(server.port, "mal");
  await using carl = await RawPeer.native(server.port, "carl");
  await say(ann, "i", "/ignore mal");
  await say(mal, "n", "/nick mal2");
  await ann.frame((f) => f.type === "event" && f.to === "mal2");
  await say(mal, "r", "in the room as mal2");
  await say(mal, "p", "/msg ann in private as mal2");
  // carl's line comes after mal2's lines in everyone's queue.
  await say(carl, "c", "fence");
  await ann.frame((f) => f.type === "msg" && f.text === "fence");
  assertEquals(words(ann), ["msg carl: fence"]);
  assertEquals(words(carl), ["msg mal2: in the room as mal2"]);
});

Deno.test("the away text of someone ignored is not shown to the one who ignores them", async () => {
  await using server = await ServerProcess.start(SERVER_ARGS);
  await using ann = await RawPeer.native(server.port, "ann");
  await using mal = await RawPeer.native(server.port, "mal");
  await using carl = await RawPeer.native(server.port, "carl");
  await say(ann, "i", "/ignore mal");
  await say(mal, "a", "/away rude words");
  const away = (peer: RawPeer) =>
    peer.frame((f) =>
      f.type === "event" && f.event === "away" && f.nick === "mal"
    ) as Promise<Frame<"event">>;
  assertEquals((await away(carl)).reason, "rude words");
  assertEquals((await away(ann)).reason, undefined);
  assert(
    !ann.log.lines.some((l) => l.includes("rude words")),
    "ann never sees the words",
  );
});

Deno.test({
  name:
    "the away text of someone ignored stays hidden in /who and in the away notice /msg gives",
  async fn() {
    await using server = await ServerProcess.start(SERVER_ARGS);
    await using ann = await RawPeer.native(server.port, "ann");
    await using mal = await RawPeer.native(server.port, "mal");
    await say(ann, "i", "/ignore mal");
    await say(mal, "a", "/away rude words");
    await say(ann, "w", "/who");
    await say(ann, "m", "/msg mal hello?");
    assert(
      !ann.log.lines.some((l) => l.includes("rude words")),
      ann.log.lines.join("\n"),
    );
  },
});

Deno.test("/msg to yourself leaves no one to /reply to", async () => {
  await using server = await ServerProcess.start(SERVER_ARGS);
  await using ann = await RawPeer.native(server.port, "ann");
  await say(ann, "m", "/msg ann a note to self");
  assertEquals(words(ann), ["pm ann: a note to self"]);
  await ann.send({ type: "msg", id: "r", text: "/reply hello me" });
  const refused = await ann.frame((f) =>
    f.type === "error" && f.id === "r"
  ) as Frame<"error">;
  assertEquals(refused.code, "not-now");
  assertMatch(refused.message, /No one has sent you a private message/);
  assertEquals(words(ann), ["pm ann: a note to self"]);
});

Deno.test("/reply after the sender renamed reaches them under the new nick", async () => {
  await using server = await ServerProcess.start(SERVER_ARGS);
  await using ann = await RawPeer.native(server.port, "ann");
  await using bob = await RawPeer.native(server.port, "bob");
  await say(bob, "m", "/msg ann psst");
  await ann.frame((f) => f.type === "pm");
  await say(bob, "n", "/nick robert");
  await ann.frame((f) => f.type === "event" && f.to === "robert");
  await say(ann, "r", "/reply got it");
  const pm = await bob.frame((f) =>
    f.type === "pm" && f.from === "ann"
  ) as Frame<"pm">;
  assertEquals([pm.to, pm.text], ["robert", "got it"]);
});
