import { assert, assertEquals } from "./assert.ts";
import {
  ABORT,
  AO,
  AYT,
  BRK,
  DM,
  DO,
  DONT,
  EC,
  EL,
  IAC,
  IP,
  NOP,
  SB,
  SE,
  telnetOpening,
  TelnetOption,
  WILL,
  WONT,
} from "../lib/server/telnet/commands.ts";
import {
  MAX_SUBNEGOTIATION_BYTES,
  TelnetLineDecoder,
} from "../lib/server/telnet/line_decoder.ts";
import type { LineResult } from "../lib/server/telnet/line_decoder.ts";

const {
  ECHO,
  SGA,
  STATUS,
  TM,
  TTYPE,
  NAWS,
  TSPEED,
  LFLOW,
  LINEMODE,
  XDISPLOC,
  OLD_ENVIRON,
  NEW_ENVIRON,
  ENCRYPT,
} = TelnetOption;

type Part = string | number[] | Uint8Array;

/** Concatenates text (as UTF-8) and raw bytes. */
function bytes(...parts: Part[]): Uint8Array {
  const pieces = parts.map((p) =>
    typeof p === "string" ? new TextEncoder().encode(p) : Uint8Array.from(p)
  );
  const out = new Uint8Array(pieces.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of pieces) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** What a decoder did: lines and interrupts in order, replies concatenated. */
interface Outcome {
  events: (LineResult | "interrupt")[];
  replies: number[];
  replyCalls: number;
}

function decode(chunks: Uint8Array[], maxBytes = 64): Outcome {
  const outcome: Outcome = { events: [], replies: [], replyCalls: 0 };
  const decoder = new TelnetLineDecoder({
    maxBytes,
    reply: (b) => {
      outcome.replyCalls++;
      outcome.replies.push(...b);
    },
    interrupt: () => outcome.events.push("interrupt"),
  });
  const onLine = (r: LineResult) => outcome.events.push(r);
  for (const chunk of chunks) decoder.push(chunk, onLine);
  decoder.end(onLine);
  return outcome;
}

/** Decodes `data` in one chunk and split at every offset; all must agree. */
function decodeAnySplit(data: Uint8Array, maxBytes = 64): Outcome {
  const whole = decode([data], maxBytes);
  for (let at = 0; at <= data.length; at++) {
    const split = decode([data.subarray(0, at), data.subarray(at)], maxBytes);
    assertEquals(split.events, whole.events, `split at ${at}`);
    assertEquals(split.replies, whole.replies, `replies split at ${at}`);
  }
  return whole;
}

const line = (text: string): LineResult => ({ ok: true, line: text });
const tooLong = (limit: number): LineResult => ({
  ok: false,
  error: "too-long",
  limit,
});
const invalid: LineResult = { ok: false, error: "invalid-utf8" };

// What real clients send first, and the refusals they must get.
const openings: {
  client: string;
  opening: number[];
  refusals: number[];
}[] = [
  {
    // PuTTY otherbackends/telnet.c: every option whose initial state is
    // REQUESTED, in table order (OLD_ENVIRON and BINARY start INACTIVE).
    client: "PuTTY",
    opening: [
      ...[IAC, WILL, NAWS, IAC, WILL, TSPEED, IAC, WILL, TTYPE],
      ...[IAC, WILL, NEW_ENVIRON, IAC, DO, ECHO, IAC, WILL, SGA],
      ...[IAC, DO, SGA],
    ],
    refusals: [
      ...[IAC, DONT, NAWS, IAC, DONT, TSPEED, IAC, DONT, TTYPE],
      ...[IAC, DONT, NEW_ENVIRON, IAC, WONT, ECHO, IAC, DONT, SGA],
      ...[IAC, WONT, SGA],
    ],
  },
  {
    // PuTTY again: refused NEW-ENVIRON, it falls back on OLD-ENVIRON.
    client: "PuTTY after its NEW-ENVIRON is refused",
    opening: [IAC, WILL, OLD_ENVIRON],
    refusals: [IAC, DONT, OLD_ENVIRON],
  },
  {
    // Read off the wire from Debian 12's telnet (inetutils 2.4) run as
    // `telnet -- 127.0.0.1 -PORT`, which negotiates as on port 23.
    client: "Linux telnet (inetutils 2.4)",
    opening: [
      ...[IAC, DO, ENCRYPT, IAC, WILL, ENCRYPT, IAC, DO, SGA],
      ...[IAC, WILL, TTYPE, IAC, WILL, NAWS, IAC, WILL, TSPEED],
      ...[IAC, WILL, LFLOW, IAC, WILL, LINEMODE, IAC, WILL, NEW_ENVIRON],
      ...[IAC, DO, STATUS],
    ],
    refusals: [
      ...[IAC, WONT, ENCRYPT, IAC, DONT, ENCRYPT, IAC, WONT, SGA],
      ...[IAC, DONT, TTYPE, IAC, DONT, NAWS, IAC, DONT, TSPEED],
      ...[IAC, DONT, LFLOW, IAC, DONT, LINEMODE, IAC, DONT, NEW_ENVIRON],
      ...[IAC, WONT, STATUS],
    ],
  },
  {
    // BSD and netkit telnet: the same without ENCRYPT, plus XDISPLOC when
    // DISPLAY is set.
    client: "netkit telnet with DISPLAY set",
    opening: [
      ...[IAC, DO, SGA, IAC, WILL, TTYPE, IAC, WILL, NAWS],
      ...[IAC, WILL, TSPEED, IAC, WILL, LFLOW, IAC, WILL, LINEMODE],
      ...[IAC, WILL, NEW_ENVIRON, IAC, DO, STATUS, IAC, WILL, XDISPLOC],
    ],
    refusals: [
      ...[IAC, WONT, SGA, IAC, DONT, TTYPE, IAC, DONT, NAWS],
      ...[IAC, DONT, TSPEED, IAC, DONT, LFLOW, IAC, DONT, LINEMODE],
      ...[IAC, DONT, NEW_ENVIRON, IAC, WONT, STATUS, IAC, DONT, XDISPLOC],
    ],
  },
  {
    // `mode character` at Linux telnet's prompt: refused, it stays in lines.
    client: "Linux telnet asking for character mode",
    opening: [IAC, DO, SGA, IAC, DO, ECHO],
    refusals: [IAC, WONT, SGA, IAC, WONT, ECHO],
  },
];

for (const { client, opening, refusals } of openings) {
  Deno.test(`${client}'s opening is refused option by option and the typed line comes through whole`, () => {
    const outcome = decodeAnySplit(bytes(opening, "héllo there\r\n"));
    assertEquals(outcome.events, [line("héllo there")]);
    assertEquals(outcome.replies, refusals);
  });
}

Deno.test("the opening on its own gives no line, and one reply for the whole read", () => {
  const first = openings[0]!;
  const outcome = decode([bytes(first.opening)]);
  assertEquals(outcome.events, []);
  assertEquals(outcome.replyCalls, 1);
  assertEquals(outcome.replies, first.refusals);
});

Deno.test("the server never offers an option, so never WILL ECHO or WILL SGA", () => {
  for (const { opening } of openings) {
    const { replies } = decode([bytes(opening)]);
    for (let i = 0; i < replies.length; i += 3) {
      assertEquals(replies[i], IAC);
      assert(replies[i + 1] === DONT || replies[i + 1] === WONT);
    }
  }
});

Deno.test("Ctrl-C in Linux telnet discards the line, calls interrupt and has its timing mark refused every time", () => {
  const ctrlC = [IAC, IP, IAC, DO, TM];
  const outcome = decodeAnySplit(
    bytes("hal", ctrlC, "next\r\n", ctrlC, ctrlC, "last\r\n"),
  );
  assertEquals(outcome.events, [
    "interrupt",
    line("next"),
    "interrupt",
    "interrupt",
    line("last"),
  ]);
  // A second Ctrl-C must be answered too, or telnet keeps discarding output.
  assertEquals(outcome.replies, [
    ...[IAC, WONT, TM, IAC, WONT, TM, IAC, WONT, TM],
  ]);
});

for (const command of [IP, AO, BRK, ABORT]) {
  Deno.test(`IAC ${command} discards the line being typed and calls interrupt`, () => {
    const outcome = decodeAnySplit(bytes("abc", [IAC, command], "de\r\n"));
    assertEquals(outcome.events, ["interrupt", line("de")]);
    assertEquals(outcome.replies, []);
  });
}

Deno.test("an interrupt ends the skipping of a too-long line", () => {
  const outcome = decode([bytes("0123456789", [IAC, IP], "ok\r\n")], 8);
  assertEquals(outcome.events, [tooLong(8), "interrupt", line("ok")]);
});

Deno.test("IAC IAC is one 0xFF data byte, which no UTF-8 line holds", () => {
  // Four bytes with the line end: within the limit, so not UTF-8 is the error.
  assertEquals(
    decodeAnySplit(bytes("a", [IAC, IAC], "b\r\n"), 4).events,
    [invalid],
  );
  // One more byte and it is too long: the 0xFF counted once.
  assertEquals(
    decodeAnySplit(bytes("a", [IAC, IAC], "bc\r\n"), 4).events,
    [tooLong(4)],
  );
  assertEquals(decodeAnySplit(bytes("a", [IAC, NOP], "b\r\n")).events, [
    line("ab"),
  ]);
});

Deno.test("a subnegotiation is skipped whole, IAC IAC and IAC IAC SE inside it included", () => {
  const naws = [IAC, SB, NAWS, 0, IAC, IAC, 0, 24, IAC, SE];
  const ttype = [IAC, SB, TTYPE, 0, IAC, IAC, SE, 0x41, IAC, SE];
  const outcome = decodeAnySplit(bytes("h", naws, "i", ttype, "!\r\n"));
  assertEquals(outcome.events, [line("hi!")]);
  assertEquals(outcome.replies, []);
});

Deno.test("a subnegotiation that loses its IAC SE ends at the next command", () => {
  const outcome = decodeAnySplit(
    bytes([IAC, SB, NAWS, 0, 80, 0, 24, IAC, WILL, TTYPE], "hi\r\n"),
  );
  assertEquals(outcome.events, [line("hi")]);
  assertEquals(outcome.replies, [IAC, DONT, TTYPE]);
});

Deno.test("a subnegotiation that never ends is given up after its bound, with the rest of its line", () => {
  const endless = new Array<number>(MAX_SUBNEGOTIATION_BYTES + 10).fill(0x41);
  const outcome = decode([
    bytes("lost", [IAC, SB, NEW_ENVIRON], endless, "tail\r\nnext\r\n"),
  ]);
  assertEquals(outcome.events, [line("next")]);
});

const BS = "\x08";
const DEL = "\x7f";
const erases: { what: string; typed: string; left: string }[] = [
  { what: "an ASCII letter", typed: "abc", left: "ab" },
  { what: "a 3-byte character", typed: "a日", left: "a" },
  { what: "an emoji with a skin tone", typed: "ok 👍🏽", left: "ok " },
  {
    what: "a letter with a combining accent",
    typed: "cafe\u0301",
    left: "caf",
  },
  { what: "a flag", typed: "🇫🇷🇩🇪", left: "🇫🇷" },
  { what: "a family emoji", typed: "x👨‍👩‍👧", left: "x" },
  { what: "nothing", typed: "", left: "" },
];
for (const { what, typed, left } of erases) {
  for (const [name, key] of [["BS", BS], ["DEL", DEL]]) {
    Deno.test(`${name} erases ${what}`, () => {
      assertEquals(decodeAnySplit(bytes(typed, key!, "\r\n")).events, [
        line(left),
      ]);
    });
  }
  Deno.test(`IAC EC erases ${what}`, () => {
    assertEquals(decodeAnySplit(bytes(typed, [IAC, EC], "\r\n")).events, [
      line(left),
    ]);
  });
}

Deno.test("erases go back character by character through a mixed line", () => {
  const outcome = decodeAnySplit(
    bytes("añ日👍🏽b", BS, DEL, BS, "x", BS, BS, "\r\n"),
  );
  assertEquals(outcome.events, [line("a")]);
});

Deno.test("an erase takes one code point's worth of bytes off a line that is not UTF-8", () => {
  // "a", a stray continuation byte, then an erase: the stray byte goes.
  assertEquals(decodeAnySplit(bytes("a", [0x80], BS, "b\r\n")).events, [
    line("ab"),
  ]);
  // Half an emoji, then an erase: the half goes.
  assertEquals(decodeAnySplit(bytes("a", [0xf0, 0x9f], BS, "b\r\n")).events, [
    line("ab"),
  ]);
});

Deno.test("IAC EL erases the whole line being typed", () => {
  const outcome = decodeAnySplit(bytes("abc 👍🏽", [IAC, EL], "de\r\n"));
  assertEquals(outcome.events, [line("de")]);
});

Deno.test("IAC AYT is answered with a visible line, once per read", () => {
  const yes = [...new TextEncoder().encode("\r\n[Yes]\r\n")];
  assertEquals(decode([bytes([IAC, AYT])]).replies, yes);
  assertEquals(decode([bytes([IAC, AYT, IAC, AYT, IAC, AYT])]).replies, yes);
  assertEquals(decode([bytes([IAC, AYT]), bytes([IAC, AYT])]).replies, [
    ...yes,
    ...yes,
  ]);
  assertEquals(decodeAnySplit(bytes("ab", [IAC, AYT], "c\r\n")).events, [
    line("abc"),
  ]);
});

const endings: { what: string; sent: string; lines: string[] }[] = [
  { what: "LF", sent: "a\nb\n", lines: ["a", "b"] },
  { what: "CR LF", sent: "a\r\nb\r\n", lines: ["a", "b"] },
  { what: "bare CR", sent: "a\rb\r", lines: ["a", "b"] },
  { what: "CR NUL", sent: "a\r\0b\r\0", lines: ["a", "b"] },
  {
    what: "a mix",
    sent: "a\r\nb\nc\rd\r\0e\n\r\n\n",
    lines: ["a", "b", "c", "d", "e", "", ""],
  },
  { what: "CR CR", sent: "a\r\rb\r\n", lines: ["a", "", "b"] },
  { what: "LF CR", sent: "a\n\rb\r\n", lines: ["a", "", "b"] },
];
for (const { what, sent, lines } of endings) {
  Deno.test(`${what} ends a line exactly once`, () => {
    assertEquals(decodeAnySplit(bytes(sent)).events, lines.map(line));
  });
}

Deno.test("a CR at the end of one read and an LF at the start of the next are one line end", () => {
  assertEquals(decode([bytes("a\r"), bytes("\nb\r"), bytes("\0c\n")]).events, [
    line("a"),
    line("b"),
    line("c"),
  ]);
});

Deno.test("a bare CR delivers its line at once, without waiting for what follows", () => {
  const seen: LineResult[] = [];
  const decoder = new TelnetLineDecoder({ maxBytes: 64, reply: () => {} });
  decoder.push(bytes("tera term\r"), (r) => seen.push(r));
  assertEquals(seen, [line("tera term")]);
});

Deno.test("a command between CR and LF does not make an extra line", () => {
  assertEquals(decodeAnySplit(bytes("a\r", [IAC, NOP], "\nb\n")).events, [
    line("a"),
    line("b"),
  ]);
});

Deno.test("NUL inside a line is the NVT's no-op and dropped", () => {
  assertEquals(decodeAnySplit(bytes("a\0b\r\n")).events, [line("ab")]);
});

Deno.test("a line longer than the limit is reported once and skipped to its end", () => {
  const sent = bytes("0123456789abcdef\r\nok\r\n1234567\r\n12345678\r\n");
  const expected = [tooLong(8), line("ok"), line("1234567"), tooLong(8)];
  assertEquals(decodeAnySplit(sent, 8).events, expected);
  // Byte by byte, too.
  const oneByOne = Array.from(sent, (b) => Uint8Array.of(b));
  assertEquals(decode(oneByOne, 8).events, expected);
});

Deno.test("commands inside a line do not count towards its length", () => {
  const sent = bytes("1234", [IAC, WILL, NAWS, IAC, NOP], "567\r\n");
  assertEquals(decodeAnySplit(sent, 8).events, [line("1234567")]);
});

Deno.test("a line that is not UTF-8 is reported and the next one is fine", () => {
  const outcome = decodeAnySplit(bytes([0xc3, 0x28], "\r\nfine\r\n"));
  assertEquals(outcome.events, [invalid, line("fine")]);
});

Deno.test("a 4-byte UTF-8 character starting with 0xF2 is kept whole", () => {
  const text = String.fromCodePoint(0x80000);
  assertEquals(decodeAnySplit(bytes("a", text, "b\n")).events, [
    line(`a${text}b`),
  ]);
});

Deno.test("a Synch whose urgent byte the kernel removed leaves no trace", () => {
  // PuTTY sends IAC, then DM as urgent data: Linux keeps only the IAC.
  assertEquals(decode([bytes([IAC]), bytes("hi\r\n")]).events, [line("hi")]);
  // Linux telnet marks the IAC urgent: only the DM (0xF2) is left.
  assertEquals(decode([bytes([DM]), bytes("yz\r\n")]).events, [line("yz")]);
  assertEquals(decodeAnySplit(bytes("y", [DM], "z\r\n")).events, [line("yz")]);
});

Deno.test("WONT and DONT are never answered", () => {
  const sent = bytes([IAC, WONT, ECHO, IAC, DONT, ECHO, IAC, WONT, NAWS]);
  assertEquals(decodeAnySplit(sent).replies, []);
});

Deno.test("no reply loop when the peer answers our refusal with its own", () => {
  // A peer that acknowledges every DONT with WONT and every WONT with DONT.
  const decoder = new TelnetLineDecoder({
    maxBytes: 64,
    reply: (b) => toPeer.push(b),
  });
  const toPeer: Uint8Array[] = [];
  let sent = 0;
  decoder.push(bytes([IAC, WILL, NAWS, IAC, DO, ECHO]), () => {});
  for (let round = 0; round < 10 && toPeer.length > 0; round++) {
    const got = toPeer.splice(0).flatMap((b) => [...b]);
    sent += got.length;
    const answer: number[] = [];
    for (let i = 0; i < got.length; i += 3) {
      answer.push(IAC, got[i + 1] === DONT ? WONT : DONT, got[i + 2]!);
    }
    decoder.push(Uint8Array.from(answer), () => {});
  }
  assertEquals(sent, 6);
  assertEquals(toPeer, []);
});

Deno.test("no reply loop when the peer asks again every time it is refused", () => {
  // A broken peer that meets each refusal with the same request, over
  // several options at once.
  const toPeer: Uint8Array[] = [];
  const decoder = new TelnetLineDecoder({
    maxBytes: 64,
    reply: (b) => toPeer.push(b),
  });
  decoder.push(
    bytes([IAC, WILL, NAWS, IAC, WILL, TTYPE, IAC, DO, ECHO]),
    () => {},
  );
  let rounds = 0;
  while (toPeer.length > 0 && rounds < 10) {
    rounds++;
    const got = toPeer.splice(0).flatMap((b) => [...b]);
    const again: number[] = [];
    for (let i = 0; i < got.length; i += 3) {
      again.push(IAC, got[i + 1] === DONT ? WILL : DO, got[i + 2]!);
    }
    decoder.push(Uint8Array.from(again), () => {});
  }
  assertEquals(rounds, 1);
});

Deno.test("a request refused before is answered again once the person has typed", () => {
  const outcome = decode([
    bytes([IAC, WILL, NAWS]),
    bytes([IAC, WILL, NAWS]),
    bytes("x\r\n", [IAC, WILL, NAWS]),
  ]);
  assertEquals(outcome.replies, [IAC, DONT, NAWS, IAC, DONT, NAWS]);
});

Deno.test("end delivers a last line without a line end and drops a command cut short", () => {
  assertEquals(decode([bytes("last")]).events, [line("last")]);
  assertEquals(decode([bytes("last", [IAC, WILL])]).events, [line("last")]);
  assertEquals(decode([bytes([IAC, SB, NAWS, 0])]).events, []);
});

Deno.test("telnetOpening tells a telnet client by its first byte", () => {
  const cases: [Uint8Array, boolean][] = [
    [bytes(openings[0]!.opening), true],
    [bytes([IAC]), true],
    [bytes('{"type":"hello","v":1}\n'), false],
    [bytes("hello\r\n"), false],
    [new Uint8Array(0), false],
  ];
  for (const [data, expected] of cases) {
    assertEquals(telnetOpening(data), expected);
  }
});
