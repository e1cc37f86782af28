import v8 from "node:v8";
import vm from "node:vm";
import { assert, assertEquals } from "./assert.ts";
import { AnswerCache } from "../lib/server/answer_cache.ts";
import { SERVER_LIMITS } from "../lib/server/server_limits.ts";

Deno.test("the answer cache remembers answers by id and forgets the oldest when full", () => {
  const cache = new AnswerCache({ capacity: 2 });
  cache.remember("a", { ts: 1, seq: 1, count: 2, of: 2 });
  cache.remember("b", { ts: 2 });
  assertEquals(cache.get("a"), { ts: 1, seq: 1, count: 2, of: 2 });
  cache.remember("c", { ts: 3 });
  assertEquals([cache.get("a"), cache.get("b"), cache.get("c"), cache.size], [
    undefined,
    { ts: 2 },
    { ts: 3 },
    2,
  ]);
});

Deno.test("the answer cache keeps exactly the last ids, in order, across its copies", () => {
  const capacity = 4;
  const cache = new AnswerCache({ capacity });
  for (let n = 0; n < 30; n++) {
    cache.remember(`m${n}`, { ts: n });
    const remembered = Array.from({ length: n + 1 }, (_, i) => i)
      .filter((i) => {
        const answer = cache.get(`m${i}`);
        return answer !== undefined && "ts" in answer && answer.ts === i;
      });
    const last = Array.from(
      { length: Math.min(n + 1, capacity) },
      (_, i) => n + 1 - Math.min(n + 1, capacity) + i,
    );
    assertEquals(remembered, last, `after m${n}`);
    assertEquals(cache.size, last.length);
  }
});

/** V8's full collection, exposed in a context of its own. */
function collector(): () => void {
  v8.setFlagsFromString("--expose-gc");
  return vm.runInNewContext("gc");
}

Deno.test("a full answer cache grows no more however many ids come", () => {
  const gc = collector();
  const heap = () => {
    gc();
    gc();
    return Deno.memoryUsage().heapUsed;
  };
  const capacity = SERVER_LIMITS.rememberedIds.default;
  // Keys and answers of one size throughout: only the table could grow.
  const fill = (cache: AnswerCache, from: number, count: number) => {
    for (let n = from; n < from + count; n++) {
      cache.remember(`client:c${n % 97}\n${String(n).padStart(7, "0")}`, {
        ts: 1_700_000_000_000 + n + 0.5,
        seq: n,
        count: 3,
        of: 3,
      });
    }
  };
  fill(new AnswerCache({ capacity }), 0, 4 * capacity); // compiled first
  const cache = new AnswerCache({ capacity });
  fill(cache, 0, capacity);
  const full = heap();
  // Past 16,384 ids, where a map that deletes its oldest doubles its table.
  fill(cache, capacity, 3 * capacity);
  const later = heap();
  assertEquals(cache.size, capacity);
  assert(
    later - full < 100_000,
    `the full cache grew by ${Math.round((later - full) / 1000)} KB`,
  );
});
