import { assert, assertEquals } from "./assert.ts";
import {
  clean,
  codePoints,
  isBlank,
  isClean,
  splitUtf8,
  truncate,
  wellFormed,
} from "../lib/shared/text.ts";
import { isolate } from "../lib/shared/bidi.ts";

const graphemes = new Intl.Segmenter("und", { granularity: "grapheme" });
const clusters = (text: string): string[] =>
  Array.from(graphemes.segment(text), (s) => s.segment);
const show = (text: string): string =>
  JSON.stringify(text).replace(
    /[^\x20-\x7e]/gu,
    (c) => `\\u{${c.codePointAt(0)?.toString(16)}}`,
  );
const utf8 = new TextEncoder();

const SUBDIVISION_FLAG = "\u{1f3f4}\u{e0067}\u{e0062}\u{e0073}\u{e0063}" +
  "\u{e0074}\u{e007f}"; // 🏴 g b s c t CANCEL TAG: Scotland

// Text every script needs, kept byte for byte: [name, text, code points].
const WRITING: [string, string, number][] = [
  ["Arabic", "مرحبا بالعالم", 13],
  ["Hebrew", "שלום עולם", 9],
  ["Persian with ZWNJ", "می\u200cخواهم", 8],
  ["Hindi conjunct with ZWJ", "क्\u200dष", 4],
  ["Hindi with ZWNJ", "क्\u200cष", 4],
  ["Hindi conjuncts", "नमस्ते", 6],
  ["Japanese", "こんにちは、世界！カタカナ", 13],
  ["Korean syllables", "안녕하세요", 5],
  ["Korean conjoining jamo", "\u1112\u1161\u11ab\u1100\u1173\u11af", 6],
  ["old Hangul with a choseong filler", "\u115f\u1161\u11ab", 3],
  ["Hangul jamo with a jungseong filler", "\u1100\u1160", 2],
  ["emoji with a skin tone", "👍🏽", 2],
  ["ZWJ family", "👨\u200d👩\u200d👧\u200d👦", 7],
  ["ZWJ sequences with VS16", "❤\ufe0f\u200d🔥 🏳\ufe0f\u200d⚧\ufe0f", 10],
  ["flag", "🇯🇵", 2],
  ["subdivision flag", SUBDIVISION_FLAG, 7],
  ["keycap", "1\ufe0f\u20e3", 3],
  ["combining mark", "e\u0301", 2],
  ["CJK ideographic variation sequence", "葛\u{e0100}", 2],
  ["Mongolian with a vowel separator", "ᠮᠣᠩᠭᠣᠯ ᠬᠠᠷ\u180eᠠ", 12],
  ["Mongolian with a free variation selector", "ᠭ\u180bᠠ", 3],
  ["mixed RTL with RLM", "the word \u200fمرحبا\u200f means hello", 28],
  ["mixed RTL with LRM", "\u200eשלום 123\u200e!", 11],
  ["Arabic with ALM", "\u061c١٢٣ ريال", 9],
  ["Hebrew with a combining grapheme joiner", "בְּ\u034fרֵאשִׁית", 12],
  ["braille", "⠓⠑⠇⠇⠕\u2800⠺⠕⠗⠇⠙", 11],
];

Deno.test("clean keeps the text of every script byte for byte", () => {
  for (const [name, text] of WRITING) {
    assert(clean(text) === text, `${name}: ${show(clean(text))}`);
    assert(isClean(text), name);
  }
});

Deno.test("codePoints counts code points, not UTF-16 units", () => {
  for (const [name, text, count] of WRITING) {
    assertEquals(codePoints(text), count, name);
    assertEquals(codePoints(text), [...text].length, name);
  }
  assertEquals(codePoints(""), 0);
  assertEquals(codePoints("a\ud800b\udc00"), 4, "lone surrogates count once");
});

Deno.test("no text of any script is blank", () => {
  for (const [name, text] of WRITING) assert(!isBlank(text), name);
});

/** Checks `truncate(text, n)` for every n from 0 to the length of `text`. */
function checkTruncate(name: string, text: string): void {
  const whole = clusters(text);
  const length = codePoints(text);
  for (let limit = 0; limit <= length; limit++) {
    const cut = truncate(text, limit);
    const at = `${name} at ${limit}: ${show(cut)}`;
    assert(codePoints(cut) <= limit, at);
    assert(cut.isWellFormed(), at);
    const parts = clusters(cut);
    assertEquals(parts, whole.slice(0, parts.length), at);
    // The cut is at the last boundary within the limit.
    const next = whole[parts.length];
    if (next !== undefined) assert(codePoints(cut + next) > limit, at);
  }
  assert(truncate(text, length) === text, `${name}: same string`);
}

