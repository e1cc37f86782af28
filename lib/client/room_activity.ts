/**
 * What the terminal view knows of the rooms the person is in: which one is
 * current, every room joined (in the order Alt-1…9 number them), and per
 * room not current the lines said there since and how many of them name
 * the person (unread and mention counts).
 *
 * Counts go when the room becomes current or is left. The prompt line shows
 * them ({@linkcode RoomActivity.unread}); `/rooms` lists every room with
 * them ({@linkcode RoomActivity.roomList}).
 *
 * @module
 */

import { DEFAULT_ROOM } from "../shared/protocol.ts";
import { clean } from "../shared/text.ts";

/** What was said in a room while it was not current. */
export interface Unread {
  /** The room. */
  room: string;
  /** Lines said there by others. */
  lines: number;
  /** How many of them name the reader. */
  mentions: number;
}

/** One room of a `/rooms` reply. */
export interface RoomListEntry {
  /** The room's name. */
  name: string;
  /** How many are in it. */
  members: number;
  /** Its topic, when it has one. */
  topic?: string;
}

/**
 * The rooms and their unread lines, for one terminal view.
 *
 * @example
 * ```ts
 * const activity = new RoomActivity();
 * activity.rooms("lobby", ["lobby", "dev"]);
 * activity.said("dev", true);
 * activity.unread(); // [{ room: "dev", lines: 1, mentions: 1 }]
 * ```
 */
export class RoomActivity {
  /** Where typed lines go; undefined: in no room. */
  #room: string | undefined = DEFAULT_ROOM;
  /** Every room joined, in the order joined (Alt-1 is the first). */
  #joined: string[] = [DEFAULT_ROOM];
  /** Per room not current: lines said there since, and how many name us. */
  #unread = new Map<string, { lines: number; mentions: number }>();

  /** Where typed lines go; undefined: in no room. */
  get current(): string | undefined {
    return this.#room;
  }

  /**
   * The rooms changed: `current` is where typed lines go, `joined` every
   * room in the order joined. The counts of the current room and of rooms
   * left go.
   */
  rooms(current: string | undefined, joined: readonly string[]): void {
    this.#room = current;
    this.#joined = [...joined];
    for (const room of this.#unread.keys()) {
      if (room === current || !joined.includes(room)) this.#unread.delete(room);
    }
  }

  /**
   * Someone else said a line in `room` (`mention`: it names the reader):
   * counted unless the room is current.
   */
  said(room: string, mention: boolean): void {
    if (room === this.#room) return;
    const unread = this.#unread.get(room) ?? { lines: 0, mentions: 0 };
    unread.lines++;
    if (mention) unread.mentions++;
    this.#unread.set(room, unread);
  }

  /** The rooms joined with unread lines, in join order. */
  unread(): Unread[] {
    const found: Unread[] = [];
    for (const room of this.#joined) {
      const unread = this.#unread.get(room);
      if (unread !== undefined) found.push({ room, ...unread });
    }
    return found;
  }

  /**
   * `/rooms`: the rooms joined first, in the order joined (the order Alt
   * numbers them, which each shows, the current one marked `>`), then the
   * others; each with what is unread in it.
   */
  roomList(rooms: RoomListEntry[]): string {
    if (rooms.length === 0) return "No rooms yet: /join ROOM makes one";
    const at = (room: RoomListEntry) => {
      const index = this.#joined.indexOf(room.name);
      return index < 0 ? Number.MAX_SAFE_INTEGER : index;
    };
    const ordered = [...rooms].sort((a, b) => at(a) - at(b));
    const rows = ordered.map((room) => {
      const index = at(room);
      const key = index < 9 ? String(index + 1) : index === 9 ? "0" : " ";
      const mark = room.name === this.#room ? ">" : " ";
      const unread = this.#unread.get(room.name);
      const news = unread === undefined
        ? ""
        : ` [${unread.lines} unread${
          unread.mentions > 0 ? `, ${unread.mentions} for you` : ""
        }]`;
      const topic = room.topic === undefined ? "" : `: ${room.topic}`;
      return `${key}${mark} #${room.name} (${room.members})${news}${topic}`;
    });
    return [
      `Rooms (> you talk here; 1-9, 0: Alt+number switches, Ctrl-N/Ctrl-P next/previous):`,
      ...rows.map((row) => clean(row)),
    ].join("\n");
  }
}

/**
 * True when a `/rooms` reply's data is the list this view expects.
 *
 * @example
 * ```ts
 * isRoomList({ rooms: [{ name: "lobby", members: 3 }] }); // true
 * ```
 */
export function isRoomList(data: unknown): data is { rooms: RoomListEntry[] } {
  if (typeof data !== "object" || data === null) return false;
  const rooms = (data as { rooms?: unknown }).rooms;
  return Array.isArray(rooms) &&
    rooms.every((room) =>
      typeof room === "object" && room !== null &&
      typeof room.name === "string" && typeof room.members === "number" &&
      (room.topic === undefined || typeof room.topic === "string")
    );
}
