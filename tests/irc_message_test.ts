// Tables drawn on the ircdocs parser tests (msg-split.yaml, msg-join.yaml,
// https://github.com/ircdocs/parser-tests), restated in Lochat's terms:
// commands come back upper-cased, tags as a Map.

import { assert, assertEquals } from "./assert.ts";
import {
  type IrcLineResult,
  IrcLineSplitter,
  type IrcLineSplitterOptions,
} from "../lib/server/irc/line_splitter.ts";
import {
  MAX_CLIENT_TAG_BYTES,
  MAX_MESSAGE_BYTES,
  MAX_PARAMS,
} from "../lib/server/irc/limits.ts";
import {
  type IrcMessage,
  parseMessage,
  serializeMessage,
} from "../lib/server/irc/message.ts";
import { ircLower, isValidNick } from "../lib/server/irc/names.ts";
import {
  maxTextBytes,
  splitText,
  utf8ByteLength,
} from "../lib/server/irc/split_text.ts";
import { escapeTagValue, unescapeTagValue } from "../lib/server/irc/tags.ts";
import type { LineResult } from "../lib/shared/lines.ts";

const encoder = new TextEncoder();
const bytes = (text: string) => encoder.encode(text);

/** A message, for the tables: tags and source only when given. */
function msg(
  command: string,
  params: string[] = [],
  extra: { tags?: [string, string][]; source?: string } = {},
): IrcMessage {
  const message: IrcMessage = {
    tags: new Map(extra.tags ?? []),
    command,
    params,
  };
  if (extra.source !== undefined) message.source = extra.source;
  return message;
}

function parsed(line: string): IrcMessage {
  const result = parseMessage(line);
  if ("error" in result) {
    throw new Error(`${JSON.stringify(line)}: ${result.reason}`);
  }
  return result;
}

// ---------------------------------------------------------------------------
// Parsing

const numbers = Array.from({ length: 17 }, (_, i) => String(i + 1));

