import { assert, assertEquals } from "./assert.ts";
import { FAMILIES, fuzz, summary } from "./fuzz.ts";

// A short round of `make fuzz` (tests/fuzz.ts) with a fixed seed: every
// family several times, the whole oracle, a few seconds.
Deno.test("fuzzing live servers: every family, the whole oracle, nothing violated", async () => {
  const report = await fuzz({
    seed: 20261124,
    count: 400,
    every: 20,
    minimize: false,
  });
  const text = summary(report);
  assertEquals(report.failures.length, 0, text);
  for (const family of Object.keys(FAMILIES) as (keyof typeof FAMILIES)[]) {
    assert(report.families[family] >= 5, `${family} ran too rarely:\n${text}`);
  }
  // Two control messages (a private one, a room one) each round, all in order.
  assertEquals(report.controlMessages, 2 * (400 / 20), text);
  assert(report.answers > 300, `too few answers held to the model:\n${text}`);
  for (const [check, n] of Object.entries(report.checks)) {
    assert(n > 0, `nothing was checked for "${check}":\n${text}`);
  }
});