Deno.test("truncate never splits a grapheme cluster at any limit", () => {
  for (const [name, text] of WRITING) checkTruncate(name, text);
  checkTruncate("all scripts", WRITING.map(([, text]) => text).join(" "));
});

Deno.test("truncate cuts before a cluster longer than the limit", () => {
  assertEquals(truncate("ok 👨\u200d👩\u200d👧\u200d👦", 5), "ok ");
  assertEquals(truncate(SUBDIVISION_FLAG, 6), "");
  assertEquals(truncate("e" + "\u0301".repeat(50), 10), "");
  assertEquals(truncate("abc", 0), "");
});

Deno.test("truncate returns text that fits as the same string", () => {
  const text = "héllo 👍🏽";
  assert(truncate(text, 8) === text);
  assert(truncate(text, 1000) === text);
  assertEquals(truncate(text, 7), "héllo ");
});

Deno.test("truncate refuses a limit that is not a count", () => {
  for (const limit of [-1, 1.5, NaN, Infinity]) {
    assertEquals(
      throwsRangeError(() => truncate("abc", limit)),
      true,
      `${limit}`,
    );
  }
});

function throwsRangeError(run: () => unknown): boolean {
  try {
    run();
  } catch (error) {
    return error instanceof RangeError;
  }
  return false;
}

Deno.test("wellFormed replaces unpaired surrogates and keeps pairs", () => {
  const cases: [string, string][] = [
    ["a\ud83db", "a\ufffdb"],
    ["a\ude00b", "a\ufffdb"],
    ["ab\ud83d", "ab\ufffd"],
    ["\ude00\ud83d", "\ufffd\ufffd"],
    ["😀", "😀"],
  ];
  for (const [text, expected] of cases) {
    assertEquals(wellFormed(text), expected, show(text));
  }
  const text = "fine 👍🏽";
  assert(wellFormed(text) === text);
});

// What `sanitize` guaranteed (tests/sanitize_test.ts), checked on `clean`:
// [case, input, output].
const SANITIZE_CASES: [string, string, string][] = [
  [
    "CSI sequences are removed whole",
    "a\x1b[31mred\x1b[0m b\x1b[2J\x1b[1;1H",
    "ared b",
  ],
  ["OSC up to BEL", "x\x1b]0;pwned\x07y", "xy"],
  ["OSC 52 up to ST", "x\x1b]52;c;ZXZpbA==\x1b\\y", "xy"],
  ["OSC 8 hyperlink", "x\x1b]8;;http://evil\x1b\\link", "xlink"],
  [
    "DCS, SOS, PM, APC",
    "a\x1bPq#0\x1b\\b\x1bXs\x07c\x1b^p\x1b\\d\x1b_a\x07e",
    "abcde",
  ],
  // NEL (U+0085) is now a line break and becomes a space.
  [
    "other escapes, C0 and C1 controls, and DEL",
    "a\x1bcb\x00c\x07d\x7fe\x9bf\x85g\x90h",
    "abcdef gh",
  ],
  [
    "bidi overrides and isolates",
    "abc\u202etxt.exe\u2066x\u2069",
    "abctxt.exex",
  ],
  ["tabs and line breaks become spaces", "a\tb\nc\r\nd\ve\ff", "a b c  d e f"],
  ["an escape sequence cut at the end", "ok\x1b]0;tit", "ok"],
];

Deno.test("clean keeps every guarantee of sanitize", () => {
  for (const [name, text, expected] of SANITIZE_CASES) {
    assertEquals(clean(text), expected, name);
    assert(!isClean(text), name);
  }
});

