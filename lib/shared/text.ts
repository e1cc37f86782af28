/**
 * Unicode text rules for every transport of the chat: lengths are counted in
 * code points, cuts fall on grapheme-cluster boundaries (UAX #29), text that
 * leaves the server is well-formed (no unpaired surrogates), and
 * {@linkcode clean} is the one hygiene policy for user text: it removes what a
 * terminal could read as an instruction (escape sequences, C0 and C1
 * controls), what could reorder the text around it (bidi embeddings,
 * overrides and isolates) and invisible characters that only hide text,
 * while keeping, byte for byte, what writing and emoji need (joiners,
 * variation selectors, directional marks, subdivision-flag tag sequences).
 * The renderer shows a piece of user text that holds right-to-left
 * characters inside its own FSI…PDI (`lib/shared/bidi.ts`).
 *
 * @module
 */

/** Grapheme clusters per UAX #29, as ICU implements them. */
const GRAPHEMES = new Intl.Segmenter("und", { granularity: "grapheme" });

// Variation selectors: Mongolian FVS1–FVS4, VS1–VS16, VS17–VS256.
const SELECTOR = "\\u180b-\\u180d\\u180f\\ufe00-\\ufe0f\\u{e0100}-\\u{e01ef}";

// What is not a visible character (a class body; `[^…]` is the visible ones).
const VISIBLE_NOT = "\\p{White_Space}\\p{Default_Ignorable_Code_Point}";

// Characters that `clean` removes wherever they stand. Besides the controls
// and the bidi embeddings, overrides and isolates, this is the part of
// Default_Ignorable_Code_Point that no script needs (the rest is handled by
// the rules below or kept):
// - U+00AD SOFT HYPHEN: a line-breaking hint; terminals disagree on whether
//   it takes a column, and inside a word it only defeats matching.
// - U+17B4, U+17B5 Khmer inherent vowels: deprecated, Unicode says not to use
//   them.
// - U+200B ZERO WIDTH SPACE, U+2060 WORD JOINER, U+FEFF (BOM / zero width
//   no-break space): line-breaking hints only; a terminal wraps by columns,
//   so they show nothing and serve to hide or split words.
// - U+2061–U+2064 invisible mathematical operators: markup for math, not
//   writing.
// - U+206A–U+206F deprecated format characters (symmetric swapping, digit
//   shapes).
// - U+3164 HANGUL FILLER, U+FFA0 HALFWIDTH HANGUL FILLER: compatibility
//   jamo that never combine with anything; in Unicode text they only make a
//   blank that is not a space (the "invisible nick" trick).
// - U+1D173–U+1D17A musical formatting (beams, ties, slurs, phrases).
// - U+E0001 LANGUAGE TAG (deprecated) and the unassigned code points of the
//   property (U+2065, U+FFF0–U+FFF8, U+E0000, U+E0002–U+E001F,
//   U+E0080–U+E00FF, U+E01F0–U+E0FFF), which a renderer must not show.
// Kept, because a script needs them: U+034F COMBINING GRAPHEME JOINER (Hebrew
// and other scripts use it to keep combining marks in order), U+061C ALM,
// U+200E LRM, U+200F RLM (directional marks, which affect only neutral
// characters next to them and cannot reorder text outside an isolate),
// U+200C ZWNJ, U+200D ZWJ (Persian, Indic, emoji sequences), the variation
// selectors (only right after a visible character: see STRAY_SELECTOR), and
// U+1BCA0–U+1BCA3 shorthand format controls (Duployan). U+115F, U+1160,
// U+180E and the tags U+E0020–U+E007F depend on context.
const REMOVED_SET = "\\x00-\\x1f\\x7f-\\x9f\\xad\\u17b4\\u17b5\\u200b" +
  "\\u202a-\\u202e\\u2060-\\u206f\\u3164\\ufeff\\uffa0\\ufff0-\\ufff8" +
  "\\u{1d173}-\\u{1d17a}\\u{e0000}-\\u{e001f}\\u{e0080}-\\u{e00ff}" +
  "\\u{e01f0}-\\u{e0fff}";
