import { assertEquals } from "./assert.ts";
import {
  displayWidth,
  graphemes,
  LineEditor,
} from "../lib/client/line_editor.ts";
import type { Key, KeyName } from "../lib/client/keys.ts";

/** A key press by name, for {@linkcode type}. */
const k = (name: KeyName): Key => ({ name });

/** Feeds text (strings) and keys to the editor; returns the last result. */
function type(editor: LineEditor, ...input: (string | Key)[]) {
  let result;
  for (const item of input) {
    result = editor.handle(
      typeof item === "string" ? { name: "text", text: item } : item,
    );
  }
  return result;
}

Deno.test("typing, moving and deleting edit at the cursor", () => {
  const editor = new LineEditor();
  type(
    editor,
    "helo",
    k("left"),
    "l",
    k("home"),
    k("delete"),
    "H",
    k("end"),
    k("backspace"),
    "o!",
  );
  assertEquals([editor.text, editor.cursor], ["Hello!", 6]);
});

Deno.test("kill keys cut to the start, to the end, and the word before the cursor", () => {
  const editor = new LineEditor();
  type(editor, "one two three", k("kill-word"));
  assertEquals(editor.text, "one two ");
  type(
    editor,
    k("home"),
    k("right"),
    k("right"),
    k("right"),
    k("kill-line-end"),
  );
  assertEquals(editor.text, "one");
  type(editor, k("kill-line-start"));
  assertEquals([editor.text, editor.cursor], ["", 0]);
});

Deno.test("enter submits the line and clears it; history recalls it and keeps the draft", () => {
  const editor = new LineEditor();
  assertEquals(type(editor, "first", k("enter")), {
    kind: "submit",
    line: "first",
  });
  type(editor, "second", k("enter"), "draft", k("up"));
  assertEquals(editor.text, "second");
  type(editor, k("up"), k("up"));
  assertEquals(editor.text, "first");
  type(editor, k("down"), k("down"));
  assertEquals(editor.text, "draft");
});

Deno.test("the cursor moves over whole graphemes: emoji, flags and combining accents", () => {
  const editor = new LineEditor();
  type(editor, "e\u0301👍🏽🇯🇵", k("left"), k("backspace"));
  assertEquals(editor.text, "e\u0301🇯🇵");
  assertEquals(graphemes("e\u0301👍🏽🇯🇵").length, 3);
});

Deno.test("string-width's guesses count CJK and emoji as two columns and ignore colour codes", () => {
  assertEquals([
    displayWidth("abc"),
    displayWidth("日本"),
    displayWidth("👋"),
    displayWidth("\x1b[1mab\x1b[0m"),
  ], [3, 4, 2, 2]);
});

Deno.test("the view is split at the cursor, so the terminal can place the cursor after what it drew", () => {
  const editor = new LineEditor();
  type(editor, "日本x", k("left"));
  assertEquals(editor.view(40, 2), { before: "日本", after: "x" });
});

Deno.test("a line wider than the terminal scrolls to keep the cursor in view", () => {
  const editor = new LineEditor();
  type(editor, "abcdefghijklmnopqrstuvwxyz");
  const view = editor.view(12, 2);
  assertEquals(view, { before: "ijklmnopqrstuvwxyz".slice(-9), after: "" });
  type(editor, k("home"));
  assertEquals(editor.view(12, 2), { before: "", after: "abcdefghi" });
});

Deno.test("the widths the view is given choose what is shown: 👍🏽 four columns wide shows fewer", () => {
  const editor = new LineEditor();
  type(editor, "👍🏽👍🏽👍🏽👍🏽", k("home"));
  const terminal = (g: string) => g === "👍🏽" ? 4 : 1;
  // 12 columns, a prompt of 2, the last column free: room for 9.
  assertEquals(editor.view(12, 2), { before: "", after: "👍🏽👍🏽👍🏽👍🏽" });
  assertEquals(editor.view(12, 2, terminal), { before: "", after: "👍🏽👍🏽" });
});

Deno.test("Tab completes a unique word, a nick at the line start gets a colon", () => {
  const editor = new LineEditor({
    completions: () => ["robert", "rosalind", "/who", "/whisper"],
  });
  type(editor, "ros");
  assertEquals(type(editor, k("tab")), { kind: "edited" });
  assertEquals(editor.text, "rosalind: ");
  type(editor, "hi r", k("tab"));
  assertEquals(editor.text, "rosalind: hi ro");
});

Deno.test("Tab with several candidates lists them and extends to what they share", () => {
  const editor = new LineEditor({ completions: () => ["/who", "/whisper"] });
  type(editor, "/w");
  assertEquals(type(editor, k("tab")), {
    kind: "complete",
    candidates: ["/who", "/whisper"],
  });
  assertEquals(editor.text, "/wh");
});

Deno.test("Ctrl-D leaves on an empty line and deletes otherwise", () => {
  const editor = new LineEditor();
  assertEquals(type(editor, k("eof")), { kind: "eof" });
  type(editor, "ab", k("home"), k("eof"));
  assertEquals(editor.text, "b");
});
