/**
 * The chat core: members, the rooms each is in, broadcast and history.
 *
 * The hub knows nothing of sockets, TLS or text mode. A member is a nick with
 * a {@linkcode MemberSink} that takes frames, and is in a set of rooms (maybe
 * none). Broadcasting hands each reader the same {@linkcode Outgoing}
 * (encoded at most once per wire format) and returns at once, so a slow
 * reader never holds up anyone else. What happens to a person (a nick
 * change, away, back, quit) is told once to everyone who shares a room with
 * them, not once per room. Every public method runs to completion without
 * awaiting, which is what keeps one sender's messages in order for every
 * member.
 *
 * The hub is the façade the sessions, commands and tests use; its parts
 * are modules of their own: who is online (`member_registry.ts`), who is in
 * which room (`room_membership.ts`), away and back and telling members what
 * happened (`presence.ts`), topics (`topics.ts`), what a joiner is shown
 * (`catch_up.ts`), and messages (`broadcast.ts`). The hub itself brings
 * members in and out, and renames them.
 *
 * @module
 */

import {
  limitDefaults,
  PROTOCOL_LIMITS,
  type ProtocolLimits,
} from "../shared/limits.ts";
import type {
  ChatMessage,
  RoomState,
  ServerFrame,
} from "../shared/protocol.ts";
import { cleanCut } from "../shared/text.ts";
import {
  Broadcast,
  type Delivery,
  type Reached,
  type SayOptions,
} from "./broadcast.ts";
import { CatchUp, type CatchUpOptions } from "./catch_up.ts";
import type { HistoryStore } from "./history.ts";
import { Member, type MemberSink } from "./member.ts";
import { MemberRegistry } from "./member_registry.ts";
import { Moderation } from "./moderation.ts";
import { Presence } from "./presence.ts";
import { type RoomInfo, Rooms } from "./room.ts";
import { RoomMembership } from "./room_membership.ts";
import type { SecretGate } from "./secret_gate.ts";
import { Topics } from "./topics.ts";

export type { Delivery, Reached, RoomInfo, SayOptions };

/** Options for a {@linkcode Hub}. */
export interface HubOptions {
  /** Where messages and topics are kept. */
  history: HistoryStore;
  /** How many recent messages a joiner is shown. */
  historyOnJoin: number;
  /** The clock, for tests. Default: `Date.now`. */
  now?: () => number;
  /** The protocol limits the hub enforces. Default: their defaults. */
  limits?: ProtocolLimits;
  /** The most rooms the server holds at once. Default 1000. */
  maxRooms?: number;
  /** Nicks that may become operators with `/oper SECRET`. */
  operators?: string[];
  /** The operators' secret; without one, no one can become an operator. */
  operatorSecret?: string | undefined;
  /** Throttles failed `/oper` tries per address. */
  secrets?: SecretGate | undefined;
  /** Seconds someone kicked must wait before coming back. */
  kickCooldown?: number;
}

/** How a member comes in. */
export interface EnterOptions {
  /** The rooms to start in (default the lobby); the first is the current one. */
  rooms?: string[];
  /** Who this is across reconnects (a client token); default one of its own. */
  person?: string | undefined;
  /** Come and go without telling anyone (scripts). */
  quiet?: boolean;
  /** Be announced only when first saying something (text-mode guests). */
  unannounced?: boolean;
}

/**
 * Rooms, members and broadcast.
 *
 * @example
 * ```ts
 * const hub = new Hub({ history: new MemoryHistory({ perRoom: 50 }), historyOnJoin: 50 });
 * const seen: ServerFrame[] = [];
 * const sink = { deliver: (out: Outgoing) => (seen.push(out.frame), true) };
 * const ann = hub.enter("ann", sink);
 * hub.enter("bob", sink);
 * hub.say(ann, "hello"); // bob's sink gets { type: "msg", from: "ann", text: "hello", … }
 * ```
 */
export class Hub {
  #members: MemberRegistry;
  #rooms: Rooms;
  #presence: Presence;
  #membership: RoomMembership;
  #topics: Topics;
  #catchUp: CatchUp;
  #broadcast: Broadcast;
  #closing = false;
  #limits: ProtocolLimits;
  /** Operators, kicks and bans. */
  readonly moderation: Moderation;