const PARSES: { name: string; line: string; expected: IrcMessage }[] = [
  {
    name: "a plain PRIVMSG has a target and a trailing text",
    line: "PRIVMSG #room :hello",
    expected: msg("PRIVMSG", ["#room", "hello"]),
  },
  {
    name: "middle parameters split on spaces",
    line: "foo bar baz asdf",
    expected: msg("FOO", ["bar", "baz", "asdf"]),
  },
  {
    name: "a source comes without its colon",
    line: ":coolguy foo bar baz asdf",
    expected: msg("FOO", ["bar", "baz", "asdf"], { source: "coolguy" }),
  },
  {
    name: "a trailing parameter keeps its spaces",
    line: "foo bar baz :asdf quux",
    expected: msg("FOO", ["bar", "baz", "asdf quux"]),
  },
  {
    name: "an empty trailing parameter is still a parameter",
    line: "foo bar baz :",
    expected: msg("FOO", ["bar", "baz", ""]),
  },
  {
    name: "a trailing parameter may start with a colon",
    line: "foo bar baz ::asdf",
    expected: msg("FOO", ["bar", "baz", ":asdf"]),
  },
  {
    name: "a trailing parameter keeps leading and ending spaces",
    line: ":coolguy foo bar baz :  asdf quux ",
    expected: msg("FOO", ["bar", "baz", "  asdf quux "], {
      source: "coolguy",
    }),
  },
  {
    name: "colons inside the trailing parameter are text",
    line: ":coolguy PRIVMSG bar :lol :) ",
    expected: msg("PRIVMSG", ["bar", "lol :) "], { source: "coolguy" }),
  },
  {
    name: "a trailing parameter of only spaces is kept",
    line: ":coolguy foo bar baz :  ",
    expected: msg("FOO", ["bar", "baz", "  "], { source: "coolguy" }),
  },
  {
    name: "tags with and without values",
    line: "@a=b;c=32;k;rt=ql7 foo",
    expected: msg("FOO", [], {
      tags: [["a", "b"], ["c", "32"], ["k", ""], ["rt", "ql7"]],
    }),
  },
  {
    name: "tag values are unescaped",
    line: "@a=b\\\\and\\nk;c=72\\s45;d=gh\\:764 foo",
    expected: msg("FOO", [], {
      tags: [["a", "b\\and\nk"], ["c", "72 45"], ["d", "gh;764"]],
    }),
  },
  {
    name: "tags, a source and a parameter together",
    line: "@c;h=;a=b :quux ab cd",
    expected: msg("AB", ["cd"], {
      tags: [["c", ""], ["h", ""], ["a", "b"]],
      source: "quux",
    }),
  },
  {
    name: "a last parameter without a colon",
    line: ":src JOIN #chan",
    expected: msg("JOIN", ["#chan"], { source: "src" }),
  },
  {
    name: "a last parameter with a colon is the same parameter",
    line: ":src JOIN :#chan",
    expected: msg("JOIN", ["#chan"], { source: "src" }),
  },
  {
    name: "a command with no parameters",
    line: ":src AWAY",
    expected: msg("AWAY", [], { source: "src" }),
  },
  {
    name: "a space after the command adds no parameter",
    line: ":src AWAY ",
    expected: msg("AWAY", [], { source: "src" }),
  },
  {
    name: "a tab is not a separator",
    line: ":cool\tguy foo bar baz",
    expected: msg("FOO", ["bar", "baz"], { source: "cool\tguy" }),
  },
  {
    name: "control codes in a source are kept",
    line: ":coolguy!ag@net\x035w\x03ork.admin PRIVMSG foo :bar baz",
    expected: msg("PRIVMSG", ["foo", "bar baz"], {
      source: "coolguy!ag@net\x035w\x03ork.admin",
    }),
  },
  {
    name: "vendor tags, an empty value and a source",
    line:
      "@tag1=value1;tag2;vendor1/tag3=value2;vendor2/tag4= :irc.example.com COMMAND param1 param2 :param3 param3",
    expected: msg("COMMAND", ["param1", "param2", "param3 param3"], {
      tags: [
        ["tag1", "value1"],
        ["tag2", ""],
        ["vendor1/tag3", "value2"],
        ["vendor2/tag4", ""],
      ],
      source: "irc.example.com",
    }),
  },
  {
    name: "a bare command",
    line: "COMMAND",
    expected: msg("COMMAND"),
  },
  {
    name: "escaped backslashes, semicolons, spaces, CR and LF in one value",
    line: "@foo=\\\\\\\\\\:\\\\s\\s\\r\\n COMMAND",
    expected: msg("COMMAND", [], { tags: [["foo", "\\\\;\\s \r\n"]] }),
  },
  {
    name: "several spaces between parameters count as one",
    line:
      ":gravel.mozilla.org 432  #momo :Erroneous Nickname: Illegal characters",
    expected: msg("432", ["#momo", "Erroneous Nickname: Illegal characters"], {
      source: "gravel.mozilla.org",
    }),
  },
  {
    name: "a space at the end adds no empty parameter",
    line: ":gravel.mozilla.org MODE #tckk +n ",
    expected: msg("MODE", ["#tckk", "+n"], { source: "gravel.mozilla.org" }),
  },
  {
    name: "several spaces at the end add no empty parameter",
    line: ":services.esper.net MODE #foo-bar +o foobar  ",
    expected: msg("MODE", ["#foo-bar", "+o", "foobar"], {
      source: "services.esper.net",
    }),
  },
  {
    name: "tag values are unescaped one character at a time",
    line: "@tag1=value\\\\ntest COMMAND",
    expected: msg("COMMAND", [], { tags: [["tag1", "value\\ntest"]] }),
  },
  {
    name: "an unknown escape drops its backslash",
    line: "@tag1=value\\1 COMMAND",
    expected: msg("COMMAND", [], { tags: [["tag1", "value1"]] }),
  },
  {
    name: "a lone backslash at the end of a value is dropped",
    line: "@tag1=value1\\ COMMAND",
    expected: msg("COMMAND", [], { tags: [["tag1", "value1"]] }),
  },
  {
    name: "a repeated tag keeps its last value",
    line: "@tag1=1;tag2=3;tag3=4;tag1=5 COMMAND",
    expected: msg("COMMAND", [], {
      tags: [["tag1", "5"], ["tag2", "3"], ["tag3", "4"]],
    }),
  },
  {
    name: "a vendor tag is distinct from the plain one",
    line: "@tag1=1;tag2=3;tag3=4;tag1=5;vendor/tag2=8 COMMAND",
    expected: msg("COMMAND", [], {
      tags: [["tag1", "5"], ["tag2", "3"], ["tag3", "4"], ["vendor/tag2", "8"]],
    }),
  },
  {
    name: "MODE with a trailing mode string",
    line: ":SomeOp MODE #channel :+i",
    expected: msg("MODE", ["#channel", "+i"], { source: "SomeOp" }),
  },
  {
    name: "MODE with middle and trailing nicks",
    line: ":SomeOp MODE #channel +oo SomeUser :AnotherUser",
    expected: msg("MODE", ["#channel", "+oo", "SomeUser", "AnotherUser"], {
      source: "SomeOp",
    }),
  },
  {
    name: "client-only and vendor tags as a client sends them",
    line: "@+draft/reply=123;+example.com/x=y PRIVMSG #a :hi",
    expected: msg("PRIVMSG", ["#a", "hi"], {
      tags: [["+draft/reply", "123"], ["+example.com/x", "y"]],
    }),
  },
  {
    name: "a command is upper-cased",
    line: "privmsg #a :hi",
    expected: msg("PRIVMSG", ["#a", "hi"]),
  },
  {
    name: "a numeric keeps its three digits",
    line: ":lochat 001 ann :Welcome to Lochat",
    expected: msg("001", ["ann", "Welcome to Lochat"], { source: "lochat" }),
  },
  {
    name: "after 14 middle parameters the rest of the line is the 15th",
    line: `CMD ${numbers.join(" ")}`,
    expected: msg("CMD", [...numbers.slice(0, 14), "15 16 17"]),
  },
  {
    name: "a 15th parameter with a colon loses only the colon",
    line: `CMD ${numbers.slice(0, 14).join(" ")}  :a :b`,
    expected: msg("CMD", [...numbers.slice(0, 14), "a :b"]),
  },
  {
    name: "spaces before the command are skipped",
    line: "   PING lochat",
    expected: msg("PING", ["lochat"]),
  },
  {
    name: "an empty tags section is no tags",
    line: "@ PING x",
    expected: msg("PING", ["x"]),
  },
  {
    name: "several spaces after the tags and the source",
    line: "@a=1   :src   PING   x",
    expected: msg("PING", ["x"], { tags: [["a", "1"]], source: "src" }),
  },
  {
    name: "a trailing parameter that is only a colon",
    line: "PRIVMSG #a ::",
    expected: msg("PRIVMSG", ["#a", ":"]),
  },
  {
    name: "non-ASCII text passes through",
    line: ":ann PRIVMSG #a :héllo wörld 👋",
    expected: msg("PRIVMSG", ["#a", "héllo wörld 👋"], { source: "ann" }),
  },
];

