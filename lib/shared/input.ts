/**
 * A typed line: a chat message or a `/command` with its raw arguments.
 *
 * The server applies lines with this parse and the terminal client shows
 * the person's own lines with it, so the two never disagree about what
 * `//text`, `/me` or `:q` mean.
 *
 * @module
 */

/** A line the person typed, after parsing. */
export type ParsedInput =
  | { kind: "text"; text: string }
  | { kind: "command"; name: string; args: string };

/**
 * Splits a typed line into a chat message or a command and its raw
 * arguments. `//text` is a message that starts with a slash; `:q` is `/quit`,
 * as in the original. The command name is lower-cased; the arguments keep
 * their inner spacing.
 *
 * @example
 * ```ts
 * parseInput("/msg bob  two  spaces"); // { kind: "command", name: "msg", args: "bob  two  spaces" }
 * parseInput("//shrug");              // { kind: "text", text: "/shrug" }
 * ```
 */
export function parseInput(line: string): ParsedInput {
  if (line.trim() === ":q") return { kind: "command", name: "quit", args: "" };
  if (!line.startsWith("/") || line.startsWith("//")) {
    return { kind: "text", text: line.startsWith("//") ? line.slice(1) : line };
  }
  const match = /^\/(\S*)\s*([\s\S]*)$/.exec(line)!;
  return {
    kind: "command",
    name: match[1]!.toLowerCase(),
    args: match[2]!.trimEnd(),
  };
}

/**
 * Splits off the first word of `args`; the rest keeps its inner spacing.
 *
 * @example
 * ```ts
 * firstWord("bob  hello  there"); // ["bob", "hello  there"]
 * ```
 */
export function firstWord(args: string): [string, string] {
  const match = /^(\S*)\s*([\s\S]*)$/.exec(args.trimStart())!;
  return [match[1]!, match[2]!];
}

/** True for the lines that leave: `:q`, `/quit`, `/exit`, with or without a reason. */
export function isQuit(line: string): boolean {
  const parsed = parseInput(line.trim());
  return parsed.kind === "command" &&
    (parsed.name === "quit" || parsed.name === "exit");
}
