/**
 * Where typed lines go: the client loop (`runClient`) against a whole
 * server in memory, with lines and room keys pushed as a terminal or a pipe
 * gives them, and a watcher in every room recording where each line landed.
 */
import { assert, assertEquals } from "./assert.ts";
import { runClient } from "../lib/client/client_loop.ts";
import type { InputEvent } from "../lib/client/client_view.ts";
import { changesRoom, NO_ROOM } from "../lib/client/typed_lines.ts";
import { MemoryHistory } from "../lib/server/history.ts";
import { Hub } from "../lib/server/hub.ts";
import { parseInput } from "../lib/shared/input.ts";
import { inputs, RecordingView, typed } from "./util/client_parts.ts";
import { memoryServer } from "./util/memory_server.ts";

/**
 * A hub with a watcher in `rooms`, and `ann`'s client run against it with
 * `events` pushed before it connects (as a pipe does), and `later` pushed
 * once the view shows a line that `later.when` matches. Resolves to the
 * run's exit code, the view, and where each of ann's lines landed, as
 * [room, text].
 */
async function annSays(
  rooms: string[],
  events: InputEvent[],
  later?: { when: (line: string) => boolean; events: InputEvent[] },
  quiet = false,
) {
  const watched = ["lobby", "dev", "games"];
  const hub = new Hub({
    history: new MemoryHistory({ perRoom: 100 }),
    historyOnJoin: 0,
  });
  const landed: [string, string][] = [];
  hub.enter("watcher", {
    deliver: (out) => {
      const frame = out.frame;
      if (frame.type === "msg" && frame.from === "ann") {
        landed.push([frame.room, frame.text]);
      }
      return true;
    },
  }, { rooms: watched });
  const { dial, sessions } = memoryServer(hub);
  const input = inputs();
  const view = new RecordingView();
  input.push(...events);
  if (later === undefined) input.push({ kind: "eof" });
  else {
    view.until(later.when).then(() =>
      input.push(...later.events, { kind: "eof" })
    );
  }
  const code = await runClient({
    connect: { hostname: "mem", port: 1, nick: "ann", rooms, dial, quiet },
    input: input.iterator,
    view,
    reconnect: false,
    script: true,
  });
  await Promise.all(sessions);
  return { code, view, landed };
}

Deno.test("a line typed after /join, /part, /switch, Alt-number or Ctrl-N goes to the room current after it, in order, even when all were read before the welcome", async () => {
  const { code, view, landed } = await annSays(["dev", "games"], [
    ...typed("to dev", "/switch games", "to games", "/join lobby", "to lobby"),
    // Parting #lobby (current) makes the last room joined before it current.
    ...typed("/part", "after part"),
    { kind: "switch", index: 1 },
    ...typed("alt one", "/j lobby"),
    { kind: "cycle", step: 1 },
    ...typed("after cycle"),
  ]);
  assertEquals(code, 0, view.lines.join("\n"));
  assertEquals(landed, [
    ["dev", "to dev"],
    ["games", "to games"],
    ["lobby", "to lobby"],
    ["games", "after part"],
    ["dev", "alt one"],
    ["dev", "after cycle"],
  ]);
});

Deno.test("a script, told nothing of its own part (it comes and goes quietly), still knows which room it left", async () => {
  const { code, view, landed } = await annSays(
    ["dev", "games", "lobby"],
    typed("/part", "one", "/part lobby bye", "two", "/part #games", "three"),
    undefined,
    true,
  );
  // #dev left (the current one): the last joined of the others is current.
  assertEquals(landed, [["lobby", "one"], ["games", "two"]]);
  assertEquals(code, 3, "three, in no room, was refused");
  assert(view.lines.includes(`problem: ${NO_ROOM}`));
});

Deno.test("lines held behind a /join are shown at once as pending, in the order typed", async () => {
  const { view } = await annSays(["dev"], typed("/join games", "one", "two"));
  const sent = view.lines.filter((line) => line.startsWith("sent: "));
  assertEquals(sent, ["sent: /join games", "sent: one", "sent: two"]);
  // Both shown before the server answered the /join (its ack).
  const shown = view.lines.indexOf("sent: two");
  const acked = view.lines.indexOf("ack");
  assert(shown < acked, view.lines.join("\n"));
});

Deno.test("a refused /join lets the lines after it go to the room that was current", async () => {
  const { landed } = await annSays(
    ["dev"],
    typed("/join Not A Room!", "still in dev"),
  );
  assertEquals(landed, [["dev", "still in dev"]]);
});

Deno.test("a plain line in no room is refused by the client in the server's words and never shown as sent; a script exits 3", async () => {
  const { code, view, landed } = await annSays(["dev"], typed("/part"), {
    when: (line) => line === "ack", // The /part answered.
    events: typed("anyone?", "/me waves", "/join dev", "back"),
  });
  assertEquals(code, 3);
  assertEquals(landed, [["dev", "back"]]);
  assertEquals(
    view.lines.filter((line) => line === `problem: ${NO_ROOM}`).length,
    2,
  );
  assert(!view.lines.includes("sent: anyone?"), view.lines.join("\n"));
  assert(!view.lines.includes("error"), "the server was not asked");
});

Deno.test("lines held behind the /part of the last room are withdrawn when it is answered, not sent", async () => {
  const { code, view, landed } = await annSays(
    ["dev"],
    typed("/part", "anyone?", "/join dev", "back"),
  );
  assertEquals(code, 3);
  assertEquals(landed, [["dev", "back"]]);
  assert(view.lines.includes(`problem: ${NO_ROOM}`), view.lines.join("\n"));
  assert(view.lines.includes("withdrawn"), view.lines.join("\n"));
  assert(!view.lines.includes("error"), "the server was not asked");
});

Deno.test("switching rooms by a command or a key, or being parted from the current room, tells the view where lines go now", async () => {
  const { view } = await annSays(["dev", "games"], [
    ...typed("/switch games"),
    { kind: "switch", index: 1 },
    { kind: "cycle", step: 1 },
    ...typed("/part"),
  ]);
  assertEquals(view.lines.filter((line) => line.startsWith("switched")), [
    "switched: games",
    "switched: dev",
    "switched: games",
    "switched: dev",
  ]);
});

Deno.test("/join and /part (by any alias) change rooms; other commands and lines do not", () => {
  for (const line of ["/join a", "/j a", "/part", "/leave #a bye"]) {
    assert(changesRoom(parseInput(line), undefined), line);
  }
  for (const line of ["/who", "/switch a", "hello", "//join"]) {
    assert(!changesRoom(parseInput(line), undefined), line);
  }
});