for (const { name, line, expected } of PARSES) {
  Deno.test(`parsing: ${name}`, () => {
    assertEquals(parseMessage(line), expected, JSON.stringify(line));
  });
}

const REFUSALS: {
  name: string;
  line: string;
  error: string;
  command?: string;
}[] = [
  { name: "an empty line", line: "", error: "empty" },
  { name: "a line of only spaces", line: "    ", error: "empty" },
  { name: "tags and nothing else", line: "@a=b", error: "no-command" },
  { name: "tags and spaces", line: "@a=b   ", error: "no-command" },
  { name: "a source and nothing else", line: ":src", error: "no-command" },
  { name: "a source and spaces", line: ":src   ", error: "no-command" },
  {
    name: "a colon with no source",
    line: ": PRIVMSG #a :x",
    error: "bad-source",
  },
  {
    name: "a command of letters and digits",
    line: "PRIV1 #a",
    error: "bad-command",
    command: "PRIV1",
  },
  {
    name: "a numeric of four digits",
    line: "4321 x",
    error: "bad-command",
    command: "4321",
  },
  {
    name: "a numeric of two digits",
    line: "12 x",
    error: "bad-command",
    command: "12",
  },
  {
    name: "tags not at the very start",
    line: " @a=b PING",
    error: "bad-command",
    command: "@a=b",
  },
  {
    name: "a NUL inside the line",
    line: "PRIVMSG #a :hi\0there",
    error: "bad-character",
  },
  {
    name: "a CR inside the line",
    line: "PRIVMSG #a :hi\rQUIT",
    error: "bad-character",
  },
  {
    name: "an LF inside the line",
    line: "PRIVMSG #a :hi\nQUIT",
    error: "bad-character",
  },
];

for (const { name, line, error, command } of REFUSALS) {
  Deno.test(`parsing refuses ${name}`, () => {
    const result = parseMessage(line);
    assert("error" in result, `${JSON.stringify(line)} parsed`);
    assertEquals(result.error, error);
    assert(result.reason.length > 0);
    if (command !== undefined) {
      assert(result.error === "bad-command");
      assertEquals(result.command, command);
    }
  });
}

Deno.test("parsing never throws, whatever the line", () => {
  const pieces = ["@", ":", " ", "a", "=", ";", "\\", "1", "\0", "\r", "é"];
  let seed = 7;
  for (let n = 0; n < 2000; n++) {
    let line = "";
    for (let i = n % 23; i > 0; i--) {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      line += pieces[seed % pieces.length] ?? "";
    }
    const result = parseMessage(line);
    assert("error" in result || result.command.length > 0, line);
  }
});

