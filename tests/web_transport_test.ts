/**
 * The WebSocket as a transport, over a real socket on 127.0.0.1: text
 * messages in as lines, lines out as one message each, and backpressure (a
 * reader that does not read holds the sender back at the kernel's buffers,
 * and nothing is lost once it reads).
 */

import http from "node:http";
import type { AddressInfo } from "node:net";
import { WebSocket, WebSocketServer } from "ws";
import {
  HIGH_WATER,
  WebSocketTransport,
} from "../lib/server/web/ws_transport.ts";
import { assert, assertEquals } from "./assert.ts";

/** A server that makes one transport of the first WebSocket, and a client to it. */
async function pair(): Promise<
  { transport: WebSocketTransport; client: WebSocket } & AsyncDisposable
> {
  const server = http.createServer();
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  const made = new Promise<WebSocketTransport>((resolve) => {
    server.on(
      "upgrade",
      (req, socket, head) =>
        wss.handleUpgrade(
          req,
          socket,
          head,
          (ws) => resolve(new WebSocketTransport(ws)),
        ),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const client = new WebSocket(`ws://127.0.0.1:${port}/`);
  await new Promise((resolve) => client.once("open", resolve));
  const transport = await made;
  return {
    transport,
    client,
    async [Symbol.asyncDispose]() {
      client.terminate();
      transport.close();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

async function readText(
  transport: WebSocketTransport,
  bytes: number,
): Promise<string> {
  const buffer = new Uint8Array(64 * 1024);
  const chunks: Uint8Array[] = [];
  let read = 0;
  while (read < bytes) {
    const n = await transport.read(buffer);
    if (n === null) break;
    chunks.push(buffer.slice(0, n));
    read += n;
  }
  const all = new Uint8Array(read);
  let at = 0;
  for (const chunk of chunks) {
    all.set(chunk, at);
    at += chunk.length;
  }
  return new TextDecoder().decode(all);
}

Deno.test("each text message is one line in, each line out one message", async () => {
  await using p = await pair();
  p.client.send('{"type":"ping","t":1}');
  p.client.send("héllo");
  assertEquals(
    await readText(p.transport, 29),
    '{"type":"ping","t":1}\nhéllo\n',
  );
  const got: string[] = [];
  const all = new Promise<void>((resolve) =>
    p.client.on("message", (data) => {
      got.push(String(data));
      if (got.length === 3) resolve();
    })
  );
  const bytes = new TextEncoder().encode('{"a":1}\n{"b":2}\n{"c"');
  assertEquals(await p.transport.write(bytes), bytes.length);
  await p.transport.write(new TextEncoder().encode(":3}\n"));
  await all;
  assertEquals(got, ['{"a":1}', '{"b":2}', '{"c":3}']);
});

Deno.test("a reader that does not read holds the sender back; nothing is lost", async () => {
  await using p = await pair();
  const message = "x".repeat(1000);
  const count = 20_000; // 20 MB: far past what the kernel's buffers hold
  for (let i = 0; i < count; i++) p.client.send(message);
  await new Promise((resolve) => setTimeout(resolve, 500));
  // The sender is held back: most of what it sent is still its own.
  assert(
    p.client.bufferedAmount > 10 * 1024 * 1024,
    `the client's buffer: ${p.client.bufferedAmount}`,
  );
  const text = await readText(p.transport, count * 1001);
  assertEquals(text.length, count * 1001);
  assertEquals(text.split("\n").length - 1, count);
  assert(HIGH_WATER <= 64 * 1024);
});
