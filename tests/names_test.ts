import { assert, assertEquals, assertMatch } from "./assert.ts";
import {
  nickKey,
  nickProblem,
  parseRoom,
  suggestNick,
} from "../lib/shared/names.ts";

Deno.test("nicks of letters, digits, _ and - that start with a letter are valid", () => {
  for (const nick of ["ann", "Bob_2", "x-y", "a".repeat(24)]) {
    assertEquals(nickProblem(nick), undefined, nick);
  }
});

Deno.test("invalid nicks are refused with the rule", () => {
  for (const nick of ["", "2ann", "a b", "аnn", "a".repeat(25), "x\x1b[31m"]) {
    const problem = nickProblem(nick);
    assert(problem !== undefined, nick);
    assertMatch(problem, /is not a valid nick: use 1–24 characters/);
    assert(!problem.includes("\x1b"));
  }
});

Deno.test("nicks compare without case", () => {
  assertEquals(nickKey("Ann"), nickKey("aNN"));
});

Deno.test("room names drop a leading # and fold case", () => {
  assertEquals(parseRoom("#Games"), { ok: true, room: "games" });
  const bad = parseRoom("no spaces");
  assert(!bad.ok);
  assertMatch(bad.problem, /not a valid room name/);
});

Deno.test("a suggested nick is free and fits the length limit", () => {
  const taken = new Set(["bob", "bob2"]);
  assertEquals(suggestNick("bob", (n) => taken.has(n)), "bob3");
  assertEquals(suggestNick("b".repeat(24), () => false).length, 24);
});
