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
 * @module
 */

import type { ChatClient } from "./chat_client.ts";
import type { ClientView, InputEvent } from "./client_loop.ts";
import { COMMAND_NAMES } from "../shared/command_specs.ts";
import { parseInput } from "../shared/input.ts";
import type { ByteReader } from "../shared/transport.ts";
import { type Key, KeyDecoder } from "./keys.ts";
import { cutToWidth, LineEditor } from "./line_editor.ts";
import { DEFAULT_ROOM, type ServerFrame } from "../shared/protocol.ts";
import {
  markRoom,
  mentions,
  renderFrame,
  renderMessage,
  roomOfFrame,
} from "../shared/render.ts";
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
  #editor: LineEditor;
  #screen: Screen;
  /** Where typed lines go; undefined: in no room. */
  #room: string | undefined = DEFAULT_ROOM;
  /** Every room joined, in the order joined (Alt-1 is the first). */
  #joined: string[] = [DEFAULT_ROOM];
  /** Per room not current: lines said there since, and how many name us. */
  #unread = new Map<string, { lines: number; mentions: number }>();
  #nick: string | undefined;
  #nicks = new Set<string>();
  /** The connected server's commands, for completion. */
  #commands: readonly string[] = COMMAND_NAMES;
  #started = false;
  /** The connection's state in a few words, shown instead of the room. */
  #status: string | undefined;
  /** A secret being typed, and where it goes. */
  #secret:
    | { chars: string[]; done: (secret: string | undefined) => void }
    | undefined;

  /**
   * Makes a TerminalView.
   *
   * @param options the terminal, colours, bell
   */
  constructor(options: TerminalViewOptions) {
    this.#io = options.io;
    this.#color = options.color;
    this.#bell = options.bell;
    this.#nick = options.nick;
    this.#editor = new LineEditor({
      completions: (word, atStart) => this.#completions(word, atStart),
    });
    this.#screen = new Screen({
      io: options.io,
      editor: this.#editor,
      prompt: () => this.#prompt(),
      secret: () => this.#secret !== undefined,
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
        if (this.#secret !== undefined) {
          if (this.#secretKey(key)) {
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
   * with an interrupt.
   */
  askSecret(prompt: string, problem?: string): Promise<string | undefined> {
    if (problem !== undefined) this.problem(problem);
    return new Promise((resolve) => {
      this.#secretPrompt = prompt;
      this.#secret = { chars: [], done: resolve };
      this.#screen.redraw();
    });
  }

  /** The secret prompt's text while one is asked. */
  #secretPrompt = "";

  /** One key at the secret prompt; true when the person gave up. */
  #secretKey(key: Key): boolean {
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
        this.#endSecret(secret.chars.join(""));
        return false;
      case "interrupt":
      case "eof":
        this.#endSecret(undefined);
        return true;
      default:
        return false;
    }
  }

  #endSecret(value: string | undefined): void {
    const secret = this.#secret!;
    this.#secret = undefined;
    secret.chars.length = 0;
    this.#screen.redraw();
    secret.done(value);
  }

  /** The connection's state, shown on the prompt line; undefined: connected. */
  status(text: string | undefined): void {
    this.#status = text;
    this.#screen.redraw();
  }

  connecting(where: string): void {
    this.status(`connecting to ${where}`);
  }

  rooms(current: string | undefined, joined: readonly string[]): void {
    this.#room = current;
    this.#joined = [...joined];
    for (const room of this.#unread.keys()) {
      if (room === current || !joined.includes(room)) this.#unread.delete(room);
    }
    this.#screen.redraw();
  }

  connected(client: ChatClient, again: boolean): void {
    this.#nick = client.nick;
    this.#commands = [
      ...new Set(
        client.commands.flatMap((c) => [c.name, ...(c.aliases ?? [])]),
      ),
      "clear",
    ].sort();
    for (const room of client.rooms) {
      for (const member of room.members) this.#nicks.add(member);
    }
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
        this.#nicks.add(message.from);
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
    this.#learn(frame);
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
        if (frame.room !== this.#room) {
          const unread = this.#unread.get(frame.room) ??
            { lines: 0, mentions: 0 };
          unread.lines++;
          if (mention) unread.mentions++;
          this.#unread.set(frame.room, unread);
        }
        break;
      }
      case "reply":
        if (frame.cmd === "rooms" && isRoomList(frame.data)) {
          this.#screen.print(this.#roomList(frame.data.rooms));
          return;
        }
        break;
      case "pm":
        if (frame.from !== client.nick) this.#ring();
        break;
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
    if (room === undefined || room === this.#room) return line;
    return markRoom(line, room, this.#color);
  }

  /** `/rooms`: every room, those joined marked, with what is unread in each. */
  #roomList(rooms: RoomListEntry[]): string {
    if (rooms.length === 0) return "No rooms yet: /join ROOM makes one";
    const rows = rooms.map((room) => {
      const at = this.#joined.indexOf(room.name);
      const mark = room.name === this.#room
        ? ">"
        : at >= 0
        ? String(at + 1 <= 10 ? (at + 1) % 10 : " ")
        : " ";
      const unread = this.#unread.get(room.name);
      const news = unread === undefined
        ? ""
        : ` [${unread.lines} unread${
          unread.mentions > 0 ? `, ${unread.mentions} for you` : ""
        }]`;
      const topic = room.topic === undefined ? "" : `: ${room.topic}`;
      return `${mark} #${room.name} (${room.members})${news}${topic}`;
    });
    return [
      `Rooms (> you talk here; 1-9, 0: Alt+number switches, Ctrl-N/Ctrl-P next/previous):`,
      ...rows.map((row) => clean(row)),
    ].join("\n");
  }

  sent(id: string, text: string, client: ChatClient | undefined): void {
    const parsed = parseInput(text);
    const me = parsed.kind === "command" && parsed.name === "me" &&
      parsed.args.trim() !== "";
    if (parsed.kind === "command" && !me) return;
    const nick = client?.nick ?? this.#nick ?? "you";
    const message = {
      seq: 0,
      room: this.#room ?? "",
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

  /**
   * `#lobby ann> `, after the rooms with unread lines (`(games 3, dev 5 @2)`:
   * five unread in #dev, two naming you), or the connection's state while
   * not connected.
   */
  #prompt(): string {
    if (this.#secret !== undefined) return this.#secretPrompt;
    // Thirty columns stay free, so what is being typed stays in sight.
    const room = Math.max(12, this.#io.columns() - 33);
    if (this.#status !== undefined) {
      return this.#paint("yellow", `[${cutToWidth(this.#status, room)}] `);
    }
    const nick = this.#nick === undefined ? "" : ` ${this.#nick}`;
    const here = this.#room === undefined ? "(no room)" : `#${this.#room}`;
    const own = `${here}${nick}> `;
    return this.#activity(room - own.length) + this.#paint("dim", own);
  }

  /** The rooms with unread lines, in join order, in at most `columns`. */
  #activity(columns: number): string {
    const parts: { text: string; mention: boolean }[] = [];
    for (const room of this.#joined) {
      const unread = this.#unread.get(room);
      if (unread === undefined) continue;
      const mention = unread.mentions > 0;
      parts.push({
        text: `${room} ${unread.lines}${mention ? ` @${unread.mentions}` : ""}`,
        mention,
      });
    }
    if (parts.length === 0) return "";
    const plain = `(${parts.map((p) => p.text).join(", ")}) `;
    if (plain.length > columns) {
      const total = parts.length;
      return this.#paint(
        "yellow",
        cutToWidth(`(${total} rooms unread) `, Math.max(columns, 0)),
      );
    }
    if (!this.#color) return plain;
    return `${this.#paint("yellow", "(")}${
      parts.map((p) =>
        this.#paint(p.mention ? ["bold", "magenta"] : "yellow", p.text)
      ).join(this.#paint("yellow", ", "))
    }${this.#paint("yellow", ")")} `;
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
        switch (frame.event) {
          case "quit":
          case "leave":
            this.#nicks.delete(frame.nick);
            return;
          case "nick":
            this.#nicks.delete(frame.nick);
            if (frame.to !== undefined) this.#nicks.add(frame.to);
            return;
          case "join":
            this.#nicks.add(frame.nick);
            return;
          default:
            return; // Away and back say nothing of who is here.
        }
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
      return this.#commands.map((name) => `/${name}`);
    }
    return [...this.#nicks].sort();
  }

  #paint(style: Parameters<typeof styleText>[0], text: string): string {
    return this.#color
      ? styleText(style, text, { validateStream: false })
      : text;
  }
}

/** One room of a `/rooms` reply. */
interface RoomListEntry {
  name: string;
  members: number;
  topic?: string;
}

function isRoomList(data: unknown): data is { rooms: RoomListEntry[] } {
  if (typeof data !== "object" || data === null) return false;
  const rooms = (data as { rooms?: unknown }).rooms;
  return Array.isArray(rooms) &&
    rooms.every((room) =>
      typeof room === "object" && room !== null &&
      typeof room.name === "string" && typeof room.members === "number" &&
      (room.topic === undefined || typeof room.topic === "string")
    );
}

function isWho(data: unknown): data is { members: { nick: string }[] } {
  return typeof data === "object" && data !== null &&
    Array.isArray((data as { members?: unknown }).members);
}
