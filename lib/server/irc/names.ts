/**
 * IRC's rules for names, as the IRC listener applies them before Lochat's
 * own: {@linkcode isValidNick} is the classic nick grammar of RFC 2812 (a
 * nick it accepts may still be refused by Lochat's stricter rule, with
 * `432 ERR_ERRONEUSNICKNAME`), and {@linkcode ircLower} is the
 * `CASEMAPPING=ascii` the server advertises, which folds names exactly as
 * Lochat's own nick comparison does.
 *
 * @module
 */

/**
 * Whether `nick` is a nickname by IRC's classic rules, RFC 2812 §2.3.1
 * (https://www.rfc-editor.org/rfc/rfc2812#section-2.3.1): ASCII letters,
 * digits and the specials `[`, `]`, `\`, `` ` ``, `^`, `{`, `|`, `}`, `_`,
 * `-`; not empty, not starting with a digit or `-`. Every such nick also
 * meets the looser modern rules (https://modern.ircdocs.horse/#clients).
 *
 * This is IRC's rule, wider than Lochat's own (letters, digits, `_`, `-`,
 * starting with a letter): a nick valid here may still be refused by
 * Lochat, with `432 ERR_ERRONEUSNICKNAME`.
 *
 * @param nick the nick as sent, e.g. in `NICK`
 * @param maxLength the most characters allowed (the server's `NICKLEN`);
 *   no limit when absent
 * @returns true when it is a valid nick
 *
 * @example
 * ```ts
 * isValidNick("ann_2"); // true
 * isValidNick("[away]ann"); // true
 * isValidNick("2ann"); // false
 * isValidNick("-ann"); // false
 * isValidNick("ann!x"); // false
 * ```
 */
export function isValidNick(nick: string, maxLength?: number): boolean {
  const length = nick.length;
  if (length === 0) return false;
  if (maxLength !== undefined && length > maxLength) return false;
  for (let i = 0; i < length; i++) {
    const c = nick.charCodeAt(i);
    const special = (c >= 0x5b && c <= 0x60) || (c >= 0x7b && c <= 0x7d);
    if (isLetter(c) || special) continue;
    if (i > 0 && ((c >= 0x30 && c <= 0x39) || c === 0x2d)) continue;
    return false;
  }
  return true;
}

/**
 * Lower-cases a nick or channel name the way `CASEMAPPING=ascii` says
 * (https://modern.ircdocs.horse/#casemapping-parameter): `A`–`Z` to
 * `a`–`z`, nothing else. Compare names with `ircLower(a) === ircLower(b)`.
 *
 * ascii is right for Lochat: its nicks are ASCII letters, digits, `_` and
 * `-`, so `rfc1459`'s extra pairs (`[]\~` as upper case of `{}|^`) never
 * apply to a Lochat nick, and ascii folds exactly as Lochat's own nick
 * comparison does — an IRC user and a native user collide on the same
 * names. The modern protocol also asks servers to avoid `rfc1459`. The
 * server advertises it as `CASEMAPPING=ascii` in `RPL_ISUPPORT`.
 * Non-ASCII text is left alone (no locale rules, no `İ` surprises).
 *
 * @param name a nick or channel name
 * @returns it with ASCII upper-case letters lowered
 *
 * @example
 * ```ts
 * ircLower("Ann[Away]"); // "ann[away]" — brackets untouched
 * ```
 */
export function ircLower(name: string): string {
  return name.replace(/[A-Z]+/g, (upper) => upper.toLowerCase());
}

/**
 * Whether `name` matches the IRC mask `mask` (https://modern.ircdocs.horse/#wildcard-expressions):
 * `*` any run of characters, `?` any one, everything else itself, without
 * regard to case as {@linkcode ircLower} folds it.
 *
 * @param mask e.g. `ev*` or `b?b`
 * @param name a nick or host
 * @returns true when it matches
 *
 * @example
 * ```ts
 * globMatch("ev*", "Evan"); // true
 * globMatch("b?b", "bob");  // true
 * globMatch("b?b", "bb");   // false
 * ```
 */
export function globMatch(mask: string, name: string): boolean {
  const m = ircLower(mask);
  const n = ircLower(name);
  let i = 0;
  let j = 0;
  // Where the last `*` was, and how far it has been made to reach.
  let star = -1;
  let reach = 0;
  while (j < n.length) {
    if (i < m.length && (m[i] === "?" || m[i] === n[j])) {
      i++;
      j++;
    } else if (i < m.length && m[i] === "*") {
      star = i++;
      reach = j;
    } else if (star !== -1) {
      i = star + 1;
      j = ++reach;
    } else return false;
  }
  while (m[i] === "*") i++;
  return i === m.length;
}

function isLetter(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}
