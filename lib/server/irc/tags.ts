/**
 * The tags section of an IRC message, per the IRCv3 message-tags
 * specification (https://ircv3.net/specs/extensions/message-tags): reading
 * `key=value;key` pairs into a map, escaping and unescaping their values, and
 * the grammar a tag key must follow to be written. The message parser and
 * serializer in `message.ts` use these; a relay that adds its own tags
 * (`msgid`, `time`) escapes them the same way.
 *
 * @module
 */

/**
 * Adds the tags of `line[from, to)` to `tags`: the tags section without its
 * `@` and without the space after it. Pairs are split on `;`, a key without
 * `=` gets the value `""`, a pair with an empty key is skipped, values are
 * unescaped with {@linkcode unescapeTagValue}, and a repeated key keeps its
 * last value. Works on indices rather than a slice so parsing a line copies
 * nothing it does not keep.
 *
 * @param line the whole line the tags are in
 * @param from index just past the `@`
 * @param to index of the space that ends the tags
 * @param tags the map to add to, in the order the tags come
 *
 * @example
 * ```ts
 * const line = "@a=1;b;c=x\\sy PING x";
 * const tags = new Map<string, string>();
 * parseTags(line, 1, line.indexOf(" "), tags);
 * // tags: a → "1", b → "", c → "x y"
 * ```
 */
export function parseTags(
  line: string,
  from: number,
  to: number,
  tags: Map<string, string>,
): void {
  // The next "=" at or after `from`, looked up again only once passed, so
  // many tags without values cost one scan, not one each.
  let equals = -2;
  while (from < to) {
    let end = line.indexOf(";", from);
    if (end === -1 || end > to) end = to;
    if (equals !== -1 && equals < from) equals = line.indexOf("=", from);
    if (equals !== -1 && equals < end) {
      if (equals > from) {
        tags.set(
          line.slice(from, equals),
          unescapeTagValue(line.slice(equals + 1, end)),
        );
      }
    } else if (end > from) {
      tags.set(line.slice(from, end), "");
    }
    from = end + 1;
  }
}

/**
 * Undoes the escaping of a tag value, per
 * https://ircv3.net/specs/extensions/message-tags#escaping-values: `\:` is
 * `;`, `\s` a space, `\\` a backslash, `\r` CR, `\n` LF; any other `\x` is
 * `x`, and a lone `\` at the end is dropped.
 *
 * @param escaped the value as it appears on the wire
 * @returns the value it stands for
 *
 * @example
 * ```ts
 * unescapeTagValue("a\\sb\\:c\\"); // "a b;c"
 * ```
 */
export function unescapeTagValue(escaped: string): string {
  let slash = escaped.indexOf("\\");
  if (slash === -1) return escaped;
  let out = "";
  let from = 0;
  while (slash !== -1) {
    out += escaped.slice(from, slash);
    const next = escaped.charAt(slash + 1);
    switch (next) {
      case ":":
        out += ";";
        break;
      case "s":
        out += " ";
        break;
      case "r":
        out += "\r";
        break;
      case "n":
        out += "\n";
        break;
      default: // "\\" itself, any other character, or "" at the end
        out += next;
    }
    from = slash + 2;
    slash = escaped.indexOf("\\", from);
  }
  return out + escaped.slice(from);
}

const TAG_ESCAPES: Readonly<Record<string, string>> = {
  ";": "\\:",
  " ": "\\s",
  "\\": "\\\\",
  "\r": "\\r",
  "\n": "\\n",
};
const NEEDS_ESCAPE = /[; \\\r\n]/g;

/**
 * Escapes a tag value for the wire, per
 * https://ircv3.net/specs/extensions/message-tags#escaping-values: `;` as
 * `\:`, space as `\s`, `\` as `\\`, CR as `\r`, LF as `\n`.
 *
 * @param value any text without NUL (NUL has no escape; checked by
 *   `serializeMessage` in `message.ts`, not here)
 * @returns the value as it may appear after `key=`
 *
 * @example
 * ```ts
 * escapeTagValue("a b;c\\"); // "a\\sb\\:c\\\\"
 * ```
 */
export function escapeTagValue(value: string): string {
  return value.replace(NEEDS_ESCAPE, (c) => TAG_ESCAPES[c] ?? c);
}

/**
 * A tag key as https://ircv3.net/specs/extensions/message-tags#format
 * writes it: `['+'] [<vendor> '/'] <letters, digits, hyphens>`, the vendor
 * a host name.
 */
const TAG_KEY = /^\+?(?:[A-Za-z0-9.-]+\/)?[A-Za-z0-9-]+$/;

/**
 * Whether `key` may be written as a tag key: an optional `+` (client-only
 * tag), an optional vendor (a host name) and `/`, then letters, digits and
 * hyphens (https://ircv3.net/specs/extensions/message-tags#format). Parsing
 * is looser: any non-empty key is read as it comes.
 *
 * @param key the key, without `=` or value
 * @returns true when the spec's grammar allows it
 *
 * @example
 * ```ts
 * isTagKey("+draft/reply"); // true
 * isTagKey("example.com/x-y"); // true
 * isTagKey("a b"); // false
 * ```
 */
export function isTagKey(key: string): boolean {
  return TAG_KEY.test(key);
}
