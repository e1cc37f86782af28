/**
 * A secret asked on the terminal's prompt line (the server's password),
 * typed without echo.
 *
 * While a secret is asked, every key goes to it and none to the chat line
 * (the half-typed chat line waits, untouched): Enter gives the secret,
 * Backspace and Ctrl-U edit it, Ctrl-C or Ctrl-D gives up.
 *
 * @module
 */

import type { Key } from "./keys.ts";

/**
 * The secret being asked, if any, for one terminal view.
 *
 * @example
 * ```ts
 * const secret = new SecretPrompt(() => screen.redraw());
 * const password = secret.ask("password: "); // resolves on Enter
 * for (const key of keys) secret.key(key);
 * ```
 */
export class SecretPrompt {
  #redraw: () => void;
  /** A secret being typed, and where it goes. */
  #secret:
    | { chars: string[]; done: (secret: string | undefined) => void }
    | undefined;
  /** The prompt's text while a secret is asked. */
  #prompt = "";

  /**
   * Makes a SecretPrompt.
   *
   * @param redraw redraws the prompt line (when a secret is asked or ends)
   */
  constructor(redraw: () => void) {
    this.#redraw = redraw;
  }

  /** True while a secret is asked: keys go to it. */
  get asking(): boolean {
    return this.#secret !== undefined;
  }

  /** The prompt's text while a secret is asked. */
  get prompt(): string {
    return this.#prompt;
  }

  /**
   * Asks for a secret after `prompt`. Resolves to the secret, or undefined
   * when the person gave up, or when `signal` aborts (the answer is no
   * longer wanted: the prompt goes, and the keys go back to the chat line).
   */
  ask(prompt: string, signal?: AbortSignal): Promise<string | undefined> {
    return new Promise((resolve) => {
      this.#prompt = prompt;
      const secret = { chars: [] as string[], done: resolve };
      this.#secret = secret;
      signal?.addEventListener("abort", () => {
        if (this.#secret === secret) this.#end(undefined);
      }, { once: true });
      this.#redraw();
    });
  }

  /** One key while a secret is asked; true when the person gave up. */
  key(key: Key): boolean {
    const secret = this.#secret!;
    switch (key.name) {
      case "text":
        secret.chars.push(...key.text);
        return false;
      case "backspace":
        secret.chars.pop();
        return false;
      case "kill-line-start":
        secret.chars.length = 0;
        return false;
      case "enter":
        this.#end(secret.chars.join(""));
        return false;
      case "interrupt":
      case "eof":
        this.#end(undefined);
        return true;
      default:
        return false;
    }
  }

  #end(value: string | undefined): void {
    const secret = this.#secret!;
    this.#secret = undefined;
    secret.chars.length = 0;
    this.#redraw();
    secret.done(value);
  }
}
