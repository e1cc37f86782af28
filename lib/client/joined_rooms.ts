/**
 * The rooms the person is in, as the client loop keeps them across
 * connections: where typed lines go (the current room), every room joined
 * in the order joined, and the last message seen in each, for the catch-up
 * after a reconnect.
 *
 * The server's word wins about which rooms the person is in (a `joined`, a
 * part, a one-room server moving us), but the order is the client's: the
 * order of joining, kept for the whole session whatever order a reconnect
 * asks for them in, so Alt-1…9 always mean the same rooms. Switching
 * between rooms already joined (`/switch`, Alt-1…9, Ctrl-N and Ctrl-P) is
 * the client's own business and never reaches the server. Every change is
 * told to the callback given, so a view can show it. The person's own lines
 * the server acknowledged are remembered by `seq` (a bounded set), so a
 * catch-up after a reconnect does not show them again as missed.
 *
 * @module
 */

import { parseRoom } from "../shared/names.ts";
import {
  type ChatMessage,
  ROOMS_VERSION,
  type ServerFrame,
} from "../shared/protocol.ts";
import type { ChatClient } from "./chat_client.ts";

/** Told the rooms after every change: the current one and all joined. */
export type RoomsChanged = (
  current: string | undefined,
  joined: readonly string[],
) => void;

/**
 * How many of the person's own acknowledged lines are remembered, so a
 * catch-up (at most 500 messages a room) does not show them as missed.
 */
export const OWN_KEPT = 2000;

/**
 * The rooms of `server` (the rooms the server says we are in) in the order
 * of `session` (the order joined), any new to the session last.
 *
 * @example
 * ```ts
 * inOrder(["lobby", "games", "dev"], ["dev", "lobby", "games"]); // ["lobby", "games", "dev"]
 * ```
 */
export function inOrder(
  session: readonly string[],
  server: readonly string[],
): string[] {
  const kept = session.filter((room) => server.includes(room));
  return [...kept, ...server.filter((room) => !kept.includes(room))];
}

/**
 * True when `/switch` is the client's own business: the rooms are known
 * here and every line names its room. A server older than version 3 keeps one room
 * at a time and answers `/switch` itself. `client`: the connection, when
 * there is one; while there is none, the client switches.
 *
 * @example
 * ```ts
 * switchesLocally(undefined); // true: not connected
 * ```
 */
export function switchesLocally(client: ChatClient | undefined): boolean {
  return client === undefined || client.version >= ROOMS_VERSION;
}

/**
 * The rooms of one run of the client.
 *
 * @example
 * ```ts
 * const rooms = new JoinedRooms(["lobby", "games"], (current, joined) => view.rooms?.(current, joined));
 * rooms.current; // "lobby"
 * rooms.cycle(1); // #games is current now, and the view is told
 * ```
 */
export class JoinedRooms {
  /** Where typed lines go: the current room (kept across reconnects). */
  #room: string | undefined;
  /** Every room the person is in, in the order joined. */
  #joined: string[];
  /** True once the rooms are known: named on the command line, or said by a server. */
  #known: boolean;
  /** The last `seq` seen per room, for the catch-up after a reconnect. */
  #seen: Record<string, number> = {};
  /** The `seq`s of the person's own lines the server acknowledged, oldest first. */
  #own = new Set<number>();
  #changed: RoomsChanged;

  /**
   * Makes a JoinedRooms.
   *
   * @param rooms the rooms asked for (`--room`), the first one current
   * @param changed told after every change
   */
  constructor(rooms: readonly string[], changed: RoomsChanged) {
    this.#joined = [...new Set(rooms)];
    this.#room = this.#joined[0];
    this.#known = this.#joined.length > 0;
    this.#changed = changed;
  }

  /** True when the person is known to be in no room: a line has nowhere to go. */
  get inNoRoom(): boolean {
    return this.#known && this.#room === undefined;
  }

  /** Where typed lines go; undefined: in no room. */
  get current(): string | undefined {
    return this.#room;
  }

  /** Every room joined, in the order joined. */
  get joined(): readonly string[] {
    return this.#joined;
  }

