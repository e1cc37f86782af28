import { assert, assertEquals, assertMatch, assertThrows } from "./assert.ts";
import { DatabaseSync } from "node:sqlite";
import { SqliteHistory } from "../lib/server/sqlite_history.ts";
import { TOPICS_REMEMBERED } from "../lib/server/sqlite_pruning.ts";
import { SCHEMA_VERSION } from "../lib/server/sqlite_schema.ts";
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

/** The schema version written in the database file in `dir`. */
function userVersion(dir: string): number {
  const db = new DatabaseSync(`${dir}/lochat.db`);
  try {
    return (db.prepare("PRAGMA user_version").get() as {
      user_version: number;
    }).user_version;
  } finally {
    db.close();
  }
}

Deno.test("the store keeps topics across a reopen, and lists as kept only the rooms an operator keeps", () =>
  withDir((dir) => {
    const store = SqliteHistory.open(dir);
    const games = {
      room: "games",
      topic: "chess at 8",
      locked: false,
      kept: false,
    };
    const news = { room: "news", topic: "read only", locked: true, kept: true };
    const quiet = { room: "quiet", topic: "", locked: true, kept: true };
    for (const record of [games, news, quiet]) store.saveTopic(record);
    store.close();
    const again = SqliteHistory.open(dir);
    assertEquals(again.topic("games"), games);
    assertEquals(again.topic("news"), news);
    assertEquals(again.topic("quiet"), quiet);
    assertEquals(again.topic("nowhere"), undefined);
    assertEquals(
      again.keptRooms().sort((a, b) => a.room.localeCompare(b.room)),
      [news, quiet],
    );
    again.saveTopic({ ...news, topic: "read it", locked: false });
    assertEquals(again.topic("news"), {
      ...news,
      topic: "read it",
      locked: false,
    });
    again.close();
  }));

Deno.test("saving an empty topic that is neither locked nor kept forgets the room", () =>
  withDir((dir) => {
    const store = SqliteHistory.open(dir);
    store.saveTopic({
      room: "news",
      topic: "read only",
      locked: true,
      kept: true,
    });
    store.saveTopic({ room: "news", topic: "", locked: false, kept: false });
    assertEquals(store.topic("news"), undefined);
    assertEquals(store.keptRooms(), []);
    store.close();
    const db = new DatabaseSync(`${dir}/lochat.db`);
    assertEquals(
      (db.prepare("SELECT count(*) AS n FROM rooms").get() as { n: number }).n,
      0,
    );
    db.close();
  }));

Deno.test("a notice (IRC's NOTICE) stays a notice across a reopen, and messages kept before notices existed are none", () =>
  withDir(async (dir) => {
    const db = new DatabaseSync(`${dir}/lochat.db`);
    db.exec(
      `CREATE TABLE messages (seq INTEGER PRIMARY KEY, room TEXT NOT NULL, sender TEXT NOT NULL,
             text TEXT NOT NULL, ts INTEGER NOT NULL, me INTEGER NOT NULL DEFAULT 0);
             ALTER TABLE messages ADD COLUMN dedup TEXT;
             CREATE TABLE rooms (name TEXT PRIMARY KEY, topic TEXT NOT NULL,
               locked INTEGER NOT NULL DEFAULT 0, kept INTEGER NOT NULL DEFAULT 0,
               set_at INTEGER NOT NULL DEFAULT 0);
             INSERT INTO messages VALUES (1, 'lobby', 'ann', 'm1', 1, 0, NULL);
             PRAGMA user_version = 3;`,
    );
    db.close();
    const store = SqliteHistory.open(dir);
    store.append({ ...message(2), notice: true });
    await store.durable();
    store.close();
    const again = SqliteHistory.open(dir);
    assertEquals(again.recent("lobby", 5), [
      message(1),
      { ...message(2), notice: true },
    ]);
    again.close();
  }));

