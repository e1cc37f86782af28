/**
 * The person's own lines on their way to the server. Each line sent gets an
 * id (the page's random prefix and a counter) and waits for its one answer,
 * an `ack` or an `error`; the line shown for it, if any, gets its ticks as
 * the answers come: `…` pending, `✓` acknowledged, `✓✓ 2/3` delivered,
 * `✗` refused. What is unanswered when the connection drops is sent again,
 * with the same ids, after the next welcome: the server recognises the ids
 * it has answered already, so nothing is lost or doubled.
 *
 * Pure: no DOM, no socket.
 *
 * @module
 */

import type { ClientFrame } from "../lib/shared/protocol.ts";
import {
  type Conversation,
  type MessageEntry,
  roomKey,
} from "./conversation.ts";

/** A line sent and not yet answered. */
export interface OwnLine {
  /** The line as sent (a message, or a command with its arguments). */
  text: string;
  /** The room it is said in (and a command acts on). */
  room: string | undefined;
  /** The key of the conversation it was typed in: its answers are shown there. */
  conversation: string;
  /** The line shown for it (a message, a private message), for the ticks. */
  entry: MessageEntry | undefined;
}

/**
 * The page's unanswered lines and the ticks of their entries.
 *
 * @example
 * ```ts
 * const lines = new OwnLines("3f2a9c");
 * const frame = lines.send({ text: "hi", room: "lobby", conversation: "#lobby", entry });
 * lines.acked("3f2a9c-1", 7); // entry.tick: ✓
 * lines.size; // 0
 * ```
 */
export class OwnLines {
  #prefix: string;
  #ids = 0;
  #unanswered = new Map<string, OwnLine>();
  /** Entries by id whose ticks may still change (until `delivered` or a refusal). */
  #ticking = new Map<string, MessageEntry>();

  constructor(idPrefix: string) {
    this.#prefix = idPrefix;
  }

  /** How many lines are sent and not yet answered. */
  get size(): number {
    return this.#unanswered.size;
  }

  /** Gives `line` an id and returns its `msg` frame; its entry waits as pending. */
  send(line: OwnLine): ClientFrame {
    const id = `${this.#prefix}-${++this.#ids}`;
    this.#unanswered.set(id, line);
    if (line.entry !== undefined) {
      line.entry.id = id;
      line.entry.tick = { state: "pending" };
      this.#ticking.set(id, line.entry);
    }
    return msgFrame(id, line.text, line.room);
  }

  /**
   * The `ack` for `id`: its entry gets `✓` and, for a chat message, its
   * `seq`; in its room's conversation a message a catch-up already showed
   * (sent before a restart) is then shown once.
   */
  acked(
    id: string,
    seq: number | undefined,
    conversations: { get(key: string): Conversation | undefined },
  ): void {
    const line = this.#unanswered.get(id);
    this.#unanswered.delete(id);
    const entry = this.#ticking.get(id) ?? line?.entry;
    if (entry === undefined) return;
    if (entry.tick?.state === "pending") entry.tick = { state: "acked" };
    // A private message has no seq; today's server sends no `delivered`
    // for it, and one that does gets its ✓✓ all the same.
    if (seq === undefined) return;
    entry.seq = seq;
    const conversation = line?.room === undefined
      ? undefined
      : conversations.get(roomKey(line.room));
    const at = conversation?.entries.indexOf(entry) ?? -1;
    if (conversation === undefined || at < 0) return;
    if (conversation.seqs.has(seq)) conversation.entries.splice(at, 1);
    else conversation.seqs.add(seq);
  }

  /** The `delivered` for `id`: `✓✓ count/of`. */
  delivered(id: string, count: number, of: number): void {
    const entry = this.#ticking.get(id);
    if (entry === undefined) return;
    entry.tick = { state: "delivered", count, of };
    this.#ticking.delete(id);
  }

  /** A refusal of `id`: `✗`, with the server's reason. Returns the line. */
  refused(id: string, why: string): OwnLine | undefined {
    const line = this.answered(id);
    const entry = this.#ticking.get(id) ?? line?.entry;
    if (entry !== undefined) entry.tick = { state: "refused", why };
    this.#ticking.delete(id);
    return line;
  }

  /** An answer other than `ack` (a reply) to `id`: no longer unanswered. */
  answered(id: string): OwnLine | undefined {
    const line = this.#unanswered.get(id);
    this.#unanswered.delete(id);
    return line;
  }

  /** Every line not yet answered, as `msg` frames with their first ids. */
  resends(): ClientFrame[] {
    return [...this.#unanswered].map(([id, line]) =>
      msgFrame(id, line.text, line.room)
    );
  }
}

/**
 * A line of the person's own as shown before it is answered: pending.
 *
 * @example
 * ```ts
 * ownEntry({ ts: Date.now(), from: "ann", text: "hi", me: false });
 * ```
 */
export function ownEntry(
  fields: Pick<MessageEntry, "ts" | "from" | "text" | "me">,
): Omit<MessageEntry, "key"> {
  return {
    kind: "message",
    ...fields,
    own: true,
    mention: false,
    history: false,
    tick: { state: "pending" },
  };
}

function msgFrame(
  id: string,
  text: string,
  room: string | undefined,
): ClientFrame {
  const frame: ClientFrame = { type: "msg", id, text };
  if (room !== undefined) frame.room = room;
  return frame;
}
