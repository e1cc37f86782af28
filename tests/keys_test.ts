import { assertEquals } from "./assert.ts";
import { KeyDecoder } from "../lib/client/keys.ts";

const bytes = (text: string) => new TextEncoder().encode(text);

Deno.test("text runs come out as one text key, control keys by name", () => {
  assertEquals(new KeyDecoder().feed(bytes("hi\x01\x05\x15\x0b\x17\x7f\t\r")), [
    { name: "text", text: "hi" },
    { name: "home" },
    { name: "end" },
    { name: "kill-line-start" },
    { name: "kill-line-end" },
    { name: "kill-word" },
    { name: "backspace" },
    { name: "tab" },
    { name: "enter" },
  ]);
});

Deno.test("arrow, Home, End and Delete sequences in both CSI and SS3 forms", () => {
  assertEquals(
    new KeyDecoder().feed(
      bytes("\x1b[A\x1b[B\x1b[C\x1b[D\x1bOH\x1b[F\x1b[1~\x1b[4~\x1b[3~"),
    ).map((k) => k.name),
    ["up", "down", "right", "left", "home", "end", "home", "end", "delete"],
  );
});

Deno.test("a sequence or character split across reads waits for the rest", () => {
  const decoder = new KeyDecoder();
  assertEquals(decoder.feed(bytes("a\x1b[")), [{ name: "text", text: "a" }]);
  assertEquals(decoder.feed(bytes("D")), [{ name: "left" }]);
  const euro = bytes("€");
  assertEquals(decoder.feed(euro.subarray(0, 2)), []);
  assertEquals(decoder.feed(euro.subarray(2)), [{ name: "text", text: "€" }]);
});

Deno.test("a paste of several lines is text and enters, in order", () => {
  assertEquals(new KeyDecoder().feed(bytes("one\rtwo\r")), [
    { name: "text", text: "one" },
    { name: "enter" },
    { name: "text", text: "two" },
    { name: "enter" },
  ]);
});

Deno.test("unknown sequences and bracketed-paste markers are swallowed whole", () => {
  assertEquals(new KeyDecoder().feed(bytes("\x1b[200~x\x1b[201~\x1b[15~")), [{
    name: "text",
    text: "x",
  }]);
});

Deno.test("Ctrl-C and Ctrl-D are interrupt and eof", () => {
  assertEquals(new KeyDecoder().feed(bytes("\x03\x04")), [
    { name: "interrupt" },
    { name: "eof" },
  ]);
});

Deno.test("a cursor position report is a key of its own, never typed text, even split across reads", () => {
  const decoder = new KeyDecoder();
  assertEquals(decoder.feed(bytes("a\x1b[24;")), [{ name: "text", text: "a" }]);
  assertEquals(decoder.feed(bytes("5Rb\x1b[1;13R")), [
    { name: "cursor-position", row: 24, column: 5 },
    { name: "text", text: "b" },
    { name: "cursor-position", row: 1, column: 13 },
  ]);
});
