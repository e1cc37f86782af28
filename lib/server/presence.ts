/**
 * Presence: whether a member is away, and telling members what happened to
 * someone. A join, a part or a topic in one room is told to that room; what
 * happens to a person (a nick change, away, back, quit) is told once to
 * everyone who shares a room with them, however many rooms they share, and
 * to the person. Someone who ignores the subject is told the event without
 * the subject's words.
 *
 * @module
 */

import { ChatError } from "../shared/errors.ts";
import type { ProtocolLimits } from "../shared/limits.ts";
import type { EventKind, ServerFrame } from "../shared/protocol.ts";
import { cleanCut, isBlank } from "../shared/text.ts";
import type { Member } from "./member.ts";
import { Outgoing } from "./outgoing.ts";
import type { Room, Rooms } from "./room.ts";

/**
 * How a hub tells its members what happened.
 *
 * @example
 * ```ts
 * const presence = new Presence({ rooms, limits, now: Date.now });
 * presence.roomEvent(rooms.get("games")!, "join", ann); // the room sees ann join
 * presence.personEvent(ann, "nick", "ann", { to: "anna" }); // told once each
 * ```
 */
export class Presence {
  #rooms: Rooms;
  #limits: ProtocolLimits;
  #now: () => number;

  /**
   * Makes a Presence.
   *
   * @param options.rooms the hub's rooms, whose members are told
   * @param options.limits the protocol limits: the longest away message
   * @param options.now the clock that stamps each event
   */
  constructor(
    options: { rooms: Rooms; limits: ProtocolLimits; now: () => number },
  ) {
    this.#rooms = options.rooms;
    this.#limits = options.limits;
    this.#now = options.now;
  }

  /**
   * Marks a member away (with a message; empty: without one) or back (with
   * `undefined`); everyone who shares a room with it is told once.
   */
  setAway(member: Member, message: string | undefined): void {
    if (message === undefined) {
      if (member.away === undefined) {
        throw new ChatError("not-now", "You are not away");
      }
      member.away = undefined;
      this.personEvent(member, "back", member.nick);
      return;
    }
    // Away with no message (or one that shows nothing) is just away.
    const cut = cleanCut(message, this.#limits.reasonChars).trim();
    const text = isBlank(cut) ? "" : cut;
    member.away = text;
    this.personEvent(
      member,
      "away",
      member.nick,
      text === "" ? {} : { reason: text },
    );
  }

  /** Tells everyone in `room` (but `except`) what `subject` did there. */
  roomEvent(
    room: Room,
    event: EventKind,
    subject: Member,
    extra: { reason?: string; by?: string } = {},
    except?: Member,
  ): void {
    const readers = except === undefined
      ? room.members
      : [...room.members].filter((member) => member !== except);
    tell(readers, subject, {
      type: "event",
      event,
      nick: subject.nick,
      room: room.name,
      ts: this.#now(),
      ...extra,
    });
  }

  /**
   * Tells only `subject` what it did in `room`: someone the room was never
   * told of (a script, a silent guest) still learns that it left.
   */
  selfEvent(
    room: Room,
    event: EventKind,
    subject: Member,
    extra: { reason?: string; by?: string } = {},
  ): void {
    tell([subject], subject, {
      type: "event",
      event,
      nick: subject.nick,
      room: room.name,
      ts: this.#now(),
      ...extra,
    });
  }

  /**
   * Tells everyone who shares a room with `subject` (and `subject` itself)
   * what happened to it, once each however many rooms they share. `nick` is
   * the name the readers know it by (the old one, for a rename).
   */
  personEvent(
    subject: Member,
    event: EventKind,
    nick: string,
    extra: { to?: string; reason?: string } = {},
  ): void {
    const readers = new Set<Member>([subject]);
    // Someone the rooms were never told of (a script, a silent guest) stays
    // unheard of: only they learn what they did.
    const heard = !subject.quiet && subject.announced;
    for (const name of heard ? subject.rooms : []) {
      for (const member of this.#rooms.get(name)?.members ?? []) {
        readers.add(member);
      }
    }
    tell(readers, subject, {
      type: "event",
      event,
      nick,
      ts: this.#now(),
      ...extra,
    });
  }
}

/**
 * Hands `frame` to `readers`. Someone who ignores the subject is not shown
 * the subject's words (an away message, a reason): the same event without.
 */
function tell(
  readers: Iterable<Member>,
  subject: Member,
  frame: ServerFrame,
): void {
  const out = new Outgoing(frame);
  const said = "reason" in frame && frame.reason !== undefined;
  let unsaid: Outgoing | undefined;
  for (const member of readers) {
    if (said && member.ignoring(subject)) {
      const { reason: _, ...rest } = frame as { reason?: string };
      member.sink.deliver(unsaid ??= new Outgoing(rest as ServerFrame));
    } else member.sink.deliver(out);
  }
}