// ---------------------------------------------------------------------------
// Serializing

const WRITES: { name: string; message: IrcMessage; line: string }[] = [
  {
    name: "middle parameters go without a colon",
    message: msg("FOO", ["bar", "baz", "asdf"]),
    line: "FOO bar baz asdf",
  },
  {
    name: "a source is written with its colon",
    message: msg("AWAY", [], { source: "src" }),
    line: ":src AWAY",
  },
  {
    name: "an empty last parameter is written as trailing",
    message: msg("AWAY", [""], { source: "src" }),
    line: ":src AWAY :",
  },
  {
    name: "a last parameter with a space is written as trailing",
    message: msg("FOO", ["bar", "baz", "asdf quux"], { source: "coolguy" }),
    line: ":coolguy FOO bar baz :asdf quux",
  },
  {
    name: "a last parameter starting with a colon is written as trailing",
    message: msg("FOO", ["bar", "baz", ":asdf"]),
    line: "FOO bar baz ::asdf",
  },
  {
    name: "a last parameter of only spaces keeps them",
    message: msg("FOO", ["bar", "baz", "  "], { source: "coolguy" }),
    line: ":coolguy FOO bar baz :  ",
  },
  {
    name: "what looks like another trailing stays text",
    message: msg("PRIVMSG", ["bar", "lol :) "], { source: "coolguy" }),
    line: ":coolguy PRIVMSG bar :lol :) ",
  },
  {
    name: "a colon later in the last parameter needs no trailing",
    message: msg("PRIVMSG", ["#a", "a:b"]),
    line: "PRIVMSG #a a:b",
  },
  {
    name: "a tab is not a space",
    message: msg("FOO", ["b\tar", "baz"], { source: "coolguy" }),
    line: ":coolguy FOO b\tar baz",
  },
  {
    name: "a tag with an empty value is written as the bare key",
    message: msg("FOO", ["bar", "baz", "  "], {
      tags: [["asd", ""]],
      source: "coolguy",
    }),
    line: "@asd :coolguy FOO bar baz :  ",
  },
  {
    name: "tag values are escaped",
    message: msg("FOO", ["par1", "par2"], {
      tags: [["a", "b\\and\nk"], ["d", "gh;764"]],
    }),
    line: "@a=b\\\\and\\nk;d=gh\\:764 FOO par1 par2",
  },
  {
    name: "every escape in one value",
    message: msg("COMMAND", [], { tags: [["foo", "\\\\;\\s \r\n"]] }),
    line: "@foo=\\\\\\\\\\:\\\\s\\s\\r\\n COMMAND",
  },
  {
    name: "client-only vendor tags keep their prefix",
    message: msg("TAGMSG", ["#a"], { tags: [["+example.com/foo", "bar"]] }),
    line: "@+example.com/foo=bar TAGMSG #a",
  },
  {
    name: "a smiley starting with a colon",
    message: msg("PRIVMSG", ["#chan", ":-)"], { source: "dan!d@localhost" }),
    line: ":dan!d@localhost PRIVMSG #chan ::-)",
  },
];

for (const { name, message, line } of WRITES) {
  Deno.test(`serializing: ${name}`, () => {
    assertEquals(serializeMessage(message), line);
  });
}

Deno.test("serializing takes a message without tags or params", () => {
  assertEquals(serializeMessage({ command: "PING" }), "PING");
  assertEquals(
    serializeMessage({ command: "PONG", params: ["lochat"], tags: new Map() }),
    "PONG lochat",
  );
});

const MISTAKES: {
  name: string;
  message: Parameters<typeof serializeMessage>[0];
}[] = [
  { name: "a middle parameter with a space", message: msg("X", ["a b", "c"]) },
  { name: "an empty middle parameter", message: msg("X", ["", "c"]) },
  {
    name: "a middle parameter starting with a colon",
    message: msg("X", [":a", "c"]),
  },
  { name: "a parameter with CR", message: msg("PRIVMSG", ["#a", "hi\rQUIT"]) },
  { name: "a parameter with LF", message: msg("PRIVMSG", ["#a", "hi\nQUIT"]) },
  { name: "a parameter with NUL", message: msg("PRIVMSG", ["#a", "hi\0"]) },
  { name: "16 parameters", message: msg("X", numbers.slice(0, 16)) },
  { name: "a command with a space", message: msg("PRIV MSG", []) },
  { name: "an empty command", message: msg("", []) },
  { name: "a two-digit numeric", message: msg("12", []) },
  { name: "a source with a space", message: msg("X", [], { source: "a b" }) },
  { name: "an empty source", message: msg("X", [], { source: "" }) },
  {
    name: "a tag key with a space",
    message: msg("X", [], { tags: [["a b", "1"]] }),
  },
  { name: "an empty tag key", message: msg("X", [], { tags: [["", "1"]] }) },
  {
    name: "a NUL in a tag value",
    message: msg("X", [], { tags: [["a", "\0"]] }),
  },
];

