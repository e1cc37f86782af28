/**
 * A seeded fuzzer for a live server: families of hostile and odd input
 * thrown at the server while two control clients keep talking through it,
 * with an oracle on every byte that comes back.
 *
 * Families (each case is one connection):
 *
 * - `mixed`: random bytes, mutated frames, oversized lines, invalid UTF-8,
 *   JSON of the wrong shape, escape sequences (the first fuzzer's cases);
 * - `telnet`: what telnet clients send: `IAC WILL/WONT/DO/DONT` with random
 *   options, `SB … SE` with and without `IAC IAC` inside and unterminated,
 *   `IAC IP/AYT/EC/EL` and the other commands, a lone 0xFF, runs of BS and
 *   DEL, bare CR, CR NUL and CR LF mixes; in text mode, and as noise lines on
 *   a native connection;
 * - `unicode`: lone surrogates (JSON escapes, and raw bytes that are not
 *   UTF-8), grapheme clusters (ZWJ families, skin tones, flags, subdivision
 *   flags, combining marks, Hangul jamo, Indic and Persian joiners) placed so
 *   that each limit falls inside one (2000-code-point text, 200-code-point
 *   `/away` and `/quit` reasons, 24-character nick, the 32 and 40 code points
 *   a quoted piece is cut to, 64-code-point id, 8192-byte line), and format
 *   characters (U+200B–U+200F, U+2028/U+2029, U+202A–U+202E, U+2066–U+2069,
 *   U+FEFF, tags U+E0000–U+E007F, variation selectors); native and text mode;
 * - `commands`: well-formed native sessions: every command, resent ids,
 *   frames with an id that are not valid, `/quit` and `quit` mid-stream;
 * - `prehello-frames`: hundreds of valid frames that are not a usable
 *   `hello` (`msg`, `ping`, `quit`, refused hellos) before the real one;
 * - `prehello-garbage`: hundreds of lines that are not frames before a
 *   `hello` (the first makes the connection a text-mode one);
 * - `prepass-text`, `prepass-native`: the same floods before `/pass` or the
 *   `hello` with the password, on a second server that has one.
 *
 * Each case's connection is closed at once, half-closed and read to the end
 * (it must end: no hang), or abandoned and read while it stays open. The
 * oracle (`tests/fuzz_oracle.ts` for the bytes; here for the rest): every
 * answerable id answered exactly once and in order; before `welcome`, one
 * `error` per line; before `/pass`, one refusal per line; no unpaired
 * surrogate, control character, bidi control (but balanced FSI … PDI) or
 * `internal` error in any output; only `WONT`/`DONT` answers to telnet; no
 * `error` (or unexpected) line on the servers' stderr; the servers never
 * exit; the control clients' messages all arrive, in order.
 *
 * The password server is there for the `/pass` gate (its lines and its
 * prompt); no case sends a wrong password or an `/oper`, whose per-address
 * throttling would serialise the run. Both servers run with `--rate 1000
 * --burst 100`: floods of hundreds of lines are still held back (and told
 * `rate-limited`) but pass in a fraction of a second; the flooding
 * disconnect, which needs 10 s of it, is left to `tests/e2e_*` tests.
 *
 * `tests/e2e_fuzz_test.ts` runs a short, bounded round in `make test`;
 * `make fuzz` runs a long one (`deno run -A tests/fuzz.ts --count N --seed S`;
 * `--verbose` lists every violation, `--case I` plays case I alone and
 * prints it whole). The same seed makes the same cases (case `i` is made
 * from the seed and `i` alone); on a failure the smallest reproduction found
 * (lines taken out while it still fails, played alone on fresh servers) is
 * printed with its family and its bytes as a JS string literal, and the
 * exit code is 1.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { PROTOCOL_VERSION } from "../lib/shared/protocol.ts";
import { decodeClientFrame } from "../lib/shared/protocol.ts";
import type { ServerFrame } from "../lib/shared/protocol.ts";
import {
  allowedTelnetReplies,
  codePoints,
  compareAnswers,
  expectedAnswers,
  isUtf8,
  literal,
  OutputChecker,
  safeAnswers,
  type Violation,
} from "./fuzz_oracle.ts";
import { fromSource, type Launcher, ServerProcess } from "./util/program.ts";

const encoder = new TextEncoder();

/** A small, fast, seedable generator (mulberry32). */
export function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The families, and how often each is drawn. */
export const FAMILIES = {
  mixed: 3,
  telnet: 3,
  unicode: 3,
  commands: 2,
  "prehello-frames": 1,
  "prehello-garbage": 1,
  "prepass-text": 1,
  "prepass-native": 1,
} as const;

/** A family of cases. */
export type Family = keyof typeof FAMILIES;

/** The password of the second server (`prepass-*` families). */
export const PASSWORD = "fuzz-Pa55";

/** Limits the cases straddle: the server's defaults. */
const LINE_BYTES = 8192;
const TEXT_CHARS = 2000;
const REASON_CHARS = 200;
const NICK_CHARS = 24;
const ID_CHARS = 64;

/** The servers' flags: a rate high enough for floods of hundreds of lines to pass in a fraction of a second while still being held back. */
export const SERVER_ARGS = [
  "--max-per-address",
  "100000",
  "--rate",
  "1000",
  "--burst",
  "100",
];

/**
 * What a case is: the pieces it sends (`role` says which piece is the
 * `hello` or `/pass` the model counts from), which server, how it ends.
 */
export interface Case {
  index: number;
  family: Family;
  /** `locked`: the server with a password. */
  server: "main" | "locked";
  units: Unit[];
  ending: "close" | "half-close" | "abandon";
  /**
   * What to hold the output to: `native` (answers after the `key` hello;
   * one error per `pre` line before it), `text` (text mode must begin; no
   * welcome), `prepass` (one refusal per `pre` line but the first, then
   * text mode), or `free` (the byte rules only).
   */
  expect: "native" | "text" | "prepass" | "free";
}

/** One piece of a case: usually one line. */
export interface Unit {
  bytes: Uint8Array;
  role: "pre" | "key" | "post";
}

/** The bytes a case sends. */
export function caseBytes(c: Pick<Case, "units">): Uint8Array {
  return concat(c.units.map((u) => u.bytes));
}

function concat(parts: Uint8Array[]): Uint8Array {
  const total = parts.reduce((n, p) => n + p.length, 0);
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    bytes.set(part, offset);
    offset += part.length;
  }
  return bytes;
}