  /**
   * Makes a Hub.
   *
   * @param options the store, how much history a joiner sees, operators
   */
  constructor(options: HubOptions) {
    const limits = options.limits ?? limitDefaults(PROTOCOL_LIMITS);
    this.#limits = limits;
    this.moderation = new Moderation(this, {
      operators: options.operators ?? [],
      secret: options.operatorSecret,
      reasonChars: limits.reasonChars,
      gate: options.secrets,
      kickCooldown: options.kickCooldown,
    });
    const store = options.history;
    const now = options.now ?? Date.now;
    const rooms = new Rooms({ maxRooms: options.maxRooms ?? 1000, store });
    const members = new MemberRegistry({ limits });
    const presence = new Presence({ rooms, limits, now });
    const membership = new RoomMembership({ rooms, presence, limits });
    const topics = new Topics({
      rooms,
      membership,
      presence,
      moderation: this.moderation,
      limits,
    });
    const broadcast = new Broadcast({
      store,
      rooms,
      members,
      membership,
      limits,
      now,
    });
    this.#catchUp = new CatchUp({
      store,
      historyOnJoin: options.historyOnJoin,
      lastSeq: () => broadcast.lastSeq,
      topics,
      membership,
    });
    this.#rooms = rooms;
    this.#members = members;
    this.#presence = presence;
    this.#membership = membership;
    this.#topics = topics;
    this.#broadcast = broadcast;
  }

  /** The protocol limits the hub enforces. */
  get limits(): ProtocolLimits {
    return this.#limits;
  }

  /** How many members are connected. */
  get size(): number {
    return this.#members.size;
  }

  /** True when `nick` (any case) belongs to a member. */
  isTaken(nick: string): boolean {
    return this.#members.isTaken(nick);
  }

  /** The member with `nick` (any case), if any. */
  find(nick: string): Member | undefined {
    return this.#members.find(nick);
  }

  /** True while `member` is in the chat (it has not left). */
  present(member: Member): boolean {
    return this.#members.present(member);
  }

  /** The member with `nick`, or a {@linkcode ChatError} that says no one is. */
  online(nick: string): Member {
    return this.#members.online(nick);
  }

  /** A free guest nick for a member who did not choose one. */
  guestNick(): string {
    return this.#members.guestNick();
  }

  /**
   * Adds a member with `nick` to its rooms (default the lobby) and tells
   * them. Throws a {@linkcode ChatError} when the nick is invalid or taken
   * (with a free nick suggested), a room name is invalid, or there are more
   * rooms than a member may be in; nothing changes then.
   */
  enter(nick: string, sink: MemberSink, options: EnterOptions = {}): Member {
    this.#members.checkFree(nick);
    const names = this.#membership.roomsToEnter(options.rooms);
    const member = new Member(
      nick,
      sink,
      options.person ?? this.#members.nextPerson(),
    );
    member.quiet = options.quiet === true;
    member.announced = options.unannounced !== true;
    this.#members.add(member);
    this.#membership.enter(member, names);
    return member;
  }

  /**
   * `member` has said something: a guest who joined unannounced is
   * announced now, in every room it is in, before its first words.
   */
  spoke(member: Member): void {
    this.#membership.announce(member);
  }

  /** Removes a member from the chat, telling those who share a room with it why. */
  exit(member: Member, reason: string): void {
    if (!this.#members.remove(member)) return;
    // Everyone is leaving at once: each has been told why; N quit notices to
    // N members would only be N² frames that no one will read.
    const told = !this.#closing && !member.quiet && member.announced;
    if (told) {
      const said = cleanCut(reason, this.#limits.reasonChars);
      this.#presence.personEvent(
        member,
        "quit",
        member.nick,
        said === "" ? {} : { reason: said },
      );
    }
    this.#membership.leaveAll(member);
  }

  /** The server is shutting down: members leave without quit notices. */
  close(): void {
    this.#closing = true;
  }

  /** Renames a member; everyone who shares a room with it is told once. */
  rename(member: Member, nick: string): void {
    const old = this.#members.rename(member, nick);
    if (old === undefined) return;
    this.#presence.personEvent(member, "nick", old, { to: nick });
  }

  /**
   * Adds `member` to `room` (made on first join) and makes it the current
   * room; a room the member is in already only becomes current. Returns the
   * room's name and whether the member joined it just now.
   */
  join(member: Member, room: string): { room: string; joined: boolean } {
    return this.#membership.join(member, room);
  }

  /**
   * Moves a one-room member (a client older than version 3) from its room to
   * `room`: it leaves the one and joins the other, or, when it cannot join
   * (the server's room limit), stays where it is.
   */
  move(member: Member, room: string): void {
    this.#membership.move(member, room);
  }

  /**
   * Takes `member` out of `room`, telling the room why (`reason`, said by the
   * member, or who removed it: `by`, an operator's nick). The current room
   * becomes the last one joined of those left, if any.
   */
  part(member: Member, room: string, reason = "", by?: string): void {
    this.#membership.part(member, room, reason, by);
  }

  /** The room's recent history, oldest first (default as much as a joiner sees). */
  history(room: string, limit?: number, beforeSeq?: number): ChatMessage[] {
    return this.#catchUp.history(room, limit, beforeSeq);
  }

  /**
   * What `member` is shown of `room` on joining: the messages after
   * `since` (the last it saw before a reconnect; at most `max`, the newest,
   * with `more` counting those left out), or else the `recent` newest
   * messages. `/history` goes on from the oldest shown.
   */
  catchUp(
    member: Member,
    room: string,
    options: CatchUpOptions,
  ): { history: ChatMessage[]; more: number } {
    return this.#catchUp.catchUp(member, room, options);
  }

  /** `room` as `member` is shown it on joining: its topic, who is there, history. */
  roomState(member: Member, room: string, options: CatchUpOptions): RoomState {
    return this.#catchUp.roomState(member, room, options);
  }

  /**
   * Says `text` from `member` in `room` (default its current room) to
   * everyone else there. With a store that writes to disk, the message is
   * broadcast, and the delivery resolved, only once it is durable: what is
   * acknowledged is never lost. With memory history, at once.
   */
  say(
    member: Member,
    text: string,
    options: SayOptions & { key?: string | undefined; room?: string } = {},
  ): Delivery | Promise<Delivery> {
    return this.#broadcast.say(member, text, options);
  }

  /**
   * Sends `text` from `member` to `nick` alone. Returns the recipient, whose
   * away message the sender may want to see.
   */
  whisper(
    member: Member,
    nick: string,
    text: string,
    options: SayOptions = {},
  ): Member {
    return this.#broadcast.whisper(member, nick, text, options);
  }

  /**
   * Marks a member away (with a message; empty: without one) or back (with
   * `undefined`); everyone who shares a room with it is told once.
   */
  setAway(member: Member, message: string | undefined): void {
    this.#presence.setAway(member, message);
  }

  /**
   * Sets the topic of `room` (the member's current room when not given): any
   * member of the room may, unless an operator locked it. An operator's
   * topic keeps the room while it is empty.
   */
  setTopic(member: Member, room: string | undefined, topic: string): string {
    return this.#topics.set(member, room, topic);
  }

  /** Locks (or unlocks) the topic of `room`: operators only. */
  lockTopic(member: Member, room: string | undefined, locked: boolean): string {
    return this.#topics.lock(member, room, locked);
  }

  /** The topic of `room`, empty when none. */
  topic(room: string): string {
    return this.#topics.topic(room);
  }

  /** True when the topic of `room` is locked: only operators may change it. */
  topicLocked(room: string): boolean {
    return this.#topics.locked(room);
  }

  /** Every member in the chat, in the order they came. */
  members(): Iterable<Member> {
    return this.#members;
  }

  /** The members of `room`, sorted by nick. */
  who(room: string): Member[] {
    return this.#membership.who(room);
  }

  /** Every room, sorted by name, with its topic. */
  rooms(): RoomInfo[] {
    return this.#rooms.list();
  }

  /** Sends one frame to every member (a server announcement). */
  announce(frame: ServerFrame): void {
    this.#broadcast.announce(frame);
  }
}