// Attacks: [case, input, output].
const ATTACKS: [string, string, string][] = [
  ["a lone high surrogate", "a\ud83db", "a\ufffdb"],
  ["a lone low surrogate", "a\ude00b", "a\ufffdb"],
  ["a lone surrogate at the end", "ab\ud83d", "ab\ufffd"],
  [
    "halves around a control do not pair up",
    "\ud83d\x00\ude00",
    "\ufffd\ufffd",
  ],
  ["LINE SEPARATOR", "a\u2028b", "a b"],
  ["PARAGRAPH SEPARATOR", "a\u2029b", "a b"],
  ["NEL", "a\x85b", "a b"],
  ["RLO", "abc\u202egnp.exe", "abcgnp.exe"],
  ["LRO", "a\u202db", "ab"],
  ["LRE, RLE, PDF", "a\u202ab\u202bc\u202cd", "abcd"],
  ["RLI and PDI", "a\u2067b\u2069c", "abc"],
  ["LRI", "a\u2066b", "ab"],
  ["FSI", "a\u2068b", "ab"],
  ["an ESC sequence", "\x1b[2J\x1b[Hhi", "hi"],
  ["an 8-bit CSI (C1)", "a\x9b2Jb", "a2Jb"],
  ["stray tags smuggling text", "hi\u{e0069}\u{e0067}\u{e006e}", "hi"],
  ["tags without a base", "\u{e0067}\u{e0062}\u{e007f}", ""],
  ["tags after a non-flag base", "a\u{e0067}\u{e0062}\u{e0073}\u{e007f}", "a"],
  [
    "a flag with uppercase tags",
    "🏴\u{e0047}\u{e0042}\u{e0053}\u{e007f}",
    "🏴",
  ],
  ["a flag with tags but no CANCEL TAG", "🏴\u{e0067}\u{e0062}\u{e0073}", "🏴"],
  ["a flag with eight tags", "🏴" + "\u{e0061}".repeat(8) + "\u{e007f}", "🏴"],
  ["tags after a valid flag", SUBDIVISION_FLAG + "\u{e0078}", SUBDIVISION_FLAG],
  ["LANGUAGE TAG", "\u{e0001}\u{e0065}\u{e006e}hi", "hi"],
  ["ZERO WIDTH SPACE inside a word", "bad\u200bword", "badword"],
  ["WORD JOINER, BOM, SOFT HYPHEN", "\ufeffa\u2060b\xadc", "abc"],
  ["invisible math operators", "f\u2061(x)\u2062y\u2063z\u2064w", "f(x)yzw"],
  ["HANGUL FILLER", "\u3164", ""],
  ["HALFWIDTH HANGUL FILLER", "a\uffa0b", "ab"],
  ["conjoining fillers alone", "x\u115f\u1160y\u115f", "xy"],
  ["a MONGOLIAN VOWEL SEPARATOR outside Mongolian", "a\u180eb\u180e", "ab"],
  [
    "runs of variation selectors",
    "😀\u{e0100}\u{e0101}\u{e0102}\ufe0f",
    "😀\u{e0100}",
  ],
  ["a leading variation selector", "\ufe0f\ufe0fa", "a"],
  [
    "a variation selector after a space or ZWJ",
    "a \ufe0f\u200d\ufe0f",
    "a \u200d",
  ],
  ["Khmer inherent vowels", "ក\u17b4\u17b5", "ក"],
  ["musical formatting", "a\u{1d173}\u{1d17a}b", "ab"],
  ["unassigned ignorables", "a\u2065\ufff0\u{e0fff}b", "ab"],
];

Deno.test("clean neutralises each attack", () => {
  for (const [name, text, expected] of ATTACKS) {
    assertEquals(clean(text), expected, name);
    assert(!isClean(text), name);
  }
});

Deno.test("clean returns text with nothing to change as the same string", () => {
  for (const text of ["", "hello, world", "héllo 世界 👋", SUBDIVISION_FLAG]) {
    assert(clean(text) === text, show(text));
  }
});

// Blank: [text, blank?]. U+2800 BRAILLE PATTERN BLANK is not
// Default_Ignorable, but a message of blank cells only shows nothing.
const BLANKS: [string, boolean][] = [
  ["", true],
  ["   ", true],
  ["\u200b", true],
  ["\u200d\u200c", true],
  ["\u3164\uffa0\u115f\u1160", true],
  [" \u200b\u200d\u3164 \u2800 ", true],
  ["\u2800\u2800", true],
  ["\u3000\u00a0\u2003", true],
  ["\ufeff\u2060\u00ad", true],
  ["\u200e\u200f\u061c", true],
  ["\ufe0f\u{e0100}", true],
  ["\u{e0020}\u{e007f}", true],
  ["\t\n\x00", true],
  ["a", false],
  [".", false],
  ["\u200f.", false],
  ["👍", false],
  ["\ufffd", false],
  ["\u2800⠁", false],
];

Deno.test("isBlank is true only for text that shows nothing", () => {
  for (const [text, blank] of BLANKS) {
    assertEquals(isBlank(text), blank, show(text));
  }
});

Deno.test("isolate wraps text in FSI and PDI", () => {
  assertEquals(isolate("مرحبا"), "\u2068مرحبا\u2069");
  assertEquals(isolate(""), "\u2068\u2069");
});

