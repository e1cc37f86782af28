/**
 * The rooms the person is in, as the client loop keeps them across
 * connections: where typed lines go (the current room), every room joined
 * in the order joined, and the last message seen in each, for the catch-up
 * after a reconnect.
 *
 * The server's word wins (a `joined`, a part, a one-room server moving us);
 * switching between rooms already joined (`/switch`, Alt-1…9, Ctrl-N and
 * Ctrl-P) is the client's own business and never reaches the server. Every
 * change is told to the callback given, so a view can show it.
 *
 * @module
 */

import { parseRoom } from "../shared/names.ts";
import { ROOMS_VERSION, type ServerFrame } from "../shared/protocol.ts";
import type { ChatClient } from "./chat_client.ts";

/** Told the rooms after every change: the current one and all joined. */
export type RoomsChanged = (
  current: string | undefined,
  joined: readonly string[],
) => void;

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
  /** The last `seq` seen per room, for the catch-up after a reconnect. */
  #seen: Record<string, number> = {};
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
    this.#changed = changed;
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
   * Connected: the rooms the server put us in; the current one stays ours
   * when we are still in it. What came with the welcome counts as seen.
   */
  arrived(client: ChatClient): void {
    this.#joined = [...client.joined];
    if (this.#room === undefined || !this.#joined.includes(this.#room)) {
      this.#room = client.room;
    }
    this.#changed(this.#room, this.#joined);
    for (const room of client.rooms) this.#see(room.history);
  }

  /** Follows a frame from the server (after `client` has taken it in). */
  follow(frame: ServerFrame, client: ChatClient): void {
    switch (frame.type) {
      case "msg":
        this.#see([frame]);
        break;
      case "joined":
        // Joining a room makes it current.
        this.#see(frame.history);
        this.#joined = [...client.joined];
        this.#room = frame.name;
        this.#changed(this.#room, this.#joined);
        break;
      case "event":
        if (frame.event === "part" && frame.nick === client.nick) {
          this.#joined = [...client.joined];
          if (this.#room === frame.room) this.#room = this.#joined.at(-1);
          this.#changed(this.#room, this.#joined);
        }
        break;
      case "reply":
        // A one-room server moved us, or the server switched us.
        if (frame.cmd === "join" && client.room !== this.#room) {
          this.#joined = [...client.joined];
          this.#room = client.room;
          this.#changed(this.#room, this.#joined);
        }
        break;
      default:
        break;
    }
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

  /** Makes the next (1) or previous (-1) room joined current, round the end. */
  cycle(step: 1 | -1): void {
    if (this.#joined.length === 0) return;
    const at = this.#room === undefined ? -1 : this.#joined.indexOf(this.#room);
    const count = this.#joined.length;
    this.#switch(this.#joined[(at + step + count) % count]!);
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

  #see(messages: { room: string; seq: number }[]): void {
    for (const { room, seq } of messages) {
      if (seq > (this.#seen[room] ?? 0)) this.#seen[room] = seq;
    }
  }
}
