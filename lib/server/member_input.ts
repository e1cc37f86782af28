/**
 * What a member types, applied: a chat message or a `/command`, answered
 * once with an `ack` or an `error`.
 *
 * Native and text-mode sessions both hand their lines here. A line resent
 * after a reconnect (an id {@linkcode Acks} has answered before) is answered
 * again and not applied twice. A failure that is the sender's to fix comes
 * back as the {@linkcode ChatError} the hub or a command threw; a store that
 * cannot keep the message gives `storage`; anything else is logged and the
 * sender only hears `internal`.
 *
 * @module
 */

import { ChatError, errorMessage } from "../shared/errors.ts";
import { type ParsedInput, parseInput } from "../shared/input.ts";
import type { ProtocolLimits } from "../shared/limits.ts";
import type { Logger } from "../shared/log.ts";
import type { ChatMessage, ErrorCode } from "../shared/protocol.ts";
import type { Acks } from "./acks.ts";
import type { CommandContext, Outcome } from "./command_context.ts";
import { runCommand } from "./commands.ts";
import { StoreError } from "./history.ts";
import type { Delivery, Hub, Reached, SayOptions } from "./hub.ts";
import type { Member } from "./member.ts";

/** Refusals that depend on the moment, not on the line: not remembered. */
const MOMENTARY: ReadonlySet<ErrorCode> = new Set([
  "storage",
  "rate-limited",
  "internal",
]);

/** What a member's input needs of the session it came through. */
export interface InputHost {
  /** The hub the input acts on. */
  readonly hub: Hub;
  /** The protocol limits commands enforce. */
  readonly limits: ProtocolLimits;
  /** This connection's acknowledgements. */
  readonly acks: Acks;
  /** Where failures are logged. */
  readonly log: Logger;
  /** Who the peer is, for logs. */
  readonly peer: string;
  /** Sends the member a reply to a command. */
  reply(cmd: string, text: string, data?: unknown): void;
  /** Sends the member messages from history, marked as history. */
  replay(messages: ChatMessage[]): void;
  /** Whether the member may be in several rooms (see `CommandContext`). */
  readonly multiRoom: boolean;
  /** Tells the member about a room it joined (or made current). */
  joined(room: string, joined: boolean): void;
  /** Refuses a line: an `error` frame naming its id. */
  refuse(code: ErrorCode, message: string, id?: string): void;
  /** Ends the session with `reason`, after what is queued. */
  close(reason: string): void;
}

/**
 * One member's input.
 *
 * @example
 * ```ts
 * const input = new MemberInput(host, member);
 * input.handle("hello all", "m1"); // broadcast, then ack m1 (✓) and delivered (✓✓)
 * input.handle("/nick ann2", "m2"); // renamed, ack m2
 * ```
 */
export class MemberInput {
  #host: InputHost;
  #member: Member;
  /** Ids for text-mode lines, which carry none of their own. */
  #textIds = 0;
  /** Set by `/quit`: the session ends once the command's reply is queued. */
  #quitting: string | undefined;
  /** The last answer still owed to an earlier line, if any. */
  #inflight: Promise<void> | undefined;

  /**
   * Makes a MemberInput.
   *
   * @param host the session the input came through
   * @param member who is typing
   */
  constructor(host: InputHost, member: Member) {
    this.#host = host;
    this.#member = member;
  }

