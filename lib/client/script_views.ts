/**
 * Client output for scripts and pipes: plain lines, or JSON lines.
 *
 * - {@linkcode PlainView}: what a script's log wants, quietly. A script
 *   comes and goes quietly: no welcome, no room descriptions, no backlog
 *   unless it asked for one (`--history N`). What it asked for shows (the
 *   answers to its commands, the backlog it asked for); so does what it
 *   missed during a reconnect, and, in a pipe, what others say as it comes
 *   (`--send` shows only what it asked for). Refusals and the client's own
 *   notices go to stderr, and the exit code says the rest.
 * - {@linkcode JsonView}: every frame from the server as one JSON object per
 *   line on stdout (`--json`), for programs.
 *
 * @module
 */

import type { ChatClient } from "./chat_client.ts";
import type { ClientView } from "./client_view.ts";
import type { ServerFrame } from "../shared/protocol.ts";
import {
  markRoom,
  renderFrame,
  renderMessage,
  roomOfFrame,
} from "../shared/render.ts";
import { clean } from "../shared/text.ts";

/** Where script views write; the process's stdout and stderr in practice. */
export interface Streams {
  /** Writes a line to standard output. */
  out(line: string): void;
  /** Writes a line to standard error. */
  err(line: string): void;
}

/** Options of a {@linkcode PlainView}. */
export interface PlainViewOptions {
  /**
   * Show what others say and do as it comes (a pipe). Default true; off
   * for `--send`, which shows only what it asked for.
   */
  live?: boolean;
  /**
   * The backlog asked for (`--history N`): how many recent messages a
   * `/join` shows. Default none.
   */
  history?: number | undefined;
}

/** Rendered lines without colour, for a script: quiet. */
export class PlainView implements ClientView {
  #streams: Streams;
  #live: boolean;
  #history: number;
  /** Lines from other rooms are marked `[#room] `. */
  #room: string | undefined;

  /**
   * Makes a PlainView.
   *
   * @param streams where to write
   * @param options what to show besides what was asked for
   */
  constructor(streams: Streams, options: PlainViewOptions = {}) {
    this.#streams = streams;
    this.#live = options.live ?? true;
    this.#history = options.history ?? 0;
  }

  connected(client: ChatClient, again: boolean): void {
    for (const notice of client.notices) this.notice(notice);
    // History only when asked for (the hello said how much), and after a
    // reconnect what was missed meanwhile, marked as such.
    const mark = again ? "missed" : true;
    for (const room of client.rooms) {
      if ((room.more ?? 0) > 0) {
        this.notice(
          `${room.more} older messages of #${room.name} not shown; /history shows them`,
        );
      }
      for (const message of room.history) {
        this.#streams.out(this.#marked(
          message.room,
          renderMessage(message, { color: false, self: client.nick }, mark),
        ));
      }
    }
  }

  rooms(current: string | undefined): void {
    this.#room = current;
  }

  #marked(room: string | undefined, line: string): string {
    return room === undefined || room === this.#room
      ? line
      : markRoom(line, room, false);
  }

  status(text: string | undefined): void {
    if (text !== undefined) this.#streams.err(`lochat-client: ${text}`);
  }

  frame(frame: ServerFrame, client: ChatClient): void {
    const options = { color: false, self: client.nick };
    switch (frame.type) {
      case "error":
        this.#streams.err(
          `lochat-client: the server refused a line: ${clean(frame.message)}`,
        );
        return;
      case "reply":
        break; // Asked for.
      case "joined":
        // No description of the room; its backlog only when asked for.
        if (this.#history === 0) return;
        for (const message of frame.history.slice(-this.#history)) {
          this.#streams.out(this.#marked(
            message.room,
            renderMessage(message, options, true),
          ));
        }
        return;
      case "msg":
      case "pm":
      case "event":
        if (!this.#live) return;
        break;
      default:
        return; // Welcome, acks, deliveries, the bye (the client says why), pings.
    }
    const line = renderFrame(frame, options);
    if (line !== undefined) {
      this.#streams.out(this.#marked(roomOfFrame(frame), line));
    }
  }

  sent(): void {}

  notice(text: string): void {
    this.#streams.err(`lochat-client: ${text}`);
  }

  problem(text: string): void {
    this.#streams.err(`lochat-client: ${text}`);
  }
}

/** Every server frame as one JSON line. */
export class JsonView implements ClientView {
  #streams: Streams;

  /**
   * Makes a JsonView.
   *
   * @param streams where to write
   */
  constructor(streams: Streams) {
    this.#streams = streams;
  }

  connected(client: ChatClient): void {
    for (const notice of client.notices) {
      this.#streams.err(`lochat-client: ${notice}`);
    }
    this.#streams.out(JSON.stringify(client.welcome));
  }

  status(text: string | undefined): void {
    if (text !== undefined) this.#streams.err(`lochat-client: ${text}`);
  }

  frame(frame: ServerFrame): void {
    this.#streams.out(JSON.stringify(frame));
  }

  sent(): void {}

  notice(text: string): void {
    this.#streams.err(`lochat-client: ${text}`);
  }

  problem(text: string): void {
    this.#streams.err(`lochat-client: ${text}`);
  }
}
