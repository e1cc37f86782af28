/**
 * Messages arriving on the page: a room's `msg` (live, from history or from
 * a catch-up) and a `pm`. Each is shown once, in its room or in the private
 * conversation with the other person, cleaned as the server cleans text;
 * what was not seen counts as unread, and a mention or a private message
 * while the page is hidden asks for a notification. The server's copy of a
 * private message the person sent from this page is matched with the line
 * already shown, so it is not shown twice. It remembers who wrote last,
 * the person `/reply` answers.
 *
 * Pure: no DOM, no socket.
 *
 * @module
 */

import { nickKey } from "../lib/shared/names.ts";
import type { ChatMessage, ServerFrame } from "../lib/shared/protocol.ts";
import { addMember, mentions, type MessageEntry } from "./conversation.ts";
import type { Conversations } from "./conversations.ts";
import type { Effect } from "./joining.ts";
import { clean } from "./user_text.ts";

/**
 * Shows arriving messages in `conversations`, for the person `nick()`.
 *
 * @example
 * ```ts
 * const inbox = new Inbox(conversations, () => state.nick);
 * inbox.message(frame, false); // [] or a notification
 * inbox.private({ type: "pm", from: "bob", to: "ann", text: "psst", ts });
 * inbox.lastPrivateFrom; // "bob"
 * ```
 */
export class Inbox {
  #conversations: Conversations;
  #nick: () => string;
  /** Own private lines (by entry key) the server's copy has matched. */
  #copied = new Set<number>();
  /** Who sent the last private message: `/reply` answers them. */
  lastPrivateFrom: string | undefined;

  constructor(conversations: Conversations, nick: () => string) {
    this.#conversations = conversations;
    this.#nick = nick;
  }

  /** A room's message; `history`: replayed, not new to the person. */
  message(message: ChatMessage, history: boolean): Effect[] {
    const conversations = this.#conversations;
    const conversation = conversations.room(message.room);
    if (conversation.seqs.has(message.seq)) return [];
    conversation.seqs.add(message.seq);
    const nick = this.#nick();
    const own = nickKey(message.from) === nickKey(nick);
    const text = clean(message.text);
    const mention = !own && mentions(text, nick);
    conversations.add<MessageEntry>(conversation, {
      kind: "message",
      ts: message.ts,
      from: message.from,
      text,
      me: message.me === true,
      own,
      mention,
      history,
      seq: message.seq,
    });
    if (history || own) return [];
    conversations.unread(conversation, mention);
    if (!mention || !conversations.hidden) return [];
    return [{
      kind: "notify",
      title: `${message.from} in #${message.room}`,
      body: text,
      conversation: conversation.key,
    }];
  }

  /** A private message, to the person or (the server's copy) from them. */
  private(frame: Extract<ServerFrame, { type: "pm" }>): Effect[] {
    const conversations = this.#conversations;
    const own = nickKey(frame.from) === nickKey(this.#nick());
    const peer = own ? frame.to : frame.from;
    const conversation = conversations.private(peer);
    conversation.name = peer;
    addMember(conversation, peer);
    const text = clean(frame.text);
    if (own) {
      // The server's copy of a line sent from this page: it is already shown.
      const shown = conversation.entries.find((e) =>
        e.kind === "message" && e.own && e.id !== undefined &&
        e.text === text && !this.#copied.has(e.key)
      );
      if (shown !== undefined) {
        this.#copied.add(shown.key);
        return [];
      }
    } else this.lastPrivateFrom = frame.from;
    conversations.add<MessageEntry>(conversation, {
      kind: "message",
      ts: frame.ts,
      from: frame.from,
      text,
      me: frame.me === true,
      own,
      mention: !own,
      history: false,
    });
    if (own) return [];
    conversations.unread(conversation, true);
    if (!conversations.hidden) return [];
    return [{
      kind: "notify",
      title: `${frame.from} (private)`,
      body: text,
      conversation: conversation.key,
    }];
  }

  /** Someone changed nick: `/reply` follows them. */
  renamed(from: string, to: string): void {
    const last = this.lastPrivateFrom;
    if (last !== undefined && nickKey(last) === nickKey(from)) {
      this.lastPrivateFrom = to;
    }
  }
}