// Context-dependent: Hangul choseong/jungseong fillers, MONGOLIAN VOWEL
// SEPARATOR, tag characters.
const CONTEXTUAL_SET = "\\u115f\\u1160\\u180e\\u{e0020}-\\u{e007f}";
// Line breaks that become a space (the C0 ones, NEL, LS, PS).
const LINE_BREAK_SET = "\\t\\n\\v\\f\\r\\x85\\u2028\\u2029";

/**
 * The fast-path test: matches wherever `clean` might change something except
 * unpaired surrogates, which `isWellFormed` finds (a `\p{Cs}` in this class
 * makes V8 check surrogate pairing at every position: twice as slow on
 * non-ASCII text). One character class, and a variation selector that does
 * not follow a visible character.
 */
const UNSAFE = new RegExp(
  `[${REMOVED_SET}${CONTEXTUAL_SET}\\u2028\\u2029]|` +
    `[${SELECTOR}](?<![^${VISIBLE_NOT}][${SELECTOR}])`,
  "u",
);
const ESCAPE_SEQUENCE = new RegExp(
  [
    // OSC, DCS, SOS, PM, APC: up to BEL, ST (ESC \) or the end of the text.
    "\\x1b[\\]PX^_][\\s\\S]*?(?:\\x07|\\x1b\\\\|$)",
    // CSI: parameters, intermediates, one final byte.
    "\\x1b\\[[\\x30-\\x3f]*[\\x20-\\x2f]*[\\x40-\\x7e]?",
    // Any other ESC with its intermediates and final byte.
    "\\x1b[\\x20-\\x2f]*[\\x30-\\x7e]?",
  ].join("|"),
  "g",
);
const LINE_BREAK = new RegExp(`[${LINE_BREAK_SET}]`, "g");
const REMOVED = new RegExp(`[${REMOVED_SET}]`, "gu");
const CONTEXTUAL = new RegExp(`[${CONTEXTUAL_SET}]`, "u");
// A run of conjoining jamo (L, V, T, extended blocks included). The fillers
// U+115F and U+1160 complete an incomplete syllable (<L, V filler>,
// <L filler, V>; Unicode ch. 3.12 and 18.6) and are kept in a run with a real
// jamo; a run of fillers only is an invisible blank and goes.
const JAMO_RUN = /[\u1100-\u11ff\ua960-\ua97f\ud7b0-\ud7ff]+/g;
const FILLERS_ONLY = /^[\u115f\u1160]+$/;
// U+180E MONGOLIAN VOWEL SEPARATOR shapes a Mongolian word before its final
// vowel: kept between a Mongolian letter (and its free variation selector)
// and a Mongolian letter, removed anywhere else, where it only hides.
const MONGOLIAN = "\\u1820-\\u1878\\u1880-\\u18aa";
const STRAY_VOWEL_SEPARATOR = new RegExp(
  `(?<![${MONGOLIAN}][\\u180b-\\u180d\\u180f]?)\\u180e|` +
    `\\u180e(?![${MONGOLIAN}])`,
  "gu",
);
// An emoji tag sequence (UTS #51 ED-14a) of the only valid kind (Annex C): a
// WAVING BLACK FLAG (optionally with VS16), tags spelling a lowercase
// unicode_subdivision_id (region 2 letters or 3 digits, then 1–4 letters or
// digits: 3 to 7 tags), CANCEL TAG. The second branch takes any other tag.
const TAG = new RegExp(
  "(\\u{1f3f4}\\ufe0f?[\\u{e0030}-\\u{e0039}\\u{e0061}-\\u{e007a}]{3,7}" +
    "\\u{e007f})|[\\u{e0020}-\\u{e007f}]",
  "gu",
);
// A variation selector selects a glyph for the character before it; at the
// start, after a space, an invisible character or another selector it selects
// nothing and only carries data (runs of VS17–VS256 can spell any bytes).
const STRAY_SELECTOR = new RegExp(
  `(?<![^${VISIBLE_NOT}])[${SELECTOR}]`,
  "gu",
);
const BLANK =
  /^[\p{White_Space}\p{Default_Ignorable_Code_Point}\p{Cc}\u2800]*$/u;

