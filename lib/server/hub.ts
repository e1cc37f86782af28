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

import { AnswerCache } from "./dedup.ts";
import { ChatError } from "../shared/errors.ts";
import type { HistoryStore } from "./history.ts";
import {
  DEFAULT_ROOM,
  MAX_NICK_CHARS,
  MAX_REASON_CHARS,
  MAX_TEXT_CHARS,
  REMEMBERED_IDS,
} from "../shared/limits.ts";
import {
  nickKey,
  nickProblem,
  parseRoom,
  suggestNick,
} from "../shared/names.ts";
import type {
  ChatMessage,
  EventKind,
  ServerFrame,
} from "../shared/protocol.ts";
import { Outgoing } from "../shared/protocol.ts";
import { sanitize } from "../shared/sanitize.ts";
import { safeEqual } from "./secrets.ts";

/** Where a member's frames go: a session's outbound queue, or a test. */
export interface MemberSink {
  /**
   * Queues one frame for the member. Returns false when the member cannot
   * take it (its queue is full and it is being disconnected).
   */
  deliver(out: Outgoing): boolean;
  /** Disconnects the member (a kick); `goodbye` is the last frame it gets. */
  close?(reason: string, goodbye?: ServerFrame): void;
}

/** One person in the chat. */
export class Member {
  /** Display nick; compare with {@linkcode nickKey}. */
  nick: string;
  /** The room the member is in. */
  room: string = DEFAULT_ROOM;
  /** Away message, when away. */
  away: string | undefined = undefined;
  /** Nick of whoever sent the member the last private message. */
  lastPrivateFrom: string | undefined = undefined;
  /** Oldest message of the room the member has been shown: where `/history` goes on. */
  historyBefore: number | undefined = undefined;
  /** True once the member has proved to be an operator (`/oper`). */
  op = false;
  /** The member's network address, for bans; unset in tests. */
  address: string | undefined = undefined;
  /** Keys of the nicks whose messages this member does not want. */
  readonly ignores = new Set<string>();
  /** Where the member's frames go. */
  readonly sink: MemberSink;

  /**
   * Makes a Member.
   *
   * @param nick the member's nick
   * @param sink where its frames go
   */
  constructor(nick: string, sink: MemberSink) {
    this.nick = nick;
    this.sink = sink;
  }

  /** Sends one frame to this member alone. */
  send(frame: ServerFrame): boolean {
    return this.sink.deliver(new Outgoing(frame));
  }
}

/** Options for a {@linkcode Hub}. */
export interface HubOptions {
  /** Where messages are kept. */
  history: HistoryStore;
  /** How many recent messages a joiner is shown. */
  historyOnJoin: number;
  /** The clock, for tests. Default: `Date.now`. */
  now?: () => number;
  /** Longest nick allowed. Default {@linkcode MAX_NICK_CHARS}. */
  maxNick?: number;
  /** Nicks that may become operators with `/oper SECRET`. */
  operators?: string[];
  /** The operators' secret; without one, no one can become an operator. */
  operatorSecret?: string | undefined;
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
  /** Acks given to native clients, for resends after a reconnect. */
  readonly answers = new AnswerCache({ capacity: REMEMBERED_IDS });
  #members = new Map<string, Member>();
  #rooms = new Map<string, Set<Member>>();
  #history: HistoryStore;
  #historyOnJoin: number;
  #now: () => number;
  #seq: number;
  #guests = 0;
  #closing = false;
  #operators: Set<string>;
  #maxNick: number;
  #operatorSecret: string | undefined;
  /** Banned addresses, with why. */
  #bans = new Map<string, string>();

