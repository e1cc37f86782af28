/**
 * The message box and its keys. Enter sends the line; a line refused
 * before it was sent (over the limits, blank once cleaned, said where it
 * cannot be) stays in the box to be fixed, and goes into the history all
 * the same. Up and Down bring back earlier lines. Tab completes a nick or
 * a `/command` and, pressed again, the next candidate (Shift+Tab the one
 * before); with nothing to complete it does nothing, so no key typed next
 * is lost to another control. Escape, then Tab, leaves the box.
 *
 * @module
 */

import { complete, type Completed, cycle } from "./completion.ts";
import { InputHistory } from "./input_history.ts";

/** What the composer needs of the page. */
export interface ComposerHooks {
  /**
   * A line typed and Entered: true when it was taken (sent, or waiting to
   * be), false when it was refused and should stay in the box.
   */
  submit(line: string): boolean;
  /** The nicks and command words Tab completes from, now. */
  words(): { nicks: readonly string[]; commands: readonly string[] };
}

/** The message box with its history, completion and keys. */
export class Composer {
  #input: HTMLInputElement;
  #hooks: ComposerHooks;
  #history = new InputHistory();
  #completion: Completed | undefined;
  /** Escape was the last key: the next Tab leaves the box. */
  #leaving = false;

  constructor(
    form: HTMLFormElement,
    input: HTMLInputElement,
    hooks: ComposerHooks,
  ) {
    this.#input = input;
    this.#hooks = hooks;
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.#submit();
    });
    input.addEventListener("keydown", (event) => this.#key(event));
  }

  /** Puts the focus in the box. */
  focus(): void {
    this.#input.focus();
  }

  #submit(): void {
    const input = this.#input;
    const line = input.value;
    if (line.trim() === "") return;
    this.#completion = undefined;
    this.#history.add(line);
    if (this.#hooks.submit(line)) input.value = "";
  }

  #key(event: KeyboardEvent): void {
    const leaving = this.#leaving;
    // Shift on its way to Shift+Tab keeps an Escape's meaning.
    if (event.key !== "Shift") this.#leaving = event.key === "Escape";
    if (event.key === "Tab" && !event.altKey && !event.ctrlKey) {
      // Escape, then Tab: the browser moves the focus on, as usual.
      if (leaving) return;
      event.preventDefault();
      this.#complete(event.shiftKey ? -1 : 1);
      return;
    }
    if (event.key !== "Shift") this.#completion = undefined;
    const history = event.key === "ArrowUp"
      ? this.#history.up.bind(this.#history)
      : event.key === "ArrowDown"
      ? this.#history.down.bind(this.#history)
      : undefined;
    if (history === undefined || event.altKey || event.ctrlKey) return;
    event.preventDefault();
    const line = history(this.#input.value);
    if (line === undefined) return;
    this.#input.value = line;
    this.#input.setSelectionRange(line.length, line.length);
  }

  /** Tab (`step` 1) or Shift+Tab (-1): complete, or the next candidate. */
  #complete(step: 1 | -1): void {
    const input = this.#input;
    const caret = input.selectionStart ?? input.value.length;
    const previous = this.#completion;
    let done: Completed | undefined;
    if (previous !== undefined && previous.caret === caret) {
      done = cycle(input.value, previous, step);
    } else if (step === 1) {
      const { nicks, commands } = this.#hooks.words();
      done = complete(input.value, caret, nicks, commands);
    }
    if (done === undefined) return; // Nothing to complete: nothing happens.
    this.#completion = done;
    input.value = done.text;
    input.setSelectionRange(done.caret, done.caret);
  }
}
