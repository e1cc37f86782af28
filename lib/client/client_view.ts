/**
 * The two ends of the person's side, as the client loop (`runClient`) sees
 * them: what it hears ({@linkcode InputEvent}s: lines typed or piped, end of
 * input, Ctrl-C, room keys) and where it shows things (a
 * {@linkcode ClientView}: the terminal, plain lines, or JSON).
 *
 * The views implement this without knowing the loop, and the loop drives
 * them without knowing a terminal.
 *
 * @module
 */

import type { ServerFrame } from "../shared/protocol.ts";
import type { ChatClient } from "./chat_client.ts";

/** What the input side produces. */
export type InputEvent =
  | { kind: "line"; line: string }
  /** End of input (Ctrl-D): leave once everything sent is acknowledged. */
  | { kind: "eof" }
  /** Ctrl-C. */
  | { kind: "interrupt" }
  /** A line the input side refused itself (too long to read). */
  | { kind: "refused"; reason: string }
  /** Make the `index`th room joined (1-based, as Alt-1…9 number them) current. */
  | { kind: "switch"; index: number }
  /** Make the next (1) or previous (-1) room joined current (Ctrl-N, Ctrl-P). */
  | { kind: "cycle"; step: 1 | -1 };

/** Where the loop shows things: a terminal, plain lines, or JSON. */
export interface ClientView {
  /** The connection is up (`again` after a reconnect). */
  connected(client: ChatClient, again: boolean): void;
  /** A frame from the server. */
  frame(frame: ServerFrame, client: ChatClient): void;
  /**
   * A line the person sent, with the id its ack will carry; `client` is
   * undefined while not connected (the line waits, shown as pending).
   */
  sent(id: string, text: string, client: ChatClient | undefined): void;
  /** A line shown as sent will not be: this server's limits refuse it. */
  withdrawn?(id: string): void;
  /**
   * The rooms the person is in changed (joined, parted, switched):
   * `current` is where typed lines go (undefined: in no room), `joined`
   * every room in the order joined.
   */
  rooms?(current: string | undefined, joined: readonly string[]): void;
  /**
   * The person switched rooms (a command or a key), or left the current
   * one: lines go to `room` now (undefined: in no room). A terminal says so
   * in the scrollback; scripts stay quiet.
   */
  switched?(room: string | undefined): void;
  /** Something the client itself has to say. */
  notice(text: string): void;
  /** A failure the person must know about. */
  problem(text: string): void;
  /**
   * The state of the connection in a few words (`reconnecting in 2.1 s,
   * attempt 3 of 30`), or undefined when connected: one line that updates
   * in place, on a terminal.
   */
  status?(text: string | undefined): void;
  /**
   * The status while waiting to reconnect, its time left updated each
   * second: a terminal redraws it in place; scripts, which said the status
   * once, say nothing.
   */
  countdown?(text: string): void;
  /**
   * The first connection is being made to `where` (`host:port`): a
   * terminal says so on the prompt line; scripts stay quiet.
   */
  connecting?(where: string): void;
}
