/**
 * The lines the person typed in the message box, brought back with Up and
 * Down as in the terminal client and shells: Up goes to earlier lines, Down
 * back towards the line being typed, which is kept meanwhile. A line
 * refused before it was sent goes into the history too, so it is never
 * lost.
 *
 * Pure: the page gives the box's text, gets the text to put there.
 *
 * @module
 */

/** The most lines kept. */
export const HISTORY_SIZE = 500;

/**
 * The message box's history.
 *
 * @example
 * ```ts
 * const history = new InputHistory();
 * history.add("hello");
 * history.up("draft"); // "hello"
 * history.down("hello"); // "draft"
 * ```
 */
export class InputHistory {
  #lines: string[] = [];
  /** Where browsing stands; `#lines.length` is the line being typed. */
  #at = 0;
  #draft = "";
  #size: number;

  constructor(size = HISTORY_SIZE) {
    this.#size = size;
  }

  /** A line was typed (sent or refused): the newest; browsing starts over. */
  add(line: string): void {
    if (line.trim() !== "" && this.#lines.at(-1) !== line) {
      this.#lines.push(line);
      if (this.#lines.length > this.#size) this.#lines.shift();
    }
    this.#at = this.#lines.length;
    this.#draft = "";
  }

  /** The line before the one shown (`current`, kept when it is the draft); undefined at the oldest. */
  up(current: string): string | undefined {
    return this.#move(-1, current);
  }

  /** The line after the one shown; the draft after the newest; undefined at the draft. */
  down(current: string): string | undefined {
    return this.#move(1, current);
  }

  #move(step: number, current: string): string | undefined {
    const next = this.#at + step;
    if (next < 0 || next > this.#lines.length) return undefined;
    if (this.#at === this.#lines.length) this.#draft = current;
    this.#at = next;
    return next === this.#lines.length ? this.#draft : this.#lines[next];
  }
}
