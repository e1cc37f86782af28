/**
 * A program in a real pseudo-terminal, for tests of the interactive client:
 * {@linkcode Tmux} runs a shell command in a tmux session on a private
 * server socket, types and presses keys, reads the screen and the cursor,
 * and waits for what the screen should show. tmux has no change events, so
 * its waits look every 20 ms until {@linkcode DEADLINE_MS}. It is
 * `AsyncDisposable`: `await using` kills the tmux server.
 *
 * @module
 */

import { DEADLINE_MS } from "./line_log.ts";
import { ROOT } from "./program.ts";

/**
 * A program in a real pseudo-terminal: a tmux session on a private server
 * socket, killed when disposed.
 */
export class Tmux implements AsyncDisposable {
  readonly socket = `lochat-test-${crypto.randomUUID().slice(0, 8)}`;
  readonly columns: number;
  readonly rows: number;

  private constructor(columns: number, rows: number) {
    this.columns = columns;
    this.rows = rows;
  }

  /** Starts `command` (a shell command line) in a new session of the given size. */
  static async start(
    command: string,
    options: { columns?: number; rows?: number } = {},
  ): Promise<Tmux> {
    const tmux = new Tmux(options.columns ?? 80, options.rows ?? 24);
    await tmux.#run(
      "new-session",
      "-d",
      "-s",
      "main",
      "-x",
      String(tmux.columns),
      "-y",
      String(tmux.rows),
      `cd '${ROOT}' && ${command}`,
    );
    // Keep the pane after the program exits, so its last screen can be read.
    await tmux.#run("set-option", "-t", "main", "remain-on-exit", "on");
    return tmux;
  }

  /** Changes the window's size, as a person dragging the terminal would. */
  async resize(columns: number, rows: number): Promise<void> {
    await this.#run(
      "resize-window",
      "-t",
      "main",
      "-x",
      String(columns),
      "-y",
      String(rows),
    );
  }

  /** Types text literally. */
  async type(text: string): Promise<void> {
    await this.#run("send-keys", "-t", "main", "-l", text);
  }

  /** Presses keys by tmux name: `Enter`, `Left`, `C-a`, `BSpace`, `Tab`. */
  async press(...keys: string[]): Promise<void> {
    await this.#run("send-keys", "-t", "main", ...keys);
  }

  /** The screen, one string per row, trailing spaces trimmed. */
  async screen(): Promise<string[]> {
    const out = await this.#run("capture-pane", "-t", "main", "-p");
    return out.replace(/\n$/, "").split("\n").map((row) => row.trimEnd());
  }

  /** The screen with its colour and style escapes, as one string. */
  async styledScreen(): Promise<string> {
    return await this.#run("capture-pane", "-t", "main", "-p", "-e");
  }

  /** A tmux format about the pane, such as `#{window_bell_flag}`. */
  async display(format: string): Promise<string> {
    return (await this.#run("display-message", "-t", "main", "-p", format))
      .trim();
  }

  /** The cursor's column and row, 0-based. */
  async cursor(): Promise<{ x: number; y: number }> {
    const out = await this.#run(
      "display-message",
      "-t",
      "main",
      "-p",
      "#{cursor_x},#{cursor_y}",
    );
    const [x, y] = out.trim().split(",").map(Number);
    return { x: x!, y: y! };
  }

  /**
   * Waits until the screen satisfies `match`; tmux has no change events, so
   * this looks every 20 ms until the deadline, then fails with the screen.
   */
  async waitFor(
    match: (screen: string[]) => boolean,
    deadlineMs = DEADLINE_MS,
  ): Promise<string[]> {
    const started = Date.now();
    while (true) {
      const screen = await this.screen();
      if (match(screen)) return screen;
      if (Date.now() - started > deadlineMs) {
        throw new Error(
          `The screen did not show what was expected within ${deadlineMs} ms:\n${
            screen.join("\n")
          }`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** Waits until the cursor is in column `x`; returns where it is. */
  async waitForCursor(
    x: number,
    deadlineMs = DEADLINE_MS,
  ): Promise<{ x: number; y: number }> {
    const started = Date.now();
    while (true) {
      const cursor = await this.cursor();
      if (cursor.x === x) return cursor;
      if (Date.now() - started > deadlineMs) {
        throw new Error(
          `The cursor stayed in column ${cursor.x}, not ${x}:\n${
            (await this.screen()).join("\n")
          }`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** Waits until the screen has a row containing `text`. */
  waitForText(text: string): Promise<string[]> {
    return this.waitFor((screen) => screen.some((row) => row.includes(text)));
  }

  async #run(...args: string[]): Promise<string> {
    const output = await new Deno.Command("tmux", {
      args: ["-L", this.socket, ...args],
      stdin: "null",
    }).output();
    if (!output.success) {
      throw new Error(
        `tmux ${args[0]} failed: ${new TextDecoder().decode(output.stderr)}`,
      );
    }
    return new TextDecoder().decode(output.stdout);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await new Deno.Command("tmux", {
      args: ["-L", this.socket, "kill-server"],
      stdin: "null",
    }).output();
  }
}
