/**
 * The fuzzer's oracle (`tests/fuzz.ts`): what must hold of every byte the
 * server sends, and which of a native client's message ids it must answer.
 *
 * {@linkcode OutputChecker} reads one connection's output as it arrives and
 * records a {@linkcode Violation} for:
 *
 * - **surrogate**: a string of a decoded frame that is not well-formed UTF-16
 *   (`isWellFormed`), or a JSON escape of an unpaired surrogate (`\ud800`
 *   without its low half, a low half alone) in the raw line;
 * - **control**: a C0 or C1 control character or DEL (General_Category Cc),
 *   or LINE SEPARATOR / PARAGRAPH SEPARATOR, anywhere in the output: in a
 *   text line (besides its own CR LF) or in any string of a frame. The one
 *   exception is LF inside a `reply` frame's `text`, the server's own line
 *   breaks between the lines of a multi-line answer (`/help`);
 * - **bidi**: an embedding, override or isolate (U+202A–U+202E,
 *   U+2066–U+2069), except FSI U+2068 … PDI U+2069 pairs that balance within
 *   one string or text line (what the server puts around right-to-left
 *   text). The marks LRM, RLM and ALM are not controls: the policy keeps them
 *   (`docs/protocol.md`, Text hygiene);
 * - **internal**: an `error` frame with code `internal`;
 * - **utf8**: output that is not UTF-8 once telnet replies are taken out;
 * - **telnet**: a telnet command from the server other than `WONT x` or
 *   `DONT x` answering a `DO x` or `WILL x` the connection sent (the server
 *   never offers an option, so it never puts a client in character mode);
 * - **framing**: a line that ends in a bare LF and is not a server frame (text
 *   mode ends every line with CR LF; native output is frames), a frame after
 *   text mode began, a second `welcome`, output that ends inside a line;
 * - **prehello**: an `ack` before `welcome`.
 *
 * {@linkcode expectedAnswers} says which ids a native connection's lines must
 * get answers for, and {@linkcode compareAnswers} holds the answers received
 * to it (exactly once each, in order). The rest of the oracle (the server's
 * log, its exit, the control clients) is in `tests/fuzz.ts`.
 *
 * @module
 */

import { decodeServerFrame, type ServerFrame } from "../lib/shared/protocol.ts";
import { decodeClientFrame } from "../lib/shared/protocol.ts";
import { clean } from "../lib/shared/text.ts";

/** One thing the oracle found wrong. */
export interface Violation {
  /** Which rule: `answers`, `surrogate`, `control`, `bidi`, `internal` … */
  oracle: string;
  /** What was seen, for people. */
  detail: string;
}

const IAC = 0xff;
const SB = 0xfa;
const WILL = 0xfb;
const WONT = 0xfc;
const DO = 0xfd;
const DONT = 0xfe;
const LF = 0x0a;

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** Anything the string checks must look at more closely. */
// deno-lint-ignore no-control-regex
const SUSPECT = /[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

/**
 * The (verb, option) telnet replies the server may send a connection that
 * sent `bytes`: `DONT x` for each `IAC WILL x` in them, `WONT x` for each
 * `IAC DO x`. A superset (a triple inside a subnegotiation counts too).
 */
export function allowedTelnetReplies(bytes: Uint8Array): Set<number> {
  const allowed = new Set<number>();
  for (let i = bytes.indexOf(IAC); i !== -1; i = bytes.indexOf(IAC, i + 1)) {
    const verb = bytes[i + 1];
    const option = bytes[i + 2];
    if (option === undefined) break;
    if (verb === WILL) allowed.add((DONT << 8) | option);
    if (verb === DO) allowed.add((WONT << 8) | option);
  }
  return allowed;
}

/**
 * Checks one string of the output. `allowLf`: the server's own line breaks
 * (a `reply`'s text). Returns the problems, empty when none.
 */
export function checkString(
  text: string,
  where: string,
  allowLf = false,
): Violation[] {
  const found: Violation[] = [];
  if (!text.isWellFormed()) {
    found.push({
      oracle: "surrogate",
      detail: `unpaired surrogate in ${where}: ${show(text)}`,
    });
  }
  if (!SUSPECT.test(text)) return found;
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === LF && allowLf) continue;
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || c === 0x2028 || c === 0x2029) {
      found.push({
        oracle: "control",
        detail: `U+${hex(c)} at ${i} in ${where}: ${show(text)}`,
      });
      return found;
    }
    if (c === 0x2068) depth++;
    else if (c === 0x2069) {
      if (depth === 0) {
        found.push({
          oracle: "bidi",
          detail: `PDI without its FSI at ${i} in ${where}: ${show(text)}`,
        });
        return found;
      }
      depth--;
    } else if ((c >= 0x202a && c <= 0x202e) || c === 0x2066 || c === 0x2067) {
      found.push({
        oracle: "bidi",
        detail: `U+${hex(c)} at ${i} in ${where}: ${show(text)}`,
      });
      return found;
    }
  }
  if (depth !== 0) {
    found.push({
      oracle: "bidi",
      detail: `${depth} FSI without a PDI in ${where}: ${show(text)}`,
    });
  }
  return found;
}

