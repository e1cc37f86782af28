/**
 * The `data` of the server's replies the page acts on, checked before use:
 * `reply` frames carry `data: unknown` for programs, and the page reads the
 * room of a `/join` (a room the person is in becomes current) and the
 * members of a `/who` (who is here, and who is away) from it.
 *
 * @module
 */

import { nickKey } from "../lib/shared/names.ts";
import type { ServerFrame } from "../lib/shared/protocol.ts";
import { type Conversation, roomKey } from "./conversation.ts";

/** What {@linkcode applyReplyData} changes. */
export interface ReplyHost {
  /** The conversation with `key`. */
  conversation(key: string): Conversation | undefined;
  /** Who is away, by nick key. */
  readonly away: Map<string, string>;
  /** True when the person is in `room`. */
  inRoom(room: string): boolean;
  /** Shows a conversation. */
  view(key: string): void;
}

/**
 * Takes what a reply's `data` says: `/join` of a room the person is in
 * makes it current; `/who` refreshes the room's members and their away
 * messages.
 */
export function applyReplyData(
  frame: Extract<ServerFrame, { type: "reply" }>,
  host: ReplyHost,
): void {
  if (frame.cmd === "join" && isRoomData(frame.data)) {
    // Joining a room the person is in only makes it current.
    if (host.inRoom(frame.data.room)) host.view(roomKey(frame.data.room));
  }
  if (frame.cmd === "who" && isWhoData(frame.data)) {
    const conversation = host.conversation(roomKey(frame.data.room));
    if (conversation === undefined || !conversation.joined) return;
    conversation.members = frame.data.members.map((m) => m.nick);
    for (const m of frame.data.members) {
      if (typeof m.away === "string") host.away.set(nickKey(m.nick), m.away);
    }
  }
}

/**
 * True when `data` names a room (`/join`'s reply).
 *
 * @example
 * ```ts
 * isRoomData({ room: "games" }); // true
 * ```
 */
export function isRoomData(data: unknown): data is { room: string } {
  return typeof data === "object" && data !== null &&
    typeof (data as { room?: unknown }).room === "string";
}

/**
 * True when `data` is a room and its members (`/who`'s reply).
 *
 * @example
 * ```ts
 * isWhoData({ room: "lobby", members: [{ nick: "ann" }] }); // true
 * ```
 */
export function isWhoData(
  data: unknown,
): data is { room: string; members: { nick: string; away?: unknown }[] } {
  if (!isRoomData(data)) return false;
  const members = (data as { members?: unknown }).members;
  return Array.isArray(members) &&
    members.every((m) =>
      typeof m === "object" && m !== null &&
      typeof (m as { nick?: unknown }).nick === "string"
    );
}
