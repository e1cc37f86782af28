/**
 * What Tab completes on the terminal: `/commands` at the start of the line
 * (the connected server's own, and the client's `/clear`), nicks anywhere
 * else.
 *
 * The nicks are the ones the view has seen: members of the rooms joined,
 * senders of messages, people joining or renaming, a `/who` reply; those
 * who leave or quit are forgotten.
 *
 * @module
 */

import { COMMAND_NAMES } from "../shared/command_specs.ts";
import type { ServerFrame } from "../shared/protocol.ts";
import { clean } from "../shared/text.ts";
import type { ChatClient } from "./chat_client.ts";

/**
 * The commands and nicks one terminal view completes.
 *
 * @example
 * ```ts
 * const completions = new Completions();
 * completions.learn(frame); // a msg from ann
 * completions.for("a", false); // ["ann"]
 * ```
 */
export class Completions {
  #nicks = new Set<string>();
  /** The connected server's commands. */
  #commands: readonly string[] = COMMAND_NAMES;

  /** Connected: the server's commands, and who is in the rooms joined. */
  connected(client: ChatClient): void {
    this.#commands = [
      ...new Set(
        client.commands.flatMap((c) => [c.name, ...(c.aliases ?? [])]),
      ),
      "clear",
    ].sort();
    for (const room of client.rooms) {
      for (const member of room.members) this.#nicks.add(member);
    }
  }

  /** A nick seen (the sender of a message in history). */
  add(nick: string): void {
    this.#nicks.add(nick);
  }

  /** Learns who is here from a frame. */
  learn(frame: ServerFrame): void {
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

  /** What `word` may complete to: commands at the line's start, else nicks. */
  for(word: string, atLineStart: boolean): string[] {
    if (word.startsWith("/") && atLineStart) {
      return this.#commands.map((name) => `/${name}`);
    }
    return [...this.#nicks].sort();
  }
}

function isWho(data: unknown): data is { members: { nick: string }[] } {
  return typeof data === "object" && data !== null &&
    Array.isArray((data as { members?: unknown }).members);
}