/**
 * JSON escapes of unpaired surrogates in a raw JSON line: `\ud83d` not
 * followed at once by a low-surrogate escape, or a low one not preceded by a
 * high one. (`JSON.stringify` writes exactly these for a lone surrogate.)
 */
export function loneSurrogateEscape(line: string): string | undefined {
  if (!line.includes("\\u")) return undefined;
  const escape = /\\(?:u([0-9a-fA-F]{4})|[\s\S])/g;
  let highEnd = -1;
  for (let m = escape.exec(line); m !== null; m = escape.exec(line)) {
    const unit = m[1] === undefined ? -1 : parseInt(m[1], 16);
    const isHigh = unit >= 0xd800 && unit <= 0xdbff;
    const isLow = unit >= 0xdc00 && unit <= 0xdfff;
    if (highEnd !== -1 && !(isLow && m.index === highEnd)) {
      return `\\u${
        line.slice(highEnd - 4, highEnd)
      } not followed by a low surrogate`;
    }
    if (isLow && highEnd !== m.index) return `\\u${m[1]} alone`;
    highEnd = isHigh ? escape.lastIndex : -1;
  }
  if (highEnd !== -1) {
    return `\\u${line.slice(highEnd - 4, highEnd)} at the end`;
  }
  return undefined;
}

/** An `ack` or an `error` carrying an id: the answer to a `msg`. */
export interface Answer {
  id: string;
  kind: "ack" | "error";
  code?: string;
}

/** Options of {@linkcode OutputChecker}. */
export interface CheckerOptions {
  /** Who this is, for messages. */
  label: string;
  /** Telnet replies the connection may get ({@linkcode allowedTelnetReplies}). */
  telnetReplies?: Set<number>;
  /** Called with each frame, once it has been checked. */
  onFrame?: (frame: ServerFrame) => void;
}

/** Violations kept per connection at most: one fault tends to repeat. */
const KEEP = 8;

/**
 * One connection's output, checked as it arrives: push each read with
 * {@linkcode OutputChecker.push}, then {@linkcode OutputChecker.end}.
 */
export class OutputChecker {
  readonly label: string;
  readonly violations: Violation[] = [];
  /** `ack`s and id-carrying `error`s after `welcome`, in order. */
  readonly answers: Answer[] = [];
  /** True once a `welcome` frame came. */
  welcomed = false;
  /** `error` frames before `welcome`, rate-limit notices not counted. */
  errorsBeforeWelcome = 0;
  /** True once text mode began (`You are … in #…`). */
  textMode = false;
  /** True once a text-mode user was asked for the password. */
  passwordAsked = false;
  /** Text-mode refusals (`! …`) before text mode began, rate-limit notices not counted. */
  textRefusalsBefore = 0;
  /** True once a `bye` came or the text-mode goodbye line. */
  bye = false;
  /** The last few lines, for messages. */
  readonly recent: string[] = [];
  /** Telnet refusals (`WONT`/`DONT`) received. */
  telnetReplies = 0;
  /** Lines and frames checked. */
  lines = 0;
  frames = 0;
  bytes = 0;
  #options: CheckerOptions;
  /** Telnet reply parsing: 0 data, 1 after IAC, 2 after IAC and a verb. */
  #telnet = 0;
  #verb = 0;
  #line: Uint8Array = new Uint8Array(256);
  #length = 0;

  constructor(options: CheckerOptions) {
    this.#options = options;
    this.label = options.label;
  }

  /** Records a violation (only the first few of a connection are kept). */
  fail(oracle: string, detail: string): void {
    if (this.violations.length < KEEP) {
      this.violations.push({ oracle, detail: `${this.label}: ${detail}` });
    }
  }

