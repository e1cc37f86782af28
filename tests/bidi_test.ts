import { assert, assertEquals } from "./assert.ts";
import { Outgoing } from "../lib/server/outgoing.ts";
import { textEncoder } from "../lib/server/text_mode.ts";
import type { ServerFrame } from "../lib/shared/protocol.ts";
import { renderFrame } from "../lib/shared/render.ts";

const FSI = "\u2068";
const PDI = "\u2069";
const decoder = new TextDecoder();

/** What a text-mode user reading as carl sees of `frame`, line ends and all. */
function textMode(frame: ServerFrame): string {
  return decoder.decode(
    textEncoder({ room: "lobby", nick: "zed" })(new Outgoing(frame)),
  );
}

const message = (text: string): ServerFrame => ({
  type: "msg",
  seq: 1,
  room: "lobby",
  from: "ann",
  text,
  ts: 0,
});

for (
  const { script, text } of [
    { script: "Arabic", text: "مرحبا بالعالم" },
    { script: "Hebrew", text: "שלום עולם" },
    { script: "Persian with a ZWNJ", text: "می\u200cخواهم" },
    { script: "Latin mixed with Hebrew", text: "see שלום here" },
  ]
) {
  Deno.test(`text mode wraps ${script} message text in FSI … PDI`, () => {
    assert(
      textMode(message(text)).endsWith(`<ann> ${FSI}${text}${PDI}\r\n`),
      JSON.stringify(textMode(message(text))),
    );
  });
}

for (
  const { what, text } of [
    { what: "Latin text", text: "plain words, 42 of them" },
    { what: "emoji and CJK", text: "👍🏽 こんにちは 안녕" },
  ]
) {
  Deno.test(`text mode leaves ${what} as it is, without isolates`, () => {
    const line = textMode(message(text));
    assert(line.endsWith(`<ann> ${text}\r\n`), JSON.stringify(line));
    assert(!line.includes(FSI) && !line.includes(PDI), JSON.stringify(line));
  });
}

Deno.test("text mode isolates right-to-left text in private messages and away messages too", () => {
  const pm = textMode({
    type: "pm",
    from: "ann",
    to: "carl",
    text: "שלום",
    ts: 0,
  });
  assert(pm.includes(`${FSI}שלום${PDI}`), JSON.stringify(pm));
  const away = textMode({
    type: "event",
    event: "away",
    nick: "ann",
    ts: 0,
    reason: "في الغداء",
  });
  assert(away.includes(`${FSI}في الغداء${PDI}`), JSON.stringify(away));
});

Deno.test("the terminal client isolates right-to-left text the same way, colours or not", () => {
  for (const color of [true, false]) {
    const line = renderFrame(message("مرحبا"), { color, self: "carl" });
    assert(line?.includes(`${FSI}مرحبا${PDI}`), JSON.stringify(line));
  }
  assertEquals(
    renderFrame(message("hello"), { color: false, self: "carl" })?.endsWith(
      "<ann> hello",
    ),
    true,
  );
});

Deno.test("text mode takes out isolates and overrides the sender put in, so theirs cannot close ours", () => {
  const line = textMode(message(`${PDI}\u202eشكرا${FSI}`));
  assert(line.endsWith(`<ann> ${FSI}شكرا${PDI}\r\n`), JSON.stringify(line));
});
