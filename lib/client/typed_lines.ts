/**
 * What the person types, on its way to the server: each line said in the
 * room that is current when it is typed, in the order typed, whether the
 * client is connected or not.
 *
 * A room-changing command (`/join`, `/part`; `/switch` on a server older
 * than version 3, which keeps the current room itself) decides where the
 * lines after it go only when the server answers it. So until it is
 * answered, what is typed after it waits behind it: lines are shown at once
 * as pending (`…`) and keep their order, room keys (Alt-1…9, Ctrl-N,
 * Ctrl-P) and a local `/switch` keep theirs, and all of it goes on, in
 * order, with the answer: a line typed after `/join games` goes to #games,
 * in a pipe as on a terminal.
 *
 * A line said in no room (after `/part` of the last one) is refused here,
 * in the server's words, and not sent; a switch of room says where the
 * person talks now (`ClientView.switched`).
 *
 * @module
 */

import { COMMAND_SPECS } from "../shared/command_specs.ts";
import { firstWord, type ParsedInput, parseInput } from "../shared/input.ts";
import { ROOMS_VERSION, type ServerFrame } from "../shared/protocol.ts";
import type { ChatClient } from "./chat_client.ts";
import type { ClientView, InputEvent } from "./client_view.ts";
import { type JoinedRooms, switchesLocally } from "./joined_rooms.ts";
import type { UnansweredLines } from "./unanswered_lines.ts";

/** What the person is told of a line said in no room (the server's words). */
export const NO_ROOM = "You are in no room: /join ROOM";

/** The input events {@linkcode TypedLines} handles: lines and room keys. */
export type TypedEvent = Extract<
  InputEvent,
  { kind: "line" | "switch" | "cycle" }
>;

/** Options of {@linkcode TypedLines}. */
export interface TypedLinesOptions {
  /** Where lines and refusals are shown. */
  view: ClientView;
  /** The current room and every room joined. */
  rooms: JoinedRooms;
  /** Lines not answered yet. */
  lines: UnansweredLines;
  /** Leave once every line is answered; `/quit REASON` gives the reason. */
  leave: (reason: string | undefined) => void;
}

/** Something typed that waits behind a room-changing command. */
type Held =
  | { kind: "line"; id: string }
  | { kind: "switch-to"; room: string }
  | Exclude<TypedEvent, { kind: "line" }>;

/**
 * True when `parsed` may change the current room, so the lines after it
 * wait for its answer: `/join`, `/part` (by any alias the server gives
 * them), and `/switch` when the server, not the client, switches.
 *
 * @example
 * ```ts
 * changesRoom(parseInput("/j games"), undefined); // true
 * changesRoom(parseInput("/who"), undefined); // false
 * ```
 */
export function changesRoom(
  parsed: ParsedInput,
  client: ChatClient | undefined,
): boolean {
  if (parsed.kind !== "command") return false;
  const name = commandOf(parsed.name, client);
  return name === "join" || name === "part" ||
    (name === "switch" && !switchesLocally(client));
}

/** The command `typed` names (an alias resolved), as the server lists them. */
function commandOf(
  typed: string,
  client: ChatClient | undefined,
): string | undefined {
  const commands: readonly { name: string; aliases?: readonly string[] }[] =
    client?.commands ?? COMMAND_SPECS;
  return commands.find((c) =>
    c.name === typed || (c.aliases ?? []).includes(typed)
  )?.name;
}

/**
 * The person's typed lines and room keys, for one run of the client.
 *
 * @example
 * ```ts
 * const typed = new TypedLines({ view, rooms, lines, leave });
 * typed.input({ kind: "line", line: "/join games" }, client); // sent; what follows waits
 * typed.input({ kind: "line", line: "gg" }, client); // shown pending
 * typed.answered(ackOfTheJoin, client); // "gg" goes to #games
 * ```
 */
export class TypedLines {
  #view: ClientView;
  #rooms: JoinedRooms;
  #lines: UnansweredLines;
  #leave: (reason: string | undefined) => void;
  /** A room-changing line not answered yet: what follows it waits. */
  #gate:
    | { id: string; parsed: ParsedInput; room: string | undefined }
    | undefined;
  /** What waits behind it, in the order typed. */
  #held: Held[] = [];

  /**
   * Makes a TypedLines.
   *
   * @param options the view, the rooms, the unanswered lines, how to leave
   */
  constructor(options: TypedLinesOptions) {
    this.#view = options.view;
    this.#rooms = options.rooms;
    this.#lines = options.lines;
    this.#leave = options.leave;
  }

