import { assert, assertEquals, assertMatch } from "./assert.ts";
import type { ServerFrame } from "../lib/shared/protocol.ts";
import { fromSource, ServerProcess } from "./util/program.ts";
import { RawPeer } from "./util/raw_peer.ts";

type Frame<T extends ServerFrame["type"]> = Extract<ServerFrame, { type: T }>;

const SERVER_ARGS = ["--no-discovery"];
const FSI = "\u2068";
const PDI = "\u2069";
/** A ZWJ family: 7 code points, one grapheme cluster. */
const FAMILY = "👨‍👩‍👧‍👦";

/** Every string in `value` (keys too), however deep. */
function strings(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (typeof value === "object" && value !== null) {
    return Object.entries(value).flatMap(([k, v]) => [k, ...strings(v)]);
  }
  return [];
}

/** Fails when any frame `peer` got holds an unpaired surrogate. */
function assertAllWellFormed(peer: RawPeer): void {
  for (const frame of peer.frames()) {
    for (const text of strings(frame)) {
      assert(
        text.isWellFormed(),
        `an unpaired surrogate in ${JSON.stringify(frame)}`,
      );
    }
  }
}

/** Sends `text` as ann's msg `id` and returns the ack or error it got. */
async function answer(
  ann: RawPeer,
  id: string,
  text: string,
): Promise<ServerFrame> {
  await ann.send({ type: "msg", id, text });
  return await ann.frame((f) =>
    (f.type === "ack" || f.type === "error") && f.id === id
  );
}

for (
  const { name, text, refused } of [
    { name: "1001 emoji are 1001 characters", text: "😀".repeat(1001) },
    { name: "2000 emoji are 2000 characters", text: "😀".repeat(2000) },
    {
      name: "2001 code points are over the limit",
      text: "😀".repeat(1000) + "é".repeat(1001),
      refused: "The message is 2001 characters; the limit is 2000",
    },
  ]
) {
  Deno.test(`message lengths count code points: ${name}`, async () => {
    await using server = await ServerProcess.start(SERVER_ARGS);
    await using bob = await RawPeer.native(server.port, "bob");
    await using ann = await RawPeer.native(server.port, "ann");
    const got = await answer(ann, "m", text);
    if (refused === undefined) {
      assertEquals(got.type, "ack");
      const msg = await bob.frame((f) => f.type === "msg") as Frame<"msg">;
      assertEquals(msg.text, text);
    } else {
      assert(got.type === "error", JSON.stringify(got));
      assertEquals([got.code, got.message], ["text-invalid", refused]);
    }
  });
}

Deno.test("away, quit and kick reasons are cut before a ZWJ family, never inside it, and no frame carries half a character", async () => {
  await using server = await ServerProcess.start(
    [...SERVER_ARGS, "--op", "boss"],
    (entry) => ({ ...fromSource(entry), env: { LOCHAT_OP_SECRET: "s3cret" } }),
  );
  const reason = `${"a".repeat(199)}${FAMILY}`;
  await using watcher = await RawPeer.native(server.port, "watcher");
  await using ann = await RawPeer.native(server.port, "ann");
  await using bob = await RawPeer.native(server.port, "bob");
  await using boss = await RawPeer.native(server.port, "boss");
  const event = async (kind: string, nick: string) =>
    await watcher.frame((f) =>
      f.type === "event" && f.event === kind && f.nick === nick
    ) as Frame<"event">;

  await ann.send({ type: "msg", id: "a", text: `/away ${reason}` });
  assertEquals((await event("away", "ann")).reason, "a".repeat(199));

  await bob.send({ type: "msg", id: "q", text: `/quit ${reason}` });
  assertEquals((await event("quit", "bob")).reason, "a".repeat(199));

  await boss.send({ type: "msg", id: "o", text: "/oper s3cret" });
  await boss.frame((f) => f.type === "reply" && f.cmd === "oper");
  // The room is told "kicked by boss: " and the reason, 200 in all.
  const kick = `${"a".repeat(183)}${FAMILY}`;
  await boss.send({ type: "msg", id: "k", text: `/kick ann ${kick}` });
  const kicked = (await event("quit", "ann")).reason!;
  assertEquals(kicked, `kicked by boss: ${"a".repeat(183)}`);
  const bye = await ann.frame((f) => f.type === "bye") as Frame<"bye">;
  assertMatch(bye.reason, /^You were kicked by boss: a+/);

  for (const peer of [watcher, ann, bob, boss]) assertAllWellFormed(peer);
});