  /** Takes the next bytes read. */
  push(chunk: Uint8Array): void {
    this.bytes += chunk.length;
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i]!;
      if (this.#telnet === 1) {
        this.#verb = b;
        if (b === WONT || b === DONT) {
          this.#telnet = 2;
        } else {
          this.#telnet = 0;
          this.fail(
            "telnet",
            `the server sent IAC ${b}${
              b === WILL || b === DO || b === SB
                ? " (it must offer nothing)"
                : ""
            }`,
          );
        }
        continue;
      }
      if (this.#telnet === 2) {
        this.#telnet = 0;
        this.telnetReplies++;
        if (!this.#options.telnetReplies?.has((this.#verb << 8) | b)) {
          this.fail(
            "telnet",
            `the server sent IAC ${
              this.#verb === WONT ? "WONT" : "DONT"
            } ${b}, which answers nothing the client asked`,
          );
        }
        continue;
      }
      if (b === IAC) {
        this.#telnet = 1;
        continue;
      }
      if (b === LF) {
        this.#lineDone();
        continue;
      }
      if (this.#length === this.#line.length) {
        const grown = new Uint8Array(this.#line.length * 2);
        grown.set(this.#line);
        this.#line = grown;
      }
      this.#line[this.#length++] = b;
    }
  }

  /**
   * The output ended. `complete`: the server closed the connection after
   * everything was read, so it must have ended on a line end.
   */
  end(complete: boolean): void {
    if (complete && (this.#length > 0 || this.#telnet !== 0)) {
      this.fail(
        "framing",
        `the output ended inside a line: ${
          literal(this.#line.subarray(0, Math.min(this.#length, 200)))
        }`,
      );
    }
    this.#length = 0;
    this.#telnet = 0;
  }

  #lineDone(): void {
    const bytes = this.#line.subarray(0, this.#length);
    this.#length = 0;
    if (this.#line.length > 65536) this.#line = new Uint8Array(256);
    this.lines++;
    let text: string;
    try {
      text = utf8.decode(bytes);
    } catch {
      this.fail(
        "utf8",
        `a line that is not UTF-8: ${
          literal(bytes.subarray(0, Math.min(bytes.length, 200)))
        }`,
      );
      return;
    }
    this.recent.push(text.length > 200 ? `${text.slice(0, 200)}…` : text);
    if (this.recent.length > 3) this.recent.shift();
    if (text.endsWith("\r")) this.#textLine(text.slice(0, -1));
    else this.#frameLine(text);
  }

  #textLine(text: string): void {
    for (const v of checkString(text, "a text line")) {
      this.fail(v.oracle, v.detail);
    }
    if (text.startsWith("This server needs a password")) {
      // Text mode was chosen; the password comes first.
      this.passwordAsked = true;
    } else if (/^You are \S+ in #/.test(text)) {
      if (this.welcomed) this.fail("framing", "text mode after a welcome");
      this.textMode = true;
    } else if (
      text.startsWith("! ") && !this.textMode && !/faster than/.test(text)
    ) {
      this.textRefusalsBefore++;
    } else if (/^-- /.test(text)) this.bye = true;
  }

  #frameLine(line: string): void {
    const decoded = decodeServerFrame(line);
    if (!decoded.ok) {
      this.fail(
        "framing",
        `a line ending in a bare LF that is not a frame (${decoded.error.message}): ${
          show(line)
        }`,
      );
      return;
    }
    this.frames++;
    if (this.textMode) {
      this.fail("framing", `a frame in text mode: ${show(line)}`);
    }
    const lone = loneSurrogateEscape(line);
    if (lone !== undefined) {
      this.fail("surrogate", `${lone} in the raw line ${show(line)}`);
    }
    const frame = decoded.frame;
    walkStrings(frame, frame.type, (text, where) => {
      const allowLf = frame.type === "reply" && where === "reply.text";
      for (const v of checkString(text, where, allowLf)) {
        this.fail(v.oracle, v.detail);
      }
    });
    switch (frame.type) {
      case "welcome":
        if (this.welcomed) this.fail("framing", "a second welcome");
        this.welcomed = true;
        break;
      case "ack":
        if (!this.welcomed) {
          this.fail("prehello", `an ack before the welcome: ${show(line)}`);
        } else this.answers.push({ id: frame.id, kind: "ack" });
        break;
      case "error":
        if (frame.code === "internal") {
          this.fail("internal", `an internal error: ${show(line)}`);
        }
        if (!this.welcomed) {
          if (frame.code !== "rate-limited") this.errorsBeforeWelcome++;
        } else if (frame.id !== undefined) {
          this.answers.push({ id: frame.id, kind: "error", code: frame.code });
        }
        break;
      case "bye":
        this.bye = true;
        break;
    }
    this.#options.onFrame?.(frame);
  }
}