  /**
   * Makes a Hub.
   *
   * @param options the store, how much history a joiner sees, operators
   */
  constructor(options: HubOptions) {
    this.#operators = new Set((options.operators ?? []).map(nickKey));
    this.#maxNick = options.maxNick ?? MAX_NICK_CHARS;
    this.#operatorSecret = options.operatorSecret;
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

  /** The member with `nick` (any case), if any. */
  find(nick: string): Member | undefined {
    return this.#members.get(nickKey(nick));
  }

  /**
   * What was kept for client message `key` by an earlier server run, when
   * the store remembers (history on disk); see {@linkcode AnswerCache} for
   * this run's own answers.
   */
  answered(key: string): { seq: number; ts: number } | undefined {
    return this.#history.answered?.(key);
  }

  /** The member with `nick`, or a {@linkcode ChatError} that says no one is. */
  online(nick: string): Member {
    const member = this.find(nick);
    if (member === undefined) {
      throw new ChatError(
        "no-such-nick",
        `No one called "${clean(nick, 40)}" is online; /who lists the room`,
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
  enter(nick: string, sink: MemberSink, room: string = DEFAULT_ROOM): Member {
    this.#checkNickFree(nick);
    const name = this.#roomName(room);
    const member = new Member(nick, sink);
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
    if (this.#closing) return;
    this.#event(member.room, "quit", member.nick, {
      reason: clean(reason, MAX_REASON_CHARS),
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
    else if (nickProblem(nick, this.#maxNick) !== undefined) {
      throw new ChatError("nick-invalid", nickProblem(nick, this.#maxNick)!);
    }
    const old = member.nick;
    this.#members.delete(nickKey(old));
    member.nick = nick;
    this.#members.set(nickKey(nick), member);
    this.#event(member.room, "nick", old, { to: nick });
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
    this.#event(member.room, "leave", member.nick);
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
      text: messageText(text),
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
        if (
          other.ignores.size > 0 && other.ignores.has(nickKey(message.from))
        ) {
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
      text: messageText(text),
      ts: this.#now(),
    };
    if (options.me) frame.me = true;
    if (!target.ignores.has(nickKey(member.nick))) {
      target.lastPrivateFrom = member.nick;
      target.send(frame);
    }
    if (target !== member) member.send(frame);
    return target;
  }

  /** Marks a member away (with a message) or back (with `undefined`). */
  setAway(member: Member, message: string | undefined): void {
    const text = message === undefined
      ? undefined
      : clean(message, MAX_REASON_CHARS).trim();
    if (text === undefined || text === "") {
      if (member.away === undefined) {
        throw new ChatError("not-now", "You are not away");
      }
      member.away = undefined;
      this.#event(member.room, "back", member.nick);
    } else {
      member.away = text;
      this.#event(member.room, "away", member.nick, { reason: text });
    }
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

  /**
   * Makes `member` an operator when its nick is on the operator list and
   * `secret` is right. Says nothing of which one was wrong.
   */
  oper(member: Member, secret: string): void {
    const expected = this.#operatorSecret;
    const listed = this.#operators.has(nickKey(member.nick));
    // Compare even when unlisted, so the time taken says nothing either.
    const right = expected !== undefined && safeEqual(secret, expected);
    if (!listed || !right) {
      throw new ChatError(
        "forbidden",
        "Not an operator: the nick is not on the server's list or the secret is wrong",
      );
    }
    member.op = true;
  }

  /** Disconnects `nick`, telling everyone who did it and why. */
  kick(by: Member, nick: string, reason: string): Member {
    this.#requireOp(by);
    const target = this.online(nick);
    const why = `kicked by ${by.nick}${
      reason.trim() === "" ? "" : `: ${clean(reason, MAX_REASON_CHARS)}`
    }`;
    if (target.sink.close !== undefined) {
      target.sink.close(why, { type: "bye", reason: `You were ${why}` });
    } else {
      this.exit(target, why);
    }
    return target;
  }

  /** Bans `nick`'s address until the server restarts, and kicks them. */
  ban(by: Member, nick: string, reason: string): string {
    this.#requireOp(by);
    const target = this.online(nick);
    if (target.address === undefined) {
      throw new ChatError("not-now", `${target.nick} has no address to ban`);
    }
    this.#bans.set(
      target.address,
      `banned by ${by.nick}${
        reason.trim() === "" ? "" : `: ${clean(reason, MAX_REASON_CHARS)}`
      }`,
    );
    this.kick(by, target.nick, reason);
    return target.address;
  }

  /** Lifts a ban. */
  unban(by: Member, address: string): void {
    this.#requireOp(by);
    if (!this.#bans.delete(address)) {
      throw new ChatError(
        "bad-args",
        `"${clean(address, 60)}" is not banned; /bans lists bans`,
      );
    }
  }

  /** Why `address` is banned, if it is. */
  banned(address: string): string | undefined {
    return this.#bans.get(address);
  }

  /** Every ban, for `/bans`. */
  bans(by: Member): [string, string][] {
    this.#requireOp(by);
    return [...this.#bans];
  }

  #requireOp(member: Member): void {
    if (!member.op) {
      throw new ChatError("forbidden", "Only operators can do that; see /oper");
    }
  }

  /** Sends one frame to every member (a server announcement). */
  announce(frame: ServerFrame): void {
    const out = new Outgoing(frame);
    for (const member of this.#members.values()) member.sink.deliver(out);
  }

  #checkNickFree(nick: string): void {
    const problem = nickProblem(nick, this.#maxNick);
    if (problem !== undefined) throw new ChatError("nick-invalid", problem);
    if (this.isTaken(nick)) {
      const free = suggestNick(nick, (n) => this.isTaken(n), this.#maxNick);
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
    this.#event(room, "join", member.nick);
    members.add(member);
    const history = this.history(room);
    member.historyBefore = history[0]?.seq ?? this.#seq + 1;
    return history;
  }

  #part(member: Member): void {
    const members = this.#rooms.get(member.room);
    if (members === undefined) return;
    members.delete(member);
    if (members.size === 0) this.#rooms.delete(member.room);
  }

  #event(
    room: string,
    event: EventKind,
    nick: string,
    extra: { to?: string; reason?: string } = {},
  ): void {
    const members = this.#rooms.get(room);
    if (members === undefined) return;
    const out = new Outgoing({
      type: "event",
      event,
      nick,
      room,
      ts: this.#now(),
      ...extra,
    });
    for (const member of members) member.sink.deliver(out);
  }
}

function clean(text: string, max: number): string {
  const safe = sanitize(text);
  return safe.length > max ? safe.slice(0, max) : safe;
}

/** Cleans message text, or refuses it when nothing is left or it is too long. */
function messageText(text: string): string {
  const safe = sanitize(text);
  if (safe.trim() === "") {
    throw new ChatError(
      "text-invalid",
      "The message is empty once control characters are removed",
    );
  }
  if (safe.length > MAX_TEXT_CHARS) {
    throw new ChatError(
      "text-invalid",
      `The message is ${safe.length} characters; the limit is ${MAX_TEXT_CHARS}`,
    );
  }
  return safe;
}
