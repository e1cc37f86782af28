/**
 * What a command handler works with: the {@linkcode CommandContext} it is
 * given (the hub, the member who typed the line, and what it may do to that
 * member's session), the {@linkcode Handler} shape every entry of the
 * command table gets, and the checks they share ({@linkcode required}).
 *
 * The handlers themselves are grouped by concern: `room_commands.ts`,
 * `people_commands.ts`, `moderation_commands.ts`, and `commands.ts`, which
 * joins them into one table and runs a command.
 *
 * @module
 */

import {
  COMMAND_SPECS,
  type CommandName,
  type CommandSpec,
  usage,
} from "../shared/command_specs.ts";
import { ChatError } from "../shared/errors.ts";
import type { ProtocolLimits } from "../shared/limits.ts";
import type { ChatMessage } from "../shared/protocol.ts";
import type { Delivery, Hub, Reached } from "./hub.ts";
import type { Member } from "./member.ts";

/** What a command may do to the session that ran it. */
export interface CommandContext {
  /** The hub the command acts on. */
  hub: Hub;
  /** The member who ran the command. */
  member: Member;
  /** The protocol limits commands enforce (`/history N`). */
  limits: ProtocolLimits;
  /**
   * The room the line was said in (a version 2 client names it); undefined:
   * the member's current room.
   */
  room?: string | undefined;
  /**
   * Whether the member may be in several rooms (a version 2 client, text
   * mode). A client older than version 3 is in one room at a time, as it always was:
   * `/join` moves it and `/part` takes it back to the lobby.
   */
  multiRoom: boolean;
  /** Tells the member about a room it has just joined (or switched to). */
  joined(room: string, joined: boolean): void;
  /** Says `text` in the member's room, as the line that ran the command. */
  say(text: string, options: { me?: boolean }): Delivery | Promise<Delivery>;
  /** Sends the caller a reply: `text` for people, `data` for programs. */
  reply(cmd: string, text: string, data?: unknown): void;
  /** Sends the caller messages from history, marked as history. */
  replay(messages: ChatMessage[]): void;
  /** Ends the caller's session after the reply is sent. */
  quit(reason: string): void;
}

/** Runs a command; returns the delivery when it sent a message. */
export type Handler = (
  ctx: CommandContext,
  args: string,
) => Outcome;

/**
 * What running a command gives: a delivery when it sent a room message (later
 * when it must wait for the disk), whom a private message reached, or nothing.
 */
export type Outcome =
  | Delivery
  | Reached
  | undefined
  | Promise<Delivery>
  | Promise<undefined>;

/**
 * `value`, or a `bad-args` {@linkcode ChatError} with the command's usage
 * when it is empty.
 *
 * @example
 * ```ts
 * const [nick] = firstWord(required(args, SPEC.whois));
 * ```
 */
export function required(value: string, spec: CommandSpec): string {
  if (value.trim() === "") {
    throw new ChatError("bad-args", `Usage: ${usage(spec)}`);
  }
  return value;
}

/** Every command's entry of the shared table, by name. */
export const SPEC = Object.fromEntries(
  COMMAND_SPECS.map((spec) => [spec.name, spec]),
) as Record<CommandName, CommandSpec>;
