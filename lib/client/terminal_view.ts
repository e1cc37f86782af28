/**
 * The interactive client on a terminal: raw-mode input through the line
 * editor, output above a prompt that nothing scrambles, ticks, colours,
 * mentions and the bell, a secret prompt that never echoes, and the state
 * of the connection in the prompt.
 *
 * One reader owns the keyboard: while the view asks for a secret
 * ({@linkcode TerminalView.askSecret}), every key goes to the secret and
 * none to the chat line (the half-typed chat line waits, untouched); Enter
 * gives the secret, Ctrl-C or Ctrl-D gives up and leaves.
 *
 * {@linkcode TerminalView} is both ends of the person's side for
 * `runClient`: its {@linkcode TerminalView.input} turns key presses into
 * submitted lines, and as a `ClientView` it prints what the server sends.
 * {@linkcode TerminalView.stop} restores the terminal; the caller runs it on
 * every way out.
 *
 * Its parts have modules of their own: the prompt line (`prompt_line.ts`),
 * the rooms and their unread and mention counts (`room_activity.ts`), the
 * secret prompt (`secret_prompt.ts`), Tab completion (`completions.ts`), and
 * below them the screen (`screen.ts`) and the line editor (`line_editor.ts`).
 *
 * @module
 */

import type { ChatClient } from "./chat_client.ts";
import type { ClientView, InputEvent } from "./client_view.ts";
import { parseInput } from "../shared/input.ts";
import type { ByteReader } from "../shared/transport.ts";
import { Completions } from "./completions.ts";
import { KeyDecoder } from "./keys.ts";
import { LineEditor } from "./line_editor.ts";
import { promptLine } from "./prompt_line.ts";
import type { ServerFrame } from "../shared/protocol.ts";
import {
  markRoom,
  mentions,
  type Paint,
  painter,
  renderFrame,
  renderMessage,
  roomOfFrame,
} from "../shared/render.ts";
import { clean } from "../shared/text.ts";
import { isRoomList, RoomActivity } from "./room_activity.ts";
import { Screen } from "./screen.ts";
import type { ScreenIO } from "./screen.ts";
import { SecretPrompt } from "./secret_prompt.ts";

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
  /** The nick asked for, shown on lines typed before the server grants one. */
  nick?: string | undefined;
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
  #paint: Paint;
  #editor: LineEditor;
  #screen: Screen;
  /** The current room, every room joined, and what is unread in each. */
  #rooms = new RoomActivity();
  #nick: string | undefined;
  /** The commands and nicks Tab completes. */
  #completions = new Completions();
  #started = false;
  /** The connection's state in a few words, shown instead of the room. */
  #status: string | undefined;
  /** A secret being asked: every key goes to it. */
  #secret = new SecretPrompt(() => this.#screen.redraw());

  /**
   * Makes a TerminalView.
   *
   * @param options the terminal, colours, bell
   */
  constructor(options: TerminalViewOptions) {
    this.#io = options.io;
    this.#color = options.color;
    this.#bell = options.bell;
    this.#paint = painter(options.color);
    this.#nick = options.nick;
    this.#editor = new LineEditor({
      completions: (word, atStart) => this.#completions.for(word, atStart),
    });
    this.#screen = new Screen({
      io: options.io,
      editor: this.#editor,
      prompt: () => this.#prompt(),
      secret: () => this.#secret.asking,
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
        if (key.name === "cursor-position") {
          this.#screen.cursorReport(key);
          continue;
        }
        if (this.#secret.asking) {
          if (this.#secret.key(key)) {
            yield { kind: "interrupt" };
            return;
          }
          continue;
        }
        if (key.name === "room") {
          yield { kind: "switch", index: key.index };
          continue;
        }
        if (key.name === "next-room" || key.name === "previous-room") {
          yield { kind: "cycle", step: key.name === "next-room" ? 1 : -1 };
          continue;
        }
        const result = this.#editor.handle(key);
        switch (result.kind) {
          case "submit": {
            this.#screen.redraw();
            const parsed = parseInput(result.line.trim());
            if (parsed.kind === "command" && parsed.name === "clear") {
              this.#screen.clear(); // The screen is the client's own.
              break;
            }
            yield { kind: "line", line: result.line };
            break;
          }
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

  /**
   * Asks for a secret on the prompt line, without echo; `problem` (why the
   * last one failed) is said first. Resolves to the secret, or undefined
   * when the person gave up (Ctrl-C, Ctrl-D), which also ends the input
   * with an interrupt, or when `signal` aborts.
   */
  askSecret(
    prompt: string,
    problem?: string,
    signal?: AbortSignal,
  ): Promise<string | undefined> {
    // The question first: the reason, printed above it, redraws it, so the
    // prompt line never shows the connection's state between the two.
    const answer = this.#secret.ask(prompt, signal);
    if (problem !== undefined) this.problem(problem);
    return answer;
  }

  /** The connection's state, shown on the prompt line; undefined: connected. */
  status(text: string | undefined): void {
    this.#status = text;
    this.#screen.redraw();
  }

  /** The status while waiting to reconnect, counting down: redrawn in place. */
  countdown(text: string): void {
    this.status(text);
  }

  connecting(where: string): void {
    this.status(`connecting to ${where}`);
  }

  /** The person talks in `room` now: said in the scrollback, so it stays. */
  switched(room: string | undefined): void {
    this.notice(
      room === undefined
        ? "now in no room: /join ROOM"
        : `now talking in #${room}`,
    );
  }

  rooms(current: string | undefined, joined: readonly string[]): void {
    this.#rooms.rooms(current, joined);
    this.#screen.redraw();
  }

  connected(client: ChatClient, again: boolean): void {
    this.#nick = client.nick;
    this.#completions.connected(client);
    for (const notice of client.notices) {
      this.#screen.print(this.#paint("yellow", notice));
    }
    if (!again) {
      this.#screen.print(this.#paint("bold", clean(client.welcome.banner)));
      this.#screen.print(renderFrame(client.welcome, this.#options(client))!);
    }
    // What the room said before (history), or while we were away (missed).
    const mark = again ? "missed" : true;
    for (const room of client.rooms) {
      if ((room.more ?? 0) > 0) {
        this.notice(
          `${room.more} older messages of #${room.name} not shown; /history shows them`,
        );
      }
      for (const message of room.history) {
        this.#completions.add(message.from);
        this.#screen.print(
          this.#marked(
            message.room,
            renderMessage(message, this.#options(client), mark),
          ),
        );
      }
    }
    this.#screen.redraw();
  }

  frame(frame: ServerFrame, client: ChatClient): void {
    this.#completions.learn(frame);
    this.#nick = client.nick;
    switch (frame.type) {
      case "ack":
        // The first tick; "✓✓ n/m" replaces it when the delivery report comes.
        this.#screen.tick(frame.id, this.#paint("dim", " ✓"), { final: false });
        return;
      case "delivered":
        // Kept, and no one else was there to be handed it.
        this.#screen.tick(
          frame.id,
          frame.of === 0
            ? this.#paint("dim", " ✓ no one else here")
            : this.#paint("green", " ✓✓ ") + `${frame.count}/${frame.of}`,
          { final: true },
        );
        return;
      case "error":
        if (frame.id !== undefined) this.withdrawn(frame.id);
        break;
      case "msg": {
        if (frame.history === true || frame.from === client.nick) break;
        const mention = mentions(frame.text, client.nick);
        // Wherever it was said: a mention rings.
        if (mention) this.#ring();
        this.#rooms.said(frame.room, mention);
        break;
      }
      case "reply":
        if (frame.cmd === "rooms" && isRoomList(frame.data)) {
          this.#screen.print(this.#rooms.roomList(frame.data.rooms));
          return;
        }
        break;
      case "pm":
        if (frame.from !== client.nick) this.#ring();
        break;
      case "bye":
        return; // The client says why the connection ended, once.
      default:
        break;
    }
    const line = renderFrame(frame, this.#options(client));
    if (line === undefined) return;
    this.#screen.print(this.#marked(roomOfFrame(frame), line));
  }

  /**
   * `line`, each of its rows marked `[#room] ` in the room's own colour when
   * `room` is not the current one.
   */
  #marked(room: string | undefined, line: string): string {
    if (room === undefined || room === this.#rooms.current) return line;
    return markRoom(line, room, this.#color);
  }

  sent(id: string, text: string, client: ChatClient | undefined): void {
    const parsed = parseInput(text);
    const me = parsed.kind === "command" && parsed.name === "me" &&
      parsed.args.trim() !== "";
    if (parsed.kind === "command" && !me) return;
    const nick = client?.nick ?? this.#nick ?? "you";
    const message = {
      seq: 0,
      room: this.#rooms.current ?? "",
      from: nick,
      text: parsed.kind === "text" ? parsed.text : parsed.args,
      ts: Date.now(),
      ...(me ? { me: true } : {}),
    };
    this.#screen.printOwn(
      id,
      renderMessage(message, { color: this.#color, self: nick }),
      this.#paint("dim", " …"),
    );
  }

  withdrawn(id: string): void {
    this.#screen.tick(id, this.#paint("red", " ✗"), { final: true });
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

  /** The prompt line (`prompt_line.ts`), or the secret's while one is asked. */
  #prompt(): string {
    if (this.#secret.asking) return this.#secret.prompt;
    return promptLine({
      columns: this.#io.columns(),
      status: this.#status,
      room: this.#rooms.current,
      nick: this.#nick,
      unread: this.#rooms.unread(),
      color: this.#color,
    });
  }

  #ring(): void {
    if (this.#bell) this.#screen.bell();
  }
}