/**
 * Counts the Unicode code points of `text`: a surrogate pair counts once, an
 * unpaired surrogate counts once (as the U+FFFD it will become). Every length
 * limit of the protocol is in these units.
 *
 * Source: the Unicode Standard, ch. 3.9 (code points and UTF-16).
 *
 * @param text Any string.
 * @returns The number of code points, from 0 to `text.length`.
 * @example
 * ```ts
 * codePoints("héllo"); // 5
 * codePoints("👍🏽"); // 2 (4 UTF-16 units)
 * ```
 */
export function codePoints(text: string): number {
  let count = text.length;
  for (let i = 0; i < text.length - 1; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0xd800 || unit > 0xdbff) continue;
    const next = text.charCodeAt(i + 1);
    if (next >= 0xdc00 && next <= 0xdfff) {
      count--;
      i++;
    }
  }
  return count;
}

/**
 * Replaces every unpaired surrogate of `text` with U+FFFD REPLACEMENT
 * CHARACTER (`String.prototype.toWellFormed`, ES2024). Well-formed text comes
 * back as the same string.
 *
 * Source: the Unicode Standard, ch. 3.9 D91 (well-formed UTF-16).
 *
 * @param text Any string.
 * @returns `text` with no unpaired surrogate, same length in UTF-16 units.
 * @example
 * ```ts
 * wellFormed("a\uD800b"); // "a\uFFFDb"
 * ```
 */
export function wellFormed(text: string): string {
  return text.isWellFormed() ? text : text.toWellFormed();
}

/**
 * Cuts `text` to at most `maxCodePoints` code points at the last
 * grapheme-cluster boundary that fits, so no emoji sequence (ZWJ, flag, skin
 * tone, keycap, subdivision tag sequence), Hangul syllable or letter with its
 * combining marks is broken, and no surrogate pair is split. Text that fits
 * comes back as the same string. When even the first cluster is longer than
 * the limit the result is `""`. An unpaired surrogate already in `text`
 * stays (run {@linkcode clean} or {@linkcode wellFormed} first); a cut never
 * makes one.
 *
 * Source: extended grapheme clusters, UAX #29
 * https://www.unicode.org/reports/tr29/ (via `Intl.Segmenter`).
 *
 * @param text Any string.
 * @param maxCodePoints The limit in code points: an integer, 0 or more.
 * @returns A prefix of `text` made of whole grapheme clusters.
 * @throws {RangeError} When `maxCodePoints` is not a non-negative integer.
 * @example
 * ```ts
 * truncate("ok 👨‍👩‍👧‍👦", 5); // "ok " (the family is 7 code points)
 * truncate("café", 10); // "café", the same string
 * ```
 */
export function truncate(text: string, maxCodePoints: number): string {
  if (!Number.isSafeInteger(maxCodePoints) || maxCodePoints < 0) {
    throw new RangeError(
      `maxCodePoints must be an integer ≥ 0, not ${maxCodePoints}`,
    );
  }
  if (text.length <= maxCodePoints || codePoints(text) <= maxCodePoints) {
    return text;
  }
  let end = 0;
  let count = 0;
  for (const { segment, index } of GRAPHEMES.segment(text)) {
    count += codePoints(segment);
    if (count > maxCodePoints) break;
    end = index + segment.length;
  }
  return text.slice(0, end);
}

