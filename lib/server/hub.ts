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
 * @module
 */

import { quote } from "../shared/bidi.ts";
import { ChatError } from "../shared/errors.ts";
import {
  limitDefaults,
  PROTOCOL_LIMITS,
  type ProtocolLimits,
} from "../shared/limits.ts";
import { nickKey, nickProblem, suggestNick } from "../shared/names.ts";
import {
  type ChatMessage,
  DEFAULT_ROOM,
  type EventKind,
  type RoomState,
  type ServerFrame,
} from "../shared/protocol.ts";
import { cleanCut, isBlank } from "../shared/text.ts";
import { type HistoryStore, StoreError } from "./history.ts";
import { Member, type MemberSink } from "./member.ts";
import { messageText, roomName } from "./message_rules.ts";
import { Moderation } from "./moderation.ts";
import { Outgoing } from "./outgoing.ts";
import { type Room, type RoomInfo, Rooms } from "./room.ts";
import type { SecretGate } from "./secret_gate.ts";

export type { RoomInfo };

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

/** What {@linkcode Hub.say} did with a message. */
export interface Delivery {
  /** The message as kept and sent. */
  message: ChatMessage;
  /** Members the message was handed to. */
  count: number;
  /** Members it was meant for (the room, less the sender). */
  of: number;
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
  #members = new Map<string, Member>();
  #rooms: Rooms;
  #history: HistoryStore;
  #historyOnJoin: number;
  #now: () => number;
  #seq: number;
  #guests = 0;
  /** Numbers people who have no client token of their own. */
  #people = 0;
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
    this.#limits = options.limits ?? limitDefaults(PROTOCOL_LIMITS);
    this.moderation = new Moderation(this, {
      operators: options.operators ?? [],
      secret: options.operatorSecret,
      reasonChars: this.#limits.reasonChars,
      gate: options.secrets,
      kickCooldown: options.kickCooldown,
    });
    this.#history = options.history;
    this.#rooms = new Rooms({
      maxRooms: options.maxRooms ?? 1000,
      store: options.history,
    });
    this.#historyOnJoin = options.historyOnJoin;
    this.#now = options.now ?? Date.now;
    this.#seq = options.history.lastSeq();
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
    return this.#members.has(nickKey(nick));
  }

  /** The member with `nick` (any case), if any. */
  find(nick: string): Member | undefined {
    return this.#members.get(nickKey(nick));
  }

  /** True while `member` is in the chat (it has not left). */
  present(member: Member): boolean {
    return this.#members.get(nickKey(member.nick)) === member;
  }

  /** The member with `nick`, or a {@linkcode ChatError} that says no one is. */
  online(nick: string): Member {
    const member = this.find(nick);
    if (member === undefined) {
      throw new ChatError(
        "no-such-nick",
        `No one called ${quote(nick, 40)} is online; /who lists the room`,
      );
    }
    return member;
  }

  /** A free guest nick for a member who did not choose one. */
  guestNick(): string {
    let nick: string;
    do nick = `guest${++this.#guests}`; while (this.isTaken(nick));
    return nick;
  }

  /**
   * Adds a member with `nick` to its rooms (default the lobby) and tells
   * them. Throws a {@linkcode ChatError} when the nick is invalid or taken
   * (with a free nick suggested), a room name is invalid, or there are more
   * rooms than a member may be in; nothing changes then.
   */
  enter(nick: string, sink: MemberSink, options: EnterOptions = {}): Member {
    this.#checkNickFree(nick);
    const names = [...new Set((options.rooms ?? [DEFAULT_ROOM]).map(roomName))];
    this.#checkRoomCount(names.length);
    this.#checkRoomsCanOpen(names);
    const member = new Member(
      nick,
      sink,
      options.person ?? `member:${++this.#people}`,
    );
    member.quiet = options.quiet === true;
    member.announced = options.unannounced !== true;
    this.#members.set(nickKey(nick), member);
    for (const name of names) this.#add(member, name);
    member.room = names[0];
    return member;
  }

  /**
   * `member` has said something: a guest who joined unannounced is
   * announced now, in every room it is in, before its first words.
   */
  spoke(member: Member): void {
    if (member.announced) return;
    member.announced = true;
    if (member.quiet) return;
    // The others learn of the guest now; the guest knows it came.
    for (const name of member.rooms) {
      this.#roomEvent(this.#rooms.get(name)!, "join", member, {}, member);
    }
  }

  /** Removes a member from the chat, telling those who share a room with it why. */
  exit(member: Member, reason: string): void {
    if (!this.present(member)) return;
    this.#members.delete(nickKey(member.nick));
    // Everyone is leaving at once: each has been told why; N quit notices to
    // N members would only be N² frames that no one will read.
    const told = !this.#closing && !member.quiet && member.announced;
    if (told) {
      const said = cleanCut(reason, this.#limits.reasonChars);
      this.#presence(
        member,
        "quit",
        member.nick,
        said === "" ? {} : { reason: said },
      );
    }
    for (const name of [...member.rooms]) this.#remove(member, name);
  }

  /** The server is shutting down: members leave without quit notices. */
  close(): void {
    this.#closing = true;
  }

  /** Renames a member; everyone who shares a room with it is told once. */
  rename(member: Member, nick: string): void {
    if (nick === member.nick) return;
    if (nickKey(nick) !== nickKey(member.nick)) this.#checkNickFree(nick);
    else if (nickProblem(nick, this.#limits.nickChars) !== undefined) {
      throw new ChatError(
        "nick-invalid",
        nickProblem(nick, this.#limits.nickChars)!,
      );
    }
    const old = member.nick;
    this.#members.delete(nickKey(old));
    member.nick = nick;
    this.#members.set(nickKey(nick), member);
    for (const other of this.#members.values()) {
      other.ignoredRenamed(member.person, nick);
    }
    this.#presence(member, "nick", old, { to: nick });
  }

  /**
   * Adds `member` to `room` (made on first join) and makes it the current
   * room; a room the member is in already only becomes current. Returns the
   * room's name and whether the member joined it just now.
   */
  join(member: Member, room: string): { room: string; joined: boolean } {
    const name = roomName(room);
    if (member.rooms.has(name)) {
      member.room = name;
      return { room: name, joined: false };
    }
    this.#checkRoomCount(member.rooms.size + 1);
    this.#add(member, name);
    member.room = name;
    return { room: name, joined: true };
  }

  /**
   * Moves a one-room member (a client older than version 3) from its room to
   * `room`: it leaves the one and joins the other, or, when it cannot join
   * (the server's room limit), stays where it is.
   */
  move(member: Member, room: string): void {
    const name = roomName(room);
    this.#checkRoomsCanOpen([name]);
    for (const old of [...member.rooms]) {
      if (old !== name) this.part(member, old);
    }
    this.join(member, name);
  }

  /**
   * Takes `member` out of `room`, telling the room why (`reason`, said by the
   * member, or who removed it). The current room becomes the last one joined
   * of those left, if any.
   */
  part(member: Member, room: string, reason = ""): void {
    const name = roomName(room);
    if (!member.rooms.has(name)) {
      throw new ChatError("not-now", `You are not in #${name}`);
    }
    const target = this.#rooms.get(name)!;
    const text = cleanCut(reason, this.#limits.reasonChars).trim();
    if (!member.quiet && member.announced) {
      this.#roomEvent(
        target,
        "part",
        member,
        text === "" ? {} : { reason: text },
      );
    }
    this.#remove(member, name);
  }

  /** The room's recent history, oldest first. */
  history(
    room: string,
    limit = this.#historyOnJoin,
    beforeSeq?: number,
  ): ChatMessage[] {
    return this.#history.recent(room, limit, beforeSeq);
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
    options: { since?: number | undefined; recent?: number; max: number },
  ): { history: ChatMessage[]; more: number } {
    const { since, max } = options;
    const oldest = (history: ChatMessage[], fallback: number) => {
      member.shownFrom(room, history[0]?.seq ?? fallback);
      return history;
    };
    if (since === undefined) {
      const history = this.history(room, options.recent);
      return { history: oldest(history, this.#seq + 1), more: 0 };
    }
    const missed = this.#history.countAfter(room, since);
    const history = missed === 0
      ? []
      : this.history(room, Math.min(missed, max));
    return {
      history: oldest(history, since + 1),
      more: Math.max(0, missed - history.length),
    };
  }

  /** `room` as `member` is shown it on joining: its topic, who is there, history. */
  roomState(
    member: Member,
    room: string,
    options: { since?: number | undefined; recent?: number; max: number },
  ): RoomState {
    const { history, more } = this.catchUp(member, room, options);
    const topic = this.#rooms.get(room)?.topic ?? "";
    return {
      name: room,
      ...(topic === "" ? {} : { topic }),
      members: this.who(room).map((m) => m.nick),
      history: member.visible(history),
      ...(more > 0 ? { more } : {}),
    };
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
    options: { me?: boolean; key?: string | undefined; room?: string } = {},
  ): Delivery | Promise<Delivery> {
    const room = this.#roomOf(member, options.room);
    const message: ChatMessage = {
      seq: ++this.#seq,
      room,
      from: member.nick,
      text: messageText(text, this.#limits.textChars),
      ts: this.#now(),
    };
    if (options.me) message.me = true;
    this.#history.append(message, options.key);
    const durable = this.#history.durable?.();
    if (durable === undefined) return this.#broadcast(member, message);
    return durable.then(() => this.#broadcast(member, message));
  }

  #broadcast(member: Member, message: ChatMessage): Delivery {
    const members = this.#rooms.get(message.room)?.members;
    let count = 0;
    let of = 0;
    if (members !== undefined) {
      const out = new Outgoing({ type: "msg", ...message });
      for (const other of members) {
        if (other === member) continue;
        of++;
        if (other.ignoring(member)) {
          count++; // Ignoring is private: the sender sees it delivered.
          continue;
        }
        if (other.sink.deliver(out)) count++;
      }
    }
    return { message, count, of };
  }

  /**
   * Sends `text` from `member` to `nick` alone. Returns the recipient, whose
   * away message the sender may want to see.
   */
  whisper(
    member: Member,
    nick: string,
    text: string,
    options: { me?: boolean } = {},
  ): Member {
    const target = this.online(nick);
    const frame: ServerFrame = {
      type: "pm",
      from: member.nick,
      to: target.nick,
      text: messageText(text, this.#limits.textChars),
      ts: this.#now(),
    };
    if (options.me) frame.me = true;
    if (!target.ignoring(member)) {
      // A note to oneself is no one's to reply to.
      if (target !== member) target.lastPrivateFrom = member;
      target.send(frame);
    }
    if (target !== member) member.send(frame);
    return target;
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
      this.#presence(member, "back", member.nick);
      return;
    }
    // Away with no message (or one that shows nothing) is just away.
    const cut = cleanCut(message, this.#limits.reasonChars).trim();
    const text = isBlank(cut) ? "" : cut;
    member.away = text;
    this.#presence(
      member,
      "away",
      member.nick,
      text === "" ? {} : { reason: text },
    );
  }

  /**
   * Sets the topic of `room` (the member's current room when not given): any
   * member of the room may, unless an operator locked it. An operator's
   * topic keeps the room while it is empty.
   */
  setTopic(member: Member, room: string | undefined, topic: string): string {
    const target = this.#rooms.get(this.#roomOf(member, room))!;
    if (target.locked && !member.op) {
      throw new ChatError(
        "forbidden",
        `The topic of #${target.name} is locked; only operators may change it`,
      );
    }
    const text = cleanCut(topic, this.#limits.topicChars).trim();
    this.#keepTopic(() =>
      this.#rooms.setTopic(target, isBlank(text) ? "" : text, {
        byOperator: member.op,
      })
    );
    this.#roomEvent(target, "topic", member, { reason: target.topic });
    return target.name;
  }

  /** Locks (or unlocks) the topic of `room`: operators only. */
  lockTopic(member: Member, room: string | undefined, locked: boolean): string {
    this.moderation.requireOp(member);
    const target = this.#rooms.get(this.#roomOf(member, room))!;
    this.#keepTopic(() =>
      this.#rooms.setTopic(target, target.topic, { locked, byOperator: true })
    );
    return target.name;
  }

  /** Runs a topic change, turning a store failure into a refusal. */
  #keepTopic(change: () => void): void {
    try {
      change();
    } catch (error) {
      if (!(error instanceof StoreError)) throw error;
      throw new ChatError(
        "storage",
        `The server could not keep the topic, so it is unchanged: ${error.message}; try again later`,
      );
    }
  }

  /** The topic of `room`, empty when none. */
  topic(room: string): string {
    return this.#rooms.get(room)?.topic ?? "";
  }

  /** True when the topic of `room` is locked: only operators may change it. */
  topicLocked(room: string): boolean {
    return this.#rooms.get(room)?.locked === true;
  }

  /** The members of `room`, sorted by nick. */
  who(room: string): Member[] {
    const members = [...(this.#rooms.get(room)?.members ?? [])];
    return members.sort((a, b) =>
      nickKey(a.nick).localeCompare(nickKey(b.nick))
    );
  }

  /** Every room, sorted by name, with its topic. */
  rooms(): RoomInfo[] {
    return this.#rooms.list();
  }

  /** Sends one frame to every member (a server announcement). */
  announce(frame: ServerFrame): void {
    const out = new Outgoing(frame);
    for (const member of this.#members.values()) member.sink.deliver(out);
  }

  /** The room a line of `member` goes to: `room`, or its current one. */
  #roomOf(member: Member, room: string | undefined): string {
    const name = room === undefined ? member.room : roomName(room);
    if (name === undefined) {
      throw new ChatError("not-now", "You are in no room: /join ROOM");
    }
    if (!member.rooms.has(name)) {
      throw new ChatError("not-now", `You are not in #${name}: /join ${name}`);
    }
    return name;
  }

  #checkRoomCount(count: number): void {
    const max = this.#limits.roomsPerMember;
    if (count > max) {
      throw new ChatError(
        "room-limit",
        `You may be in ${rooms(max)} at once; /part one first`,
      );
    }
  }

  /** Throws `room-limit` when the rooms of `names` that do not exist cannot all be made. */
  #checkRoomsCanOpen(names: string[]): void {
    const missing = names.filter((name) => this.#rooms.get(name) === undefined);
    if (!this.#rooms.canOpen(missing.length)) {
      throw new ChatError(
        "room-limit",
        `The server holds ${
          rooms(this.#rooms.size)
        }, its limit; join one that exists (/rooms)`,
      );
    }
  }

  #checkNickFree(nick: string): void {
    const problem = nickProblem(nick, this.#limits.nickChars);
    if (problem !== undefined) throw new ChatError("nick-invalid", problem);
    if (this.isTaken(nick)) {
      const free = suggestNick(
        nick,
        (n) => this.isTaken(n),
        this.#limits.nickChars,
      );
      throw new ChatError(
        "nick-taken",
        `The nick "${nick}" is taken; try "${free}"`,
        { suggest: free },
      );
    }
  }

  /** Puts `member` in the room `name` and tells the room. */
  #add(member: Member, name: string): void {
    this.#checkRoomsCanOpen([name]);
    const room = this.#rooms.open(name)!;
    if (!member.quiet && member.announced) {
      this.#roomEvent(room, "join", member);
    }
    room.members.add(member);
    member.rooms.add(name);
  }

  /** Takes `member` out of the room `name`, quietly. */
  #remove(member: Member, name: string): void {
    const room = this.#rooms.get(name);
    member.rooms.delete(name);
    member.forgetShown(name);
    if (member.room === name) member.room = [...member.rooms].at(-1);
    if (room === undefined) return;
    room.members.delete(member);
    this.#rooms.close(room);
  }

  /** Tells everyone in `room` what `subject` did there. */
  #roomEvent(
    room: Room,
    event: EventKind,
    subject: Member,
    extra: { reason?: string } = {},
    except?: Member,
  ): void {
    const readers = except === undefined
      ? room.members
      : [...room.members].filter((member) => member !== except);
    this.#tell(readers, subject, {
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
   * what happened to it, once each however many rooms they share.
   */
  #presence(
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
    this.#tell(readers, subject, {
      type: "event",
      event,
      nick,
      ts: this.#now(),
      ...extra,
    });
  }

  /**
   * Hands `frame` to `readers`. Someone who ignores the subject is not shown
   * the subject's words (an away message, a reason): the same event without.
   */
  #tell(readers: Iterable<Member>, subject: Member, frame: ServerFrame): void {
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
}

/** "1 room", "20 rooms". */
function rooms(count: number): string {
  return count === 1 ? "1 room" : `${count} rooms`;
}