  /** Tells the rooms asked for before the first connection, if any. */
  announce(): void {
    if (this.#joined.length > 0) this.#changed(this.#room, this.#joined);
  }

  /**
   * The rooms to ask the server for, the current one first (a one-room
   * server takes that one alone); undefined on a first connection that
   * names none (the server's lobby).
   */
  wanted(again: boolean): string[] | undefined {
    return again || this.#joined.length > 0
      ? [
        ...(this.#room === undefined ? [] : [this.#room]),
        ...this.#joined.filter((room) => room !== this.#room),
      ]
      : undefined;
  }

  /** The last `seq` seen per room: what a reconnect asks to catch up from. */
  since(): Record<string, number> {
    return { ...this.#seen };
  }

  /**
   * Connected: the rooms the server put us in, in the order of joining
   * (rooms new to us last); the current one stays ours when we are still in
   * it. What came with the welcome counts as seen, and the catch-up loses
   * the person's own lines shown before (`own`: one of them, not yet
   * acknowledged when the connection dropped).
   */
  arrived(
    client: ChatClient,
    own: (message: ChatMessage) => boolean = () => false,
  ): void {
    this.#joined = inOrder(this.#joined, client.joined);
    this.#known = true;
    if (this.#room === undefined || !this.#joined.includes(this.#room)) {
      this.#room = client.room;
    }
    this.#changed(this.#room, this.#joined);
    for (const room of client.rooms) {
      this.#see(room.history);
      room.history = room.history.filter((message) =>
        !this.#own.has(message.seq) && !own(message)
      );
    }
  }

  /**
   * The server acknowledged one of the person's lines as message `seq`: a
   * catch-up will not show it again. The last {@linkcode OWN_KEPT} are kept.
   */
  acknowledged(seq: number): void {
    this.#own.add(seq);
    if (this.#own.size > OWN_KEPT) {
      this.#own.delete(this.#own.values().next().value!);
    }
  }

  /**
   * Follows a frame from the server (after `client` has taken it in); true
   * when it took the person out of the current room, so another (or none)
   * is current now.
   */
  follow(frame: ServerFrame, client: ChatClient): boolean {
    switch (frame.type) {
      case "msg":
        this.#see([frame]);
        return false;
      case "joined":
        // Joining a room makes it current.
        this.#see(frame.history);
        if (!this.#joined.includes(frame.name)) this.#joined.push(frame.name);
        this.#room = frame.name;
        this.#changed(this.#room, this.#joined);
        return false;
      case "event":
        if (frame.event !== "part" || frame.nick !== client.nick) return false;
        return frame.room !== undefined && this.left(frame.room);
      case "reply":
        // A one-room server moved us, or the server switched us.
        if (frame.cmd === "join" && client.room !== this.#room) {
          this.#joined = client.version < ROOMS_VERSION
            ? [...client.joined]
            : inOrder(this.#joined, client.joined);
          this.#room = client.room;
          this.#changed(this.#room, this.#joined);
        }
        return false;
      default:
        return false;
    }
  }

  /**
   * The person is out of `room` (parted, or taken out); true when it was
   * the current one, so the last room joined of those left (or none) is
   * current now.
   */
  left(room: string): boolean {
    if (!this.#joined.includes(room)) return false;
    this.#joined = this.#joined.filter((name) => name !== room);
    const current = this.#room === room;
    if (current) this.#room = this.#joined.at(-1);
    this.#changed(this.#room, this.#joined);
    return current;
  }

  /**
   * Makes the `index`th room joined (1-based, as Alt-1…9 number them)
   * current; a notice when there is no such room.
   */
  select(index: number): string | undefined {
    if (index > this.#joined.length) {
      return `There is no room ${index}: you are in ${this.#joined.length} (/rooms lists them)`;
    }
    this.#switch(this.#joined[index - 1]!);
    return undefined;
  }

  /**
   * Makes the next (1) or previous (-1) room joined current, round the end;
   * false when there is no room to switch to.
   */
  cycle(step: 1 | -1): boolean {
    if (this.#joined.length === 0) return false;
    const at = this.#room === undefined ? -1 : this.#joined.indexOf(this.#room);
    const count = this.#joined.length;
    this.#switch(this.#joined[(at + step + count) % count]!);
    return true;
  }

  /** `/switch ROOM`, typed; the problem, when it cannot be done. */
  switchTo(typed: string): string | undefined {
    if (typed === "") {
      return "Usage: /switch ROOM (one of the rooms you are in; /rooms lists them)";
    }
    const parsed = parseRoom(typed);
    if (!parsed.ok) return parsed.problem;
    if (!this.#joined.includes(parsed.room)) {
      return `You are not in #${parsed.room}: /join ${parsed.room} joins it`;
    }
    this.#switch(parsed.room);
    return undefined;
  }

  /** Makes `room` (one joined) current: typed lines go there from now on. */
  #switch(room: string): void {
    if (room === this.#room) return;
    this.#room = room;
    this.#changed(this.#room, this.#joined);
  }

  #see(messages: readonly { room: string; seq: number }[]): void {
    for (const { room, seq } of messages) {
      if (seq > (this.#seen[room] ?? 0)) this.#seen[room] = seq;
    }
  }
}
