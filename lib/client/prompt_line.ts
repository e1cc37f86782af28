/**
 * The terminal client's prompt line: where typed lines go and as whom
 * (`#lobby ann> `), after the rooms with unread lines (`(games 3, dev 5 @2)`:
 * five unread in #dev, two naming you); or, while not connected, the
 * connection's state in its place (`[reconnect attempt 2 of 30 in 0.5 s] `).
 *
 * Thirty columns of the terminal stay free, so what is being typed stays in
 * sight; what does not fit is cut, never wrapped.
 *
 * @module
 */

import { painter } from "../shared/render.ts";
import { cutToWidth } from "./line_editor.ts";
import type { Unread } from "./room_activity.ts";

/** What the prompt line shows. */
export interface PromptLineOptions {
  /** The terminal's width. */
  columns: number;
  /** The connection's state in a few words; undefined: connected. */
  status: string | undefined;
  /** The current room; undefined: in no room. */
  room: string | undefined;
  /** The reader's nick, when known. */
  nick: string | undefined;
  /** The rooms with unread lines, in join order. */
  unread: readonly Unread[];
  /** Use colours. */
  color: boolean;
}

/**
 * The prompt line's text.
 *
 * @example
 * ```ts
 * promptLine({ columns: 80, status: undefined, room: "lobby", nick: "ann", unread: [], color: false });
 * // "#lobby ann> "
 * ```
 */
export function promptLine(options: PromptLineOptions): string {
  const paint = painter(options.color);
  // Thirty columns stay free, so what is being typed stays in sight.
  const room = Math.max(12, options.columns - 33);
  if (options.status !== undefined) {
    return paint("yellow", `[${cutToWidth(options.status, room)}] `);
  }
  const nick = options.nick === undefined ? "" : ` ${options.nick}`;
  const here = options.room === undefined ? "(no room)" : `#${options.room}`;
  const own = `${here}${nick}> `;
  return activity(options.unread, room - own.length, options.color) +
    paint("dim", own);
}

/** The rooms with unread lines, in join order, in at most `columns`. */
function activity(
  unread: readonly Unread[],
  columns: number,
  color: boolean,
): string {
  const paint = painter(color);
  const parts = unread.map(({ room, lines, mentions }) => ({
    text: `${room} ${lines}${mentions > 0 ? ` @${mentions}` : ""}`,
    mention: mentions > 0,
  }));
  if (parts.length === 0) return "";
  const plain = `(${parts.map((p) => p.text).join(", ")}) `;
  if (plain.length > columns) {
    const total = parts.length;
    return paint(
      "yellow",
      cutToWidth(`(${total} rooms unread) `, Math.max(columns, 0)),
    );
  }
  if (!color) return plain;
  return `${paint("yellow", "(")}${
    parts.map((p) => paint(p.mention ? ["bold", "magenta"] : "yellow", p.text))
      .join(paint("yellow", ", "))
  }${paint("yellow", ")")} `;
}
