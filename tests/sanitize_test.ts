import { assert, assertEquals } from "./assert.ts";
import { isClean, sanitize } from "../lib/shared/sanitize.ts";

Deno.test("clean text comes back as the same string", () => {
  const text = "héllo 世界 👋";
  assert(sanitize(text) === text);
  assert(isClean(text));
});

Deno.test("CSI sequences are removed whole", () => {
  assertEquals(sanitize("a\x1b[31mred\x1b[0m b\x1b[2J\x1b[1;1H"), "ared b");
});

Deno.test("OSC sequences are removed up to BEL or ST", () => {
  assertEquals(sanitize("x\x1b]0;pwned\x07y"), "xy");
  assertEquals(sanitize("x\x1b]52;c;ZXZpbA==\x1b\\y"), "xy");
  assertEquals(sanitize("x\x1b]8;;http://evil\x1b\\link"), "xlink");
});

Deno.test("other escapes, C0 and C1 controls, and DEL are removed", () => {
  assertEquals(sanitize("a\x1bcb\x00c\x07d\x7fe\x9bf\x85g\x90h"), "abcdefgh");
});

Deno.test("bidirectional overrides and isolates are removed", () => {
  assertEquals(sanitize("abc\u202etxt.exe\u2066x\u2069"), "abctxt.exex");
});

Deno.test("tabs and line breaks become spaces", () => {
  assertEquals(sanitize("a\tb\nc\r\nd"), "a b c  d");
});

Deno.test("no control byte survives any input", () => {
  let seed = 7;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  for (let i = 0; i < 2000; i++) {
    const text = Array.from(
      { length: 20 },
      () => String.fromCharCode(Math.floor(random() * 0x100)),
    ).join("");
    const clean = sanitize(text);
    assert(isClean(clean), JSON.stringify(text));
  }
});