Deno.test("a lone surrogate a client sends becomes U+FFFD, live and in history", async () => {
  await using server = await ServerProcess.start(SERVER_ARGS);
  await using bob = await RawPeer.native(server.port, "bob");
  await using ann = await RawPeer.native(server.port, "ann");
  assertEquals((await answer(ann, "s", "half \ud83d a smile")).type, "ack");
  const live = await bob.frame((f) => f.type === "msg") as Frame<"msg">;
  assertEquals(live.text, "half \ufffd a smile");
  await using later = await RawPeer.native(server.port, "later");
  const welcome = later.frames().find((f) => f.type === "welcome") as Frame<
    "welcome"
  >;
  assertEquals(welcome.history.map((m) => m.text), ["half \ufffd a smile"]);
  for (const peer of [bob, ann, later]) assertAllWellFormed(peer);
});

Deno.test("line and paragraph separators become spaces", async () => {
  await using server = await ServerProcess.start(SERVER_ARGS);
  await using bob = await RawPeer.native(server.port, "bob");
  await using ann = await RawPeer.native(server.port, "ann");
  await answer(ann, "s", "one\u2028two\u2029three");
  const msg = await bob.frame((f) => f.type === "msg") as Frame<"msg">;
  assertEquals(msg.text, "one two three");
});

for (
  const [name, text] of [
    ["a zero-width space", "\u200b"],
    ["zero-width joiners", "\u200d\u200d"],
    ["a Hangul filler", "\u3164"],
    ["spaces and all of those", " \u200b \u200d \u3164 "],
  ]
) {
  Deno.test(`a message of only ${name} is refused as empty`, async () => {
    await using server = await ServerProcess.start(SERVER_ARGS);
    await using ann = await RawPeer.native(server.port, "ann");
    const got = await answer(ann, "e", text!);
    assert(got.type === "error", JSON.stringify(got));
    assertEquals(got.code, "text-invalid");
    assertMatch(got.message, /empty/);
    assertEquals(ann.frames().filter((f) => f.type === "ack"), []);
  });
}

Deno.test("text mode isolates Arabic and Hebrew text in FSI … PDI and leaves Latin text as it is", async () => {
  await using server = await ServerProcess.start(SERVER_ARGS);
  await using reader = await RawPeer.connect(server.port, "netcat");
  await reader.log.waitFor(/^You are guest\d+/);
  await using ann = await RawPeer.native(server.port, "ann");
  for (const [id, text] of [["ar", "مرحبا بالعالم"], ["he", "שלום עולם"]]) {
    await answer(ann, id!, text!);
    assertMatch(
      await reader.log.waitFor(text!),
      new RegExp(`<ann> ${FSI}${text}${PDI}$`),
    );
  }
  await answer(ann, "en", "plain Latin, 42 times");
  const latin = await reader.log.waitFor("plain Latin");
  assertMatch(latin, /<ann> plain Latin, 42 times$/);
  assert(!latin.includes(FSI) && !latin.includes(PDI), latin);
});

Deno.test({
  name: "a message id with a lone surrogate never comes back unpaired",
  async fn() {
    await using server = await ServerProcess.start(SERVER_ARGS);
    await using ann = await RawPeer.native(server.port, "ann");
    await ann.send({ type: "msg", id: "id-\ud800", text: "hello" });
    await ann.send({ type: "msg", id: "fence", text: "/who" });
    await ann.frame((f) => f.type === "ack" && f.id === "fence");
    assertAllWellFormed(ann);
  },
});
