/**
 * One conversation of the web page: a room, or the private messages with
 * one person. It holds what the page shows (messages, presence lines,
 * notices), who is there, the topic, and what is unread.
 *
 * Pure data and functions: no DOM, no socket, so the tests drive it as it
 * is. Every string here is user text or built from it, and the view only
 * ever puts it into the page as text.
 *
 * @module
 */

import { nickKey } from "../lib/shared/names.ts";

/** Where a line the person sent stands: the ticks. */
export type Tick =
  /** Not answered yet (shown `…`): waiting to be sent or for the `ack`. */
  | { state: "pending" }
  /** The server has it (`✓`). */
  | { state: "acked" }
  /** Handed to `count` of the `of` others in the room (`✓✓ count/of`). */
  | { state: "delivered"; count: number; of: number }
  /** Refused, with the server's reason (`✗`). */
  | { state: "refused"; why: string };

/** A chat message, someone's or the person's own. */
export interface MessageEntry {
  kind: "message";
  /** Unique on the page, for the view's bookkeeping. */
  key: number;
  /** Server time (or, for a line not yet acknowledged, the browser's), ms since the epoch. */
  ts: number;
  from: string;
  text: string;
  /** An action (`/me waves`). */
  me: boolean;
  /** Sent by this page. */
  own: boolean;
  /** It names the person (or it is a private message to them). */
  mention: boolean;
  /** Replayed from history, not said while the page was there. */
  history: boolean;
  /** The server's sequence number, once known. */
  seq?: number;
  /** The id it was sent with, for the person's own lines. */
  id?: string;
  /** The ticks of the person's own lines. */
  tick?: Tick;
}

/** A presence line (`ann joined #games`), a server reply, or the page's own notice. */
export interface NoticeEntry {
  kind: "event" | "notice" | "problem";
  key: number;
  ts: number;
  text: string;
}

/** One line of a conversation. */
export type Entry = MessageEntry | NoticeEntry;

/** A room or a private conversation. */
export interface Conversation {
  /** `#room` or `@nick` (the nick's key: lower case). */
  key: string;
  kind: "room" | "private";
  /** The room's name, or the other person's nick as last seen. */
  name: string;
  /** The room's topic ("" for none). */
  topic: string;
  /** Who is in the room, the person included. */
  members: string[];
  /** For a room: the person is in it (a room left stays readable). */
  joined: boolean;
  entries: Entry[];
  /** Messages from others not seen yet. */
  unread: number;
  /** Of those, the ones that name the person (every private message counts). */
  mentions: number;
  /** Sequence numbers shown, so a catch-up never shows a message twice. */
  seqs: Set<number>;
}

/** The most lines a conversation keeps; older ones drop out of the page. */
export const MAX_ENTRIES = 1000;

/** The key of a room's conversation. */
export function roomKey(room: string): string {
  return `#${room}`;
}

/** The key of the private conversation with `nick`. */
export function privateKey(nick: string): string {
  return `@${nickKey(nick)}`;
}

/** A new, empty conversation. */
export function newConversation(
  kind: "room" | "private",
  name: string,
): Conversation {
  return {
    key: kind === "room" ? roomKey(name) : privateKey(name),
    kind,
    name,
    topic: "",
    members: [],
    joined: kind === "room",
    entries: [],
    unread: 0,
    mentions: 0,
    seqs: new Set(),
  };
}

/** Adds a line, dropping the oldest past {@linkcode MAX_ENTRIES}. */
export function addEntry(conversation: Conversation, entry: Entry): void {
  conversation.entries.push(entry);
  if (conversation.entries.length > MAX_ENTRIES) {
    const dropped = conversation.entries.splice(
      0,
      conversation.entries.length - MAX_ENTRIES,
    );
    for (const old of dropped) {
      if (old.kind === "message" && old.seq !== undefined) {
        conversation.seqs.delete(old.seq);
      }
    }
  }
}

/** Adds `nick` to the members, once (nicks compare without case). */
export function addMember(conversation: Conversation, nick: string): void {
  if (!conversation.members.some((m) => nickKey(m) === nickKey(nick))) {
    conversation.members.push(nick);
  }
}

/** Removes `nick` from the members; true when it was there. */
export function removeMember(
  conversation: Conversation,
  nick: string,
): boolean {
  const at = conversation.members.findIndex((m) =>
    nickKey(m) === nickKey(nick)
  );
  if (at < 0) return false;
  conversation.members.splice(at, 1);
  return true;
}

/** True when `nick` is in the conversation's members. */
export function hasMember(conversation: Conversation, nick: string): boolean {
  return conversation.members.some((m) => nickKey(m) === nickKey(nick));
}

/**
 * True when `text` names `nick` as a word (`ann`, `@ann`, `Ann:`), as the
 * terminal client counts mentions.
 *
 * @example
 * ```ts
 * mentions("hi @ann!", "ann"); // true
 * mentions("annabel", "ann"); // false
 * ```
 */
export function mentions(text: string, nick: string): boolean {
  if (nick === "") return false;
  const escaped = nick.replace(/[-]/g, "\\-");
  return new RegExp(`(^|[^A-Za-z0-9_-])@?${escaped}($|[^A-Za-z0-9_-])`, "i")
    .test(text);
}

/**
 * The local calendar day of `ts` as `YYYY-MM-DD`: two lines of different
 * days get a day separator between them.
 */
export function dayOf(ts: number): string {
  const date = new Date(ts);
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${
    pad(date.getDate())
  }`;
}

/** Local time of day as `HH:MM`. */
export function clockOf(ts: number): string {
  const date = new Date(ts);
  return `${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

function pad(n: number): string {
  return String(n).padStart(2, "0");
}

/** The ticks as shown after a line: `…`, `✓`, `✓✓ 2/3`, `✗`. */
export function tickText(tick: Tick): string {
  switch (tick.state) {
    case "pending":
      return "…";
    case "acked":
      return "✓";
    case "delivered":
      return tick.of === 0
        ? "✓ no one else here"
        : `✓✓ ${tick.count}/${tick.of}`;
    case "refused":
      return "✗";
  }
}
