// deno-lint-ignore-file no-console
/**
 * The yardstick for `make bench`: the leanest fan-out server the benchmark
 * can drive, to tell what Deno and the kernel cost from what Lochat adds.
 *
 * No nicks to check, no limits, no history, no sanitising: a `hello` (with
 * its `room` or `rooms`) gets a `welcome` and each of its rooms a `join`
 * event, a `msg` gets an `ack` and goes to everyone else in its room (the
 * `room` it names, or the first).
 * It keeps what makes fan-out cheap (one encode a broadcast, a queue a
 * member, one write a member per turn of the event loop, TCP_NODELAY), as the
 * 60-line experiment of issue #7 did. Run it with
 * `make bench BENCH_ARGS="--baseline"`; never use it for chat.
 *
 * @module
 */

const encoder = new TextEncoder();
const decoder = new TextDecoder();

interface Peer {
  conn: Deno.TcpConn;
  nick: string;
  rooms: string[];
  queue: Uint8Array[];
  writing: boolean;
}

const rooms = new Map<string, Set<Peer>>();
let round: Peer[] = [];
let seq = 0;

function send(peer: Peer, bytes: Uint8Array): void {
  peer.queue.push(bytes);
  if (peer.writing) return;
  peer.writing = true;
  if (round.length === 0) {
    setImmediate(() => {
      const ready = round;
      round = [];
      for (const p of ready) write(p);
    });
  }
  round.push(peer);
}

async function write(peer: Peer): Promise<void> {
  try {
    while (peer.queue.length > 0) {
      const chunks = peer.queue;
      peer.queue = [];
      let size = 0;
      for (const chunk of chunks) size += chunk.length;
      const data = new Uint8Array(size);
      let offset = 0;
      for (const chunk of chunks) {
        data.set(chunk, offset);
        offset += chunk.length;
      }
      for (let done = 0; done < size;) {
        done += await peer.conn.write(data.subarray(done));
      }
    }
  } catch {
    // Gone: the read loop ends it.
  }
  peer.writing = false;
}

function frame(value: unknown): Uint8Array {
  return encoder.encode(JSON.stringify(value) + "\n");
}

async function serve(conn: Deno.TcpConn): Promise<void> {
  conn.setNoDelay(true);
  const peer: Peer = { conn, nick: "", rooms: [], queue: [], writing: false };
  const buffer = new Uint8Array(256);
  let rest = "";
  try {
    for (
      let n = await conn.read(buffer);
      n !== null;
      n = await conn.read(buffer)
    ) {
      const text = rest + decoder.decode(buffer.subarray(0, n));
      let start = 0;
      for (
        let end = text.indexOf("\n");
        end !== -1;
        end = text.indexOf("\n", start)
      ) {
        const message = JSON.parse(text.slice(start, end));
        start = end + 1;
        if (message.type === "hello") {
          peer.nick = String(message.nick);
          peer.rooms = message.rooms ?? [message.room ?? "lobby"];
          for (const room of peer.rooms) {
            const members = rooms.get(room) ?? new Set<Peer>();
            rooms.set(room, members);
            const join = frame({
              type: "event",
              event: "join",
              nick: peer.nick,
              room,
              ts: Date.now(),
            });
            for (const other of members) send(other, join);
            members.add(peer);
          }
          send(peer, frame({ type: "welcome", nick: peer.nick }));
        } else if (message.type === "msg") {
          const ts = Date.now();
          const s = ++seq;
          send(peer, frame({ type: "ack", id: message.id, ts, seq: s }));
          const room = message.room ?? peer.rooms[0];
          const out = frame({
            type: "msg",
            seq: s,
            room,
            from: peer.nick,
            text: message.text,
            ts,
          });
          for (const other of rooms.get(room) ?? []) {
            if (other !== peer) send(other, out);
          }
        }
      }
      rest = text.slice(start);
    }
  } catch {
    // Reset by the peer.
  }
  for (const room of peer.rooms) rooms.get(room)?.delete(peer);
  try {
    conn.close();
  } catch {
    // Closed already.
  }
}

if (import.meta.main) {
  // The bench passes Lochat's flags too; only where to listen matters here.
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  console.log(`listening on 127.0.0.1:${listener.addr.port}`);
  Deno.addSignalListener("SIGTERM", () => Deno.exit(0));
  for await (const conn of listener) serve(conn);
}
