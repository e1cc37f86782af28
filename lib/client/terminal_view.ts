/**
 * The interactive client on a terminal: raw-mode input through the line
 * editor, output above a prompt that nothing scrambles, ticks, colours,
 * mentions and the bell.
 *
 * {@linkcode TerminalView} is both ends of the person's side for
 * `runClient`: its {@linkcode TerminalView.input} turns key presses into
 * submitted lines, and as a `ClientView` it prints what the server sends.
 * {@linkcode TerminalView.stop} restores the terminal; the caller runs it on
 * every way out.
 *
 * @module
 */

import type { ChatClient } from "./chat_client.ts";
import type { ClientView, InputEvent } from "./client_loop.ts";
import { COMMAND_NAMES } from "../shared/command_specs.ts";
import { parseInput } from "../shared/input.ts";
import type { ByteReader } from "../shared/transport.ts";
import { KeyDecoder } from "./keys.ts";
import { displayWidth, LineEditor } from "./line_editor.ts";
import type { ServerFrame } from "../shared/protocol.ts";
import { mentions, renderFrame, renderMessage } from "../shared/render.ts";
import { clean } from "../shared/text.ts";
import { Screen } from "./screen.ts";
import type { ScreenIO } from "./screen.ts";
import { styleText } from "node:util";

/** The terminal the view drives; `Deno.stdin`/`Deno.stdout` in practice. */
export interface TerminalIO extends ScreenIO, ByteReader {
  /** Switches raw mode on or off. */
  setRaw(raw: boolean): void;
}

/** Options of a {@linkcode TerminalView}. */
export interface TerminalViewOptions {
  /** The terminal. */
  io: TerminalIO;
  /** Use colours. */
  color: boolean;
  /** Ring the bell on mentions and private messages. */
  bell: boolean;
}

/**
 * The terminal client's screen and keyboard.
 *
 * @example
 * ```ts
 * const view = new TerminalView({ io, color: true, bell: true });
 * view.start();
 * try {
 *   await runClient({ connect, input: view.input(), view });
 * } finally {
 *   view.stop();
 * }
 * ```
 */
export class TerminalView implements ClientView {
  #io: TerminalIO;
  #color: boolean;
  #bell: boolean;
  #editor: LineEditor;
  #screen: Screen;
  #room = "lobby";
  #nicks = new Set<string>();
  #started = false;

