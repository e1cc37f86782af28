import { assert, assertEquals } from "./assert.ts";
import type { ChatClient } from "../lib/client/chat_client.ts";
import { UnansweredLines } from "../lib/client/unanswered_lines.ts";

/** A connection that records what is sent on it. */
function recorder(): { client: ChatClient; sent: string[][] } {
  const sent: string[][] = [];
  const client = {
    send(text: string, id: string, room?: string) {
      sent.push([id, text, room ?? ""]);
      return id;
    },
  } as unknown as ChatClient;
  return { client, sent };
}

Deno.test("a held line counts as unanswered but is not sent again until released, then in the room it was released to", () => {
  const lines = new UnansweredLines();
  const join = lines.take("/join games", "lobby");
  const held = lines.take("gg", undefined, true);
  assert(join.ok && held.ok);
  assertEquals(lines.size, 2);
  const first = recorder();
  lines.resend(first.client, () => {});
  assertEquals(first.sent, [[join.id, "/join games", "lobby"]]);
  assertEquals(lines.release(held.id, "games"), "gg");
  assertEquals(lines.release(held.id, "games"), undefined, "released once");
  const second = recorder();
  lines.resend(second.client, () => {});
  assertEquals(second.sent, [
    [join.id, "/join games", "lobby"],
    [held.id, "gg", "games"],
  ]);
});

Deno.test("a held line dropped counts as refused", () => {
  const lines = new UnansweredLines();
  const held = lines.take("anyone?", undefined, true);
  assert(held.ok);
  lines.drop(held.id);
  assertEquals([lines.size, lines.refused], [0, 1]);
});

Deno.test("a line not answered yet is recognised when it comes back in a catch-up, /me lines too", () => {
  const lines = new UnansweredLines();
  lines.take("in flight", "lobby");
  lines.take("/me waves", "games");
  const message = (room: string, text: string, me = false) => ({
    seq: 1,
    room,
    from: "ann",
    text,
    ts: 0,
    ...(me ? { me } : {}),
  });
  assert(lines.says(message("lobby", "in flight")));
  assert(lines.says(message("games", "waves", true)));
  assert(!lines.says(message("games", "in flight")), "another room");
  assert(!lines.says(message("games", "waves")), "not an action");
  assert(!lines.says(message("lobby", "something else")));
});