/** Calls `visit` with every string in `value` (keys too), with its path. */
function walkStrings(
  value: unknown,
  path: string,
  visit: (text: string, where: string) => void,
): void {
  if (typeof value === "string") visit(value, path);
  else if (Array.isArray(value)) {
    value.forEach((item, i) => walkStrings(item, `${path}[${i}]`, visit));
  } else if (typeof value === "object" && value !== null) {
    for (const [key, item] of Object.entries(value)) {
      visit(key, `a key of ${path}`);
      walkStrings(item, `${path}.${key}`, visit);
    }
  }
}

/** What a native connection's lines after its `hello` must be answered with. */
export interface ExpectedAnswers {
  /** The ids, in the order their answers must come. */
  ids: string[];
  /** True when a line closes the session (a `quit` frame, `/quit`): nothing after it is answered. */
  closes: boolean;
  /**
   * Ids that no answer can carry back safely (see {@linkcode unsafeId}):
   * left out of the order check, whether the server answers them or not.
   */
  unsafe: Set<string>;
  /** True when a line's effect could not be told (a `/quit` with an unsafe id): only a prefix can be held. */
  uncertain: boolean;
}

/**
 * An id that an answer cannot carry back without breaking the byte rules: a
 * lone surrogate, a control character, LS/PS or a bidi control in it, or
 * anything else the text hygiene would change (an invisible character). The
 * server may refuse such an id without naming it (as it does a too-long
 * one) or answer it; sending it back as it is breaks the surrogate, control
 * or bidi rule, which the byte checks catch.
 */
export function unsafeId(id: string): boolean {
  // The protocol's rule (docs/protocol.md, "Every `msg` is answered"): an id
  // the text hygiene would change is refused without being named.
  return !id.isWellFormed() || SUSPECT.test(id) || clean(id) !== id;
}

/** Counts code points; an unpaired surrogate counts one. */
export function codePoints(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

/** A `msg` text that leaves: `/quit`, `/exit` (any case, any reason) or `:q`. */
export function isQuitText(text: string): boolean {
  if (text.trim() === ":q") return true;
  if (!text.startsWith("/") || text.startsWith("//")) return false;
  const name = /^\/(\S*)/.exec(text)![1]!.toLowerCase();
  return name === "quit" || name === "exit";
}

/**
 * The answers owed to the lines a native client sent after the `hello` that
 * was welcomed (`bytes`, the rest of what it sent).
 *
 * Which ids are answerable, precisely (`docs/protocol.md`, "Every `msg` is
 * answered by exactly one `ack` or one `error` carrying the same `id`"):
 * split at LF as the server splits native input (a CR before the LF is
 * dropped; a last line without LF counts only when the client ended its
 * side, `eof`). A line is answered with its id when it is at most
 * `maxLineBytes` bytes with its LF, is UTF-8, parses as a JSON object with a
 * string `id`, and either is a valid `msg` frame whose id has at most
 * `maxIdChars` code points (the limits count code points), or is not a valid
 * frame at all (a decode error names the id it found). Nothing else carries
 * an id back: lines over the limit, not UTF-8, not JSON, not an object,
 * without a string id, valid `ping`/`pong`/`hello`/`quit` frames, and valid
 * `msg` frames whose id is too long are refused (or answered) without one.
 * An id that no answer could carry back safely ({@linkcode unsafeId}: a
 * lone surrogate, a control or bidi character) is left out of the order
 * check (`unsafe`): the server may refuse it without naming it or answer it,
 * and sending it back as it is breaks the byte rules, which catch it.
 * A valid `quit` frame, or a first-time `msg` whose text is `/quit`, `/exit`
 * or `:q`, ends the session: it is the last line answered (a `msg` quits
 * after its own answer). A resent id (one a valid `msg` of this connection
 * had) is answered again and applies nothing, so a resent `/quit` does not
 * leave.
 */
export function expectedAnswers(
  bytes: Uint8Array,
  options: { eof: boolean; maxLineBytes: number; maxIdChars: number },
): ExpectedAnswers {
  const ids: string[] = [];
  const unsafe = new Set<string>();
  const seen = new Set<string>();
  const result = (closes: boolean, uncertain = false): ExpectedAnswers => ({
    ids,
    closes,
    unsafe,
    uncertain,
  });
  let start = 0;
  while (start < bytes.length) {
    let end = bytes.indexOf(LF, start);
    if (end === -1) {
      if (!options.eof) break;
      end = bytes.length;
    }
    const content = bytes.subarray(start, end);
    start = end + 1;
    if (content.length + 1 > options.maxLineBytes) continue;
    const body = content.length > 0 && content[content.length - 1] === 0x0d
      ? content.subarray(0, content.length - 1)
      : content;
    let line: string;
    try {
      line = utf8.decode(body);
    } catch {
      continue;
    }
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      continue;
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      continue;
    }
    const id = (value as { id?: unknown }).id;
    const decoded = decodeClientFrame(line);
    if (!decoded.ok) {
      if (typeof id === "string") {
        if (unsafeId(id)) unsafe.add(id);
        else ids.push(id);
      }
      continue;
    }
    const frame = decoded.frame;
    if (frame.type === "quit") return result(true);
    if (frame.type !== "msg") continue;
    if (codePoints(frame.id) > options.maxIdChars) continue;
    if (unsafeId(frame.id)) {
      unsafe.add(frame.id);
      // Whether it was applied (and so left) cannot be told.
      if (isQuitText(frame.text)) return result(false, true);
      continue;
    }
    ids.push(frame.id);
    if (seen.has(frame.id)) continue;
    seen.add(frame.id);
    if (isQuitText(frame.text)) return result(true);
  }
  return result(false);
}

