/**
 * Client output for scripts and pipes: plain lines, JSON lines, or quiet.
 *
 * - {@linkcode PlainView}: what a person reading a log wants, one rendered
 *   line per message or notice on stdout, no colours, no ticks; refusals and
 *   the client's own notices on stderr.
 * - {@linkcode JsonView}: every frame from the server as one JSON object per
 *   line on stdout (`--json`), for programs.
 * - `PlainView` with `quiet` (`--send`): nothing on stdout; refusals on
 *   stderr, and the exit code says the rest.
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

/** Rendered lines without colour. */
export class PlainView implements ClientView {
  #streams: Streams;
  #quiet: boolean;
  /** Lines from other rooms are marked `[#room] `. */
  #room: string | undefined;

  /**
   * Makes a PlainView.
   *
   * @param streams where to write
   * @param options.quiet print nothing but refusals (`--send`)
   */
  constructor(streams: Streams, options: { quiet?: boolean } = {}) {
    this.#streams = streams;
    this.#quiet = options.quiet ?? false;
  }

  connected(client: ChatClient, again: boolean): void {
    for (const notice of client.notices) this.#streams.err(notice);
    if (this.#quiet) return;
    if (!again) {
      this.#streams.out(renderFrame(client.welcome, { color: false })!);
    }
    // After a reconnect, what was missed meanwhile, marked as such.
    const mark = again ? "missed" : true;
    for (const room of client.rooms) {
      if ((room.more ?? 0) > 0) {
        this.#streams.err(
          `lochat-client: ${room.more} older messages of #${room.name} not shown; /history shows them`,
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
    if (frame.type === "error") {
      this.#streams.err(
        `lochat-client: the server refused a line: ${clean(frame.message)}`,
      );
      return;
    }
    if (this.#quiet || frame.type === "ack" || frame.type === "delivered") {
      return;
    }
    const line = renderFrame(frame, { color: false, self: client.nick });
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
