// deno-lint-ignore-file no-console
/**
 * The yardstick for `make bench`: the leanest fan-out server the benchmark
 * can drive, to tell what Deno and the kernel cost from what Lochat adds.
 *
 * One room, no nicks to check, no limits, no history, no sanitising: a
 * `hello` gets a `welcome`, a `msg` gets an `ack` and goes to everyone else.
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
  queue: Uint8Array[];
  writing: boolean;
}

const peers = new Set<Peer>();
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
  const peer: Peer = { conn, nick: "", queue: [], writing: false };
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
          peers.add(peer);
          send(peer, frame({ type: "welcome", nick: peer.nick }));
        } else if (message.type === "msg") {
          const ts = Date.now();
          const s = ++seq;
          send(peer, frame({ type: "ack", id: message.id, ts, seq: s }));
          const out = frame({
            type: "msg",
            seq: s,
            room: "lobby",
            from: peer.nick,
            text: message.text,
            ts,
          });
          for (const other of peers) if (other !== peer) send(other, out);
        }
      }
      rest = text.slice(start);
    }
  } catch {
    // Reset by the peer.
  }
  peers.delete(peer);
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