/** Random choices for one case. */
class Gen {
  readonly next: () => number;
  readonly index: number;
  #nicks = 0;
  constructor(seed: number, index: number) {
    // Case i depends on the seed and i only, so any case can be made again.
    this.next = random((seed ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0);
    this.index = index;
  }
  int(max: number): number {
    return Math.floor(this.next() * max);
  }
  between(min: number, max: number): number {
    return min + this.int(max - min + 1);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
  /** A nick no other case uses. */
  nick(): string {
    return `fz${this.index.toString(36)}${
      this.#nicks++ === 0 ? "" : `x${this.#nicks}`
    }`;
  }
  id(): string {
    return `${this.index.toString(36)}-${this.int(1e6)}`;
  }
}

// ---------------------------------------------------------------- pieces

/** Grapheme clusters of more than one code point, and a few of one. */
const CLUSTERS = [
  "👨‍👩‍👧‍👦", // ZWJ family
  "👩🏽‍💻", // skin tone in a ZWJ sequence
  "👍🏿", // skin tone
  "🧑🏻‍🤝‍🧑🏿", // two skin tones
  "❤️‍🔥", // VS16 and ZWJ
  "🇫🇷", // flags: regional indicator pairs
  "🇯🇵",
  "🇺🇳",
  "🏴󠁧󠁢󠁳󠁣󠁴󠁿", // subdivision flag: Scotland
  "🏴󠁧󠁢󠁷󠁬󠁳󠁿", // Wales
  "1️⃣", // keycap
  "e\u0301", // combining acute
  "a\u0308\u0323\u0301\u0330", // a stack of combining marks
  "Z\u0351\u036b\u0343\u036a\u0302\u036b\u033d\u034f\u0334", // "zalgo"
  "\u1100\u1161\u11a8", // Hangul jamo L V T
  "\u1112\u1161\u11ab", // 한 as jamo
  "\u115f\u1161", // choseong filler + V
  "\u1100\u1160", // L + jungseong filler
  "한",
  "क्षि", // Devanagari conjunct
  "क्\u200dष", // with ZWJ
  "می\u200cخواهم", // Persian with ZWNJ
  "שָׁלוֹם", // Hebrew with points
  "مرحبا",
  "\u05d0\u200f", // alef + RLM
  "☺\ufe0e", // text presentation
  "😀",
  "x",
];

/** Format and invisible characters (code points). */
const FORMAT_POINTS = [
  0x200b,
  0x200c,
  0x200d,
  0x200e,
  0x200f,
  0x2028,
  0x2029,
  0x202a,
  0x202b,
  0x202c,
  0x202d,
  0x202e,
  0x2066,
  0x2067,
  0x2068,
  0x2069,
  0xfeff,
  0x061c,
  0x00ad,
  0x034f,
  0x180e,
  0x3164,
  0x2060,
  0x2800,
];

function formatChar(g: Gen): string {
  switch (g.int(4)) {
    case 0: // a tag character
      return String.fromCodePoint(0xe0000 + g.int(0x80));
    case 1: // a variation selector
      return String.fromCodePoint(
        g.chance(0.5) ? 0xfe00 + g.int(16) : 0xe0100 + g.int(0xf0),
      );
    default:
      return String.fromCodePoint(g.pick(FORMAT_POINTS));
  }
}

/** Control characters and escape sequences a terminal would obey. */
const HOSTILE = [
  "\x1b[2J",
  "\x1b]0;owned\x07",
  "\x1b]52;c;aGk=\x1b\\",
  "\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\",
  "\x9b31m",
  "\x07",
  "\x00",
  "\x7f",
  "\x85",
  "\r",
  "\n",
  "\t",
  "\x08",
  "\u202egnp.exe",
];

/** Lone surrogates: the UTF-16 units a JSON escape can carry alone. */
function loneSurrogate(g: Gen): string {
  return String.fromCharCode(
    g.pick([0xd800, 0xdbff, 0xdc00, 0xdfff, 0xd83d, 0xde00]) + 0,
  );
}

/** Text with lone surrogates: at the start, the end, reversed pairs, runs. */
function surrogateText(g: Gen): string {
  switch (g.int(5)) {
    case 0:
      return `hi ${loneSurrogate(g)}`;
    case 1:
      return `${loneSurrogate(g)}x`;
    case 2:
      return "\ude00\ud83d reversed";
    case 3:
      return "\ud83d\ud83d\ude00 high twice";
    default:
      return `${"😀".repeat(g.int(5))}${loneSurrogate(g)}`.repeat(
        1 + g.int(3),
      );
  }
}

/** Bytes that are not UTF-8: surrogates encoded, overlongs, truncations. */
const NOT_UTF8 = [
  [0xed, 0xa0, 0x80], // U+D800 as UTF-8 (CESU)
  [0xed, 0xb0, 0x80], // U+DC00
  [0xed, 0xa0, 0xbd, 0xed, 0xb8, 0x80], // a surrogate pair, CESU-8
  [0xc0, 0xaf], // overlong "/"
  [0xe0, 0x80, 0xaf],
  [0xf0, 0x9f, 0x98], // truncated emoji
  [0xf4, 0x90, 0x80, 0x80], // above U+10FFFF
  [0x80],
  [0xc3, 0x28],
  [0xfe],
];

/**
 * `limit` code points or close to it: text whose limit-th code point falls
 * inside a grapheme cluster (or just before or after one), of clusters and
 * letters, sometimes with format characters.
 */
function aroundLimit(g: Gen, limit: number): string {
  const cluster = g.pick(CLUSTERS);
  const n = codePoints(cluster);
  // The limit falls after `inside` code points of the last cluster.
  const inside = g.int(n + 1);
  let before = Math.max(0, limit - inside);
  const pieces: string[] = [];
  const fill = g.pick(CLUSTERS);
  const fillN = codePoints(fill);
  const style = g.int(3);
  while (before > 0) {
    if (style === 0 && fillN <= before) {
      pieces.push(fill);
      before -= fillN;
    } else if (style === 1 && before > 2 && g.chance(0.05)) {
      pieces.push(formatChar(g));
      before -= 1;
    } else {
      pieces.push(g.chance(0.1) ? " " : String.fromCharCode(97 + g.int(26)));
      before -= 1;
    }
  }
  pieces.push(cluster);
  if (g.chance(0.3)) pieces.push(g.pick(CLUSTERS));
  return pieces.join("");
}

/** Some text a person might send, Unicode and all. */
function someText(g: Gen): string {
  const words: string[] = [];
  for (let i = 0; i < 1 + g.int(6); i++) {
    switch (g.int(6)) {
      case 0:
        words.push(g.pick(CLUSTERS));
        break;
      case 1:
        words.push(formatChar(g) + g.pick(CLUSTERS));
        break;
      case 2:
        words.push(g.pick(HOSTILE));
        break;
      default:
        words.push(g.pick(["hello", "ok", "lunch?", "שלום", "مرحبا", "你好"]));
    }
  }
  return words.join(" ");
}

function line(text: string, end = "\n"): Uint8Array {
  return encoder.encode(text + end);
}

function frameLine(frame: unknown): Uint8Array {
  return line(JSON.stringify(frame));
}

function hello(nick: string, extra: Record<string, unknown> = {}): Uint8Array {
  return frameLine({ type: "hello", v: PROTOCOL_VERSION, nick, ...extra });
}

function msg(id: string, text: string): Uint8Array {
  return frameLine({ type: "msg", id, text });
}

/**
 * A `msg` line of exactly `bytes` bytes with its LF, the text written with
 * JSON escapes so that it stays under the text limit; the last character is
 * a cluster, so the byte limit falls inside it for some sizes.
 */
function msgOfBytes(g: Gen, id: string, bytes: number): Uint8Array {
  const head = `{"type":"msg","id":${JSON.stringify(id)},"text":"`;
  const tail = '"}\n';
  const cluster = JSON.stringify(g.pick(CLUSTERS)).slice(1, -1);
  let room = bytes - head.length - tail.length - encoder.encode(cluster).length;
  const pieces: string[] = [];
  // \ud83d\ude00 is 12 bytes for one code point; ASCII tops it up.
  const escaped = "\\ud83d\\ude00";
  while (room >= escaped.length + 8) {
    pieces.push(escaped);
    room -= escaped.length;
  }
  pieces.push("a".repeat(Math.max(0, room)));
  return encoder.encode(head + pieces.join("") + cluster + tail);
}

/** Bytes of a text line of `bytes` bytes with a cluster across the end. */
function textOfBytes(g: Gen, bytes: number, end: string): Uint8Array {
  const cluster = encoder.encode(g.pick(CLUSTERS));
  const fill = Math.max(0, bytes - cluster.length - end.length);
  return concat([
    encoder.encode("b".repeat(fill)),
    cluster,
    encoder.encode(end),
  ]);
}

// ---------------------------------------------------------------- telnet

const IAC = 0xff;
const TELNET_OPTIONS = [0, 1, 3, 5, 24, 31, 32, 33, 34, 36, 39, 255];

function telnetSequence(g: Gen): number[] {
  const option = () => g.chance(0.7) ? g.pick(TELNET_OPTIONS) : g.int(256);
  switch (g.int(9)) {
    case 0:
    case 1: // negotiation
      return [IAC, g.pick([0xfb, 0xfc, 0xfd, 0xfe]), option()];
    case 2: { // a subnegotiation, IAC IAC inside sometimes
      const body: number[] = [];
      for (let i = g.int(12); i > 0; i--) {
        if (g.chance(0.15)) body.push(IAC, IAC);
        else body.push(g.int(256) === IAC ? 0 : g.int(255));
      }
      return [IAC, 0xfa, option(), ...body, IAC, 0xf0];
    }
    case 3: // NAWS as PuTTY sends it
      return [IAC, 0xfa, 31, 0, 80, 0, 24, IAC, 0xf0];
    case 4: { // unterminated subnegotiation (the rest of the line is eaten)
      const body = Array.from({ length: g.int(40) }, () => 0x41 + g.int(26));
      return [IAC, 0xfa, option(), ...body];
    }
    case 5: // interrupt, are you there, erase character, erase line
      return [IAC, g.pick([0xf4, 0xf6, 0xf7, 0xf8])];
    case 6: // the other commands: NOP, DM, BRK, AO, GA, EOR, ABORT, SUSP, EOF
      return [
        IAC,
        g.pick([0xf1, 0xf2, 0xf3, 0xf5, 0xf9, 0xef, 0xee, 0xed, 0xec]),
      ];
    case 7: // a lone IAC, or IAC IAC (a data 0xFF)
      return g.chance(0.5) ? [IAC] : [IAC, IAC];
    default: // BS or DEL runs
      return Array(1 + g.int(12)).fill(g.chance(0.5) ? 0x08 : 0x7f);
  }
}

const LINE_ENDS = ["\r\n", "\n", "\r\0", "\r", "\n\r", "\r\r\n"];

/** One line as a telnet client might send it, commands mixed in. */
function telnetLine(g: Gen): Uint8Array {
  const parts: Uint8Array[] = [];
  for (let i = 1 + g.int(5); i > 0; i--) {
    if (g.chance(0.5)) parts.push(new Uint8Array(telnetSequence(g)));
    else {
      parts.push(encoder.encode(
        g.chance(0.7)
          ? g.pick(["hi", "hello there", "/who", "typo", "ok ", "ü", "👍🏽"])
          : someText(g),
      ));
    }
  }
  parts.push(encoder.encode(g.pick(LINE_ENDS)));
  return concat(parts);
}

// ---------------------------------------------------------------- families

/** Seeds the `mixed` family mutates (the first fuzzer's). */
const SEEDS = [
  `{"type":"hello","v":${PROTOCOL_VERSION},"nick":"fuzz"}`,
  '{"type":"msg","id":"f1","text":"hello"}',
  '{"type":"msg","id":"f2","text":"/join games"}',
  '{"type":"msg","id":"f3","text":"/msg control-b hi"}',
  '{"type":"ping","t":1}',
  '{"type":"quit","reason":"x"}',
  "/nick someone",
  "/who",
  "plain text line",
];

function mixedLine(g: Gen): Uint8Array {
  switch (g.int(7)) {
    case 0: { // random bytes
      const bytes = new Uint8Array(g.int(300) + 1);
      for (let j = 0; j < bytes.length; j++) bytes[j] = g.int(256);
      bytes[bytes.length - 1] = 0x0a;
      return bytes;
    }
    case 1: { // a mutated seed
      const chars = [...g.pick(SEEDS)];
      for (let m = 0; m < 1 + g.int(4); m++) {
        const at = g.int(chars.length + 1);
        const op = g.int(3);
        if (op === 0) chars.splice(at, 1);
        else if (op === 1) {
          chars.splice(at, 0, String.fromCharCode(g.int(0x3000)));
        } else {
          chars.splice(
            at,
            0,
            ...chars.slice(g.int(chars.length), g.int(chars.length) + 5),
          );
        }
      }
      return line(chars.join(""));
    }
    case 2: // an oversized line
      return line("x".repeat(LINE_BYTES + g.int(20000)));
    case 3: // invalid UTF-8 inside otherwise good JSON
      return concat([
        encoder.encode('{"type":"msg","id":"u","text":"'),
        new Uint8Array(g.pick(NOT_UTF8)),
        encoder.encode('"}\n'),
      ]);
    case 4: // valid JSON of the wrong shape
      return line(g.pick([
        '{"type":"msg","id":5,"text":[]}',
        '{"type":"hello","v":"1"}',
        '{"type":"__proto__"}',
        '{"type":"msg","id":"d","text":"' + "\\u001b[2J".repeat(g.int(50)) +
        '"}',
        "[".repeat(3000) + "]".repeat(3000),
        '{"type":"msg","id":"n","text":"' + "\\ud800".repeat(10) + '"}',
        "null",
      ]));
    case 5: // a seed as it is
      return line(g.pick(SEEDS));
    default: // control characters and escapes in text mode
      return encoder.encode(`\x1b]0;owned\x07\u202e${"\x9b31m"}text\r\n`);
  }
}

function makeMixed(g: Gen): Pick<Case, "units" | "expect"> {
  const units: Unit[] = [];
  // Half the connections start as native clients, so frames after hello count.
  const native = g.chance(0.5);
  if (native) units.push({ bytes: hello(g.nick()), role: "key" });
  for (let i = 1 + g.int(6); i > 0; i--) {
    units.push({ bytes: mixedLine(g), role: "post" });
  }
  return { units, expect: native ? "native" : "free" };
}

function makeTelnet(g: Gen): Pick<Case, "units" | "expect"> {
  const units: Unit[] = [];
  if (g.chance(0.3)) {
    // A native client among telnet noise: the noise lines are refused
    // (not UTF-8, not frames) and its ids are still answered in order.
    units.push({ bytes: hello(g.nick()), role: "key" });
    for (let i = 2 + g.int(8); i > 0; i--) {
      units.push({
        bytes: g.chance(0.5)
          ? msg(g.id(), g.pick(["hi", "/who", someText(g)]))
          : concat([telnetLine(g), encoder.encode("\n")]),
        role: "post",
      });
    }
    return { units, expect: "native" };
  }
  // PuTTY and telnet open with a burst of negotiation.
  if (g.chance(0.6)) {
    const burst: number[] = [];
    for (let i = 1 + g.int(6); i > 0; i--) {
      burst.push(IAC, g.pick([0xfb, 0xfd]), g.pick(TELNET_OPTIONS));
    }
    units.push({ bytes: new Uint8Array(burst), role: "post" });
  } else if (g.chance(0.5)) {
    units.push({
      bytes: line(`/join t${g.index.toString(36)}`, "\r\n"),
      role: "post",
    });
  }
  for (let i = 1 + g.int(10); i > 0; i--) {
    units.push({ bytes: telnetLine(g), role: "post" });
  }
  if (g.chance(0.2)) units.push({ bytes: new Uint8Array([IAC]), role: "post" });
  return { units, expect: "free" };
}

/** One Unicode edge case, as the text of a line. */
function unicodeText(g: Gen, nativeMode: boolean): string {
  switch (g.int(14)) {
    case 0:
      return aroundLimit(g, TEXT_CHARS + g.between(-2, 1));
    case 1:
      return `/me ${aroundLimit(g, TEXT_CHARS + g.between(-2, 1))}`;
    case 2:
      return `/away ${aroundLimit(g, REASON_CHARS + g.between(-2, 2))}`;
    case 3:
      return `/msg control-b ${aroundLimit(g, TEXT_CHARS + g.between(-1, 1))}`;
    case 4:
      return `/nick ${
        g.chance(0.5)
          ? `n${g.index.toString(36)}`.padEnd(
            NICK_CHARS + g.between(-1, 1),
            "q",
          )
          : aroundLimit(g, g.pick([NICK_CHARS, 40]) + g.between(-1, 1))
      }`;
    case 5:
      return `/join ${aroundLimit(g, g.pick([32, 40]) + g.between(-1, 1))}`;
    case 6:
      return `/msg ${aroundLimit(g, 40 + g.between(-1, 1))} hi`;
    case 7:
      return `/${g.pick(CLUSTERS)}${formatChar(g)}${g.pick(HOSTILE)}`;
    case 8:
      return nativeMode ? surrogateText(g) : someText(g);
    case 9: { // format characters around a word, or nothing but them
      const format = Array.from({ length: 1 + g.int(6) }, () => formatChar(g));
      return g.chance(0.3) ? format.join("") : `a${format.join("")}b`;
    }
    case 10:
      return `/away ${nativeMode ? surrogateText(g) : someText(g)}`;
    case 11:
      return `${g.pick(CLUSTERS)}${"\ufe0f".repeat(g.int(30))}${
        String.fromCodePoint(0xe0041).repeat(g.int(10))
      }`;
    case 12:
      return `/msg control-b ${someText(g)}`;
    default:
      return someText(g);
  }
}

function makeUnicode(g: Gen): Pick<Case, "units" | "expect"> {
  const units: Unit[] = [];
  const nativeMode = g.chance(0.6);
  if (nativeMode) units.push({ bytes: hello(g.nick()), role: "key" });
  const end = nativeMode ? "\n" : g.pick(["\r\n", "\n"]);
  const room = () => `/join u${g.index.toString(36)}`;
  if (g.chance(0.3)) {
    units.push({
      bytes: nativeMode ? msg(g.id(), room()) : line(room(), end),
      role: "post",
    });
  }
  for (let i = 1 + g.int(5); i > 0; i--) {
    let bytes: Uint8Array;
    const kind = g.int(10);
    if (kind === 0) { // the line limit, with a cluster across it
      const size = LINE_BYTES + g.between(-6, 6);
      bytes = nativeMode
        ? msgOfBytes(g, g.id(), size)
        : textOfBytes(g, size, end);
    } else if (kind === 1) { // raw bytes that are not UTF-8
      const bad = new Uint8Array(g.pick(NOT_UTF8));
      bytes = nativeMode
        ? concat([
          encoder.encode(`{"type":"msg","id":"${g.id()}","text":"a`),
          bad,
          encoder.encode('"}\n'),
        ])
        : concat([encoder.encode("a"), bad, encoder.encode(end)]);
    } else if (kind === 2 && nativeMode) { // ids around their limit
      const id = g.chance(0.2)
        ? `${g.id()}${loneSurrogate(g)}`
        : aroundLimit(g, ID_CHARS + g.between(-1, 1));
      bytes = msg(id, g.pick(["hi", "/who", "/frob"]));
    } else if (kind === 3 && nativeMode) { // a quoted frame type, cut at 32
      bytes = frameLine({
        type: aroundLimit(g, 32 + g.between(-1, 1)),
        id: g.id(),
      });
    } else if (kind === 4) { // leaving with a long reason, last
      const reason = aroundLimit(g, REASON_CHARS + g.between(-2, 2));
      bytes = nativeMode && g.chance(0.5)
        ? frameLine({ type: "quit", reason })
        : nativeMode
        ? msg(g.id(), `/quit ${reason}`)
        : line(`/quit ${reason}`, end);
      units.push({ bytes, role: "post" });
      break;
    } else {
      const text = unicodeText(g, nativeMode);
      bytes = nativeMode ? msg(g.id(), text) : line(text, end);
    }
    units.push({ bytes, role: "post" });
  }
  return { units, expect: nativeMode ? "native" : "free" };
}

function makeCommands(g: Gen): Pick<Case, "units" | "expect"> {
  const units: Unit[] = [{ bytes: hello(g.nick()), role: "key" }];
  const ids: string[] = [];
  const room = `c${g.index.toString(36)}`;
  for (let i = 2 + g.int(12); i > 0; i--) {
    const id = g.id();
    let bytes: Uint8Array;
    switch (g.int(12)) {
      case 0: // a resend of an earlier id (answered again, applied once)
        bytes = ids.length === 0
          ? msg(id, "first")
          : msg(g.pick(ids), g.pick(["again", "/quit resent", "/who"]));
        break;
      case 1: // frames carrying an id that are not valid frames
        bytes = line(g.pick([
          `{"type":"msg","id":"${id}"}`,
          `{"type":"msg","id":"${id}","text":7}`,
          `{"type":"mgs","id":"${id}","text":"x"}`,
          `{"type":7,"id":"${id}"}`,
          `{"id":"${id}"}`,
          `{"type":"ping","id":"${id}","t":"x"}`,
        ]));
        break;
      case 2: // frames that are answered without an id
        bytes = line(g.pick([
          '{"type":"ping","t":3}',
          '{"type":"pong"}',
          `{"type":"hello","v":${PROTOCOL_VERSION},"nick":"again"}`,
          `{"type":"msg","id":"${"i".repeat(ID_CHARS + 1)}","text":"x"}`,
          '{"type":"msg","id":1,"text":"x"}',
          "",
          "not json",
        ]));
        break;
      case 3:
        if (g.chance(0.15)) {
          bytes = g.chance(0.5)
            ? frameLine({ type: "quit", reason: "done" })
            : msg(id, g.pick(["/quit bye", "/exit", ":q", "/QUIT"]));
          break;
        }
        bytes = msg(id, "//not a command");
        break;
      default:
        bytes = msg(
          id,
          g.pick([
            "/who",
            "/rooms",
            "/help",
            `/join ${room}`,
            "/leave",
            `/nick ${g.nick()}`,
            `/nick ${g.nick()}x`,
            "/me waves",
            "/away lunch",
            "/away",
            "/back",
            "/msg control-b hello b",
            "/msg nobody-here hi",
            "/m control-a psst",
            "/reply hi",
            "/ignore control-a",
            "/unignore control-a",
            "/ignore",
            "/history",
            "/history 5",
            "/history 0",
            "/history 501",
            "/kick control-a",
            "/frob",
            "/",
            "plain text",
            " ",
          ]),
        );
    }
    ids.push(id);
    units.push({ bytes, role: "post" });
  }
  return { units, expect: "native" };
}

/** A valid frame that is not a usable `hello`: refused with one error. */
function wrongFrame(g: Gen, locked: boolean): Uint8Array {
  switch (g.int(locked ? 9 : 8)) {
    case 0:
    case 1:
      return msg(`p${g.int(1e4)}`, g.pick(["hi", "/who", "/quit"]));
    case 2:
      return frameLine({ type: "ping", t: g.int(100) });
    case 3:
      return frameLine({ type: "pong" });
    case 4:
      return frameLine({ type: "quit", reason: "before hello" });
    case 5: // a nick against the rules
      return hello(
        g.pick(["9lives", "a b", "x".repeat(NICK_CHARS + 1), "ünï", "", "-"]),
      );
    case 6: // a nick in use
      return hello(g.pick(["control-a", "CONTROL-B"]));
    case 7: // a room against the rules
      return hello(g.nick(), { room: g.pick(["a b", "#", "r".repeat(33)]) });
    default: // no password on the locked server
      return hello(g.nick());
  }
}

function makePrehelloFrames(
  g: Gen,
  locked: boolean,
): Pick<Case, "units" | "expect"> {
  const units: Unit[] = [];
  const count = g.between(100, 400);
  // A refused hello ends the 300 ms wait for one; without it the flood may
  // outlast the wait and the connection becomes a text-mode one (also fine).
  const early = g.chance(0.7) ? g.int(5) : -1;
  for (let i = 0; i < count; i++) {
    units.push({
      bytes: i === early
        ? hello(g.pick(["9lives", "control-a"]))
        : wrongFrame(g, locked),
      role: "pre",
    });
  }
  units.push({
    bytes: hello(g.nick(), locked ? { password: PASSWORD } : {}),
    role: "key",
  });
  for (let i = g.int(5); i > 0; i--) {
    units.push({ bytes: msg(g.id(), someText(g)), role: "post" });
  }
  return { units, expect: "native" };
}

/** A line that is not a frame (nor, on the locked server, a `/pass`). */
function garbageLine(g: Gen, noSlash: boolean): Uint8Array {
  let bytes: Uint8Array;
  switch (g.int(9)) {
    case 0: { // random bytes
      bytes = new Uint8Array(1 + g.int(120));
      for (let i = 0; i < bytes.length; i++) bytes[i] = g.int(256);
      break;
    }
    case 1:
      bytes = encoder.encode(
        g.pick(['{"type":', "{", "{}", '{"type":"nope"}']),
      );
      break;
    case 2:
      bytes = encoder.encode(g.pick(["[1,2]", "null", "42", '"hello"', "  "]));
      break;
    case 3:
      bytes = encoder.encode(`/xyzzy${g.int(100)} ${someText(g)}`);
      break;
    case 4:
      bytes = new Uint8Array(g.pick(NOT_UTF8));
      break;
    case 5:
      bytes = encoder.encode(formatChar(g).repeat(1 + g.int(4)));
      break;
    default:
      bytes = encoder.encode(someText(g));
  }
  // Line ends only at the end; no IAC (the telnet decoder would take it),
  // no "/" on the locked server (no line may be a /pass), not a valid frame.
  bytes = bytes.map((b) =>
    b === 0x0a || b === 0x0d || b === 0x00 || b === IAC || b === 0x08 ||
      b === 0x7f || (noSlash && b === 0x2f)
      ? 0x2e
      : b
  );
  if (bytes[0] === 0x7b && isUtf8(bytes)) {
    const text = new TextDecoder().decode(bytes);
    if (decodeClientFrame(text).ok) bytes = encoder.encode(`x${text}`);
  }
  if (noSlash && bytes.length === 0) bytes = encoder.encode("?");
  return concat([bytes, encoder.encode(g.pick(["\n", "\r\n"]))]);
}

function makePrehelloGarbage(g: Gen): Pick<Case, "units" | "expect"> {
  const units: Unit[] = [];
  // The first line makes this a text-mode connection; half of them move to a
  // room of their own so that the lobby is not flooded with their lines.
  units.push({
    bytes: g.chance(0.5)
      ? line(`/join g${g.index.toString(36)}`)
      : garbageLine(g, false),
    role: "pre",
  });
  for (let i = g.between(100, 400); i > 0; i--) {
    units.push({ bytes: garbageLine(g, false), role: "pre" });
  }
  units.push({ bytes: hello(g.nick()), role: "key" });
  for (let i = g.int(4); i > 0; i--) {
    units.push({ bytes: msg(g.id(), "after hello"), role: "post" });
  }
  return { units, expect: "text" };
}

function makePrepassText(g: Gen): Pick<Case, "units" | "expect"> {
  const units: Unit[] = [];
  for (let i = g.between(50, 300); i > 0; i--) {
    const bytes = garbageLine(g, true);
    // A first byte of "{" would choose the native line splitter.
    if (units.length === 0 && bytes[0] === 0x7b) bytes[0] = 0x2e;
    // Not too long: a too-long line's end is counted differently by mode.
    units.push({ bytes, role: "pre" });
  }
  units.push({ bytes: line(`/pass ${PASSWORD}`, "\r\n"), role: "key" });
  for (let i = g.int(4); i > 0; i--) {
    units.push({
      bytes: line(g.pick(["/who", "hi all", "/join pp"]), "\r\n"),
      role: "post",
    });
  }
  return { units, expect: "prepass" };
}

/** Makes case `index` of the run with `seed`. */
export function makeCase(seed: number, index: number): Case {
  const g = new Gen(seed, index);
  const total = Object.values(FAMILIES).reduce((a, b) => a + b, 0);
  let roll = g.int(total);
  let family: Family = "mixed";
  for (const [name, weight] of Object.entries(FAMILIES)) {
    if (roll < weight) {
      family = name as Family;
      break;
    }
    roll -= weight;
  }
  let made: Pick<Case, "units" | "expect">;
  switch (family) {
    case "mixed":
      made = makeMixed(g);
      break;
    case "telnet":
      made = makeTelnet(g);
      break;
    case "unicode":
      made = makeUnicode(g);
      break;
    case "commands":
      made = makeCommands(g);
      break;
    case "prehello-frames":
      made = makePrehelloFrames(g, false);
      break;
    case "prehello-garbage":
      made = makePrehelloGarbage(g);
      break;
    case "prepass-text":
      made = makePrepassText(g);
      break;
    case "prepass-native":
      made = makePrehelloFrames(g, true);
      break;
  }
  const ending = g.next() < 0.6
    ? "half-close"
    : g.chance(0.5)
    ? "abandon"
    : "close";
  const c: Case = {
    index,
    family,
    server: family.startsWith("prepass") ? "locked" : "main",
    units: made.units,
    ending,
    expect: made.expect,
  };
  // The first fuzzer's cases sometimes stop mid-line.
  if (family === "mixed" && g.chance(0.2)) {
    cutCase(c, g.int(caseBytes(c).length));
  }
  return c;
}

/** Keeps the first `at` bytes of a case. */
function cutCase(c: Case, at: number): void {
  const units: Unit[] = [];
  let left = at;
  for (const unit of c.units) {
    if (left <= 0) break;
    units.push(
      unit.bytes.length <= left
        ? unit
        : { ...unit, bytes: unit.bytes.subarray(0, left) },
    );
    left -= unit.bytes.length;
  }
  c.units = units;
}

// ---------------------------------------------------------------- playing

/** What one case came to. */
interface Played {
  violations: Violation[];
  /** Answers held to the model. */
  answers: number;
  /** Output lines and bytes checked. */
  lines: number;
  bytes: number;
}

/** A connection read while it stays open, judged when it is closed. */
interface Open {
  conn: Deno.TcpConn;
  checker: OutputChecker;
  reader: Promise<boolean>;
  c: Case;
}

/** How long a half-closed connection may take to be closed by the server. */
const HANG_MS = 30_000;

/** The local ports of recent cases, so that a log line can name its case. */
const byPort = new Map<number, Case>();

/**
 * Plays one case: connects, reads beside writing, and ends as the case
 * says. An abandoned connection goes to `open`, to be judged when closed.
 */
async function play(ports: Ports, c: Case, open: Open[]): Promise<Played> {
  const bytes = caseBytes(c);
  const conn = await Deno.connect({
    hostname: "127.0.0.1",
    port: c.server === "main" ? ports.main : ports.locked,
  });
  byPort.set(conn.localAddr.port, c);
  if (byPort.size > 8192) byPort.delete(byPort.keys().next().value!);
  const checker = new OutputChecker({
    label: `case ${c.index} (${c.family})`,
    telnetReplies: allowedTelnetReplies(bytes),
  });
  // Resolves true when the server closed the connection.
  const reader = c.ending === "close"
    ? Promise.resolve(false)
    : readAll(conn, checker);
  try {
    let written = 0;
    while (written < bytes.length) {
      written += await conn.write(bytes.subarray(written));
    }
  } catch {
    // The server may close a connection mid-write (quit, too long): fine.
  }
  if (c.ending === "close") {
    close(conn);
    return { violations: [], answers: 0, lines: 0, bytes: 0 };
  }
  if (c.ending === "abandon") {
    open.push({ conn, checker, reader, c });
    return { violations: [], answers: 0, lines: 0, bytes: 0 };
  }
  try {
    await conn.closeWrite();
  } catch {
    // Closed by the server already.
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  const ended = await Promise.race([
    reader,
    new Promise<"hung">((resolve) => {
      timer = setTimeout(() => resolve("hung"), HANG_MS);
    }),
  ]);
  clearTimeout(timer);
  close(conn);
  await reader;
  if (ended === "hung") {
    checker.fail(
      "hang",
      `not closed by the server ${HANG_MS / 1000} s after the client's end`,
    );
  }
  return judge(c, checker, ended === true, true);
}

async function readAll(
  conn: Deno.TcpConn,
  checker: OutputChecker,
): Promise<boolean> {
  const buffer = new Uint8Array(65536);
  try {
    for (
      let n = await conn.read(buffer);
      n !== null;
      n = await conn.read(buffer)
    ) {
      checker.push(buffer.subarray(0, n));
    }
    return true;
  } catch {
    // Reset by the server, or closed by us.
    return false;
  }
}

function close(conn: Deno.Conn): void {
  try {
    conn.close();
  } catch {
    // Closed already.
  }
}

/**
 * Holds what a connection received to its case's expectations. `complete`:
 * read until the server closed it; `eof`: the client ended its side (so a
 * last line without LF counted).
 */
function judge(
  c: Case,
  checker: OutputChecker,
  complete: boolean,
  eof: boolean,
): Played {
  checker.end(complete);
  let answers = 0;
  // Cut short by the server (a bye) or by us: what came must be a prefix.
  const whole = complete && !checker.bye;
  const key = c.units.findIndex((u) => u.role === "key");
  const keyUnit = c.units[key];
  // The model counts from a hello (or /pass) that was sent whole.
  const keySent = keyUnit !== undefined &&
    keyUnit.bytes[keyUnit.bytes.length - 1] === 0x0a;
  if (c.expect === "native" && keySent && checker.welcomed) {
    const pre = c.units.slice(0, key).filter((u) => u.role === "pre").length;
    checks["pre-hello lines counted"]! += pre;
    checks["native cases held to the answer model"]!++;
    if (checker.errorsBeforeWelcome !== pre) {
      checker.fail(
        "prehello",
        `${checker.errorsBeforeWelcome} errors before the welcome for ${pre} lines before the hello (one each)`,
      );
    }
    const after = concat(c.units.slice(key + 1).map((u) => u.bytes));
    const expected = expectedAnswers(after, {
      eof,
      maxLineBytes: LINE_BYTES,
      maxIdChars: ID_CHARS,
    });
    const held = safeAnswers(checker.answers, expected.unsafe);
    const problem = compareAnswers(
      expected.ids,
      held,
      whole && !expected.uncertain,
    );
    if (problem !== undefined) checker.fail("answers", problem);
    answers = held.length;
  } else if (
    c.expect === "native" && keySent && complete && !checker.textMode &&
    !checker.passwordAsked && !checker.bye
  ) {
    checker.fail(
      "prehello",
      `a valid hello got neither a welcome nor text mode; the last lines: ${
        checker.recent.join(" | ")
      }`,
    );
  }
  if (checker.textMode) checks["text-mode sessions"]!++;
  if (checker.telnetReplies > 0) {
    checks["telnet refusals checked"]! += checker.telnetReplies;
  }
  if (c.expect === "text" && complete) {
    if (checker.welcomed) {
      checker.fail("framing", "a welcome after the first line chose text mode");
    } else if (!checker.textMode) {
      checker.fail("framing", "the first line did not start text mode");
    }
  }
  if (c.expect === "prepass" && complete && keySent) {
    const pre = c.units.filter((u) => u.role === "pre");
    // The first line is answered by the prompt when it is a line; one that
    // is not UTF-8 is refused as such. Every later one is refused.
    const first = pre[0]?.bytes;
    const firstOk = first !== undefined &&
      isUtf8(first.subarray(0, first.length - 1));
    // The first is refused too when the 300 ms wait for a hello ran out
    // before it came (the prompt then came first, on its own).
    const owed = pre.length - (firstOk ? 1 : 0);
    const refused = checker.textRefusalsBefore;
    if (refused !== owed && !(firstOk && refused === pre.length)) {
      checker.fail(
        "prepass",
        `${refused} refusals before /pass for ${pre.length} lines (${owed} owed: one a line but the first)`,
      );
    }
    checks["pre-/pass lines counted"]! += pre.length;
    if (!checker.textMode) {
      checker.fail("prepass", "the right /pass did not let the user in");
    }
  }
  return {
    violations: checker.violations,
    answers,
    lines: checker.lines,
    bytes: checker.bytes,
  };
}

/** What the oracle held, beyond the bytes (reported, so a run shows its reach). */
const checks: Record<string, number> = {};
function resetChecks(): void {
  for (
    const name of [
      "native cases held to the answer model",
      "pre-hello lines counted",
      "pre-/pass lines counted",
      "text-mode sessions",
      "telnet refusals checked",
    ]
  ) checks[name] = 0;
}
resetChecks();

// ---------------------------------------------------------------- control clients

/** A well-behaved native client, its output checked like everyone's. */
class Control {
  readonly nick: string;
  readonly checker: OutputChecker;
  /** Ids of the lines it sent, in order. */
  readonly sent: string[] = [];
  #conn: Deno.TcpConn;
  #reader: Promise<boolean>;
  #waiters = new Set<(frame: ServerFrame | undefined) => void>();

  private constructor(
    conn: Deno.TcpConn,
    nick: string,
    onFrame?: (frame: ServerFrame) => void,
  ) {
    this.#conn = conn;
    this.nick = nick;
    this.checker = new OutputChecker({
      label: nick,
      onFrame: (frame) => {
        onFrame?.(frame);
        for (const wake of this.#waiters) wake(frame);
      },
    });
    this.#reader = readAll(conn, this.checker).finally(() => {
      for (const wake of this.#waiters) wake(undefined);
    });
  }

  /** Connects, says hello and waits for the welcome. */
  static async open(
    port: number,
    nick: string,
    onFrame?: (frame: ServerFrame) => void,
  ): Promise<Control> {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    const control = new Control(conn, nick, onFrame);
    const welcomed = control.next((f) => f.type === "welcome", 15_000);
    await control.write(hello(nick));
    if (!(await welcomed)) {
      await control.close();
      throw new Error(`${nick} got no welcome`);
    }
    return control;
  }

  async write(bytes: Uint8Array): Promise<void> {
    let written = 0;
    while (written < bytes.length) {
      written += await this.#conn.write(bytes.subarray(written));
    }
  }

  /** Sends a `msg`. */
  say(id: string, text: string): Promise<void> {
    this.sent.push(id);
    return this.write(msg(id, text));
  }

  /**
   * Resolves true when a frame that comes from now on matches, false after
   * `ms` or when the connection ends.
   */
  next(match: (f: ServerFrame) => boolean, ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const done = (result: boolean) => {
        clearTimeout(timer);
        this.#waiters.delete(wake);
        resolve(result);
      };
      const wake = (frame: ServerFrame | undefined) => {
        if (frame === undefined) done(false);
        else if (match(frame)) done(true);
      };
      const timer = setTimeout(() => done(false), ms);
      this.#waiters.add(wake);
    });
  }

  async close(): Promise<void> {
    close(this.#conn);
    await this.#reader;
    this.checker.end(false);
  }
}

// ---------------------------------------------------------------- the run

/** Where the two servers listen. */
export interface Ports {
  main: number;
  locked: number;
}

/** A violation, with the case that showed it when there is one. */
export interface Failure {
  violation: Violation;
  case?: Case;
  /** The smallest reproduction found, when one was looked for. */
  reproduction?: string;
}

/** What a fuzz run did. */
export interface FuzzReport {
  seed: number;
  cases: number;
  families: Record<Family, number>;
  /** Control messages (a private one and a room one each round) all seen by control-b, in order. */
  controlMessages: number;
  /** `ack`s and id-carrying `error`s held to the model. */
  answers: number;
  /** Lines of output checked, and bytes. */
  lines: number;
  bytes: number;
  seconds: number;
  /** What the oracle held beyond the bytes, by name. */
  checks: Record<string, number>;
  failures: Failure[];
}

/** The two servers of a run: without a password, and with {@linkcode PASSWORD}. */
export class Servers implements AsyncDisposable {
  readonly main: ServerProcess;
  readonly locked: ServerProcess;
  readonly exited: string[] = [];
  #scanned = new Map<ServerProcess, number>();

  private constructor(main: ServerProcess, locked: ServerProcess) {
    this.main = main;
    this.locked = locked;
    for (
      const [name, server] of [["main", main], ["locked", locked]] as const
    ) {
      server.process.status.then((status) => {
        this.exited.push(`the ${name} server exited with code ${status.code}`);
      });
    }
  }

  /** Starts both. */
  static async start(): Promise<Servers> {
    const locked: Launcher = (entry) => ({
      ...fromSource(entry),
      env: { LOCHAT_PASSWORD: PASSWORD },
    });
    const started = await Promise.allSettled([
      ServerProcess.start(SERVER_ARGS),
      ServerProcess.start(SERVER_ARGS, locked),
    ]);
    const [main, second] = started;
    if (main.status === "fulfilled" && second.status === "fulfilled") {
      return new Servers(main.value, second.value);
    }
    for (const s of started) {
      if (s.status === "fulfilled") await s.value[Symbol.asyncDispose]();
    }
    throw (main.status === "rejected" ? main : second as PromiseRejectedResult)
      .reason;
  }

  get ports(): Ports {
    return { main: this.main.port, locked: this.locked.port };
  }

  /**
   * New stderr lines that are `error` events, or not log lines at all (a
   * stack trace, a warning), each with the case whose port it names.
   */
  newLogFaults(): Failure[] {
    const found: Failure[] = [];
    for (const server of [this.main, this.locked]) {
      const lines = server.stderr.lines;
      const from = this.#scanned.get(server) ?? 0;
      this.#scanned.set(server, lines.length);
      for (let i = from; i < lines.length; i++) {
        const text = lines[i]!;
        const isLog = /^\d{4}-\d\d-\d\dT\S+ [a-z-]+( |$)/.test(text);
        if (isLog && !/^\S+ error /.test(text)) continue;
        const port = /peer=127\.0\.0\.1:(\d+)/.exec(text)?.[1];
        const c = port === undefined ? undefined : byPort.get(Number(port));
        found.push({
          violation: {
            oracle: "log",
            detail: `${server === this.main ? "main" : "locked"} server: ${
              text.slice(0, 500)
            }`,
          },
          ...(c === undefined ? {} : { case: c }),
        });
      }
      // The log is kept by the helper; nothing more is needed of old lines.
      if (lines.length > 200_000) {
        lines.splice(0, lines.length);
        this.#scanned.set(server, 0);
      }
    }
    return found;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await Promise.all([
      this.main[Symbol.asyncDispose](),
      this.locked[Symbol.asyncDispose](),
    ]);
  }
}

/** Options of {@linkcode fuzz}. */
export interface FuzzOptions {
  seed: number;
  count: number;
  /** Cases in flight at once. Default 16. */
  parallel?: number;
  /** A control round after this many cases. Default 25. */
  every?: number;
  /** Abandoned connections kept open (and read) at once. Default 32. */
  keepOpen?: number;
  /** Look for the smallest reproduction of each failure. Default true. */
  minimize?: boolean;
  /** Progress lines. */
  progress?: (line: string) => void;
}

/**
 * Starts the two servers, runs `count` cases against them while the
 * control clients talk, and reports. Never throws for what it finds: the
 * report's `failures` say it.
 */
export async function fuzz(options: FuzzOptions): Promise<FuzzReport> {
  const started = performance.now();
  const parallel = options.parallel ?? 16;
  const every = options.every ?? 25;
  const keepOpen = options.keepOpen ?? 32;
  const report: FuzzReport = {
    seed: options.seed,
    cases: 0,
    families: Object.fromEntries(
      Object.keys(FAMILIES).map((f) => [f, 0]),
    ) as Record<Family, number>,
    controlMessages: 0,
    answers: 0,
    lines: 0,
    bytes: 0,
    seconds: 0,
    checks: {},
    failures: [],
  };
  resetChecks();
  const record = (violations: Violation[], c?: Case) => {
    for (const violation of violations) {
      report.failures.push({
        violation,
        ...(c === undefined ? {} : { case: c }),
      });
    }
  };
  const tally = (played: Played, c?: Case) => {
    record(played.violations, c);
    report.answers += played.answers;
    report.lines += played.lines;
    report.bytes += played.bytes;
  };

  const servers = await Servers.start();
  try {
    const ports = servers.ports;
    // control-b checks that control-a's messages come in the order sent.
    let nextPm = 0;
    let nextRoom = 0;
    const watch = (frame: ServerFrame) => {
      if (frame.type === "pm" && frame.from === "control-a") {
        const n = Number(/^control (\d+)$/.exec(frame.text)?.[1]);
        if (n !== nextPm) {
          record([{
            oracle: "control",
            detail:
              `control-b got private message ${n} when ${nextPm} was next`,
          }]);
        }
        nextPm = n + 1;
      } else if (frame.type === "msg" && frame.from === "control-a") {
        const n = Number(/^control-room (\d+)$/.exec(frame.text)?.[1]);
        if (n !== nextRoom) {
          record([{
            oracle: "control",
            detail: `control-b got room message ${n} when ${nextRoom} was next`,
          }]);
        }
        nextRoom = n + 1;
      }
    };
    const a = await Control.open(ports.main, "control-a");
    const b = await Control.open(ports.main, "control-b", watch);
    const open: Open[] = [];
    const settle = async (o: Open) => {
      close(o.conn);
      await o.reader;
      tally(judge(o.c, o.checker, false, false), o.c);
    };

    const controlRound = async (n: number) => {
      const room = b.next(
        (f) =>
          f.type === "msg" && f.from === "control-a" &&
          f.text === `control-room ${n}`,
        20_000,
      );
      const pm = b.next(
        (f) =>
          f.type === "pm" && f.from === "control-a" &&
          f.text === `control ${n}`,
        20_000,
      );
      await a.say(`cp${n}`, `/msg control-b control ${n}`);
      await a.say(`cr${n}`, `control-room ${n}`);
      const [roomCame, pmCame] = await Promise.all([room, pm]);
      if (roomCame) report.controlMessages++;
      if (pmCame) report.controlMessages++;
      if (!roomCame || !pmCame) {
        record([{
          oracle: "control",
          detail: `control round ${n}: ${roomCame ? "" : "the room message "}${
            pmCame ? "" : "the private message "
          }did not reach control-b within 20 s`,
        }]);
      }
      for (const failure of servers.newLogFaults()) {
        report.failures.push(failure);
      }
    };

    let finished = 0;
    let rounds = 0;
    let stopped = false;
    const worker = async () => {
      while (!stopped && report.cases < options.count) {
        const c = makeCase(options.seed, report.cases++);
        report.families[c.family]++;
        try {
          tally(await play(ports, c, open), c);
        } catch (error) {
          record(
            [{ oracle: "connect", detail: `case ${c.index}: ${error}` }],
            c,
          );
        }
        finished++;
        while (open.length > keepOpen) await settle(open.shift()!);
        if (servers.exited.length > 0) stopped = true;
      }
    };
    const workers = Array.from({ length: parallel }, () => worker());
    // A control round after each `every` finished cases, beside the cases.
    const controls = (async () => {
      const total = Math.floor(options.count / every);
      while (!stopped && rounds < total) {
        if (finished >= (rounds + 1) * every) {
          await controlRound(rounds++);
          if ((rounds * every) % 1000 === 0) {
            options.progress?.(
              `${rounds * every} cases, ${report.failures.length} violations, ${
                ((performance.now() - started) / 1000).toFixed(0)
              } s`,
            );
          }
        } else await new Promise((resolve) => setTimeout(resolve, 5));
        if (servers.exited.length > 0) stopped = true;
      }
    })();
    await Promise.all([...workers, controls]);
    for (const o of open.splice(0)) await settle(o);

    // control-a's own lines: every id answered once, in order.
    if (a.checker.answers.length < a.sent.length) {
      await a.next(() => a.checker.answers.length >= a.sent.length, 10_000);
    }
    const problem = compareAnswers(a.sent, a.checker.answers, true);
    if (problem !== undefined) {
      record([{ oracle: "answers", detail: `control-a: ${problem}` }]);
    }
    report.answers += a.checker.answers.length;
    // Still serving new clients after all that.
    try {
      const late = await Control.open(ports.main, "late");
      const acked = late.next((f) => f.type === "ack" && f.id === "l", 15_000);
      await late.say("l", "still there?");
      if (!(await acked)) {
        record([{
          oracle: "exit",
          detail: "a new client got no ack after the run",
        }]);
      }
      await late.close();
      tally(judge(lateCase, late.checker, false, false));
    } catch (error) {
      record([{
        oracle: "exit",
        detail: `a new client could not join after the run: ${error}`,
      }]);
    }
    await Promise.all([a.close(), b.close()]);
    for (const control of [a, b]) {
      tally({
        violations: control.checker.violations,
        answers: 0,
        lines: control.checker.lines,
        bytes: control.checker.bytes,
      });
    }
    // A moment for the servers to log what the last cases did.
    await new Promise((resolve) => setTimeout(resolve, 300));
    for (const failure of servers.newLogFaults()) report.failures.push(failure);
    for (const exit of servers.exited) {
      record([{ oracle: "exit", detail: exit }]);
    }
  } finally {
    await servers[Symbol.asyncDispose]();
  }
  report.seconds = (performance.now() - started) / 1000;
  report.checks = { ...checks };
  if (options.minimize !== false && report.failures.length > 0) {
    await minimizeAll(report, options.progress);
  }
  return report;
}

/** The late client, judged for its bytes only. */
const lateCase: Case = {
  index: -1,
  family: "commands",
  server: "main",
  units: [],
  ending: "abandon",
  expect: "free",
};

// ---------------------------------------------------------------- reproductions

/** Replays one case on `servers`; the violations it shows (log faults too). */
async function replay(servers: Servers, c: Case): Promise<Violation[]> {
  const open: Open[] = [];
  const played = await play(servers.ports, c, open);
  for (const o of open) {
    // Give an abandoned case a moment to be answered, then judge it.
    await new Promise((resolve) => setTimeout(resolve, 500));
    close(o.conn);
    await o.reader;
    played.violations.push(...judge(o.c, o.checker, false, false).violations);
  }
  await new Promise((resolve) => setTimeout(resolve, 100));
  const log = servers.newLogFaults().map((f) => f.violation);
  return [
    ...played.violations,
    ...log,
    ...servers.exited.map((detail) => ({
      oracle: "exit",
      detail,
    })),
  ];
}

/**
 * For each kind of failure (oracle and family; at most 6), the smallest case
 * that still shows it, played alone on fresh servers: lines are taken out
 * (the `hello` or `/pass` the case counts from stays) while it still fails.
 */
async function minimizeAll(
  report: FuzzReport,
  progress?: (line: string) => void,
): Promise<void> {
  const kinds = new Map<string, Failure>();
  for (const failure of report.failures) {
    if (failure.case === undefined) continue;
    const kind = `${failure.violation.oracle} ${failure.case.family}`;
    if (!kinds.has(kind) && kinds.size < 6) kinds.set(kind, failure);
  }
  if (kinds.size === 0) return;
  let servers = await Servers.start();
  try {
    for (const [kind, failure] of kinds) {
      progress?.(`minimizing: ${kind} (case ${failure.case!.index})`);
      const oracle = failure.violation.oracle;
      const shows = async (c: Case) => {
        if (servers.exited.length > 0) {
          await servers[Symbol.asyncDispose]();
          servers = await Servers.start();
        }
        return (await replay(servers, c)).some((v) => v.oracle === oracle);
      };
      const original = failure.case!;
      let c: Case = { ...original, ending: "half-close" };
      if (!(await shows(c))) {
        c = original;
        if (!(await shows(c))) {
          failure.reproduction =
            `not reproduced alone (it may need the other cases in flight); the case as run:\n${
              describe(original)
            }`;
          continue;
        }
      }
      c = await shrink(c, shows);
      failure.reproduction = describe(c);
    }
  } finally {
    await servers[Symbol.asyncDispose]();
  }
}

/** Delta debugging over a case's removable units, within a budget. */
async function shrink(
  c: Case,
  shows: (c: Case) => Promise<boolean>,
): Promise<Case> {
  const deadline = Date.now() + 90_000;
  let budget = 80;
  let units = c.units;
  let chunk = Math.max(1, Math.floor(units.length / 2));
  while (chunk >= 1 && budget > 0 && Date.now() < deadline) {
    let removed = false;
    for (let start = 0; start < units.length && budget > 0; start += chunk) {
      const candidate = units.filter((u, i) =>
        i < start || i >= start + chunk || u.role === "key"
      );
      if (candidate.length === units.length) continue;
      budget--;
      if (await shows({ ...c, units: candidate })) {
        units = candidate;
        removed = true;
        start -= chunk;
      }
    }
    if (!removed) chunk = Math.floor(chunk / 2);
  }
  return { ...c, units };
}

/** A case as its family, how it is played, and its bytes as a JS string literal. */
export function describe(c: Case, whole = false): string {
  const bytes = caseBytes(c);
  const utf8 = isUtf8(bytes);
  return [
    `  family ${c.family}, case ${c.index}, ${
      c.server === "locked"
        ? `server with password "${PASSWORD}"`
        : "server without password"
    }, ${c.ending}, ${bytes.length} bytes, ${c.units.length} lines`,
    `  bytes (${utf8 ? "UTF-8 of this string" : "one byte per character"}):`,
    `  ${whole ? compress(literal(bytes)) : cap(compress(literal(bytes)), c)}`,
  ].join("\n");
}

/** A literal of a case not reduced can be long: the start, and how to get it all. */
function cap(text: string, c: Case): string {
  const most = 6000;
  if (text.length <= most) return text;
  return `${
    text.slice(0, most)
  } … (${text.length} characters in all: --case ${c.index} with the same --seed prints it whole)`;
}

/**
 * Writes long runs in a string literal as `"…" + "x".repeat(n) + "…"`, so
 * that an 8 KB line is read at a glance and pasted whole.
 */
export function compress(literal: string): string {
  const body = literal.slice(1, -1);
  // Tokens: one escape or one character.
  const tokens = body.match(/\\u[0-9a-f]{4}|\\x[0-9a-f]{2}|\\.|[\s\S]/g) ?? [];
  const parts: string[] = [];
  let plain = "";
  let i = 0;
  while (i < tokens.length) {
    let best = { period: 0, times: 0 };
    for (
      let period = 1;
      period <= 12 && i + period <= tokens.length;
      period++
    ) {
      let times = 1;
      while (
        i + (times + 1) * period <= tokens.length &&
        tokens.slice(i + times * period, i + (times + 1) * period).join("") ===
          tokens.slice(i, i + period).join("")
      ) times++;
      if (times * period >= 24 && times * period > best.times * best.period) {
        best = { period, times };
      }
    }
    if (best.period === 0) {
      plain += tokens[i++];
      continue;
    }
    if (plain !== "") parts.push(`"${plain}"`);
    plain = "";
    parts.push(
      `"${tokens.slice(i, i + best.period).join("")}".repeat(${best.times})`,
    );
    i += best.period * best.times;
  }
  if (plain !== "" || parts.length === 0) parts.push(`"${plain}"`);
  return parts.join(" + ");
}

/** The report as people read it. */
export function summary(report: FuzzReport, verbose = false): string {
  const families = Object.entries(report.families)
    .map(([family, n]) => `${family} ${n}`)
    .join(", ");
  const lines = [
    `fuzz: seed ${report.seed}, ${report.cases} cases in ${
      report.seconds.toFixed(1)
    } s`,
    `  per family: ${families}`,
    `  ${report.controlMessages} control messages delivered in order; ${report.answers} answers held to the model; ${report.lines} output lines (${
      (report.bytes / 1e6).toFixed(1)
    } MB) checked`,
  ];
  lines.push(
    `  ${
      Object.entries(report.checks).map(([name, n]) => `${name} ${n}`).join(
        ", ",
      )
    }`,
  );
  if (report.failures.length === 0) {
    lines.push("  0 violations; the servers never exited");
    return lines.join("\n");
  }
  const byOracle = new Map<string, Failure[]>();
  for (const failure of report.failures) {
    const list = byOracle.get(failure.violation.oracle) ?? [];
    list.push(failure);
    byOracle.set(failure.violation.oracle, list);
  }
  lines.push(`  ${report.failures.length} violations:`);
  for (const [oracle, list] of byOracle) {
    lines.push(`  ${oracle}: ${list.length}`);
    for (const failure of verbose ? list : list.slice(0, 3)) {
      lines.push(`    ${failure.violation.detail.slice(0, 600)}`);
    }
  }
  for (const failure of report.failures) {
    if (failure.reproduction === undefined) continue;
    lines.push(
      `reproduction of ${failure.violation.oracle} (${failure.case?.family}): ${
        failure.violation.detail.slice(0, 300)
      }`,
      failure.reproduction,
    );
  }
  return lines.join("\n");
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      count: { type: "string", default: "20000" },
      seed: { type: "string", default: `${Date.now() % 1e9}` },
      parallel: { type: "string", default: "16" },
      case: { type: "string" },
      verbose: { type: "boolean", default: false },
    },
  });
  if (values.case !== undefined) {
    // One case, played alone on fresh servers, and printed whole.
    const c = makeCase(Number(values.seed), Number(values.case));
    await using servers = await Servers.start();
    const violations = await replay(servers, c);
    // deno-lint-ignore no-console
    console.log(
      `${describe(c, true)}\n${
        violations.map((v) => `  ${v.oracle}: ${v.detail}`).join("\n") ||
        "  no violation when played alone"
      }`,
    );
    Deno.exit(violations.length > 0 ? 1 : 0);
  }
  const count = Number(values.count);
  const seed = Number(values.seed);
  // deno-lint-ignore no-console
  const say = (line: string) => console.log(line);
  say(`fuzz: seed ${seed}, ${count} cases (replay: --seed ${seed})`);
  const report = await fuzz({
    seed,
    count,
    parallel: Number(values.parallel),
    progress: say,
  });
  say(summary(report, values.verbose));
  if (report.failures.length > 0) Deno.exit(1);
}