for (const { name, message } of MISTAKES) {
  Deno.test(`serializing throws on ${name}`, () => {
    let thrown: unknown;
    try {
      serializeMessage(message);
    } catch (error) {
      thrown = error;
    }
    assert(thrown instanceof TypeError, `no TypeError for ${name}`);
  });
}

Deno.test("15 parameters are written, the last as trailing when needed", () => {
  const message = msg("X", [...numbers.slice(0, 14), "last one"]);
  assertEquals(parsed(serializeMessage(message)), message);
  assertEquals(message.params.length, MAX_PARAMS);
});

// ---------------------------------------------------------------------------
// Round trips

Deno.test("every parsed table message round-trips through serializing", () => {
  for (const { line, expected } of PARSES) {
    assertEquals(parsed(serializeMessage(expected)), expected, line);
  }
});

Deno.test("hand-made messages round-trip: parse(serialize(m)) is m", () => {
  const messages: IrcMessage[] = [
    msg("PRIVMSG", ["#games", "gg"], { source: "ann!ann@lochat" }),
    msg("PRIVMSG", ["#games", ""], { source: "ann" }),
    msg("PRIVMSG", ["#games", "  spaced  out  "]),
    msg("PRIVMSG", ["#games", ":::"]),
    msg("NOTICE", ["bob", "semi;colon back\\slash é 👨‍👩‍👧"]),
    msg("353", ["ann", "=", "#games", "ann bob @carol"], { source: "lochat" }),
    msg("TAGMSG", ["#a"], {
      tags: [
        ["+typing", "active"],
        ["msgid", "a;b c\\d\re\nf"],
        ["time", "2024-01-01T00:00:00.000Z"],
        ["+lochat.example/empty", ""],
      ],
    }),
    msg("CAP", ["*", "LS", "multi-prefix sasl message-tags"]),
    msg("PING", []),
  ];
  for (const message of messages) {
    assertEquals(
      parsed(serializeMessage(message)),
      message,
      serializeMessage(message),
    );
  }
});

Deno.test("tag escaping round-trips any value, and unescaping is lenient", () => {
  for (const value of ["", "plain", "; \\\r\n", "\\\\s", "é;😀 ", "a\\"]) {
    assertEquals(unescapeTagValue(escapeTagValue(value)), value);
  }
  assertEquals(unescapeTagValue("\\"), "");
  assertEquals(unescapeTagValue("a\\b\\c"), "abc");
});

// ---------------------------------------------------------------------------
// Framing

function frame(
  chunks: (string | Uint8Array)[],
  options?: IrcLineSplitterOptions,
): IrcLineResult[] {
  const splitter = new IrcLineSplitter(options);
  const out: IrcLineResult[] = [];
  for (const chunk of chunks) {
    splitter.push(
      typeof chunk === "string" ? bytes(chunk) : chunk,
      (r) => out.push(r),
    );
  }
  splitter.end((r) => out.push(r));
  return out;
}

const ok = (line: string): IrcLineResult => ({
  ok: true,
  line,
  encoding: "utf-8",
});
const BODY_TOO_LONG: IrcLineResult = {
  ok: false,
  error: "too-long",
  section: "body",
  limit: MAX_MESSAGE_BYTES,
};
const TAGS_TOO_LONG: IrcLineResult = {
  ok: false,
  error: "too-long",
  section: "tags",
  limit: MAX_CLIENT_TAG_BYTES,
};

/** A PRIVMSG whose line is exactly `size` bytes, line ending not counted. */
function lineOf(size: number, last = "x"): string {
  const head = "PRIVMSG #a :";
  return head + "y".repeat(size - head.length - utf8ByteLength(last)) + last;
}
const tagsOf = (dataBytes: number) => `@a=${"t".repeat(dataBytes - 2)} `;

