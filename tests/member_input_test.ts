import { assert, assertEquals } from "./assert.ts";
import { Acks } from "../lib/server/acks.ts";
import { AnswerCache } from "../lib/server/answer_cache.ts";
import {
  type HistoryStore,
  MemoryHistory,
  StoreError,
} from "../lib/server/history.ts";
import { Hub } from "../lib/server/hub.ts";
import { MemberInput } from "../lib/server/member_input.ts";
import type { Outgoing } from "../lib/server/outgoing.ts";
import { ChatError } from "../lib/shared/errors.ts";
import { limitDefaults, PROTOCOL_LIMITS } from "../lib/shared/limits.ts";
import type {
  ChatMessage,
  ErrorCode,
  ServerFrame,
} from "../lib/shared/protocol.ts";

/**
 * History "on disk" whose commits the test makes: `durable()` resolves when
 * the test calls {@linkcode HandStore.commit}, or rejects on
 * {@linkcode HandStore.fail}; `append` can be made to throw once.
 */
class HandStore extends MemoryHistory {
  #pending: { resolve: () => void; reject: (error: Error) => void }[] = [];
  #waiting: (() => void) | undefined;
  /** Thrown by the next `append`, then forgotten. */
  failNextAppend: Error | undefined;

  constructor() {
    super({ perRoom: 50 });
  }

  override append(message: ChatMessage): void {
    const error = this.failNextAppend;
    this.failNextAppend = undefined;
    if (error !== undefined) throw error;
    super.append(message);
  }

