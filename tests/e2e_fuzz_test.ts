import { assert, assertEquals } from "./assert.ts";
import { fuzz } from "./fuzz.ts";
import { ServerProcess } from "./util/program.ts";
import { RawPeer } from "./util/raw_peer.ts";

Deno.test("fuzzing a live server: it never exits and control messages keep flowing", async () => {
  await using server = await ServerProcess.start([
    "--max-per-address",
    "100000",
  ]);
  let exited = false;
  server.process.status.then(() => (exited = true));
  const report = await fuzz({ port: server.port, seed: 20261124, count: 1600 });
  assertEquals(report.controlMessages, 64);
  assert(!exited, "the server exited");
  // Still serving new clients after all that.
  await using late = await RawPeer.native(server.port, "late");
  await late.send({ type: "msg", id: "l", text: "still there?" });
  await late.frame((f) => f.type === "ack" && f.id === "l");
  await late.close();
  // Nothing reached the catch-all for unexpected failures.
  assertEquals(server.stderr.lines.filter((l) => /^\S+ error /.test(l)), []);
});
