/**
 * The rules a chat message and a room name must follow on the server,
 * applied the same way whatever transport a line came by.
 *
 * @module
 */

import { ChatError } from "../shared/errors.ts";
import { parseRoom } from "../shared/names.ts";
import { clean, codePoints, isBlank } from "../shared/text.ts";

/**
 * Cleans message text, or refuses it (a {@linkcode ChatError}
 * `text-invalid`) when it shows nothing or is over `maxChars` code points,
 * counted after cleaning.
 *
 * @example
 * ```ts
 * messageText("hi \x1b[31mthere", 2000); // "hi there"
 * messageText("\u200b", 2000);           // throws: the message is empty
 * ```
 */
export function messageText(text: string, maxChars: number): string {
  const safe = clean(text);
  if (isBlank(safe)) {
    throw new ChatError(
      "text-invalid",
      "The message is empty once control and invisible characters are removed",
    );
  }
  const length = codePoints(safe);
  if (length > maxChars) {
    throw new ChatError(
      "text-invalid",
      `The message is ${length} characters; the limit is ${maxChars}`,
    );
  }
  return safe;
}

/**
 * A room name as typed (`#Games`) in its one form (`games`), or a
 * {@linkcode ChatError} `room-invalid` that says the rule.
 */
export function roomName(room: string): string {
  const parsed = parseRoom(room);
  if (!parsed.ok) throw new ChatError("room-invalid", parsed.problem);
  return parsed.room;
}
