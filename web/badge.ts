/**
 * The unread count where a person sees it with the page in another tab:
 * in the title (`(3) #lobby – Lochat`) and in the favicon
 * (`favicon.ts` draws it). Pure, for the tests.
 *
 * @module
 */

/**
 * The page's title for `unread` messages (of which `mentions` name the
 * person) with `where` on screen.
 *
 * @example
 * ```ts
 * pageTitle(0, 0, "#lobby"); // "#lobby – Lochat"
 * pageTitle(3, 1, "#lobby"); // "(3, 1 for you) #lobby – Lochat"
 * ```
 */
export function pageTitle(
  unread: number,
  mentions: number,
  where: string | undefined,
): string {
  const base = where === undefined ? "Lochat" : `${where} – Lochat`;
  if (unread === 0) return base;
  return mentions > 0
    ? `(${unread}, ${mentions} for you) ${base}`
    : `(${unread}) ${base}`;
}

/** The count as the favicon shows it: up to 99, then `99+`. */
export function badgeText(unread: number): string {
  return unread > 99 ? "99+" : String(unread);
}