  /**
   * Applies one line. `id` is the client's id for it (native mode); text
   * mode's lines have none and are not remembered for resends.
   *
   * Lines are applied and answered in the order they came: a chat message
   * waiting for the disk does not hold the next chat message back (each is
   * stored and answered in turn), but anything else (a command, a private
   * message, a resend) waits until every earlier line is answered, and the
   * returned promise tells the session to read no further until then.
   *
   * With `as`, the line is a message said that way (a notice, an action),
   * never a command: a transport with its own commands (IRC) says so.
   */
  handle(
    text: string,
    id: string | undefined,
    room?: string,
    as?: SayOptions,
  ): void | Promise<void> {
    this.#member.activeAt = Date.now();
    this.#host.hub.spoke(this.#member);
    const parsed: ParsedInput = as === undefined
      ? parseInput(text)
      : { kind: "text", text };
    const earlier = id === undefined ? undefined : this.#host.acks.earlier(id);
    const say = earlier === undefined &&
      (parsed.kind === "text" || parsed.name === "me");
    if (!say && this.#inflight !== undefined) {
      return this.#inflight.then(() => this.handle(text, id, room, as));
    }
    if (earlier !== undefined) {
      // A resend after a reconnect: answer again, apply nothing.
      this.#host.acks.repeat(id!, earlier);
      return;
    }
    let result: Outcome;
    try {
      result = this.#apply(parsed, id, room, as);
    } catch (error) {
      this.#inTurn(() => this.#fail(error, id));
      this.#leaveIfQuitting();
      return;
    }
    if (result instanceof Promise) {
      // Stored first, answered once durable, after every earlier line.
      const durable = result;
      const before = this.#inflight ?? Promise.resolve();
      this.#track(
        before.then(() => durable).then(
          (delivery) => this.#accept(id, delivery),
          (error) => this.#fail(error, id),
        ),
      );
    } else {
      const delivery = result;
      this.#inTurn(() => this.#accept(id, delivery));
    }
    this.#leaveIfQuitting();
  }

  /**
   * Runs `work` once every earlier line is answered: now, or later, and then
   * the returned promise says when (the session reads no further until
   * then). For a transport whose lines are not all Lochat lines (IRC's
   * queries), so their answers still come in the order the lines did.
   */
  inTurn(work: () => void | Promise<void>): void | Promise<void> {
    if (this.#inflight === undefined) return work();
    return this.#inflight.then(work);
  }

  /** Runs `answer` now, or after the answers still owed to earlier lines. */
  #inTurn(answer: () => void): void {
    if (this.#inflight === undefined) answer();
    else this.#track(this.#inflight.then(answer));
  }

  /** Makes `tail` the last answer owed; forgotten once it is given. */
  #track(tail: Promise<void>): void {
    this.#inflight = tail;
    tail.finally(() => {
      if (this.#inflight === tail) this.#inflight = undefined;
    });
  }

  #apply(
    parsed: ParsedInput,
    id: string | undefined,
    room: string | undefined,
    as: SayOptions | undefined,
  ): Outcome {
    const key = id === undefined ? undefined : this.#host.acks.key(id);
    if (parsed.kind === "text") {
      return this.#host.hub.say(this.#member, parsed.text, {
        ...as,
        key,
        ...(room === undefined ? {} : { room }),
      });
    }
    return runCommand(this.#context(key, room), parsed.name, parsed.args);
  }

  #accept(
    id: string | undefined,
    delivery: Delivery | Reached | undefined,
  ): void {
    const { acks } = this.#host;
    if (id === undefined) acks.acknowledge(`t${++this.#textIds}`, delivery);
    else acks.accept(id, delivery);
  }

  /**
   * Tells the sender why its line was refused or failed. A refusal that
   * depends on the moment (the disk, the rate, the server itself) is not
   * remembered: a resend of the line is tried again.
   */
  #fail(error: unknown, id: string | undefined): void {
    const host = this.#host;
    let code: ErrorCode;
    let message: string;
    if (error instanceof ChatError) {
      ({ code, message } = error);
    } else if (error instanceof StoreError) {
      host.log("store-failed", { peer: host.peer, error: error.message });
      code = "storage";
      message =
        `The server could not store your message, so it was not sent: ${error.message}; send it again later`;
    } else {
      host.log("error", { peer: host.peer, error: errorMessage(error) });
      code = "internal";
      message = "Internal error; the server logged it";
    }
    if (id === undefined) host.refuse(code, message);
    else host.acks.refuse(id, code, message, !MOMENTARY.has(code));
  }

  #leaveIfQuitting(): void {
    if (this.#quitting !== undefined) this.#host.close(this.#quitting);
  }

  #context(key: string | undefined, room: string | undefined): CommandContext {
    const host = this.#host;
    const member = this.#member;
    return {
      hub: host.hub,
      member,
      limits: host.limits,
      room,
      multiRoom: host.multiRoom,
      joined: (name, joined) => host.joined(name, joined),
      say: (text, options) =>
        host.hub.say(member, text, {
          ...options,
          key,
          ...(room === undefined ? {} : { room }),
        }),
      reply: (cmd, text, data) => host.reply(cmd, text, data),
      replay: (messages) => host.replay(messages),
      quit: (reason) => {
        this.#quitting = reason;
      },
    };
  }
}