  /** A line or a room key; `client`: the connection, when there is one. */
  input(event: TypedEvent, client: ChatClient | undefined): void {
    if (event.kind !== "line") {
      if (this.#gate !== undefined) this.#held.push(event);
      else this.#key(event);
      return;
    }
    const line = event.line;
    const parsed = parseInput(line.trim());
    if (
      parsed.kind === "command" &&
      (parsed.name === "quit" || parsed.name === "exit")
    ) {
      // Leaving waits for every line, those held included.
      this.#leave(parsed.args.trim() === "" ? undefined : parsed.args.trim());
      return;
    }
    if (line.trim() === "") return;
    const local = parsed.kind === "command" && parsed.name === "switch" &&
      switchesLocally(client);
    if (this.#gate === undefined) {
      if (local) this.#switchTo(parsed.args.trim());
      else this.#say(line, parsed, client);
      return;
    }
    if (local) {
      this.#held.push({ kind: "switch-to", room: parsed.args.trim() });
      return;
    }
    const taken = this.#lines.take(line, undefined, true);
    if (!taken.ok) {
      this.#view.problem(`Not sent: ${taken.problem}`);
      return;
    }
    this.#held.push({ kind: "line", id: taken.id });
    this.#view.sent(taken.id, line, undefined);
  }

  /**
   * A frame from the server: the answer (`ack` or `error`) to the
   * room-changing line lets what waits behind it go on.
   */
  answered(frame: ServerFrame, client: ChatClient): void {
    if (frame.type !== "ack" && frame.type !== "error") return;
    const gate = this.#gate;
    if (frame.id === undefined || frame.id !== gate?.id) return;
    if (frame.type === "ack") this.#parted(gate.parsed, gate.room, client);
    this.#open(client);
  }

  /**
   * Connected: every line not answered yet goes again, with its id; one
   * this server's limits refuse is withdrawn (and, when it held others
   * back, lets them go on).
   */
  connected(client: ChatClient): void {
    const withdrawn: string[] = [];
    this.#lines.resend(client, (id, problem) => {
      this.#view.withdrawn?.(id);
      this.#view.problem(`Not sent: ${problem}`);
      withdrawn.push(id);
    });
    if (this.#gate !== undefined && withdrawn.includes(this.#gate.id)) {
      this.#open(client);
    }
  }

  /** Lets what waited go on, in order, until another room-changing line. */
  #open(client: ChatClient | undefined): void {
    this.#gate = undefined;
    while (this.#gate === undefined) {
      const next = this.#held.shift();
      if (next === undefined) return;
      if (next.kind === "switch-to") this.#switchTo(next.room);
      else if (next.kind !== "line") this.#key(next);
      else this.#release(next.id, client);
    }
  }

  /** A held line goes now, to the room current now. */
  #release(id: string, client: ChatClient | undefined): void {
    const room = this.#rooms.current;
    const text = this.#lines.release(id, room);
    if (text === undefined) return;
    const parsed = parseInput(text.trim());
    if (this.#nowhere(parsed)) {
      this.#lines.drop(id);
      this.#view.withdrawn?.(id);
      this.#view.problem(NO_ROOM);
      return;
    }
    client?.send(text, id, room);
    if (changesRoom(parsed, client)) this.#gate = { id, parsed, room };
  }

  /** A line typed with nothing waiting: taken, shown, and sent when connected. */
  #say(line: string, parsed: ParsedInput, client: ChatClient | undefined) {
    if (this.#nowhere(parsed)) {
      this.#lines.refuse();
      this.#view.problem(NO_ROOM);
      return;
    }
    const room = this.#rooms.current;
    const taken = this.#lines.take(line, room);
    if (!taken.ok) {
      this.#view.problem(`Not sent: ${taken.problem}`);
      return;
    }
    client?.send(line, taken.id, room);
    this.#view.sent(taken.id, line, client);
    if (changesRoom(parsed, client)) {
      this.#gate = { id: taken.id, parsed, room };
    }
  }

  /**
   * A `/part` said in `room` was accepted. A script (a quiet member) is not
   * sent its own part event, so the room it left is worked out here, as
   * the server does: a room named first (`#games`, or one joined), else
   * the room it was said in. Done already when the event came.
   */
  #parted(
    parsed: ParsedInput,
    room: string | undefined,
    client: ChatClient | undefined,
  ): void {
    if (parsed.kind !== "command" || client === undefined) return;
    if (client.version < ROOMS_VERSION) return;
    if (commandOf(parsed.name, client) !== "part") return;
    const [first] = firstWord(parsed.args);
    const named = first.startsWith("#") ||
      (first !== "" && this.#rooms.joined.includes(first.toLowerCase()));
    const left = named ? first.replace(/^#/, "").toLowerCase() : room;
    if (left !== undefined && this.#rooms.left(left)) {
      this.#view.switched?.(this.#rooms.current);
    }
  }

  /** True when `parsed` says something in a room and there is none. */
  #nowhere(parsed: ParsedInput): boolean {
    const says = parsed.kind === "text" ||
      (parsed.name === "me" && parsed.args.trim() !== "");
    return says && this.#rooms.inNoRoom;
  }

  #key(event: Exclude<TypedEvent, { kind: "line" }>): void {
    if (event.kind === "switch") {
      const problem = this.#rooms.select(event.index);
      if (problem !== undefined) this.#view.notice(problem);
      else this.#view.switched?.(this.#rooms.current);
    } else if (this.#rooms.cycle(event.step)) {
      this.#view.switched?.(this.#rooms.current);
    }
  }

  #switchTo(typed: string): void {
    const problem = this.#rooms.switchTo(typed);
    if (problem !== undefined) this.#view.problem(problem);
    else this.#view.switched?.(this.#rooms.current);
  }
}
