/**
 * Presence on the page: what an `event` frame changes and how it is shown.
 * Joins, parts and topics are about one room; quits, nick changes, away and
 * back are about a person, told once however many rooms are shared, and
 * shown in each of those rooms and in the private conversation with them.
 * Who is in each room, who is away (and why), and whether the other person
 * of a private conversation is still here follow from them.
 *
 * Each piece of people's text in a line (a nick, a room, a reason, a topic)
 * is isolated ({@linkcode piece}), so the view keeps it in its place.
 *
 * Pure: {@linkcode applyEvent} works on a {@linkcode PresenceHost}, which
 * `ChatState` gives it.
 *
 * @module
 */

import { nickKey } from "../lib/shared/names.ts";
import type { ServerFrame } from "../lib/shared/protocol.ts";
import {
  addMember,
  type Conversation,
  hasMember,
  type NoticeEntry,
  privateKey,
  removeMember,
} from "./conversation.ts";
import type { Conversations } from "./conversations.ts";
import { piece } from "./user_text.ts";

/** An `event` frame. */
export type EventFrame = Extract<ServerFrame, { type: "event" }>;

/** What {@linkcode applyEvent} needs of the chat state. */
export interface PresenceHost {
  /** Every conversation. */
  readonly conversations: Conversations;
  /** Who is away, by nick key, with their message. */
  readonly away: Map<string, string>;
  /** The person's nick. */
  nick(): string;
  /** `from` (the person, or someone else) is now known as `to`. */
  renamed(from: string, to: string): void;
  /** The person left `room` (or was taken out of it). */
  parted(room: string): void;
}

const ROOM_EVENTS: ReadonlySet<string> = new Set([
  "join",
  "leave",
  "part",
  "topic",
]);

/**
 * Applies an `event` frame: members, away, the person's own nick, and a
 * line wherever it concerns.
 *
 * @example
 * ```ts
 * applyEvent({ type: "event", event: "away", nick: "bob", reason: "lunch", ts }, host);
 * // host.away.get("bob") === "lunch"; "bob is away: lunch" in each room shared with bob
 * ```
 */
export function applyEvent(frame: EventFrame, host: PresenceHost): void {
  if (frame.room !== undefined && ROOM_EVENTS.has(frame.event)) {
    roomEvent(frame, frame.room, host);
  } else personEvent(frame, host);
}

function roomEvent(frame: EventFrame, room: string, host: PresenceHost): void {
  const nick = frame.nick;
  const reason = frame.reason ?? "";
  const conversation = host.conversations.room(room);
  const who = piece(nick);
  const where = piece(`#${room}`);
  switch (frame.event) {
    case "join": {
      addMember(conversation, nick);
      // Someone in a private conversation who had left is back.
      const pm = host.conversations.get(privateKey(nick));
      if (pm !== undefined) addMember(pm, nick);
      line(host, conversation, `${who} joined ${where}`, frame.ts);
      return;
    }
    case "leave":
    case "part":
      removeMember(conversation, nick);
      line(
        host,
        conversation,
        `${who} left ${where}${reason === "" ? "" : ` (${piece(reason)})`}`,
        frame.ts,
      );
      if (nickKey(nick) === nickKey(host.nick())) host.parted(room);
      return;
    case "topic":
      conversation.topic = reason;
      line(
        host,
        conversation,
        reason === ""
          ? `${who} cleared the topic`
          : `${who} set the topic: ${piece(reason)}`,
        frame.ts,
      );
      return;
  }
}

function personEvent(frame: EventFrame, host: PresenceHost): void {
  const nick = frame.nick;
  const key = nickKey(nick);
  const self = key === nickKey(host.nick());
  const reason = frame.reason ?? "";
  const who = piece(nick);
  // Told once, shown wherever they are.
  const where = [...host.conversations.values()].filter((c) =>
    c.kind === "room"
      ? c.joined && hasMember(c, nick)
      : c.key === privateKey(nick)
  );
  let text: string;
  switch (frame.event) {
    case "quit":
      text = reason === "" ? `${who} quit` : `${who} quit (${piece(reason)})`;
      for (const c of where) removeMember(c, nick);
      host.away.delete(key);
      break;
    case "nick": {
      const to = frame.to ?? nick;
      text = `${who} is now known as ${piece(to)}`;
      for (const c of where) {
        if (c.kind === "room" && removeMember(c, nick)) addMember(c, to);
      }
      const away = host.away.get(key);
      host.away.delete(key);
      if (away !== undefined) host.away.set(nickKey(to), away);
      host.conversations.renamePrivate(nick, to);
      host.renamed(nick, to);
      break;
    }
    case "away":
      text = reason === ""
        ? `${who} is away`
        : `${who} is away: ${piece(reason)}`;
      host.away.set(key, reason);
      break;
    case "back":
      text = `${who} is back`;
      host.away.delete(key);
      break;
    default:
      text = `${who}: ${frame.event}`;
  }
  if (where.length === 0 && self) {
    const current = host.conversations.current();
    if (current !== undefined) where.push(current);
  }
  for (const c of where) line(host, c, text, frame.ts);
}

function line(
  host: PresenceHost,
  conversation: Conversation,
  text: string,
  ts: number,
): void {
  host.conversations.add<NoticeEntry>(conversation, {
    kind: "event",
    ts,
    text,
  });
}