Deno.test("a version 2 store is migrated to the current schema with its messages and their keys, and keeps topics", () =>
  withDir((dir) => {
    const db = new DatabaseSync(`${dir}/lochat.db`);
    db.exec(
      `CREATE TABLE messages (seq INTEGER PRIMARY KEY, room TEXT NOT NULL, sender TEXT NOT NULL,
             text TEXT NOT NULL, ts INTEGER NOT NULL, me INTEGER NOT NULL DEFAULT 0);
             CREATE INDEX messages_by_room ON messages (room, seq);
             ALTER TABLE messages ADD COLUMN dedup TEXT;
             CREATE UNIQUE INDEX messages_by_dedup ON messages (dedup) WHERE dedup IS NOT NULL;
             INSERT INTO messages VALUES (7, 'lobby', 'ann', 'from v2', 70, 1, 'client:abc\nm1');
             PRAGMA user_version = 2;`,
    );
    db.close();
    const store = SqliteHistory.open(dir);
    assertEquals(store.recent("lobby", 10), [{
      seq: 7,
      room: "lobby",
      from: "ann",
      text: "from v2",
      ts: 70,
      me: true,
    }]);
    assertEquals(store.answered("client:abc\nm1"), { seq: 7, ts: 70 });
    assertEquals(store.lastSeq(), 7);
    const lobby = { room: "lobby", topic: "hello", locked: true, kept: true };
    store.saveTopic(lobby);
    store.close();
    assertEquals(userVersion(dir), SCHEMA_VERSION);
    const again = SqliteHistory.open(dir);
    assertEquals(again.topic("lobby"), lobby);
    assertEquals(again.keptRooms(), [lobby]);
    again.close();
  }));

Deno.test("pruning old history keeps the topics of rooms whose messages are gone, kept by an operator or not", () =>
  withDir(async (dir) => {
    const store = SqliteHistory.open(dir, { limit: { days: 1 } });
    const old = Date.now() - 2 * 86_400_000;
    store.append(message(1, "games", old));
    store.append(message(2, "news", old));
    await store.durable();
    const topic = (room: string, kept: boolean) => ({
      room,
      topic: `about ${room}`,
      locked: false,
      kept,
    });
    store.saveTopic(topic("games", false));
    store.saveTopic(topic("news", true));
    store.prune();
    assertEquals(store.recent("games", 10), []);
    assertEquals(store.recent("news", 10), []);
    assertEquals(store.topic("games"), topic("games", false));
    assertEquals(store.topic("news"), topic("news", true));
    assertEquals(store.keptRooms(), [topic("news", true)]);
    store.close();
  }));

Deno.test("a prune remembers only the newest topics of rooms no operator keeps, and every kept room's", () =>
  withDir((dir) => {
    SqliteHistory.open(dir).close();
    const db = new DatabaseSync(`${dir}/lochat.db`);
    const insert = db.prepare(
      "INSERT INTO rooms (name, topic, locked, kept, set_at) VALUES (?, ?, 0, ?, ?)",
    );
    db.exec("BEGIN");
    // The kept room's topic is the oldest of all.
    insert.run("kept", "stays", 1, 0);
    for (let i = 1; i <= TOPICS_REMEMBERED + 1; i++) {
      insert.run(`r${i}`, `topic ${i}`, 0, i);
    }
    db.exec("COMMIT");
    db.close();
    const store = SqliteHistory.open(dir); // Opening prunes.
    assertEquals(store.topic("r1"), undefined, "the oldest is forgotten");
    assertEquals(store.topic("r2")?.topic, "topic 2");
    assertEquals(
      store.topic(`r${TOPICS_REMEMBERED + 1}`)?.topic,
      `topic ${TOPICS_REMEMBERED + 1}`,
    );
    assertEquals(store.keptRooms(), [{
      room: "kept",
      topic: "stays",
      locked: false,
      kept: true,
    }]);
    store.close();
    const check = new DatabaseSync(`${dir}/lochat.db`);
    assertEquals(
      (check.prepare("SELECT count(*) AS n FROM rooms WHERE kept = 0")
        .get() as {
          n: number;
        }).n,
      TOPICS_REMEMBERED,
    );
    check.close();
  }));