const FRAMES: {
  name: string;
  chunks: (string | Uint8Array)[];
  expected: IrcLineResult[];
  options?: IrcLineSplitterOptions;
}[] = [
  {
    name: "CR LF ends a line",
    chunks: ["NICK ann\r\nUSER ann 0 * :Ann\r\n"],
    expected: [ok("NICK ann"), ok("USER ann 0 * :Ann")],
  },
  {
    name: "a bare LF ends a line",
    chunks: ["NICK ann\nPING x\n"],
    expected: [ok("NICK ann"), ok("PING x")],
  },
  {
    name: "a bare CR ends a line",
    chunks: ["NICK ann\rPING x\r"],
    expected: [ok("NICK ann"), ok("PING x")],
  },
  {
    name: "a CR LF split across reads is one ending",
    chunks: ["NICK ann\r", "\nPING x\r", "", "\n"],
    expected: [ok("NICK ann"), ok("PING x")],
  },
  {
    name: "empty lines are dropped",
    chunks: ["\r\n\r\nPING x\n\n\r\rPING y\r\n"],
    expected: [ok("PING x"), ok("PING y")],
  },
  {
    name: "a line split across many reads comes out whole",
    chunks: ["PRI", "VMSG #a", " :hel", "lo\r\n"],
    expected: [ok("PRIVMSG #a :hello")],
  },
  {
    name: "a character split across reads is decoded whole",
    chunks: [
      new Uint8Array([0x50, 0x20, 0xe2]),
      new Uint8Array([0x82]),
      new Uint8Array([0xac, 0x0d, 0x0a]),
    ],
    expected: [ok("P €")],
  },
  {
    name: "a last line without an ending counts at the end",
    chunks: ["PING x\r\nQUIT"],
    expected: [ok("PING x"), ok("QUIT")],
  },
  {
    name: "a 512-byte message, CR LF included, is accepted",
    chunks: [lineOf(510) + "\r\n"],
    expected: [ok(lineOf(510))],
  },
  {
    name: "a 513-byte message is refused once and the next line survives",
    chunks: [lineOf(511) + "\r\nPING x\r\n"],
    expected: [BODY_TOO_LONG, ok("PING x")],
  },
  {
    name: "a 510-byte line ended by a bare LF is accepted",
    chunks: [lineOf(510) + "\n"],
    expected: [ok(lineOf(510))],
  },
  {
    name: "a 512-byte message in many reads is accepted",
    chunks: [lineOf(510).slice(0, 200), lineOf(510).slice(200), "\r", "\n"],
    expected: [ok(lineOf(510))],
  },
  {
    name: "a long line in many reads is refused once and skipped to its end",
    chunks: ["PRIVMSG #a :", "z".repeat(400), "z".repeat(400), "z\r\nPING x\n"],
    expected: [BODY_TOO_LONG, ok("PING x")],
  },
  {
    name: "a character ending at byte 510 is accepted",
    chunks: [lineOf(510, "é") + "\r\n"],
    expected: [ok(lineOf(510, "é"))],
  },
  {
    name: "a character straddling byte 510 makes the line too long",
    chunks: [lineOf(509, "y") + "é\r\n"],
    expected: [BODY_TOO_LONG],
  },
  {
    name: "4094 bytes of tag data and a 510-byte message are accepted",
    chunks: [tagsOf(4094) + lineOf(510) + "\r\n"],
    expected: [ok(tagsOf(4094) + lineOf(510))],
  },
  {
    name: "tags at their limit in many reads are accepted",
    chunks: [tagsOf(4094).slice(0, 4000), tagsOf(4094).slice(4000), "PING x\n"],
    expected: [ok(tagsOf(4094) + "PING x")],
  },
  {
    name: "4095 bytes of tag data are refused as tags",
    chunks: [tagsOf(4095) + "PING x\r\nPING y\r\n"],
    expected: [TAGS_TOO_LONG, ok("PING y")],
  },
  {
    name: "tags that never end are refused once, in any reads",
    chunks: ["@a=", "t".repeat(3000), "t".repeat(3000), " PING x\nPING y\n"],
    expected: [TAGS_TOO_LONG, ok("PING y")],
  },
  {
    name: "with tags, the 512 bytes are counted after them",
    chunks: [tagsOf(3000) + lineOf(511) + "\r\n"],
    expected: [BODY_TOO_LONG],
  },
  {
    name: "a line that is not UTF-8 is decoded as Windows-1252",
    chunks: [new Uint8Array([0x50, 0x20, 0x63, 0x61, 0x66, 0xe9, 0x80, 0x0a])],
    expected: [{ ok: true, line: "P café€", encoding: "windows-1252" }],
  },
  {
    name: "the fallback is per line",
    chunks: [new Uint8Array([0xe9, 0x0a]), "é\n"],
    expected: [{ ok: true, line: "é", encoding: "windows-1252" }, ok("é")],
  },
  {
    name: "without the fallback a line that is not UTF-8 is reported",
    chunks: [new Uint8Array([0x50, 0xff, 0x0a]), "PING x\n"],
    expected: [{ ok: false, error: "invalid-utf8" }, ok("PING x")],
    options: { fallback: "none" },
  },
];

