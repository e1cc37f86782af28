/**
 * The chat core: members, rooms, broadcast and history.
 *
 * The hub knows nothing of sockets, TLS or text mode. A member is a nick with
 * a {@linkcode MemberSink} that takes frames; broadcasting hands each member
 * the same {@linkcode Outgoing} (encoded at most once per wire format) and
 * returns at once, so a slow reader never holds up anyone else. Every public
 * method runs to completion without awaiting, which is what keeps one
 * sender's messages in order for every member.
 *
 * @module
 */

import { ChatError } from "../shared/errors.ts";
import type { HistoryStore } from "./history.ts";
import {
  limitDefaults,
  PROTOCOL_LIMITS,
  type ProtocolLimits,
} from "../shared/limits.ts";
import {
  nickKey,
  nickProblem,
  parseRoom,
  suggestNick,
} from "../shared/names.ts";
import {
  type ChatMessage,
  DEFAULT_ROOM,
  type EventKind,
  type ServerFrame,
} from "../shared/protocol.ts";
import { Member, type MemberSink } from "./member.ts";
import { Outgoing } from "./outgoing.ts";
import { clean, cleanCut, codePoints, isBlank } from "../shared/text.ts";
import { quote } from "../shared/bidi.ts";
import { Moderation } from "./moderation.ts";
import type { SecretGate } from "./secret_gate.ts";

/** Options for a {@linkcode Hub}. */
export interface HubOptions {
  /** Where messages are kept. */
  history: HistoryStore;
  /** How many recent messages a joiner is shown. */
  historyOnJoin: number;
  /** The clock, for tests. Default: `Date.now`. */
  now?: () => number;
  /** The protocol limits the hub enforces. Default: their defaults. */
  limits?: ProtocolLimits;
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

/** A room and how many are in it, for `/rooms`. */
export interface RoomInfo {
  /** Room name, without the `#`. */
  name: string;
  /** How many members are in it. */
  members: number;
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
  #rooms = new Map<string, Set<Member>>();
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
    this.#historyOnJoin = options.historyOnJoin;
    this.#now = options.now ?? Date.now;
    this.#seq = options.history.lastSeq();
  }

  /** How many members are connected. */
  get size(): number {
    return this.#members.size;
  }

  /** True when `nick` (any case) belongs to a member. */
  isTaken(nick: string): boolean {
    return this.#members.has(nickKey(nick));
  }

  /**
   * `member` has said something: a guest who joined unannounced is
   * announced now, before its first words reach the room.
   */
  spoke(member: Member): void {
    if (member.announced) return;
    member.announced = true;
    if (!member.quiet) this.#event(member, "join", member.nick);
  }

  /** True while `member` is in the chat (it has not left). */
  present(member: Member): boolean {
    return this.#members.get(nickKey(member.nick)) === member;
  }

  /** The member with `nick` (any case), if any. */
  find(nick: string): Member | undefined {
    return this.#members.get(nickKey(nick));
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
   * Adds a member with `nick` to `room` (default the lobby) and tells the room.
   * Throws a {@linkcode ChatError} when the nick is invalid or taken, with a
   * free nick suggested.
   */
  enter(
    nick: string,
    sink: MemberSink,
    room: string = DEFAULT_ROOM,
    person: string = `member:${++this.#people}`,
    options: { quiet?: boolean; unannounced?: boolean } = {},
  ): Member {
    this.#checkNickFree(nick);
    const name = this.#roomName(room);
    const member = new Member(nick, sink, person);
    member.quiet = options.quiet === true;
    member.announced = options.unannounced !== true;
    this.#members.set(nickKey(nick), member);
    this.#join(member, name);
    return member;
  }

  /** Removes a member and tells their room why they left. */
  exit(member: Member, reason: string): void {
    if (this.#members.get(nickKey(member.nick)) !== member) return;
    this.#members.delete(nickKey(member.nick));
    this.#part(member);
    // Everyone is leaving at once: each has been told why; N quit notices to
    // N members would only be N² frames that no one will read.
    if (this.#closing || member.quiet || !member.announced) return;
    this.#event(member, "quit", member.nick, {
      reason: cleanCut(reason, this.#limits.reasonChars),
    });
  }

  /** The server is shutting down: members leave without quit notices. */
  close(): void {
    this.#closing = true;
  }

  /** Renames a member; everyone in their room is told. */
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
      other.ignores.get(member.person)?.add(nickKey(nick));
    }
    this.#event(member, "nick", old, { to: nick });
  }

  /**
   * Moves a member to `room` (created on first join), telling the room left
   * and the room joined. Returns the new room's recent history.
   */
  join(member: Member, room: string): ChatMessage[] {
    const name = this.#roomName(room);
    if (name === member.room) {
      throw new ChatError("not-now", `You are in #${name} already`);
    }
    this.#part(member);
    this.#event(member, "leave", member.nick);
    return this.#join(member, name);
  }

