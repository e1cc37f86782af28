import { assert, assertEquals, assertMatch, assertThrows } from "./assert.ts";
import { DatabaseSync } from "node:sqlite";
import { SCHEMA_VERSION, SqliteHistory } from "../lib/server/sqlite_history.ts";
import { StoreError } from "../lib/server/history.ts";

const message = (seq: number, room = "lobby", ts = seq) => ({
  seq,
  room,
  from: "ann",
  text: `m${seq}`,
  ts,
});

async function withDir(
  fn: (dir: string) => Promise<void> | void,
): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("the store keeps messages durably and returns a room's newest, oldest first", () =>
  withDir(async (dir) => {
    const store = SqliteHistory.open(dir);
    for (let seq = 1; seq <= 6; seq++) {
      store.append(message(seq, seq % 2 ? "odd" : "even"));
    }
    await store.durable();
    assertEquals(store.recent("odd", 2).map((m) => m.seq), [3, 5]);
    assertEquals(store.recent("even", 10, 6).map((m) => m.seq), [2, 4]);
    store.close();
    const again = SqliteHistory.open(dir);
    assertEquals(
      [again.lastSeq(), again.recent("even", 10).map((m) => m.text)],
      [6, ["m2", "m4", "m6"]],
    );
    again.close();
  }));

Deno.test("messages appended together are durable together, and /me survives the round trip", () =>
  withDir(async (dir) => {
    const store = SqliteHistory.open(dir);
    store.append({ ...message(1), me: true });
    store.append(message(2));
    const [a, b] = [store.durable(), store.durable()];
    await Promise.all([a, b]);
    assertEquals(store.recent("lobby", 5), [
      { ...message(1), me: true },
      message(2),
    ]);
    store.close();
  }));

Deno.test("history is pruned to the limit, by messages per room or by days", () =>
  withDir(async (dir) => {
    const store = SqliteHistory.open(dir, { limit: { messages: 3 } });
    for (let seq = 1; seq <= 10; seq++) store.append(message(seq));
    store.append(message(11, "other"));
    await store.durable();
    store.prune();
    assertEquals(store.recent("lobby", 100).map((m) => m.seq), [8, 9, 10]);
    assertEquals(store.recent("other", 100).map((m) => m.seq), [11]);
    store.close();
    const byDays = SqliteHistory.open(dir, { limit: { days: 1 } });
    byDays.append(message(12, "lobby", Date.now()));
    await byDays.durable();
    byDays.prune();
    assertEquals(byDays.recent("lobby", 100).map((m) => m.seq), [12]);
    byDays.close();
  }));

Deno.test("a second server on the same directory is refused: the database is locked", () =>
  withDir((dir) => {
    const first = SqliteHistory.open(dir);
    try {
      assertThrows(
        () => SqliteHistory.open(dir),
        StoreError,
        `Another lochat-server is using ${dir}`,
      );
    } finally {
      first.close();
    }
  }));

Deno.test("a database from a newer Lochat is refused and left as it was", () =>
  withDir((dir) => {
    SqliteHistory.open(dir).close();
    const db = new DatabaseSync(`${dir}/lochat.db`);
    db.exec(`PRAGMA user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    const error = assertThrows(
      () => SqliteHistory.open(dir),
      StoreError,
      "was written by a newer Lochat",
    );
    assertMatch(
      error.message,
      /Upgrade lochat-server, or use another --data-dir; the file was not changed/,
    );
    const check = new DatabaseSync(`${dir}/lochat.db`);
    assertEquals(
      (check.prepare("PRAGMA user_version").get() as { user_version: number })
        .user_version,
      SCHEMA_VERSION + 1,
    );
    check.close();
  }));

Deno.test("a file that is not a database is refused with what to do", () =>
  withDir(async (dir) => {
    await Deno.writeTextFile(
      `${dir}/lochat.db`,
      "this is not sqlite ".repeat(100),
    );
    assertThrows(
      () => SqliteHistory.open(dir),
      StoreError,
      "is not a Lochat database or is damaged",
    );
  }));

Deno.test("a data directory that cannot be created is refused with what to do", () => {
  const error = assertThrows(
    () => SqliteHistory.open("/proc/lochat-test/data"),
    StoreError,
    "Cannot create the data directory",
  );
  assert(error.message.includes("--data-dir none"));
});

Deno.test("the store remembers which client message each message came from, across a reopen", () =>
  withDir(async (dir) => {
    const store = SqliteHistory.open(dir);
    store.append(message(1), "client:abc\nm1");
    assertEquals(
      store.answered("client:abc\nm1"),
      { seq: 1, ts: 1 },
      "known while pending",
    );
    await store.durable();
    store.close();
    const again = SqliteHistory.open(dir);
    assertEquals(again.answered("client:abc\nm1"), { seq: 1, ts: 1 });
    assertEquals(again.answered("client:abc\nm2"), undefined);
    again.close();
  }));

Deno.test("a version 1 store is migrated forward with its messages", () =>
  withDir((dir) => {
    const db = new DatabaseSync(`${dir}/lochat.db`);
    db.exec(
      `CREATE TABLE messages (seq INTEGER PRIMARY KEY, room TEXT NOT NULL, sender TEXT NOT NULL,
             text TEXT NOT NULL, ts INTEGER NOT NULL, me INTEGER NOT NULL DEFAULT 0);
             CREATE INDEX messages_by_room ON messages (room, seq);
             INSERT INTO messages VALUES (7, 'lobby', 'ann', 'from v1', 70, 0);
             PRAGMA user_version = 1;`,
    );
    db.close();
    const store = SqliteHistory.open(dir);
    assertEquals(store.recent("lobby", 10), [{
      seq: 7,
      room: "lobby",
      from: "ann",
      text: "from v1",
      ts: 70,
    }]);
    assertEquals(store.lastSeq(), 7);
    store.close();
    const check = new DatabaseSync(`${dir}/lochat.db`);
    assertEquals(
      (check.prepare("PRAGMA user_version").get() as { user_version: number })
        .user_version,
      SCHEMA_VERSION,
    );
    check.close();
  }));
