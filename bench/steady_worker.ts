/**
 * A worker of the steady-rate scenario: it connects a share of the clients,
 * sends their messages on schedule and times what they receive.
 *
 * One thread reading 100 sockets is a queue of its own: the 99th copy of a
 * message waits for the generator to handle the 98 before it, which times
 * the benchmark, not the server. Real clients are separate programs, so the
 * clients are spread over a few workers; times are absolute
 * ({@linkcode clock}), so a message sent in one worker is timed in another.
 *
 * @module
 */

import { Client, clock, connectAll } from "./load_client.ts";

/** What the main thread sends a worker. */
export type SteadyRequest =
  | {
    type: "connect";
    port: number;
    /** The first client index this worker runs, and one past the last. */
    from: number;
    to: number;
    /** How many clients there are in all (every one also receives). */
    clients: number;
  }
  | {
    type: "go";
    /** When client 0 sends its first message ({@linkcode clock} time). */
    at: number;
    /** Milliseconds between two messages of one client. */
    interval: number;
    perClient: number;
    /** How long to wait for stragglers after the last send, in ms. */
    graceMs: number;
  };

/** What a worker answers. */
export type SteadyReply =
  | { type: "connected" }
  | { type: "failed"; message: string }
  | {
    type: "done";
    received: number;
    outOfOrder: number;
    latencies: Float64Array<ArrayBuffer>;
  };

let mine: Client[] = [];
let total = 0;
const latencies: number[] = [];

async function handle(request: SteadyRequest): Promise<SteadyReply> {
  if (request.type === "connect") {
    total = request.clients;
    const count = request.to - request.from;
    mine = await connectAll(
      request.port,
      count,
      () => "lobby",
      latencies,
      { first: request.from, senders: request.clients },
    );
    return { type: "connected" };
  }
  latencies.length = 0;
  const { at, interval, perClient } = request;
  await Promise.all(mine.map((client) =>
    new Promise<void>((resolve) => {
      let seq = 0;
      const first = at + (interval * client.index) / total;
      // Each send is scheduled from the start, so timer drift does not add up.
      const next = () => {
        client.send(seq++);
        if (seq >= perClient) resolve();
        else setTimeout(next, Math.max(0, first + seq * interval - clock()));
      };
      setTimeout(next, Math.max(0, first - clock()));
    })
  ));
  const expected = (total - 1) * perClient;
  const deadline = performance.now() + request.graceMs;
  await Promise.all(mine.map((c) => c.until(expected, deadline)));
  const reply: SteadyReply = {
    type: "done",
    received: mine.reduce((sum, c) => sum + c.received, 0),
    outOfOrder: mine.reduce((sum, c) => sum + c.outOfOrder, 0),
    latencies: Float64Array.from(latencies),
  };
  await Promise.all(mine.map((c) => c.close()));
  return reply;
}

const scope = self as unknown as Worker;
scope.onmessage = async (event: MessageEvent<SteadyRequest>) => {
  let reply: SteadyReply;
  try {
    reply = await handle(event.data);
  } catch (error) {
    reply = { type: "failed", message: String(error) };
  }
  scope.postMessage(
    reply,
    reply.type === "done" ? [reply.latencies.buffer] : [],
  );
};
