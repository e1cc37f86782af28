/**
 * What a member is told of its rooms, in its own terms: the welcome when it
 * comes in (a `welcome` frame in the protocol version it speaks, or text
 * lines), and each room it joins or makes current afterwards. How rooms work
 * for a member is its {@linkcode RoomMode}: a client older than protocol
 * version 3 is in one room at a time and hears of a room as it always did
 * (the history, then a reply that names it); a newer client gets a `joined`
 * frame; a text-mode user is shown the same, as lines.
 *
 * @module
 */

import type { ServerFrame } from "../shared/protocol.ts";
import { PROTOCOL_VERSION, ROOMS_VERSION } from "../shared/protocol.ts";
import type { Hello } from "./handshake.ts";
import type { Member } from "./member.ts";
import type { ServerContext } from "./server_context.ts";
import { textWelcome } from "./text_mode.ts";
import { recentFor, welcomeFor } from "./welcome.ts";

/**
 * How rooms work for a member: `one-room` for a client older than protocol
 * version 3, `rooms` for a newer one, `text` for a text-mode user (in
 * several rooms too).
 */
export type RoomMode = "one-room" | "rooms" | "text";

/** Where notices go: the member's session. */
export interface NoticeSink {
  /** Sends a frame to the peer, in its wire format. */
  send(frame: ServerFrame): void;
}

/**
 * How rooms work for a native client answered in protocol `version`.
 *
 * @example
 * ```ts
 * roomModeFor(2); // "one-room"
 * roomModeFor(3); // "rooms"
 * ```
 */
export function roomModeFor(version: number): RoomMode {
  return version < ROOMS_VERSION ? "one-room" : "rooms";
}

/**
 * Welcomes a native client that has just come in: its `welcome` frame in
 * protocol `version`, with the history its `hello` asked for.
 *
 * @example
 * ```ts
 * greetNative(session, context, member, hello, 3);
 * ```
 */
export function greetNative(
  to: NoticeSink,
  context: ServerContext,
  member: Member,
  hello: Hello,
  version: number,
): void {
  // Rooms joined later show as much history as the welcome's.
  if (hello.history !== undefined) member.recent = hello.history;
  to.send(
    welcomeFor(context, member, {
      version,
      since: hello.since,
      recent: hello.history,
    }).frame,
  );
}

/**
 * Welcomes a text-mode user who has just come in: the newest welcome,
 * rendered as lines, its history among them.
 *
 * @example
 * ```ts
 * greetText(session, context, member);
 * ```
 */
export function greetText(
  to: NoticeSink,
  context: ServerContext,
  member: Member,
): void {
  const { frame, rooms } = welcomeFor(context, member, {
    version: PROTOCOL_VERSION,
  });
  for (const line of textWelcome(frame, rooms)) to.send(line);
}

/**
 * Tells `member` about `room`, which it joined (`joined`) or made its
 * current room, in the terms of its {@linkcode RoomMode}.
 *
 * @example
 * ```ts
 * tellJoined(session, context, member, "rooms", "lobby", true); // a `joined` frame
 * ```
 */
export function tellJoined(
  to: NoticeSink,
  context: ServerContext,
  member: Member,
  mode: RoomMode,
  room: string,
  joined: boolean,
): void {
  const { hub, limits } = context;
  if (!joined) {
    const text = mode === "text"
      ? `You are talking in #${room} now`
      : `#${room} is your current room`;
    to.send({ type: "reply", cmd: "join", text, data: { room } });
    return;
  }
  const state = hub.roomState(member, room, {
    recent: recentFor(context, member.recent),
    max: limits.catchUp,
  });
  if (mode === "one-room") {
    // As it always was: the history, then a reply that names the room.
    for (const m of state.history) {
      to.send({ type: "msg", ...m, history: true });
    }
    const members = state.members.length;
    to.send({
      type: "reply",
      cmd: "join",
      text: `You joined #${room} (${members} here)`,
      data: { room, members },
    });
    return;
  }
  to.send({ type: "joined", ...state });
}
