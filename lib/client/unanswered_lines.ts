/**
 * The lines the person said that the server has not answered yet, and the
 * check every line passes before it is sent.
 *
 * A line gets its id when typed, whether or not the client is connected,
 * and keeps it: after a reconnect it is sent again with the same id, and
 * the server answers one it had already taken with its first answer, so
 * nothing is lost or doubled. {@linkcode lineProblem} checks a line against
 * the server's limits before it leaves; lines taken before a server said its
 * limits are checked again when it does ({@linkcode UnansweredLines.resend}).
 * Lines refused, here or by the server, are counted: a script's exit code
 * depends on it. A line can be held (typed after a room-changing command
 * not yet answered): it has its id and counts as unanswered, but its room
 * is decided, and it is sent, only when it is released.
 *
 * @module
 */

import { parseInput } from "../shared/input.ts";
import {
  limitDefaults,
  PROTOCOL_LIMITS,
  type ProtocolLimits,
} from "../shared/limits.ts";
import type { ChatMessage, ServerFrame } from "../shared/protocol.ts";
import { codePoints } from "../shared/text.ts";
import type { ChatClient } from "./chat_client.ts";

/**
 * Why a line cannot be sent under `limits`, or undefined when it can: a
 * message over the text limit (in characters, as the server counts), or a
 * line whose frame is over the line limit. Checked before sending, so a
 * script gets its answer at once instead of waiting for one that cannot
 * come.
 *
 * @example
 * ```ts
 * lineProblem("hi", limitDefaults(PROTOCOL_LIMITS)); // undefined
 * ```
 */
export function lineProblem(
  text: string,
  limits: ProtocolLimits,
): string | undefined {
  const parsed = parseInput(text);
  const body = parsed.kind === "text"
    ? parsed.text
    : parsed.name === "me"
    ? parsed.args
    : undefined;
  if (body !== undefined) {
    const length = codePoints(body);
    if (length > limits.textChars) {
      return `The message is ${length} characters; the limit is ${limits.textChars}. Split it into several messages`;
    }
  }
  // The frame around it: {"type":"msg","id":"…","text":"…"} and a newline.
  const frameBytes = new TextEncoder().encode(
    JSON.stringify({ type: "msg", id: "x".repeat(32), text }),
  ).length + 1;
  if (frameBytes > limits.lineBytes) {
    return `The line is ${frameBytes} bytes as sent; the limit is ${limits.lineBytes}. Split it into several lines`;
  }
  return undefined;
}

/**
 * Lines sent or waiting to be, not yet answered, in the order typed.
 *
 * @example
 * ```ts
 * const lines = new UnansweredLines();
 * const taken = lines.take("hello", "lobby");
 * if (taken.ok) {
 *   client.send("hello", taken.id, "lobby");
 *   // Later, the server's answer:
 *   lines.settle({ type: "ack", id: taken.id, ts: Date.now() }); // lines.size is 0
 * }
 * ```
 */
export class UnansweredLines {
  /** The limits lines are checked against: the defaults until a server says its own. */
  limits: ProtocolLimits = limitDefaults(PROTOCOL_LIMITS);
  /** id → the text, the room it was said in, and whether it is held. */
  #lines = new Map<
    string,
    { text: string; room: string | undefined; held: boolean }
  >();
  /** Lines refused (by the server or before sending). */
  #refused = 0;
  #ids = 0;
  /** One prefix for the whole run: ids stay the same across reconnects. */
  #idPrefix = crypto.randomUUID().replaceAll("-", "").slice(0, 12);

  /** How many lines wait for an answer. */
  get size(): number {
    return this.#lines.size;
  }

  /** How many lines were refused, here or by the server. */
  get refused(): number {
    return this.#refused;
  }

  /** Counts a line refused before it was taken (too long to read). */
  refuse(): void {
    this.#refused++;
  }

  /**
   * Takes a typed line said in `room`: its id, or why it cannot be sent
   * under {@linkcode UnansweredLines.limits} (counted as refused). With
   * `held`, its room is decided later ({@linkcode UnansweredLines.release}).
   */
  take(
    text: string,
    room: string | undefined,
    held = false,
  ): { ok: true; id: string } | { ok: false; problem: string } {
    const problem = lineProblem(text, this.limits);
    if (problem !== undefined) {
      this.#refused++;
      return { ok: false, problem };
    }
    const id = `${this.#idPrefix}-${++this.#ids}`;
    this.#lines.set(id, { text, room, held });
    return { ok: true, id };
  }

  /**
   * A held line may go now, said in `room`: its text, or undefined when it
   * is not held.
   */
  release(id: string, room: string | undefined): string | undefined {
    const line = this.#lines.get(id);
    if (line === undefined || !line.held) return undefined;
    line.held = false;
    line.room = room;
    return line.text;
  }

  /** A held line that will not be sent after all: counted as refused. */
  drop(id: string): void {
    if (this.#lines.delete(id)) this.#refused++;
  }

  /**
   * True when a line not answered yet says `message`: the person's own
   * line, sent before a reconnect, coming back in the catch-up.
   */
  says(message: ChatMessage): boolean {
    for (const { text, room } of this.#lines.values()) {
      if (room !== message.room) continue;
      const parsed = parseInput(text);
      const said = parsed.kind === "text"
        ? message.me !== true && parsed.text === message.text
        : parsed.name === "me" && message.me === true &&
          parsed.args.trim() === message.text;
      if (said) return true;
    }
    return false;
  }

  /** An `ack` or `error` from the server answers the line it names. */
  settle(frame: ServerFrame): void {
    if (frame.type === "ack") {
      this.#lines.delete(frame.id);
    } else if (frame.type === "error") {
      if (frame.id !== undefined && this.#lines.delete(frame.id)) {
        this.#refused++;
      }
    }
  }

  /**
   * Sends every line not answered yet (and not held) on `client`, with the
   * id it was shown with, once {@linkcode UnansweredLines.limits} are the
   * server's: a line they refuse is dropped and counted, and `withdraw`
   * told why.
   */
  resend(
    client: ChatClient,
    withdraw: (id: string, problem: string) => void,
  ): void {
    for (const [id, { text, room, held }] of this.#lines) {
      if (held) continue;
      // Taken before this server said its limits: checked against them.
      const problem = lineProblem(text, this.limits);
      if (problem === undefined) {
        client.send(text, id, room);
        continue;
      }
      this.#lines.delete(id);
      this.#refused++;
      withdraw(id, problem);
    }
  }
}