/**
 * Cleaned text cut to at most `maxCodePoints` code points at a grapheme
 * boundary: the form of every piece of user text the server shortens (away
 * messages, quit and kick reasons).
 *
 * @param text Any string.
 * @param maxCodePoints The limit in code points.
 * @returns `clean(text)`, cut with {@linkcode truncate}.
 * @example
 * ```ts
 * cleanCut("gone\u2028fishing 🎣", 13); // "gone fishing "
 * ```
 */
export function cleanCut(text: string, maxCodePoints: number): string {
  return truncate(clean(text), maxCodePoints);
}

/**
 * Cleaned text for quoting back to a person in a message, cut to
 * `maxCodePoints` at a grapheme boundary with `…` when it was longer: the
 * form a refusal quotes a bad nick or an unknown frame type in.
 *
 * @param text Any string.
 * @param maxCodePoints The most code points shown before the `…`.
 * @returns The cleaned, shortened text.
 * @example
 * ```ts
 * preview("x".repeat(50), 40); // 40 x's and "…"
 * ```
 */
export function preview(text: string, maxCodePoints: number): string {
  const safe = clean(text);
  const cut = truncate(safe, maxCodePoints);
  return cut === safe ? safe : `${cut}…`;
}

/**
 * The hygiene policy for every piece of user text, applied by the server
 * before it stores or sends text and by the client before it prints:
 *
 * - unpaired surrogates become U+FFFD;
 * - ANSI escape sequences (CSI, OSC, DCS, SOS, PM, APC, other ESC) are
 *   removed whole;
 * - tab, LF, VT, FF, CR, NEL U+0085, LINE SEPARATOR U+2028 and PARAGRAPH
 *   SEPARATOR U+2029 become a space;
 * - the other C0 and C1 controls and DEL are removed;
 * - bidi embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069)
 *   are removed; the marks LRM, RLM and ALM stay;
 * - invisible Default_Ignorable_Code_Point characters that no script needs
 *   are removed (soft hyphen, ZWSP, word joiner, BOM, Hangul fillers
 *   U+3164/U+FFA0, invisible math operators, …); U+115F/U+1160 stay inside a
 *   conjoining-jamo syllable, U+180E between Mongolian letters, tags in a
 *   subdivision-flag tag sequence (🏴 + tags + CANCEL TAG), variation
 *   selectors right after a visible character; elsewhere they go;
 * - ZWJ, ZWNJ, CGJ and everything visible are kept as they are.
 *
 * Text with nothing to change comes back as the same string after one
 * regular-expression test and one `isWellFormed` check. The result is a fixed
 * point: `clean(clean(x))` is `clean(x)`.
 *
 * Sources: bidi controls, UAX #9 https://www.unicode.org/reports/tr9/;
 * emoji tag sequences, UTS #51 https://www.unicode.org/reports/tr51/;
 * Default_Ignorable_Code_Point, DerivedCoreProperties.txt
 * https://www.unicode.org/Public/UCD/latest/ucd/DerivedCoreProperties.txt;
 * escape sequences, ECMA-48.
 *
 * @param text Any string.
 * @returns The cleaned text; never longer than `text`.
 * @example
 * ```ts
 * clean("hi \x1b[31mred\x1b[0m\u202e!\u2028ok"); // "hi red! ok"
 * clean("می\u200cخواهم 👨\u200d👩\u200d👧"); // unchanged, the same string
 * ```
 */
export function clean(text: string): string {
  if (!UNSAFE.test(text) && text.isWellFormed()) return text;
  let out = wellFormed(text)
    .replace(ESCAPE_SEQUENCE, "")
    .replace(LINE_BREAK, " ")
    .replace(REMOVED, "");
  if (CONTEXTUAL.test(out)) {
    out = out
      .replace(JAMO_RUN, (run) => FILLERS_ONLY.test(run) ? "" : run)
      .replace(STRAY_VOWEL_SEPARATOR, "")
      .replace(TAG, (_tag, sequence?: string) => sequence ?? "");
  }
  return out.replace(STRAY_SELECTOR, "");
}