/**
 * The answers to hold to the model: those naming an unsafe id sent (as it
 * was, or with U+FFFD for its lone surrogates) are left out; the byte rules
 * judge them.
 */
export function safeAnswers(
  received: readonly Answer[],
  unsafe: ReadonlySet<string>,
): Answer[] {
  if (unsafe.size === 0) return [...received];
  const leftOut = new Set<string>();
  for (const id of unsafe) {
    leftOut.add(id);
    leftOut.add(id.toWellFormed());
  }
  return received.filter((a) => !leftOut.has(a.id));
}

/**
 * Holds `received` to `expected`: the same ids in the same order, each
 * answered once (`exact`), or, for a connection whose output was cut short
 * (abandoned, or closed by the server with a `bye`), a prefix of it.
 * Returns what is wrong, or undefined.
 */
export function compareAnswers(
  expected: readonly string[],
  received: readonly Answer[],
  exact: boolean,
): string | undefined {
  const n = Math.min(expected.length, received.length);
  for (let i = 0; i < n; i++) {
    if (received[i]!.id !== expected[i]) {
      const got = received[i]!;
      const twice = received.findIndex((a, j) => j < i && a.id === got.id);
      return `answer ${i + 1} is ${got.kind} ${JSON.stringify(got.id)}${
        got.code === undefined ? "" : ` (${got.code})`
      }, expected one for ${JSON.stringify(expected[i])}${
        twice === -1
          ? ""
          : `; that id was answered already (answer ${twice + 1})`
      }`;
    }
  }
  if (received.length > expected.length) {
    const extra = received[expected.length]!;
    return `${received.length} answers for ${expected.length} answerable ids; the first extra is ${extra.kind} ${
      JSON.stringify(extra.id)
    }${extra.code === undefined ? "" : ` (${extra.code})`}`;
  }
  if (exact && received.length < expected.length) {
    return `${received.length} answers for ${expected.length} answerable ids; ${
      JSON.stringify(expected[received.length])
    } was never answered`;
  }
  return undefined;
}

/**
 * Bytes as a JS string literal: when they are UTF-8, the text they encode
 * (escapes for everything but printable ASCII); otherwise one character per
 * byte (`"\xff\xfb\x18"`), marked as such by the caller.
 */
export function literal(bytes: Uint8Array): string {
  let text: string | undefined;
  try {
    text = utf8.decode(bytes);
  } catch {
    text = undefined;
  }
  if (text !== undefined) return jsString(text);
  return jsString(String.fromCharCode(...bytes));
}

/** True when `bytes` are UTF-8 (so {@linkcode literal} wrote their text). */
export function isUtf8(bytes: Uint8Array): boolean {
  try {
    utf8.decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/** A JS string literal for `text`, with escapes outside printable ASCII. */
export function jsString(text: string): string {
  let out = '"';
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) out += '\\"';
    else if (c === 0x5c) out += "\\\\";
    else if (c === 0x0a) out += "\\n";
    else if (c === 0x0d) out += "\\r";
    else if (c >= 0x20 && c < 0x7f) out += text[i];
    else if (c < 0x100) out += `\\x${c.toString(16).padStart(2, "0")}`;
    else out += `\\u${c.toString(16).padStart(4, "0")}`;
  }
  return out + '"';
}

function hex(c: number): string {
  return c.toString(16).toUpperCase().padStart(4, "0");
}

/** A string for a message: escaped, and cut when long. */
function show(text: string): string {
  return jsString(text.length > 300 ? `${text.slice(0, 300)}…` : text);
}
