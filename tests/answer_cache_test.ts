import { assertEquals } from "./assert.ts";
import { AnswerCache } from "../lib/server/answer_cache.ts";

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
