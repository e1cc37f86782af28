import { assert, assertEquals, assertMatch } from "./assert.ts";
import {
  FloodControl,
  type FloodVerdict,
  TokenBucket,
} from "../lib/server/flood_control.ts";

/** A clock the test moves by hand, in ms. */
function manualClock(start = 0) {
  let now = start;
  return {
    now: () => now,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

/** Calls `take` `count` times and returns what each call said. */
function takeMany(take: () => number, count: number): number[] {
  return Array.from({ length: count }, take);
}

/** Calls `next` `count` times and returns the verdicts. */
function nextMany(
  flood: FloodControl,
  count: number,
  pressed = false,
): FloodVerdict[] {
  return Array.from({ length: count }, () => flood.next(pressed));
}

Deno.test("a token bucket lets a whole burst straight through", () => {
  const clock = manualClock();
  const bucket = new TokenBucket({ rate: 5, burst: 20, now: clock.now });
  assertEquals(takeMany(() => bucket.take(), 20), Array(20).fill(0));
  assert(bucket.take() > 0, "the line after the burst waits");
});

for (
  const { rate, waits } of [
    { rate: 1, waits: [1000, 2000, 3000] },
    { rate: 4, waits: [250, 500, 750] },
    { rate: 5, waits: [200, 400, 600] },
    { rate: 3, waits: [334, 667, 1000] },
    { rate: 1000, waits: [1, 2, 3] },
  ]
) {
  Deno.test(`at rate ${rate} the lines after the burst wait ${waits.join(", ")} ms`, () => {
    const clock = manualClock();
    const bucket = new TokenBucket({ rate, burst: 2, now: clock.now });
    takeMany(() => bucket.take(), 2);
    assertEquals(takeMany(() => bucket.take(), 3), waits);
  });
}

Deno.test("a token bucket waits one interval again once the announced wait is over", () => {
  const clock = manualClock();
  const bucket = new TokenBucket({ rate: 5, burst: 1, now: clock.now });
  assertEquals(bucket.take(), 0);
  const waits = [];
  for (let i = 0; i < 5; i++) {
    const ms = bucket.take();
    waits.push(ms);
    clock.advance(ms);
  }
  assertEquals(waits, [200, 200, 200, 200, 200]);
});

Deno.test("a token bucket refills at its rate but never past its burst", () => {
  const clock = manualClock();
  const bucket = new TokenBucket({ rate: 10, burst: 3, now: clock.now });
  takeMany(() => bucket.take(), 3);
  clock.advance(200); // Two tokens at 10 a second.
  assertEquals(takeMany(() => bucket.take(), 3), [0, 0, 100]);
  clock.advance(3_600_000); // An hour idle refills only the burst.
  assertEquals(takeMany(() => bucket.take(), 4), [0, 0, 0, 100]);
});

Deno.test("a burst below one still lets one line through", () => {
  const clock = manualClock();
  const bucket = new TokenBucket({ rate: 2, burst: 0, now: clock.now });
  assertEquals(takeMany(() => bucket.take(), 2), [0, 500]);
});

Deno.test("rate 0 limits nothing", () => {
  const clock = manualClock();
  const bucket = new TokenBucket({ rate: 0, burst: 1, now: clock.now });
  const flood = new FloodControl({
    rate: 0,
    burst: 1,
    windowSeconds: 10,
    sharePercent: 80,
    now: clock.now,
  });
  assert(bucket.unlimited && flood.unlimited);
  assert(takeMany(() => bucket.take(), 10_000).every((ms) => ms === 0));
  assert(nextMany(flood, 10_000).every((verdict) => verdict.kind === "go"));
});

Deno.test("a positive rate is not unlimited", () => {
  const flood = new FloodControl({
    rate: 5,
    burst: 20,
    windowSeconds: 10,
    sharePercent: 80,
  });
  assertEquals(flood.unlimited, false);
});

/** A flooder: its every read fills the server's buffer. */
const FLOOD = true;

Deno.test("flood control says go for the burst, then wait, warning only on the first held-back line", () => {
  const clock = manualClock();
  const flood = new FloodControl({
    rate: 5,
    burst: 20,
    windowSeconds: 10,
    sharePercent: 80,
    now: clock.now,
  });
  assertEquals(nextMany(flood, 20), Array(20).fill({ kind: "go" }));
  assertEquals(nextMany(flood, 3), [
    { kind: "wait", ms: 200, warn: true },
    { kind: "wait", ms: 400, warn: false },
    { kind: "wait", ms: 600, warn: false },
  ]);
  clock.advance(600);
  assertEquals(flood.next(), { kind: "wait", ms: 200, warn: false });
});

Deno.test("a sender that always sends as soon as it may is flooding after one window", () => {
  const clock = manualClock(1000);
  const flood = new FloodControl({
    rate: 5,
    burst: 20,
    windowSeconds: 10,
    sharePercent: 80,
    now: clock.now,
  });
  // A flooder: far more than a burst of lines waits behind each one.
  let verdict = flood.next(FLOOD);
  let lines = 1;
  while (verdict.kind !== "flooding") {
    if (verdict.kind === "wait") clock.advance(verdict.ms);
    verdict = flood.next(FLOOD);
    lines++;
    assert(lines < 1000, "never judged flooding");
  }
  assertEquals(
    verdict.reason,
    "flooding: over 5 lines a second (bursts of 20) for 10 s",
  );
  // 20 at once, then one every 200 ms until the window has passed.
  assertEquals(clock.now() - 1000, 10_200);
  assertEquals(lines, 20 + 52);
});

/**
 * Rate 2, burst 3: three lines go, five more at once wait 500 … 2500 ms
 * (7500 ms held back), then 15 s after the start the bucket is emptied again
 * and the next line is judged: held back for exactly half the window.
 */
function heldBackHalfTheTime(sharePercent: number) {
  const clock = manualClock();
  const flood = new FloodControl({
    rate: 2,
    burst: 3,
    windowSeconds: 10,
    sharePercent,
    now: clock.now,
  });
  const first = nextMany(flood, 8, FLOOD);
  assertEquals(first.map((v) => v.kind === "wait" ? v.ms : 0), [
    0,
    0,
    0,
    500,
    1000,
    1500,
    2000,
    2500,
  ]);
  clock.advance(15_000);
  assertEquals(nextMany(flood, 3), Array(3).fill({ kind: "go" }));
  return { flood, clock, verdict: flood.next(FLOOD) };
}

for (
  const { sharePercent, flooding } of [
    { sharePercent: 50, flooding: true },
    { sharePercent: 49, flooding: true },
    { sharePercent: 51, flooding: false },
  ]
) {
  Deno.test(
    `a sender held back half the window is ${
      flooding ? "" : "not "
    }flooding at a share of ${sharePercent}%`,
    () => {
      const { verdict } = heldBackHalfTheTime(sharePercent);
      if (flooding) {
        assertEquals(verdict.kind, "flooding");
        assert(verdict.kind === "flooding");
        assertMatch(verdict.reason, /over 2 lines a second/);
        assertMatch(verdict.reason, /bursts of 3/);
        assertMatch(verdict.reason, /for 10 s/);
      } else {
        // A new window, so the warning comes again.
        assertEquals(verdict, { kind: "wait", ms: 500, warn: true });
      }
    },
  );
}

Deno.test("a sender is warned once an episode: a line that needs no waiting ends it", () => {
  const clock = manualClock();
  const flood = new FloodControl({
    rate: 5,
    burst: 20,
    windowSeconds: 10,
    sharePercent: 80,
    now: clock.now,
  });
  nextMany(flood, 20);
  assertEquals(
    nextMany(flood, 2).map((v) => v.kind === "wait" && v.warn),
    [true, false],
  );
  // Held back again before any line went through: the same episode.
  clock.advance(400);
  assertEquals(flood.next(), { kind: "wait", ms: 200, warn: false });
  // A pause long enough for lines to go straight through ends the episode:
  // the next one held back is warned anew.
  clock.advance(9_000);
  nextMany(flood, 20);
  assertEquals(
    nextMany(flood, 2),
    [
      { kind: "wait", ms: 200, warn: true },
      { kind: "wait", ms: 400, warn: false },
    ],
  );
});

Deno.test("a sender at the rate whose lines come bunched is held back but never flooding", () => {
  const clock = manualClock();
  const flood = new FloodControl({
    rate: 5,
    burst: 20,
    windowSeconds: 10,
    sharePercent: 80,
    now: clock.now,
  });
  // A minute of a line every 200 ms, read in bunches of ten (the server was
  // busy) that never fill a read: each waits its turn, none is flooding.
  for (let second = 0; second < 60; second += 2) {
    for (let i = 0; i < 10; i++) {
      const verdict = flood.next(false);
      assert(verdict.kind !== "flooding", `flooding at ${second} s`);
      if (verdict.kind === "wait") clock.advance(verdict.ms);
    }
    clock.advance(2000);
  }
});

Deno.test("a flooding verdict starts a new window: the next held-back line waits again", () => {
  const { flood, verdict } = heldBackHalfTheTime(50);
  assertEquals(verdict.kind, "flooding");
  assertEquals(flood.next(FLOOD), { kind: "wait", ms: 1000, warn: true });
});
