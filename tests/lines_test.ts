import { assertEquals } from "./assert.ts";
import { LineSplitter, readLines } from "../lib/shared/lines.ts";
import type { LineResult } from "../lib/shared/lines.ts";

const bytes = (text: string) => new TextEncoder().encode(text);

function split(chunks: (string | Uint8Array)[], maxBytes = 64): LineResult[] {
  const splitter = new LineSplitter({ maxBytes });
  const out: LineResult[] = [];
  for (const chunk of chunks) {
    splitter.push(
      typeof chunk === "string" ? bytes(chunk) : chunk,
      (r) => out.push(r),
    );
  }
  splitter.end((r) => out.push(r));
  return out;
}

const line = (text: string): LineResult => ({ ok: true, line: text });

Deno.test("a line split across reads comes out whole", () => {
  assertEquals(split(["hel", "lo wo", "rld\n"]), [line("hello world")]);
});

Deno.test("many lines in one read come out in order", () => {
  assertEquals(split(["a\nb\n\nc\n"]), [
    line("a"),
    line("b"),
    line(""),
    line("c"),
  ]);
});

Deno.test("a multi-byte character split across reads is decoded whole", () => {
  const euro = bytes("€\n");
  assertEquals(
    split([euro.subarray(0, 1), euro.subarray(1, 2), euro.subarray(2)]),
    [line("€")],
  );
});

Deno.test("CRLF line endings lose their CR", () => {
  assertEquals(split(["telnet\r\nuser\r\n"]), [line("telnet"), line("user")]);
});

Deno.test("a line over the limit is reported once and the next line survives", () => {
  const long = "x".repeat(100);
  assertEquals(split([long.slice(0, 40), long.slice(40), "\nafter\n"], 64), [
    { ok: false, error: "too-long", limit: 64 },
    line("after"),
  ]);
});

Deno.test("a line over the limit within one read is reported and skipped", () => {
  assertEquals(split([`${"y".repeat(70)}\nok\n`], 64), [{
    ok: false,
    error: "too-long",
    limit: 64,
  }, line("ok")]);
});

Deno.test("a line of exactly the limit, newline included, is accepted", () => {
  assertEquals(split([`${"z".repeat(63)}\n`], 64), [line("z".repeat(63))]);
  assertEquals(split(["z".repeat(30), `${"z".repeat(33)}\n`], 64), [
    line("z".repeat(63)),
  ]);
});

Deno.test("invalid UTF-8 is reported and the next line survives", () => {
  assertEquals(split([new Uint8Array([0x68, 0xff, 0xfe, 0x0a]), "fine\n"]), [
    { ok: false, error: "invalid-utf8" },
    line("fine"),
  ]);
});

Deno.test("a last line without a newline still counts at the end", () => {
  assertEquals(split(["one\ntwo"]), [line("one"), line("two")]);
});

Deno.test("readLines reads a reader to its end", async () => {
  const chunks = [bytes("a\nb"), bytes("c\n"), bytes("d")];
  const reader = {
    read(buffer: Uint8Array): Promise<number | null> {
      const chunk = chunks.shift();
      if (chunk === undefined) return Promise.resolve(null);
      buffer.set(chunk);
      return Promise.resolve(chunk.length);
    },
  };
  const lines: LineResult[] = [];
  for await (const result of readLines(reader, { maxBytes: 16 })) {
    lines.push(result);
  }
  assertEquals(lines, [line("a"), line("bc"), line("d")]);
});
