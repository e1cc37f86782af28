/**
 * The page's conversations together: the rooms (in join order) and then
 * the private conversations, which one is on screen, whether the page is
 * hidden, and what is unread where. A line that arrives in the
 * conversation on screen while the page is visible is read at once; any
 * other counts as unread (and as a mention when it names the person).
 *
 * Pure data: no DOM, no socket.
 *
 * @module
 */

import { nickKey } from "../lib/shared/names.ts";
import {
  addEntry,
  type Conversation,
  type Entry,
  newConversation,
  type NoticeEntry,
  privateKey,
  roomKey,
} from "./conversation.ts";

/**
 * Every conversation of the page, looked up by key (`#room`, `@nick`).
 *
 * @example
 * ```ts
 * const all = new Conversations(Date.now);
 * const lobby = all.room("lobby");
 * all.show(lobby.key);
 * all.notice("hello"); // a notice in #lobby
 * ```
 */
export class Conversations {
  #map = new Map<string, Conversation>();
  #keys = 0;
  #now: () => number;
  /** The key of the conversation on screen. */
  viewing: string | undefined;
  /** True while the page is hidden (another tab, a locked phone). */
  hidden = false;

  constructor(now: () => number) {
    this.#now = now;
  }

  /** The conversation with `key`. */
  get(key: string): Conversation | undefined {
    return this.#map.get(key);
  }

  /** The keys, rooms first in join order, then private conversations. */
  keys(): IterableIterator<string> {
    return this.#map.keys();
  }

  /** The conversations, rooms first in join order, then private ones. */
  values(): IterableIterator<Conversation> {
    return this.#map.values();
  }

  /** The conversation on screen, if any. */
  current(): Conversation | undefined {
    return this.viewing === undefined ? undefined : this.#map.get(this.viewing);
  }

  /** The room's conversation, made (as a room not joined) when new. */
  room(name: string): Conversation {
    return this.#map.get(roomKey(name)) ??
      this.#add(newConversation("room", name), {
        joined: false,
      });
  }

  /** The private conversation with `nick`, made when new (with them in it). */
  private(nick: string): Conversation {
    return this.#map.get(privateKey(nick)) ??
      this.#add(newConversation("private", nick), { members: [nick] });
  }

  /** Shows `key`; its lines count as read while the page is visible. */
  show(key: string): Conversation | undefined {
    const conversation = this.#map.get(key);
    if (conversation === undefined) return undefined;
    this.viewing = key;
    if (!this.hidden) this.read(conversation);
    return conversation;
  }

  /** The page was hidden or shown again. */
  setHidden(hidden: boolean): void {
    this.hidden = hidden;
    const current = this.current();
    if (!hidden && current !== undefined) this.read(current);
  }

  /** Forgets a conversation. */
  remove(key: string): void {
    this.#map.delete(key);
    if (this.viewing === key) this.viewing = undefined;
  }

  /** The private conversation with `from` is now with `to` (a nick change). */
  renamePrivate(from: string, to: string): void {
    const pm = this.#map.get(privateKey(from));
    if (pm === undefined) return;
    const there = pm.members.some((m) => nickKey(m) === nickKey(from));
    pm.members = pm.members.filter((m) => nickKey(m) !== nickKey(from));
    if (there) pm.members.push(to);
    pm.name = to;
    if (privateKey(to) === pm.key) return;
    this.#map.delete(pm.key);
    const viewed = this.viewing === pm.key;
    pm.key = privateKey(to);
    this.#map.set(pm.key, pm);
    if (viewed) this.viewing = pm.key;
  }

  /** A line from someone else in `conversation`: unread unless on screen. */
  unread(conversation: Conversation, mention: boolean): void {
    if (this.viewing === conversation.key && !this.hidden) return;
    conversation.unread++;
    if (mention) conversation.mentions++;
  }

  /** Everything in `conversation` counts as read. */
  read(conversation: Conversation): void {
    conversation.unread = 0;
    conversation.mentions = 0;
  }

  /** Unread messages and mentions over every conversation. */
  totals(): { unread: number; mentions: number } {
    let unread = 0;
    let mentions = 0;
    for (const c of this.#map.values()) {
      unread += c.unread;
      mentions += c.mentions;
    }
    return { unread, mentions };
  }

  /** A key for a new entry, unique on the page. */
  nextKey(): number {
    return ++this.#keys;
  }

  /** Adds an entry (given its key here) to `conversation`, and returns it. */
  add<T extends Entry>(conversation: Conversation, entry: Omit<T, "key">): T {
    const added = { ...entry, key: this.nextKey() } as T;
    addEntry(conversation, added);
    return added;
  }

  /**
   * A line of the page's own (a notice, or a problem in red) in `key`'s
   * conversation, else the one on screen, else the first.
   */
  notice(text: string, problem = false, key?: string): void {
    const conversation = this.#map.get(key ?? this.viewing ?? "") ??
      this.#map.values().next().value;
    if (conversation === undefined) return;
    const entry: NoticeEntry = {
      kind: problem ? "problem" : "notice",
      key: this.nextKey(),
      ts: this.#now(),
      text,
    };
    addEntry(conversation, entry);
  }

  /** Adds a new conversation; rooms stay before private conversations. */
  #add(
    conversation: Conversation,
    fields: Partial<Conversation>,
  ): Conversation {
    Object.assign(conversation, fields);
    this.#map.set(conversation.key, conversation);
    const all = [...this.#map.values()];
    this.#map.clear();
    for (const c of all.filter((c) => c.kind === "room")) {
      this.#map.set(c.key, c);
    }
    for (const c of all.filter((c) => c.kind === "private")) {
      this.#map.set(c.key, c);
    }
    return conversation;
  }
}