for (const { name, chunks, expected, options } of FRAMES) {
  Deno.test(`framing: ${name}`, () => {
    assertEquals(frame(chunks, options), expected);
  });
}

Deno.test("framing: the same stream gives the same lines however it is cut", () => {
  const stream = bytes(
    `${tagsOf(100)}PING a\r\nPING b\nPING c\r${lineOf(600)}\r\nPING é\r\n`,
  );
  const expected = frame([stream]);
  assertEquals(expected.length, 5);
  for (const size of [1, 2, 3, 7, 64, 511, 512, 513]) {
    const chunks: Uint8Array[] = [];
    for (let at = 0; at < stream.length; at += size) {
      chunks.push(stream.subarray(at, at + size));
    }
    assertEquals(frame(chunks), expected, `chunks of ${size}`);
  }
});

Deno.test("framing results are LineResults too", () => {
  const results: LineResult[] = frame(["PING x\n"]);
  assertEquals(results, [ok("PING x")]);
});

Deno.test("framed lines parse: a whole connection's worth", () => {
  const lines = frame([
    "CAP LS 302\r\nNICK ann\r\nUSER ann 0 * :Ann Example\r\n",
    "@+typing=active TAGMSG #games\r\nPRIVMSG #games :hi :)\r\n",
  ]);
  const messages = lines.map((r) => r.ok ? parsed(r.line) : undefined);
  assertEquals(messages, [
    msg("CAP", ["LS", "302"]),
    msg("NICK", ["ann"]),
    msg("USER", ["ann", "0", "*", "Ann Example"]),
    msg("TAGMSG", ["#games"], { tags: [["+typing", "active"]] }),
    msg("PRIVMSG", ["#games", "hi :)"]),
  ]);
});

// ---------------------------------------------------------------------------
// Text that fits

const family = "👨‍👩‍👧"; // 3 emoji joined by 2 ZWJ: 18 bytes, one grapheme

const SPLITS: {
  name: string;
  text: string;
  maxBytes: number;
  expected: string[];
}[] = [
  { name: "no text is no pieces", text: "", maxBytes: 10, expected: [] },
  {
    name: "a short text is one piece",
    text: "hi",
    maxBytes: 10,
    expected: ["hi"],
  },
  {
    name: "a text of exactly maxBytes is one piece",
    text: "héllo",
    maxBytes: 6,
    expected: ["héllo"],
  },
  {
    name: "ASCII is cut every maxBytes",
    text: "abcdefghij",
    maxBytes: 4,
    expected: ["abcd", "efgh", "ij"],
  },
  {
    name: "a two-byte letter is never cut",
    text: "héllo wörld",
    maxBytes: 6,
    expected: ["héllo", " wörl", "d"],
  },
  {
    name: "a joined emoji stays whole when it fits",
    text: `ab${family}`,
    maxBytes: 20,
    expected: [`ab${family}`],
  },
  {
    name: "a joined emoji moves whole to the next piece",
    text: `abc${family}`,
    maxBytes: 20,
    expected: ["abc", family],
  },
  {
    name: "flags are not split into regional letters",
    text: "🇫🇷🇩🇪",
    maxBytes: 12,
    expected: ["🇫🇷", "🇩🇪"],
  },
  {
    name: "a letter with a combining accent stays together",
    text: "e\u0301e\u0301e\u0301",
    maxBytes: 4,
    expected: ["e\u0301", "e\u0301", "e\u0301"],
  },
  {
    name: "a grapheme longer than maxBytes is cut between code points",
    text: family,
    maxBytes: 8,
    expected: ["👨\u200d", "👩\u200d", "👧"],
  },
  {
    name: "a four-byte character fits a four-byte piece",
    text: "😀😀",
    maxBytes: 4,
    expected: ["😀", "😀"],
  },
];

for (const { name, text, maxBytes, expected } of SPLITS) {
  Deno.test(`splitting text: ${name}`, () => {
    const pieces = splitText(text, maxBytes);
    assertEquals(pieces, expected);
    assertEquals(pieces.join(""), text);
    for (const piece of pieces) assert(utf8ByteLength(piece) <= maxBytes);
  });
}