  durable(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#pending.push({ resolve, reject });
      this.#waiting?.();
    });
  }

  /** Resolves once a commit is waited for. */
  committing(): Promise<void> {
    if (this.#pending.length > 0) return Promise.resolve();
    return new Promise((resolve) => (this.#waiting = resolve));
  }

  /** Every message appended so far is durable. */
  commit(): void {
    for (const { resolve } of this.#pending.splice(0)) resolve();
  }

  /** The pending commit failed. */
  fail(error: Error): void {
    for (const { reject } of this.#pending.splice(0)) reject(error);
  }
}

/** Frames a member's side collected. */
class Inbox {
  frames: ServerFrame[] = [];
  deliver = (out: Outgoing): boolean => {
    this.frames.push(out.frame);
    return true;
  };
}

/** What one connection was sent, with a wait for the answer to an id. */
class Sent {
  frames: ServerFrame[] = [];
  #waiters = new Map<string, () => void>();

  push(frame: ServerFrame): void {
    this.frames.push(frame);
    if ((frame.type === "ack" || frame.type === "error") && frame.id) {
      this.#waiters.get(frame.id)?.();
    }
  }

  /** What `id` got: `ack`, `delivered` or `error CODE`, in order. */
  answers(id: string): string[] {
    return this.frames.filter((f) => "id" in f && f.id === id).map((f) =>
      f.type === "error" ? `error ${f.code}` : f.type
    );
  }

  /** Resolves once `id` has its ack or error. */
  answered(id: string): Promise<void> {
    if (this.answers(id).some((a) => a !== "delivered")) {
      return Promise.resolve();
    }
    return new Promise((resolve) => this.#waiters.set(id, resolve));
  }
}

/** What a test needs: a hub on `store`, and connections of ann's. */
function setup(store: HistoryStore = new MemoryHistory({ perRoom: 50 })) {
  const hub = new Hub({ history: store, historyOnJoin: 50 });
  const cache = new AnswerCache({ capacity: 100 });
  const ann = hub.enter("ann", new Inbox(), { person: "client:ann-token" });
  const bobInbox = new Inbox();
  /** A new connection of ann's: its own acks, the server's one cache. */
  const connect = () => {
    const sent = new Sent();
    const acks = new Acks({
      cache,
      send: (frame) => sent.push(frame),
      scope: `session:${crypto.randomUUID()}`,
    });
    acks.scopeTo(ann.person);
    const logged: string[] = [];
    const input = new MemberInput({
      multiRoom: true,
      joined: () => {},
      hub,
      limits: limitDefaults(PROTOCOL_LIMITS),
      acks,
      log: (event) => logged.push(event),
      peer: "memory",
      reply: (cmd, text) => sent.push({ type: "reply", cmd, text }),
      replay: () => {},
      refuse: (code: ErrorCode, message: string, id?: string) =>
        sent.push(
          id === undefined
            ? { type: "error", code, message }
            : { type: "error", code, message, id },
        ),
      close: () => {},
    }, ann);
    return { input, sent, logged };
  };
  return { hub, ann, bobInbox, connect };
}

for (
  const { what, text, code } of [
    { what: "an unknown command", text: "/frob", code: "unknown-command" },
    {
      what: "/msg to a missing nick",
      text: "/msg bob hi",
      code: "no-such-nick",
    },
    { what: "an invalid /nick", text: "/nick 9lives", code: "nick-invalid" },
    {
      what: "text over 2000 code points",
      text: "😀".repeat(2001),
      code: "text-invalid",
    },
  ]
) {
  Deno.test(`member input answers ${what} with one error and no ack`, async () => {
    const { connect } = setup();
    const conn = connect();
    await conn.input.handle(text, "m1");
    await conn.sent.answered("m1");
    assertEquals(conn.sent.answers("m1"), [`error ${code}`]);
  });
}

Deno.test("member input refuses a refused id again when resent from a new connection, even once the line would pass", async () => {
  const { hub, bobInbox, connect } = setup();
  const first = connect();
  await first.input.handle("/msg bob are you there", "m1");
  await first.sent.answered("m1");
  assertEquals(first.sent.answers("m1"), ["error no-such-nick"]);
  hub.enter("bob", bobInbox);
  const second = connect();
  await second.input.handle("/msg bob are you there", "m1");
  await second.sent.answered("m1");
  assertEquals(second.sent.answers("m1"), ["error no-such-nick"]);
  assertEquals(bobInbox.frames.filter((f) => f.type === "pm"), []);
});

for (
  const { code, refuse } of [
    {
      code: "storage",
      refuse: async (store: HandStore) => {
        await store.committing();
        store.fail(new StoreError("The disk is full"));
      },
    },
    {
      code: "rate-limited",
      refuse: (store: HandStore) => {
        store.failNextAppend = new ChatError("rate-limited", "Slow down");
      },
    },
    {
      code: "internal",
      refuse: (store: HandStore) => {
        store.failNextAppend = new Error("a bug");
      },
    },
  ]
) {
  Deno.test(`member input does not remember a refusal of the moment (${code}): the resend is applied`, async () => {
    const store = new HandStore();
    const { connect } = setup(store);
    const first = connect();
    const refused = refuse(store);
    await first.input.handle("hello", "m1");
    await refused;
    await first.sent.answered("m1");
    assertEquals(first.sent.answers("m1"), [`error ${code}`]);
    const second = connect();
    await second.input.handle("hello", "m1");
    await store.committing();
    store.commit();
    await second.sent.answered("m1");
    assertEquals(second.sent.answers("m1"), ["ack", "delivered"]);
  });
}

Deno.test("member input answers and applies a message, /msg, /nick and a message in the order sent while the disk is slow", async () => {
  const store = new HandStore();
  const { hub, ann, bobInbox, connect } = setup(store);
  hub.enter("bob", bobInbox);
  const conn = connect();
  const lines = [
    ["1", "first, to the room"],
    ["2", "/msg bob second, in private"],
    ["3", "/nick ann2"],
    ["4", "fourth, to the room"],
  ] as const;
  // As a session does: each line once the one before lets it be read.
  const reading = (async () => {
    for (const [id, text] of lines) await conn.input.handle(text, id);
  })();
  await store.committing();
  // Message 1 is not durable yet: nothing after it may overtake it.
  assertEquals(conn.sent.frames.filter((f) => f.type === "ack"), []);
  assertEquals(bobInbox.frames.filter((f) => f.type !== "event"), []);
  assertEquals(ann.nick, "ann");
  store.commit();
  await reading;
  await store.committing();
  store.commit();
  await conn.sent.answered("4");
  assertEquals(
    conn.sent.frames.flatMap((f) => (f.type === "ack" ? [f.id] : [])),
    ["1", "2", "3", "4"],
  );
  const seen = bobInbox.frames.flatMap((f) => {
    if (f.type === "msg" || f.type === "pm") {
      return [`${f.type} ${f.from}: ${f.text}`];
    }
    if (f.type === "event" && f.event === "nick") return [`nick -> ${f.to}`];
    return [];
  });
  assertEquals(seen, [
    "msg ann: first, to the room",
    "pm ann: second, in private",
    "nick -> ann2",
    "msg ann2: fourth, to the room",
  ]);
  assert(conn.logged.length === 0, conn.logged.join(", "));
});