  /** The room's recent history, oldest first. */
  history(
    room: string,
    limit = this.#historyOnJoin,
    beforeSeq?: number,
  ): ChatMessage[] {
    return this.#history.recent(room, limit, beforeSeq);
  }

  /** Sends `text` from `member` to everyone else in their room. */
  /**
   * With a store that writes to disk, the message is broadcast, and the
   * delivery resolved, only once it is durable: what is acknowledged is
   * never lost. With memory history, at once.
   */
  say(
    member: Member,
    text: string,
    options: { me?: boolean; key?: string | undefined } = {},
  ): Delivery | Promise<Delivery> {
    const message: ChatMessage = {
      seq: ++this.#seq,
      room: member.room,
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
    const members = this.#rooms.get(message.room);
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

  /** Marks a member away (with a message) or back (with `undefined`). */
  setAway(member: Member, message: string | undefined): void {
    if (message === undefined) {
      if (member.away === undefined) {
        throw new ChatError("not-now", "You are not away");
      }
      member.away = undefined;
      this.#event(member, "back", member.nick);
      return;
    }
    // Away with no message (or one that shows nothing) is just away.
    const cut = cleanCut(message, this.#limits.reasonChars).trim();
    const text = isBlank(cut) ? "" : cut;
    member.away = text;
    this.#event(
      member,
      "away",
      member.nick,
      text === "" ? {} : { reason: text },
    );
  }

  /** The members of `room`, sorted by nick. */
  who(room: string): Member[] {
    const members = [...(this.#rooms.get(room) ?? [])];
    return members.sort((a, b) =>
      nickKey(a.nick).localeCompare(nickKey(b.nick))
    );
  }

  /** Every room with members, sorted by name. */
  rooms(): RoomInfo[] {
    return [...this.#rooms]
      .map(([name, members]) => ({ name, members: members.size }))
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Sends one frame to every member (a server announcement). */
  announce(frame: ServerFrame): void {
    const out = new Outgoing(frame);
    for (const member of this.#members.values()) member.sink.deliver(out);
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

  #roomName(room: string): string {
    const parsed = parseRoom(room);
    if (!parsed.ok) throw new ChatError("room-invalid", parsed.problem);
    return parsed.room;
  }

  #join(member: Member, room: string): ChatMessage[] {
    member.room = room;
    let members = this.#rooms.get(room);
    if (members === undefined) {
      members = new Set();
      this.#rooms.set(room, members);
    }
    if (!member.quiet && member.announced) {
      this.#event(member, "join", member.nick);
    }
    members.add(member);
    const history = this.history(room);
    member.historyBefore = history[0]?.seq ?? this.#seq + 1;
    return history;
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
    if (since === undefined) {
      const history = this.history(room, options.recent);
      member.historyBefore = history[0]?.seq ?? this.#seq + 1;
      return { history, more: 0 };
    }
    const missed = this.#history.countAfter(room, since);
    const history = missed === 0
      ? []
      : this.history(room, Math.min(missed, max));
    member.historyBefore = history[0]?.seq ?? since + 1;
    return { history, more: Math.max(0, missed - history.length) };
  }

  #part(member: Member): void {
    const members = this.#rooms.get(member.room);
    if (members === undefined) return;
    members.delete(member);
    if (members.size === 0) this.#rooms.delete(member.room);
  }

  /**
   * Tells `subject`'s room what happened to them. Someone who ignores the
   * subject is not shown the subject's words (an away message, a quit
   * reason): the same event without the reason.
   */
  #event(
    subject: Member,
    event: EventKind,
    nick: string,
    extra: { to?: string; reason?: string } = {},
  ): void {
    const room = subject.room;
    const members = this.#rooms.get(room);
    if (members === undefined) return;
    const frame: ServerFrame = {
      type: "event",
      event,
      nick,
      room,
      ts: this.#now(),
      ...extra,
    };
    const out = new Outgoing(frame);
    let unsaid: Outgoing | undefined;
    for (const member of members) {
      if (extra.reason !== undefined && member.ignoring(subject)) {
        const { reason: _, ...rest } = frame as { reason?: string };
        member.sink.deliver(unsaid ??= new Outgoing(rest as ServerFrame));
      } else member.sink.deliver(out);
    }
  }
}

/**
 * Cleans message text, or refuses it when it shows nothing or is over the
 * limit (in code points, counted after cleaning).
 */
function messageText(text: string, maxChars: number): string {
  const safe = clean(text);
  if (isBlank(safe)) {
    throw new ChatError(
      "text-invalid",
      "The message is empty once control and invisible characters are removed",
    );
  }
  const length = codePoints(safe);
  if (length > maxChars) {
    throw new ChatError(
      "text-invalid",
      `The message is ${length} characters; the limit is ${maxChars}`,
    );
  }
  return safe;
}