Deno.test("clean of cleaned text changes nothing, for any input", () => {
  const alphabet = [
    ..."ab \u00e9\u05d0\u0627",
    "\x1b",
    "[",
    "]",
    "\x07",
    "\\",
    "\x00",
    "\n",
    "\x85",
    "\x9b",
    "\u2028",
    "\u202e",
    "\u2068",
    "\u2069",
    "\u200b",
    "\u200c",
    "\u200d",
    "\u200e",
    "\u034f",
    "\ufeff",
    "\u3164",
    "\u115f",
    "\u1160",
    "\u1100",
    "\u1161",
    "\u180e",
    "\u180b",
    "\u1820",
    "\ufe0f",
    "\u{e0100}",
    "🏴",
    "\u{e0067}",
    "\u{e0062}",
    "\u{e0073}",
    "\u{e0041}",
    "\u{e007f}",
    "\ud83d",
    "\ude00",
    "👍",
    "\u{1f3fd}",
  ];
  let seed = 7;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  for (let i = 0; i < 5000; i++) {
    const text = Array.from(
      { length: 1 + Math.floor(random() * 16) },
      () => alphabet[Math.floor(random() * alphabet.length)],
    ).join("");
    const once = clean(text);
    const at = show(text);
    assertEquals(clean(once), once, at);
    assert(isClean(once), at);
    assertEquals(isClean(text), once === text, at);
    assert(once.isWellFormed(), at);
    assert(!/[\p{Cc}\u2028\u2029\u202a-\u202e\u2066-\u2069]/u.test(once), at);
    // Tags only in a subdivision-flag sequence.
    assert(
      !/[\u{e0000}-\u{e007f}]/u.test(
        once.replace(
          /🏴\ufe0f?[\u{e0061}-\u{e007a}\u{e0030}-\u{e0039}]{3,7}\u{e007f}/gu,
          "",
        ),
      ),
      at,
    );
    // A variation selector only right after a visible character.
    assert(
      !/(?<![^\p{White_Space}\p{Default_Ignorable_Code_Point}])\p{Variation_Selector}/u
        .test(once),
      at,
    );
  }
});

Deno.test("splitUtf8 cuts at grapheme boundaries within the byte limit", () => {
  const cases: [string, number, string[]][] = [
    ["", 10, []],
    ["short", 10, ["short"]],
    ["héllo wörld", 6, ["héllo", " wörl", "d"]],
    ["👍🏽👍🏽", 8, ["👍🏽", "👍🏽"]],
    ["a👍🏽", 8, ["a", "👍🏽"]],
    ["ab👨\u200d👩\u200d👧", 8, ["ab", "👨\u200d", "👩\u200d", "👧"]],
    ["e\u0301\u0301\u0301", 4, ["e\u0301", "\u0301\u0301"]],
    ["e\u0301x", 4, ["e\u0301x"]],
    ["\ud83dab", 4, ["\ud83da", "b"]],
  ];
  for (const [text, max, expected] of cases) {
    assertEquals(splitUtf8(text, max), expected, `${show(text)} / ${max}`);
  }
});

Deno.test("splitUtf8 fits every script into IRC lines", () => {
  const text = WRITING.map(([, text]) => text).join(" ").repeat(20);
  // Start offset and UTF-8 size of each cluster, by start offset.
  const sizes = new Map<number, number>();
  for (const { segment, index } of graphemes.segment(text)) {
    sizes.set(index, utf8.encode(segment).length);
  }
  const clusterAt = (offset: number): number => {
    let start = offset;
    while (!sizes.has(start)) start--;
    return start;
  };
  for (const max of [4, 7, 16, 100, 400, 512]) {
    const pieces = splitUtf8(text, max);
    assertEquals(pieces.join(""), text, `${max}`);
    let offset = 0;
    for (const piece of pieces) {
      const size = utf8.encode(piece).length;
      assert(size > 0 && size <= max, `${max}: ${show(piece)}`);
      assert(piece.isWellFormed(), `${max}: pair split in ${show(piece)}`);
      offset += piece.length;
      if (offset === text.length) break;
      // A cut inside a cluster only when the cluster is bigger than max.
      const start = clusterAt(offset);
      assert(
        start === offset || (sizes.get(start) ?? 0) > max,
        `${max}: cut inside a cluster after ${show(piece)}`,
      );
    }
  }
});

Deno.test("splitUtf8 refuses a limit below one code point", () => {
  for (const max of [3, 0, -1, 4.5, NaN]) {
    assertEquals(throwsRangeError(() => splitUtf8("abc", max)), true, `${max}`);
  }
});