/**
 * True when {@linkcode clean} would return `text` unchanged.
 *
 * @param text Any string.
 * @returns Whether `text` already follows the hygiene policy.
 * @example
 * ```ts
 * isClean("שלום עולם"); // true
 * isClean("a\u202eb"); // false
 * ```
 */
export function isClean(text: string): boolean {
  return (!UNSAFE.test(text) && text.isWellFormed()) || clean(text) === text;
}

/**
 * True when `text` shows nothing: it holds only White_Space,
 * Default_Ignorable_Code_Point and control (General_Category Cc) characters
 * and U+2800 BRAILLE PATTERN BLANK. Such a message is refused like an empty
 * one. U+2800 is not default-ignorable (it is a real braille cell, kept by
 * {@linkcode clean} for braille text and art), but a message of blank cells
 * only shows nothing and is the usual way to post an "invisible" message.
 *
 * Sources: PropList.txt (White_Space), DerivedCoreProperties.txt
 * (Default_Ignorable_Code_Point), https://www.unicode.org/reports/tr44/.
 *
 * @param text Any string, usually already cleaned.
 * @returns Whether nothing in `text` would be visible.
 * @example
 * ```ts
 * isBlank(" \u200b\u200d\u3164"); // true
 * isBlank("\u200f."); // false
 * ```
 */
export function isBlank(text: string): boolean {
  return BLANK.test(text);
}

/** UTF-8 length of `text`; an unpaired surrogate counts as U+FFFD (3). */
function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (
      unit >= 0xd800 && unit <= 0xdbff && isLow(text.charCodeAt(i + 1))
    ) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

function isLow(unit: number): boolean {
  return unit >= 0xdc00 && unit <= 0xdfff;
}

/**
 * Splits `text` into pieces of at most `maxBytes` bytes of UTF-8 each, cut at
 * grapheme-cluster boundaries, each piece as long as it can be; a single
 * cluster longer than `maxBytes` is cut between code points. Joined, the
 * pieces are `text`. An unpaired surrogate counts 3 bytes, as the U+FFFD a
 * UTF-8 encoder writes for it. Used to fit a long message into IRC's 512-byte
 * lines.
 *
 * Source: extended grapheme clusters, UAX #29
 * https://www.unicode.org/reports/tr29/; UTF-8, RFC 3629.
 *
 * @param text Any string.
 * @param maxBytes Bytes per piece: an integer, at least 4 (one code point
 *   takes up to 4).
 * @returns The pieces in order; `[]` for `""`.
 * @throws {RangeError} When `maxBytes` is not an integer of 4 or more.
 * @example
 * ```ts
 * splitUtf8("héllo wörld", 6); // ["héllo", " wörl", "d"]
 * ```
 */
export function splitUtf8(text: string, maxBytes: number): string[] {
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 4) {
    throw new RangeError(`maxBytes must be an integer ≥ 4, not ${maxBytes}`);
  }
  if (text === "") return [];
  if (text.length * 3 <= maxBytes) return [text];
  const pieces: string[] = [];
  let start = 0;
  let bytes = 0;
  for (const { segment, index } of GRAPHEMES.segment(text)) {
    const size = utf8Length(segment);
    if (bytes + size > maxBytes && bytes > 0) {
      pieces.push(text.slice(start, index));
      start = index;
      bytes = 0;
    }
    if (size <= maxBytes) {
      bytes += size;
      continue;
    }
    // One cluster larger than a piece: cut it between code points.
    let at = index;
    for (const point of segment) {
      const pointSize = utf8Length(point);
      if (bytes + pointSize > maxBytes) {
        pieces.push(text.slice(start, at));
        start = at;
        bytes = 0;
      }
      bytes += pointSize;
      at += point.length;
    }
  }
  pieces.push(text.slice(start));
  return pieces;
}
