/**
 * Getting in on the web page, without a browser: a taken nick is swapped
 * and said, the password is asked for in the page's own words, and lines
 * sent again after a reconnect leave nothing unanswered once answered.
 */

import { assertEquals } from "./assert.ts";
import type { ServerFrame } from "../lib/shared/protocol.ts";
import { ChatState } from "../web/chat_state.ts";
import { PASSWORD_NEEDED, PASSWORD_WRONG } from "../web/joining.ts";
import { statusText } from "../web/status.ts";
import { plain } from "../web/user_text.ts";

function welcome(nick: string, rooms = ["lobby"]): ServerFrame {
  return {
    type: "welcome",
    v: 3,
    banner: "Welcome to LoChat!",
    server: "box",
    nick,
    room: rooms[0] ?? "",
    history: [],
    rooms: rooms.map((name) => ({ name, members: [nick], history: [] })),
  };
}

function newState(nick: string): ChatState {
  return new ChatState({
    nick,
    rooms: ["lobby"],
    clientToken: "token",
    idPrefix: "p",
    now: () => 1_700_000_000_000,
  });
}

function notices(state: ChatState): string[] {
  return (state.conversations.get("#lobby")?.entries ?? []).flatMap((e) =>
    e.kind === "notice" ? [plain(e.text)] : []
  );
}

const TAKEN: ServerFrame = {
  type: "error",
  code: "nick-taken",
  message: 'The nick "cat" is taken; try "cat2"',
  suggest: "cat2",
};

Deno.test("a taken nick is swapped for the server's suggestion, and the welcome says so", () => {
  const state = newState("cat");
  assertEquals(state.apply(TAKEN), [{ kind: "hello" }]);
  const hello = state.hello();
  assertEquals(hello.type === "hello" && hello.nick, "cat2");
  state.apply(welcome("cat2"));
  assertEquals(state.nick, "cat2");
  assertEquals(notices(state), [
    "cat is taken; you are cat2 (/nick to change)",
  ]);
});

Deno.test("a nick granted as asked says nothing; a guest says nothing", () => {
  const cat = newState("cat");
  cat.apply(welcome("cat"));
  assertEquals(notices(cat), []);
  const guest = newState("");
  guest.apply(welcome("guest1"));
  assertEquals(notices(guest), []);
});

Deno.test("a nick taken while the page was away is swapped on the reconnect too, and said", () => {
  const state = newState("cat");
  state.apply(welcome("cat"));
  // The connection drops; someone else takes "cat" meanwhile.
  state.disconnected();
  assertEquals(state.apply(TAKEN), [{ kind: "hello" }]);
  state.apply(welcome("cat2"));
  assertEquals(notices(state), [
    "cat is taken; you are cat2 (/nick to change)",
  ]);
});

Deno.test("the password is asked for in the page's own words: needed, then wrong", () => {
  const state = newState("ann");
  const needed: ServerFrame = {
    type: "error",
    code: "password",
    message:
      "This server needs a password: set LOCHAT_PASSWORD for lochat-client, or type /pass PASSWORD",
  };
  assertEquals(state.apply(needed), [{
    kind: "password",
    problem: PASSWORD_NEEDED,
  }]);
  assertEquals(PASSWORD_NEEDED, "This server needs a password");
  state.password = "guess";
  assertEquals(
    state.apply({ type: "error", code: "password", message: "Wrong password" }),
    [{ kind: "password", problem: PASSWORD_WRONG }],
  );
  assertEquals(state.password, undefined);
});

Deno.test("after a reconnect, once every resent line is answered, nothing is unanswered and the status says connected", () => {
  const state = newState("ann");
  state.apply(welcome("ann"));
  state.type("one");
  state.type("/who");
  state.disconnected();
  state.type("two");
  assertEquals(state.unanswered, 3);
  assertEquals(
    statusText({ kind: "connected" }, state.unanswered, 0),
    "connected; sending 3",
  );
  state.apply(welcome("ann"));
  assertEquals(state.resends().map((f) => f.type === "msg" && f.id), [
    "p-1",
    "p-2",
    "p-3",
  ]);
  state.apply({ type: "ack", id: "p-1", ts: 1, seq: 4 });
  state.apply({ type: "delivered", id: "p-1", count: 0, of: 0 });
  state.apply({
    type: "reply",
    cmd: "who",
    text: "In #lobby (1): ann",
    id: "p-2",
  });
  state.apply({ type: "ack", id: "p-2", ts: 2 });
  state.apply({ type: "ack", id: "p-3", ts: 3, seq: 5 });
  assertEquals(state.unanswered, 0);
  assertEquals(
    statusText({ kind: "connected" }, state.unanswered, 0),
    "connected",
  );
});

Deno.test("the status line: connecting, waiting with a countdown and what is unsent, stopped", () => {
  assertEquals(
    statusText({ kind: "connecting", attempt: 0 }, 0, 0),
    "connecting…",
  );
  assertEquals(
    statusText({ kind: "connecting", attempt: 2 }, 1, 0),
    "reconnecting (attempt 2)…; 1 unsent",
  );
  assertEquals(
    statusText(
      {
        kind: "waiting",
        attempt: 1,
        until: 2_500,
        why: "the connection to the server was lost",
      },
      2,
      1_000,
    ),
    "the connection to the server was lost; reconnecting in 1.5 s; 2 unsent",
  );
  assertEquals(statusText({ kind: "stopped", why: "Banned" }, 0, 0), "Banned");
});