  /**
   * Makes a TerminalView.
   *
   * @param options the terminal, colours, bell
   */
  constructor(options: TerminalViewOptions) {
    this.#io = options.io;
    this.#color = options.color;
    this.#bell = options.bell;
    this.#editor = new LineEditor({
      completions: (word, atStart) => this.#completions(word, atStart),
    });
    this.#screen = new Screen({
      io: options.io,
      editor: this.#editor,
      prompt: () => this.#paint("dim", `#${this.#room}> `),
      promptWidth: () => displayWidth(`#${this.#room}> `),
    });
  }

  /** Puts the terminal in raw mode and draws the prompt. */
  start(): void {
    this.#io.setRaw(true);
    this.#started = true;
    this.#screen.redraw();
  }

  /** Restores the terminal. Safe to call more than once. */
  stop(): void {
    if (!this.#started) return;
    this.#started = false;
    this.#screen.close();
    try {
      this.#io.setRaw(false);
    } catch {
      // stdin is already gone; nothing to restore.
    }
  }

  /** The terminal changed size. */
  resized(): void {
    this.#screen.resized();
  }

  /** Key presses, edited into lines. */
  async *input(): AsyncGenerator<InputEvent> {
    const decoder = new KeyDecoder();
    const buffer = new Uint8Array(4096);
    while (true) {
      const n = await this.#io.read(buffer);
      if (n === null) {
        yield { kind: "eof" };
        return;
      }
      for (const key of decoder.feed(buffer.subarray(0, n))) {
        const result = this.#editor.handle(key);
        switch (result.kind) {
          case "submit":
            this.#screen.redraw();
            yield { kind: "line", line: result.line };
            break;
          case "edited":
            this.#screen.redraw();
            break;
          case "complete":
            this.#screen.print(
              this.#paint("dim", result.candidates.join("  ")),
            );
            break;
          case "clear-screen":
            this.#screen.clear();
            break;
          case "interrupt":
            yield { kind: "interrupt" };
            return;
          case "eof":
            yield { kind: "eof" };
            return;
          case "none":
            break;
        }
      }
    }
  }

  connected(client: ChatClient, again: boolean): void {
    this.#room = client.room;
    this.#nicks.add(client.welcome.nick);
    for (const notice of client.notices) {
      this.#screen.print(this.#paint("yellow", notice));
    }
    if (again) {
      this.#screen.redraw();
      return;
    }
    this.#screen.print(renderFrame(client.welcome, this.#options(client))!);
    for (const message of client.welcome.history) {
      this.#nicks.add(message.from);
      this.#screen.print(renderMessage(message, this.#options(client), true));
    }
  }

  frame(frame: ServerFrame, client: ChatClient): void {
    this.#learn(frame);
    this.#room = client.room;
    switch (frame.type) {
      case "ack":
        // The first tick; "✓✓ n/m" replaces it when the delivery report comes.
        this.#screen.tick(frame.id, this.#paint("dim", " ✓"), { final: false });
        return;
      case "delivered":
        this.#screen.tick(
          frame.id,
          this.#paint("green", " ✓✓ ") + `${frame.count}/${frame.of}`,
          { final: true },
        );
        return;
      case "error":
        if (frame.id !== undefined) this.#screen.forget(frame.id);
        break;
      case "msg":
        if (!frame.history && (mentions(frame.text, client.nick))) this.#ring();
        break;
      case "pm":
        if (frame.from !== client.nick) this.#ring();
        break;
      default:
        break;
    }
    const line = renderFrame(frame, this.#options(client));
    if (line !== undefined) this.#screen.print(line);
  }

  sent(id: string, text: string, client: ChatClient): void {
    const parsed = parseInput(text);
    const me = parsed.kind === "command" && parsed.name === "me" &&
      parsed.args.trim() !== "";
    if (parsed.kind === "command" && !me) return;
    const message = {
      seq: 0,
      room: client.room,
      from: client.nick,
      text: parsed.kind === "text" ? parsed.text : parsed.args,
      ts: Date.now(),
      ...(me ? { me: true } : {}),
    };
    this.#screen.printOwn(
      id,
      renderMessage(message, this.#options(client)),
      this.#paint("dim", " …"),
    );
  }

  notice(text: string): void {
    this.#screen.print(this.#paint("yellow", `-- ${text}`));
  }

  problem(text: string): void {
    this.#screen.print(this.#paint(["bold", "red"], `! ${text}`));
  }

  #options(client: ChatClient) {
    return { color: this.#color, self: client.nick };
  }

  #ring(): void {
    if (this.#bell) this.#screen.bell();
  }

  #learn(frame: ServerFrame): void {
    switch (frame.type) {
      case "msg":
      case "pm":
        this.#nicks.add(clean(frame.from));
        return;
      case "event":
        if (frame.event === "quit") this.#nicks.delete(frame.nick);
        else if (frame.event === "nick" && frame.to !== undefined) {
          this.#nicks.delete(frame.nick);
          this.#nicks.add(frame.to);
        } else this.#nicks.add(frame.nick);
        return;
      case "reply":
        if (frame.cmd === "who" && isWho(frame.data)) {
          for (const member of frame.data.members) this.#nicks.add(member.nick);
        }
        return;
      default:
        return;
    }
  }

  #completions(word: string, atLineStart: boolean): string[] {
    if (word.startsWith("/") && atLineStart) {
      return COMMAND_NAMES.map((name) => `/${name}`);
    }
    return [...this.#nicks].sort();
  }

  #paint(style: Parameters<typeof styleText>[0], text: string): string {
    return this.#color
      ? styleText(style, text, { validateStream: false })
      : text;
  }
}

function isWho(data: unknown): data is { members: { nick: string }[] } {
  return typeof data === "object" && data !== null &&
    Array.isArray((data as { members?: unknown }).members);
}
