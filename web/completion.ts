/**
 * Tab completion in the composer: `/jo` → `/join `, `an` → `ann: ` at the
 * start of a line (`ann ` further on). Pressing Tab again cycles through
 * the other candidates, as in the terminal client and most IRC clients.
 *
 * Commands are offered in the order of the server's command table, each
 * name before its aliases (`/wh` → `/who`, `/whois`, `/whisper`), with a
 * command typed out in full first; nicks in alphabetical order.
 *
 * Pure: the page gives the text and the caret, gets the new text and
 * caret, or `undefined` when there is nothing to complete (then Tab does
 * nothing: the message box keeps the focus, and Escape, then Tab, leaves
 * it).
 *
 * @module
 */

/** What completing came to: the new text and where the caret goes. */
export interface Completed {
  text: string;
  caret: number;
  /** Every candidate, for cycling with the next Tab. */
  candidates: string[];
  /** Which candidate was used. */
  index: number;
  /** Where the completed word starts. */
  start: number;
}

/** A command as the server lists it: a name and its aliases. */
export interface CommandWords {
  name: string;
  aliases?: readonly string[] | undefined;
}

/**
 * The words to complete commands from, in the order of the command table:
 * each name, then its aliases; the page's own `/query` after `/msg`.
 *
 * @example
 * ```ts
 * commandWords([{ name: "who", aliases: ["names"] }, { name: "msg", aliases: ["w"] }]);
 * // ["who", "names", "msg", "w", "query"]
 * ```
 */
export function commandWords(commands: readonly CommandWords[]): string[] {
  const words = commands.flatMap((c) => [
    c.name,
    ...(c.aliases ?? []),
    ...(c.name === "msg" ? ["query"] : []),
  ]);
  return words.includes("query") ? words : [...words, "query"];
}

/**
 * Completes the word before `caret` in `text` from `nicks` (or, for a
 * `/word` at the start, from `commands`, in their order).
 *
 * @example
 * ```ts
 * complete("hi bo", 5, ["bob", "ann"], ["join"]); // { text: "hi bob ", caret: 7, … }
 * complete("/jo", 3, [], ["join", "j"]);         // { text: "/join ", caret: 6, … }
 * ```
 */
export function complete(
  text: string,
  caret: number,
  nicks: readonly string[],
  commands: readonly string[],
): Completed | undefined {
  const before = text.slice(0, caret);
  const start = before.search(/\S*$/);
  const word = before.slice(start);
  if (word === "") return undefined;
  const command = start === 0 && word.startsWith("/") && !word.startsWith("//");
  const pool = command
    ? commands.map((c) => `/${c}`)
    : nicks.map((n) => n.replace(/^@/, ""));
  const typed = command ? word : word.replace(/^@/, "");
  const at = command ? "" : word.startsWith("@") ? "@" : "";
  const lower = typed.toLowerCase();
  const matching = [...new Set(pool)]
    .filter((c) => c.toLowerCase().startsWith(lower));
  // Nicks alphabetically; commands as the table orders them, a command
  // typed out in full first.
  const candidates = command
    ? [
      ...matching.filter((c) => c.toLowerCase() === lower),
      ...matching.filter((c) => c.toLowerCase() !== lower),
    ]
    : matching.sort((a, b) => a.localeCompare(b));
  if (candidates.length === 0) return undefined;
  return fill(text, caret, start, at, candidates, 0, command);
}

/**
 * The next candidate after `previous` (Tab pressed again without typing in
 * between), or with `step` -1 the one before (Shift+Tab).
 */
export function cycle(
  text: string,
  previous: Completed,
  step: 1 | -1 = 1,
): Completed {
  const count = previous.candidates.length;
  const next = (previous.index + step + count) % count;
  const word = previous.candidates[previous.index]!;
  const command = word.startsWith("/");
  const at = text.slice(previous.start, previous.start + 1) === "@" && !command
    ? "@"
    : "";
  // The text with the previous completion taken out again.
  const end = previous.caret;
  const base = text.slice(0, previous.start) + text.slice(end);
  return fill(
    base,
    previous.start,
    previous.start,
    at,
    previous.candidates,
    next,
    command,
  );
}

function fill(
  text: string,
  caret: number,
  start: number,
  at: string,
  candidates: string[],
  index: number,
  command: boolean,
): Completed {
  const word = candidates[index]!;
  // A nick that starts the line is addressed: "ann: ".
  const suffix = command || start > 0 ? " " : ": ";
  const inserted = `${at}${word}${suffix}`;
  const rest = text.slice(caret).replace(/^ /, "");
  return {
    text: text.slice(0, start) + inserted + rest,
    caret: start + inserted.length,
    candidates,
    index,
    start,
  };
}
