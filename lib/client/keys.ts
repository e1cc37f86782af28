/**
 * Terminal input bytes to key presses, for the client's line editor.
 *
 * In raw mode the terminal sends what the person types as bytes: text as
 * UTF-8, control keys as single bytes (Ctrl-A is 0x01), and arrows, Home,
 * End and Delete as escape sequences (`ESC [ A`). A {@linkcode KeyDecoder}
 * turns those into {@linkcode Key}s, keeping an incomplete sequence or
 * character until the rest arrives. Pasted text comes as a run of `text`
 * keys and `enter`s, so a paste of a dozen lines sends a dozen lines. The
 * terminal's own answers come on the same input: a cursor position report
 * (`ESC [ row ; column R`, the answer to `ESC [ 6 n`) is a key of its own,
 * `cursor-position`, never typed text.
 *
 * @module
 */

/** The name of a key press that carries nothing else. */
export type KeyName =
  | "enter"
  | "tab"
  | "backspace"
  | "delete"
  | "left"
  | "right"
  | "up"
  | "down"
  | "home"
  | "end"
  | "word-left"
  | "word-right"
  | "kill-line-start"
  | "kill-line-end"
  | "kill-word"
  | "clear-screen"
  | "next-room"
  | "previous-room"
  | "interrupt"
  | "eof";

/**
 * One key press, a run of typed or pasted text, or the terminal's answer to
 * a cursor position request (1-based row and column).
 */
export type Key =
  | { name: "text"; text: string }
  /** Alt-1…Alt-9 (and Alt-0, the tenth), as irssi numbers its windows. */
  | { name: "room"; index: number }
  | { name: "cursor-position"; row: number; column: number }
  | { name: KeyName };

const CONTROL: Record<number, KeyName> = {
  0x01: "home", // Ctrl-A
  0x02: "left", // Ctrl-B
  0x03: "interrupt", // Ctrl-C
  0x04: "eof", // Ctrl-D
  0x05: "end", // Ctrl-E
  0x06: "right", // Ctrl-F
  0x08: "backspace", // Ctrl-H
  0x09: "tab",
  0x0a: "enter",
  0x0b: "kill-line-end", // Ctrl-K
  0x0c: "clear-screen", // Ctrl-L
  0x0d: "enter",
  0x0e: "next-room", // Ctrl-N, as in irssi; Down is the next line
  0x10: "previous-room", // Ctrl-P; Up is the previous line
  0x15: "kill-line-start", // Ctrl-U
  0x17: "kill-word", // Ctrl-W
  0x7f: "backspace",
};

/** CSI and SS3 sequences, without their `ESC [` or `ESC O`. */
const SEQUENCES: Record<string, KeyName> = {
  "A": "up",
  "B": "down",
  "C": "right",
  "D": "left",
  "H": "home",
  "F": "end",
  "1~": "home",
  "7~": "home",
  "4~": "end",
  "8~": "end",
  "3~": "delete",
  "1;5C": "word-right",
  "1;5D": "word-left",
  "1;3C": "word-right",
  "1;3D": "word-left",
};

const ESC = 0x1b;

/**
 * Decodes raw terminal input into keys.
 *
 * @example
 * ```ts
 * const decoder = new KeyDecoder();
 * decoder.feed(new TextEncoder().encode("hi\x1b[D\r"));
 * // [{ name: "text", text: "hi" }, { name: "left" }, { name: "enter" }]
 * ```
 */
export class KeyDecoder {
  #decoder = new TextDecoder("utf-8", { fatal: false });
  #pending = "";

  /** Decodes one chunk of input; an unfinished sequence waits for the next. */
  feed(bytes: Uint8Array): Key[] {
    const input = this.#pending + this.#decoder.decode(bytes, { stream: true });
    this.#pending = "";
    const keys: Key[] = [];
    let text = "";
    const flush = () => {
      if (text !== "") keys.push({ name: "text", text });
      text = "";
    };
    let i = 0;
    while (i < input.length) {
      const code = input.charCodeAt(i);
      if (code === ESC) {
        const parsed = parseEscape(input, i);
        if (parsed === "incomplete") {
          this.#pending = input.slice(i);
          break;
        }
        flush();
        if (parsed.key !== undefined) keys.push(parsed.key);
        i = parsed.end;
        continue;
      }
      if (code < 0x20 || code === 0x7f) {
        flush();
        const name = CONTROL[code];
        if (name !== undefined) keys.push({ name });
        i++;
        continue;
      }
      text += input[i];
      i++;
    }
    flush();
    return keys;
  }

  /**
   * Ends input: a lone ESC left waiting is dropped (the Escape key itself
   * has no meaning here).
   */
  flush(): Key[] {
    this.#pending = "";
    return [];
  }
}

/** A cursor position report: `ESC [ row ; column R`. */
const CURSOR_POSITION = /^(\d+);(\d+)R$/;

/** Parses the escape sequence at `start`; `key` is undefined for ones we ignore. */
function parseEscape(
  input: string,
  start: number,
): { key: Key | undefined; end: number } | "incomplete" {
  const next = input[start + 1];
  if (next === undefined) return "incomplete";
  const named = (name: KeyName | undefined, end: number) => ({
    key: name === undefined ? undefined : { name },
    end,
  });
  if (next === "[" || next === "O") {
    // Parameters and intermediates, then one final byte in @–~.
    let end = start + 2;
    while (end < input.length && !/[@-~]/.test(input[end]!)) end++;
    if (end >= input.length) return "incomplete";
    const body = input.slice(start + 2, end + 1);
    const report = next === "[" ? CURSOR_POSITION.exec(body) : null;
    if (report !== null) {
      return {
        key: {
          name: "cursor-position",
          row: Number(report[1]),
          column: Number(report[2]),
        },
        end: end + 1,
      };
    }
    // Bracketed-paste markers and unknown sequences are swallowed whole.
    return named(SEQUENCES[body], end + 1);
  }
  if (next === "\x7f") return named("kill-word", start + 2); // Alt-Backspace
  if (next === "b") return named("word-left", start + 2); // Alt-B
  if (next === "f") return named("word-right", start + 2); // Alt-F
  if (next >= "0" && next <= "9") {
    // Alt-1…9, Alt-0 for the tenth.
    return { key: { name: "room", index: Number(next) || 10 }, end: start + 2 };
  }
  return named(undefined, start + 2);
}