Deno.test("splitting text refuses a maxBytes no character can fit", () => {
  for (const maxBytes of [0, 3, 4.5, NaN]) {
    let thrown: unknown;
    try {
      splitText("text", maxBytes);
    } catch (error) {
      thrown = error;
    }
    assert(thrown instanceof RangeError, String(maxBytes));
  }
});

Deno.test("a character straddling byte 510 of a PRIVMSG goes to the next one", () => {
  const source = "ann!ann@lochat";
  const room = maxTextBytes(source, "#games");
  assertEquals(room, 478);
  // 477 bytes of text end at byte 509 of the line; "€" would take 510–512.
  const text = "a".repeat(room - 1) + "€b";
  const pieces = splitText(text, room);
  assertEquals(pieces, ["a".repeat(room - 1), "€b"]);
  for (const piece of pieces) {
    const line = serializeMessage({
      source,
      command: "PRIVMSG",
      params: ["#games", piece],
    });
    assert(utf8ByteLength(line) + 2 <= MAX_MESSAGE_BYTES, line);
    assertEquals(frame([line + "\r\n"]), [ok(line)]);
  }
});

Deno.test("a long mixed message becomes PRIVMSGs that all fit and rejoin", () => {
  const source = "carol!carol@lochat.local";
  const text = "Grüße 👋🏽 from the café — ".repeat(60) + family.repeat(40);
  const pieces = splitText(text, maxTextBytes(source, "#lounge"));
  assert(pieces.length > 3);
  assertEquals(pieces.join(""), text);
  for (const piece of pieces) {
    const line = serializeMessage({
      source,
      command: "PRIVMSG",
      params: ["#lounge", piece],
    });
    assertEquals(utf8ByteLength(line) + 2 <= MAX_MESSAGE_BYTES, true);
    assert(!piece.includes("\uFFFD"));
  }
});

Deno.test("maxTextBytes counts the source, command, target, ' :' and CR LF", () => {
  assertEquals(maxTextBytes("ann!ann@lochat", "#games"), 478);
  assertEquals(maxTextBytes("ann!ann@lochat", "#games", "NOTICE"), 479);
  assertEquals(maxTextBytes(undefined, "#games"), 512 - 8 - 6 - 2 - 2);
  assertEquals(maxTextBytes("é", "bob"), 512 - 4 - 8 - 3 - 2 - 2);
  assertEquals(maxTextBytes("x".repeat(600), "#a"), 0);
});

Deno.test("utf8ByteLength agrees with TextEncoder", () => {
  for (
    const text of [
      "",
      "abc",
      "é",
      "€",
      "😀",
      family,
      "a\uD800b",
      "\uDC00",
      "né €😀",
    ]
  ) {
    assertEquals(utf8ByteLength(text), encoder.encode(text).length, text);
  }
});

// ---------------------------------------------------------------------------
// Nicks

Deno.test("IRC nicks: letters, digits and []\\`^{}|_- not starting with a digit or -", () => {
  for (
    const nick of [
      "ann",
      "Bob_2",
      "[away]ann",
      "`x",
      "^_^",
      "{a}|b",
      "a-1",
      "_",
    ]
  ) {
    assertEquals(isValidNick(nick), true, nick);
  }
  for (
    const nick of [
      "",
      "2ann",
      "-ann",
      "ann!x",
      "a b",
      "a@b",
      "#chan",
      "аnn",
      "a.b",
      "a~",
    ]
  ) {
    assertEquals(isValidNick(nick), false, nick);
  }
});

Deno.test("IRC nicks may be limited to NICKLEN characters", () => {
  assertEquals(isValidNick("a".repeat(24), 24), true);
  assertEquals(isValidNick("a".repeat(25), 24), false);
});

Deno.test("ircLower folds ASCII letters only (CASEMAPPING=ascii)", () => {
  assertEquals(ircLower("Ann[Away]"), "ann[away]");
  assertEquals(ircLower("#GAMES"), "#games");
  assertEquals(ircLower("ÉCOLE İ"), "École İ");
  assertEquals(ircLower("already-lower_1"), "already-lower_1");
  assertEquals(ircLower("Ann") === ircLower("aNN"), true);
  assertEquals(ircLower("[") === ircLower("{"), false);
});

Deno.test("serializing with trailing writes the last parameter after ':' even when it need not be", () => {
  assertEquals(
    serializeMessage({ command: "NICK", params: ["ann"], trailing: true }),
    "NICK :ann",
  );
  assertEquals(
    serializeMessage({
      command: "PRIVMSG",
      params: ["#a", "hi"],
      trailing: true,
    }),
    "PRIVMSG #a :hi",
  );
  assertEquals(parsed("PRIVMSG #a :hi").params, ["#a", "hi"]);
});
