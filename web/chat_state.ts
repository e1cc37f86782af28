/**
 * What the web page knows about the chat, and how each server frame changes
 * it: the rooms the person is in and the private conversations, unread and
 * mention counts, the ticks of the person's own lines, and the lines not
 * yet answered (sent again, with their ids, after a reconnect).
 *
 * It is the browser's counterpart of the terminal client's loop
 * (`lib/client/client_loop.ts`): the same `hello` (the rooms, the last
 * `seq` seen per room, the client token), the same resends. It knows
 * neither the DOM nor the socket: {@linkcode ChatState.hello} and
 * {@linkcode ChatState.type} return frames to send, and
 * {@linkcode ChatState.apply} takes a frame the server sent and returns
 * what the page should do besides redrawing (notify, stop).
 *
 * @module
 */

import { COMMAND_SPECS } from "../lib/shared/command_specs.ts";
import { parseInput } from "../lib/shared/input.ts";
import {
  limitDefaults,
  PROTOCOL_LIMITS,
  type ProtocolLimits,
} from "../lib/shared/limits.ts";
import { nickKey, parseRoom } from "../lib/shared/names.ts";
import {
  type ChatMessage,
  type ClientFrame,
  PROTOCOL_VERSION,
  type RoomState,
  type ServerFrame,
} from "../lib/shared/protocol.ts";
import { codePoints } from "../lib/shared/text.ts";
import {
  addEntry,
  addMember,
  type Conversation,
  hasMember,
  mentions,
  type MessageEntry,
  newConversation,
  privateKey,
  removeMember,
  roomKey,
} from "./conversation.ts";

/** A command as the server lists it, for help and completion. */
export interface CommandName {
  name: string;
  aliases?: string[] | undefined;
}

/** Something the page should do besides redrawing. */
export type Effect =
  /** A browser notification (the page decides whether it may show one). */
  | { kind: "notify"; title: string; body: string; conversation: string }
  /** The server refused the person for good: stop reconnecting. */
  | { kind: "final"; reason: string }
  /** The server wants a password (or another one): ask the person. */
  | { kind: "password"; problem: string }
  /** The person left with `/quit`: close and do not reconnect. */
  | { kind: "quit" }
  /** Say `hello` again (the nick asked for was taken: the server's suggestion). */
  | { kind: "hello" };

/** What the person typed came to: frames to send, and perhaps a local effect. */
export interface Typed {
  frames: ClientFrame[];
  effect?: Effect;
  /** Why the line was not sent (over the server's limits), to show the person. */
  problem?: string;
}

/** A line sent and not yet answered. */
interface Unanswered {
  text: string;
  /** The room it is said in (and a command acts on). */
  room: string | undefined;
  /** The conversation it was typed in: its answer is shown there. */
  conversation: string;
  /** Its line in that conversation, for a chat message. */
  entry: MessageEntry | undefined;
}

/** Options of {@linkcode ChatState}. */
export interface ChatStateOptions {
  /** The nick to ask for; empty or undefined: a guest nick. */
  nick?: string | undefined;
  /** The rooms to be in, the first the current one; undefined: the lobby. */
  rooms?: string[] | undefined;
  /** The token kept across reconnects (`hello.client`). */
  clientToken: string;
  /** The prefix of message ids (random per page). */
  idPrefix: string;
  /** The clock, ms since the epoch; default `Date.now`. */
  now?: () => number;
}

/**
 * The page's state of the chat.
 *
 * @example
 * ```ts
 * const state = new ChatState({ nick: "ann", clientToken: "t", idPrefix: "p" });
 * const hello = state.hello(); // { type: "hello", v: 3, nick: "ann", … }
 * state.apply(welcomeFrame);
 * const { frames } = state.type("hi all", state.viewing); // [{ type: "msg", id: "p-1", … }]
 * ```
 */
export class ChatState {
  /** The nick granted (or, before the first welcome, the nick asked for). */
  nick: string;
  /** Every conversation, rooms first in join order, then private ones. */
  readonly conversations = new Map<string, Conversation>();
  /** The conversation on screen. */
  viewing: string | undefined;
  /** True while the page is hidden (another tab, a locked phone). */
  hidden = false;
  /** The server's commands, for completion. */
  commands: CommandName[] = COMMAND_SPECS.map((c) => ({
    name: c.name,
    aliases: "aliases" in c ? [...c.aliases] : undefined,
  }));
  /** Who is away, by nick key, with their message. */
  readonly away = new Map<string, string>();
  /** The password that got the page in: kept in memory only, for reconnects. */
  password: string | undefined;
  /** The server's name, from the welcome. */
  server = "";
  /** The limits the server enforces (its defaults until the welcome says). */
  limits: ProtocolLimits = limitDefaults(PROTOCOL_LIMITS);
  /** True once a welcome came: reconnects ask for what was missed. */
  welcomed = false;
  #clientToken: string;
  #idPrefix: string;
  #ids = 0;
  #keys = 0;
  #now: () => number;
  /** The rooms the person is in, in join order. */
  #joined: string[];
  /** The room typed lines go to when a private conversation is on screen. */
  #room: string | undefined;
  /** The last `seq` seen per room. */
  #seen: Record<string, number> = {};
  #unanswered = new Map<string, Unanswered>();
  /** Entries by id, for the ticks (kept until `delivered` or a refusal). */
  #own = new Map<string, MessageEntry>();
  #nickTries = 0;
  /** Own private lines (by entry key) the server's copy has matched. */
  #copied = new Set<number>();

  constructor(options: ChatStateOptions) {
    this.nick = options.nick ?? "";
    this.#clientToken = options.clientToken;
    this.#idPrefix = options.idPrefix;
    this.#now = options.now ?? Date.now;
    this.#joined = [...new Set(options.rooms ?? [])];
    this.#room = this.#joined[0];
    for (const room of this.#joined) this.#conversation("room", room);
    this.viewing = this.#room === undefined ? undefined : roomKey(this.#room);
  }

  /** The rooms the person is in, in join order. */
  get rooms(): readonly string[] {
    return this.#joined;
  }

  /** How many lines are sent and not yet answered. */
  get unanswered(): number {
    return this.#unanswered.size;
  }

  /** Unread messages and mentions over every conversation. */
  totals(): { unread: number; mentions: number } {
    let unread = 0;
    let mentioned = 0;
    for (const c of this.conversations.values()) {
      unread += c.unread;
      mentioned += c.mentions;
    }
    return { unread, mentions: mentioned };
  }

  /** The `hello` for the next connection: the rooms, and what was seen in them. */
  hello(): ClientFrame {
    const frame: ClientFrame = { type: "hello", v: PROTOCOL_VERSION };
    if (this.nick !== "") frame.nick = this.nick;
    frame.client = this.#clientToken;
    if (this.welcomed || this.#joined.length > 0) {
      const first = this.#room === undefined ? [] : [this.#room];
      frame.rooms = [
        ...first,
        ...this.#joined.filter((r) => r !== this.#room),
      ];
      if (frame.rooms[0] !== undefined) frame.room = frame.rooms[0];
    }
    if (this.welcomed) frame.since = { ...this.#seen };
    if (this.password !== undefined) frame.password = this.password;
    return frame;
  }

  /**
   * Shows `key` (a conversation's key): its unread lines count as seen
   * while the page is visible.
   */
  view(key: string): void {
    const conversation = this.conversations.get(key);
    if (conversation === undefined) return;
    this.viewing = key;
    if (conversation.kind === "room" && conversation.joined) {
      this.#room = conversation.name;
    }
    if (!this.hidden) this.#read(conversation);
  }

  /** The page was hidden or shown again. */
  setHidden(hidden: boolean): void {
    this.hidden = hidden;
    const current = this.current();
    if (!hidden && current !== undefined) this.#read(current);
  }

  /** The conversation on screen, if any. */
  current(): Conversation | undefined {
    return this.viewing === undefined
      ? undefined
      : this.conversations.get(this.viewing);
  }

  /** Opens (or shows) the private conversation with `nick`. */
  openPrivate(nick: string): string {
    const conversation = this.#conversation("private", nick);
    this.view(conversation.key);
    return conversation.key;
  }

  /** Closes a private conversation, or forgets a room the person left. */
  close(key: string): void {
    const conversation = this.conversations.get(key);
    if (conversation === undefined) return;
    if (conversation.kind === "room" && conversation.joined) return;
    this.conversations.delete(key);
    if (this.viewing === key) {
      this.viewing = this.#room === undefined ? undefined : roomKey(this.#room);
    }
  }

  /**
   * A line the person typed in the conversation on screen. A chat line is
   * shown at once as pending and gets its ticks as answers come; in a
   * private conversation it becomes `/msg NICK TEXT`. `/switch`, `/clear`
   * and `/quit` are the page's own business.
   */
  type(line: string): Typed {
    if (line.trim() === "") return { frames: [] };
    const here = this.current();
    const parsed = parseInput(line.trim());
    if (parsed.kind === "command") {
      switch (parsed.name) {
        case "quit":
        case "exit": {
          const reason = parsed.args.trim();
          return {
            frames: [{ type: "quit", ...(reason === "" ? {} : { reason }) }],
            effect: { kind: "quit" },
          };
        }
        case "clear":
          if (here !== undefined) here.entries.length = 0;
          return { frames: [] };
        case "switch":
          this.#switchTo(parsed.args.trim());
          return { frames: [] };
        case "query": {
          const nick = parsed.args.trim();
          if (nick !== "") this.openPrivate(nick);
          return { frames: [] };
        }
      }
    }
    const problem = lineProblem(line, this.limits);
    if (problem !== undefined) return { frames: [], problem };
    const conversation = here?.key ?? "";
    if (here?.kind === "private" && parsed.kind === "text") {
      // A private conversation: the line is a private message, shown at
      // once as pending until the server's copy and ack come.
      const own = this.#ownEntry(parsed.text, false);
      addEntry(here, own);
      return this.#send(
        `/msg ${here.name} ${parsed.text}`,
        conversation,
        this.#room,
        own,
      );
    }
    const room = here?.kind === "room" && here.joined ? here.name : this.#room;
    let entry: MessageEntry | undefined;
    const me = parsed.kind === "command" && parsed.name === "me" &&
      parsed.args.trim() !== "";
    if (here !== undefined && (parsed.kind === "text" || me)) {
      // Said where it is typed, or not at all.
      if (here.kind === "private") {
        return { frames: [], problem: "/me is for rooms; here, just type" };
      }
      if (!here.joined) {
        return {
          frames: [],
          problem: `You left #${here.name}: /join ${here.name} to talk here`,
        };
      }
    }
    if (here?.kind === "room" && (parsed.kind === "text" || me)) {
      entry = this.#ownEntry(
        parsed.kind === "text" ? parsed.text : parsed.args,
        me,
      );
      addEntry(here, entry);
    }
    return this.#send(line, conversation, room, entry);
  }

  /** Every line not yet answered, as `msg` frames with their first ids. */
  resends(): ClientFrame[] {
    return [...this.#unanswered].map(([id, u]) => msgFrame(id, u.text, u.room));
  }

  /** A notice of the page's own in the conversation on screen (or `key`). */
  notice(text: string, problem = false, key?: string): void {
    const conversation = this.conversations.get(key ?? this.viewing ?? "") ??
      this.conversations.values().next().value;
    if (conversation === undefined) return;
    addEntry(conversation, {
      kind: problem ? "problem" : "notice",
      key: ++this.#keys,
      ts: this.#now(),
      text,
    });
  }

  /** Applies a frame the server sent; returns what the page should do besides redrawing. */
  apply(frame: ServerFrame): Effect[] {
    switch (frame.type) {
      case "welcome":
        this.#welcome(frame);
        return [];
      case "joined":
        this.#joinedRoom(frame);
        return [];
      case "msg":
        return this.#message(frame, frame.history === true);
      case "pm":
        return this.#private(frame);
      case "ack":
        this.#ack(frame.id, frame.seq);
        return [];
      case "delivered": {
        const entry = this.#own.get(frame.id);
        if (entry !== undefined) {
          entry.tick = { state: "delivered", count: frame.count, of: frame.of };
          this.#own.delete(frame.id);
        }
        return [];
      }
      case "event":
        this.#event(frame);
        return [];
      case "reply":
        this.#reply(frame);
        return [];
      case "error":
        return this.#error(frame);
      case "bye":
        return this.#bye(frame);
      case "ping":
      case "pong":
        return [];
    }
  }

  // ---- frames ----

  #welcome(frame: Extract<ServerFrame, { type: "welcome" }>): void {
    const again = this.welcomed;
    this.welcomed = true;
    this.#nickTries = 0;
    this.nick = frame.nick;
    this.server = frame.server;
    if (frame.commands !== undefined) this.commands = frame.commands;
    this.limits = { ...limitDefaults(PROTOCOL_LIMITS), ...frame.limits };
    const rooms: RoomState[] = frame.rooms ??
      (frame.room === ""
        ? []
        : [{ name: frame.room, members: [], history: frame.history }]);
    // Rooms not given back (a kick, a restart without them) are left.
    for (const conversation of this.conversations.values()) {
      if (conversation.kind === "room") conversation.joined = false;
    }
    this.#joined = [];
    for (const room of rooms) this.#enter(room, again);
    if (this.#room === undefined || !this.#joined.includes(this.#room)) {
      this.#room = frame.room === "" ? this.#joined[0] : frame.room;
    }
    const viewed = this.current();
    if (viewed === undefined || (viewed.kind === "room" && !viewed.joined)) {
      this.viewing = this.#room === undefined ? undefined : roomKey(this.#room);
    }
    if (frame.motd !== undefined && frame.motd !== "" && !again) {
      this.notice(frame.motd);
    }
  }

  /** The person is in `room` now (a welcome or a `joined` frame). */
  #enter(room: RoomState, again: boolean): Conversation {
    const conversation = this.#conversation("room", room.name);
    conversation.joined = true;
    conversation.topic = room.topic ?? "";
    conversation.members = [...room.members];
    if (!this.#joined.includes(room.name)) this.#joined.push(room.name);
    if (room.more !== undefined && room.more > 0) {
      this.notice(
        `${room.more} older messages of #${room.name} not shown; /history shows them`,
        false,
        conversation.key,
      );
    }
    // On a reconnect the history is what was missed: new to the person.
    for (const message of room.history) this.#message(message, !again);
    return conversation;
  }

  #joinedRoom(frame: Extract<ServerFrame, { type: "joined" }>): void {
    const conversation = this.#enter(frame, false);
    this.#room = frame.name;
    this.view(conversation.key);
  }

  #message(message: ChatMessage, history: boolean): Effect[] {
    this.#see(message);
    const conversation = this.#conversation("room", message.room);
    if (conversation.seqs.has(message.seq)) return [];
    conversation.seqs.add(message.seq);
    const own = nickKey(message.from) === nickKey(this.nick);
    const mention = !own && mentions(message.text, this.nick);
    addEntry(conversation, {
      kind: "message",
      key: ++this.#keys,
      ts: message.ts,
      from: message.from,
      text: message.text,
      me: message.me === true,
      own,
      mention,
      history,
      seq: message.seq,
    });
    if (history || own) return [];
    this.#unread(conversation, mention);
    if (!mention || !this.hidden) return [];
    return [{
      kind: "notify",
      title: `${message.from} in #${message.room}`,
      body: message.text,
      conversation: conversation.key,
    }];
  }

  #private(frame: Extract<ServerFrame, { type: "pm" }>): Effect[] {
    const own = nickKey(frame.from) === nickKey(this.nick);
    const peer = own ? frame.to : frame.from;
    const conversation = this.#conversation("private", peer);
    conversation.name = peer;
    if (own) {
      // The server's copy of a line typed here: it is already shown.
      const shown = conversation.entries.find((e) =>
        e.kind === "message" && e.own && e.id !== undefined &&
        e.text === frame.text && !this.#copied.has(e.key)
      );
      if (shown !== undefined) {
        this.#copied.add(shown.key);
        return [];
      }
    }
    addEntry(conversation, {
      kind: "message",
      key: ++this.#keys,
      ts: frame.ts,
      from: frame.from,
      text: frame.text,
      me: frame.me === true,
      own,
      mention: !own,
      history: false,
    });
    if (own) return [];
    this.#unread(conversation, true);
    if (!this.hidden) return [];
    return [{
      kind: "notify",
      title: `${frame.from} (private)`,
      body: frame.text,
      conversation: conversation.key,
    }];
  }

  #ack(id: string, seq: number | undefined): void {
    const unanswered = this.#unanswered.get(id);
    this.#unanswered.delete(id);
    const entry = this.#own.get(id) ?? unanswered?.entry;
    if (entry === undefined) return;
    if (entry.tick?.state === "pending") entry.tick = { state: "acked" };
    if (seq === undefined || unanswered === undefined) return;
    entry.seq = seq;
    const room = unanswered.room;
    if (room === undefined) return;
    const conversation = this.conversations.get(roomKey(room));
    if (conversation === undefined) return;
    if (conversation.seqs.has(seq)) {
      // A catch-up already showed it (sent before a restart): one line, not two.
      const at = conversation.entries.indexOf(entry);
      if (at >= 0) conversation.entries.splice(at, 1);
      return;
    }
    conversation.seqs.add(seq);
  }

  #event(frame: Extract<ServerFrame, { type: "event" }>): void {
    const nick = frame.nick;
    const self = nickKey(nick) === nickKey(this.nick);
    const line = (conversation: Conversation, text: string) =>
      addEntry(conversation, {
        kind: "event",
        key: ++this.#keys,
        ts: frame.ts,
        text,
      });
    const reason = frame.reason ?? "";
    if (
      frame.room !== undefined &&
      ["join", "leave", "part", "topic"].includes(frame.event)
    ) {
      const conversation = this.#conversation("room", frame.room);
      switch (frame.event) {
        case "join":
          addMember(conversation, nick);
          line(conversation, `${nick} joined #${frame.room}`);
          return;
        case "leave":
        case "part":
          removeMember(conversation, nick);
          line(
            conversation,
            `${nick} left #${frame.room}${reason === "" ? "" : ` (${reason})`}`,
          );
          if (self) this.#parted(frame.room);
          return;
        case "topic":
          conversation.topic = reason;
          line(
            conversation,
            reason === ""
              ? `${nick} cleared the topic`
              : `${nick} set the topic: ${reason}`,
          );
          return;
      }
    }
    // About a person: told once, shown wherever they are.
    const where = [...this.conversations.values()].filter((c) =>
      c.kind === "room"
        ? c.joined && hasMember(c, nick)
        : c.key === privateKey(nick)
    );
    let text: string;
    switch (frame.event) {
      case "quit":
        text = reason === "" ? `${nick} quit` : `${nick} quit (${reason})`;
        for (const c of where) if (c.kind === "room") removeMember(c, nick);
        this.away.delete(nickKey(nick));
        break;
      case "nick": {
        const to = frame.to ?? nick;
        text = `${nick} is now known as ${to}`;
        if (self) this.nick = to;
        for (const c of where) {
          if (c.kind === "room" && removeMember(c, nick)) addMember(c, to);
        }
        const away = this.away.get(nickKey(nick));
        this.away.delete(nickKey(nick));
        if (away !== undefined) this.away.set(nickKey(to), away);
        const pm = this.conversations.get(privateKey(nick));
        if (pm !== undefined && privateKey(to) !== pm.key) {
          this.conversations.delete(pm.key);
          pm.key = privateKey(to);
          pm.name = to;
          this.conversations.set(pm.key, pm);
          if (this.viewing === privateKey(nick)) this.viewing = pm.key;
        }
        break;
      }
      case "away":
        text = reason === "" ? `${nick} is away` : `${nick} is away: ${reason}`;
        this.away.set(nickKey(nick), reason);
        break;
      case "back":
        text = `${nick} is back`;
        this.away.delete(nickKey(nick));
        break;
      default:
        text = `${nick}: ${frame.event}`;
    }
    if (where.length === 0 && self) {
      const current = this.current();
      if (current !== undefined) where.push(current);
    }
    for (const c of where) line(c, text);
  }

  #reply(frame: Extract<ServerFrame, { type: "reply" }>): void {
    const key = this.#answered(frame.id);
    if (frame.cmd === "join" && isRoomData(frame.data)) {
      // Joining a room the person is in only makes it current.
      const room = frame.data.room;
      if (this.#joined.includes(room)) {
        this.#room = room;
        this.view(roomKey(room));
      }
    }
    if (frame.cmd === "who" && isWhoData(frame.data)) {
      const conversation = this.conversations.get(roomKey(frame.data.room));
      if (conversation !== undefined && conversation.joined) {
        conversation.members = frame.data.members.map((m) => m.nick);
        for (const m of frame.data.members) {
          if (typeof m.away === "string") {
            this.away.set(nickKey(m.nick), m.away);
          }
        }
      }
    }
    this.notice(frame.text, false, key);
  }

  #error(frame: Extract<ServerFrame, { type: "error" }>): Effect[] {
    if (!this.welcomed || frame.id === undefined) {
      if (frame.code === "password") {
        this.password = undefined;
        return [{ kind: "password", problem: frame.message }];
      }
      if (
        !this.welcomed && frame.code === "nick-taken" &&
        frame.suggest !== undefined && this.#nickTries++ < 5
      ) {
        this.nick = frame.suggest;
        return [{ kind: "hello" }];
      }
      if (!this.welcomed && frame.code === "nick-invalid") {
        return [{ kind: "final", reason: frame.message }];
      }
      if (!this.welcomed && frame.code === "version") {
        return [{ kind: "final", reason: frame.message }];
      }
    }
    const key = this.#answered(frame.id);
    const entry = frame.id === undefined ? undefined : this.#own.get(frame.id);
    if (entry !== undefined && frame.id !== undefined) {
      entry.tick = { state: "refused", why: frame.message };
      this.#own.delete(frame.id);
    }
    this.notice(frame.message, true, key);
    return [];
  }

  #bye(frame: Extract<ServerFrame, { type: "bye" }>): Effect[] {
    this.notice(`The server closed the connection: ${frame.reason}`, true);
    const code = frame.code;
    if (
      code === "banned" || code === "password" || code === "flooding" ||
      code === "version"
    ) {
      return [{ kind: "final", reason: frame.reason }];
    }
    return [];
  }

  // ---- helpers ----

  #send(
    text: string,
    conversation: string,
    room: string | undefined,
    entry?: MessageEntry,
  ): Typed {
    const id = `${this.#idPrefix}-${++this.#ids}`;
    this.#unanswered.set(id, { text, room, conversation, entry });
    if (entry !== undefined) {
      entry.id = id;
      this.#own.set(id, entry);
    }
    return { frames: [msgFrame(id, text, room)] };
  }

  /** A line of the person's own, pending until answered. */
  #ownEntry(text: string, me: boolean): MessageEntry {
    return {
      kind: "message",
      key: ++this.#keys,
      ts: this.#now(),
      from: this.nick === "" ? "you" : this.nick,
      text,
      me,
      own: true,
      mention: false,
      history: false,
      tick: { state: "pending" },
    };
  }

  /** The conversation an answer to `id` belongs in (and forgets the id). */
  #answered(id: string | undefined): string | undefined {
    if (id === undefined) return undefined;
    const unanswered = this.#unanswered.get(id);
    this.#unanswered.delete(id);
    return unanswered?.conversation;
  }

  #conversation(kind: "room" | "private", name: string): Conversation {
    const key = kind === "room" ? roomKey(name) : privateKey(name);
    let conversation = this.conversations.get(key);
    if (conversation === undefined) {
      conversation = newConversation(kind, name);
      if (kind === "room") conversation.joined = false;
      this.conversations.set(key, conversation);
      this.#order();
    }
    return conversation;
  }

  /** Rooms first, in join order, then private conversations. */
  #order(): void {
    const all = [...this.conversations.values()];
    const rooms = all.filter((c) => c.kind === "room");
    const privates = all.filter((c) => c.kind === "private");
    this.conversations.clear();
    for (const c of [...rooms, ...privates]) this.conversations.set(c.key, c);
  }

  #unread(conversation: Conversation, mention: boolean): void {
    if (this.viewing === conversation.key && !this.hidden) return;
    conversation.unread++;
    if (mention) conversation.mentions++;
  }

  #read(conversation: Conversation): void {
    conversation.unread = 0;
    conversation.mentions = 0;
  }

  #see(message: { room: string; seq: number }): void {
    if (message.seq > (this.#seen[message.room] ?? 0)) {
      this.#seen[message.room] = message.seq;
    }
  }

  #parted(room: string): void {
    const conversation = this.conversations.get(roomKey(room));
    if (conversation !== undefined) conversation.joined = false;
    this.#joined = this.#joined.filter((r) => r !== room);
    if (this.#room === room) this.#room = this.#joined.at(-1);
    if (this.viewing === roomKey(room) && this.#room !== undefined) {
      this.view(roomKey(this.#room));
    }
  }

  #switchTo(typed: string): void {
    const parsed = parseRoom(typed);
    if (!parsed.ok) {
      this.notice(
        typed === ""
          ? "Usage: /switch ROOM (one of the rooms you are in)"
          : parsed.problem,
        true,
      );
      return;
    }
    if (!this.#joined.includes(parsed.room)) {
      this.notice(
        `You are not in #${parsed.room}: /join ${parsed.room} joins it`,
        true,
      );
      return;
    }
    this.view(roomKey(parsed.room));
  }
}

/**
 * Why a typed line cannot be sent under `limits`, or undefined: a message
 * over the text limit in characters (as the server counts them), or a
 * frame over the line limit in bytes (a `/msg` adds the nick).
 */
export function lineProblem(
  text: string,
  limits: ProtocolLimits,
): string | undefined {
  const parsed = parseInput(text);
  const body = parsed.kind === "text"
    ? parsed.text
    : parsed.name === "me"
    ? parsed.args
    : undefined;
  if (body !== undefined) {
    const length = codePoints(body);
    if (length > limits.textChars) {
      return `The message is ${length} characters; the limit is ${limits.textChars}. Split it into several messages`;
    }
  }
  // The frame around it, with room for the id, the room and a /msg prefix.
  const bytes = new TextEncoder().encode(
    JSON.stringify({
      type: "msg",
      id: "x".repeat(64),
      text,
      room: "r".repeat(32),
    }),
  ).length + 40;
  if (bytes > limits.lineBytes) {
    return `The line is ${bytes} bytes as sent; the limit is ${limits.lineBytes}. Split it into several lines`;
  }
  return undefined;
}

function msgFrame(
  id: string,
  text: string,
  room: string | undefined,
): ClientFrame {
  const frame: ClientFrame = { type: "msg", id, text };
  if (room !== undefined) frame.room = room;
  return frame;
}

function isRoomData(data: unknown): data is { room: string } {
  return typeof data === "object" && data !== null &&
    typeof (data as { room?: unknown }).room === "string";
}

function isWhoData(
  data: unknown,
): data is { room: string; members: { nick: string; away?: unknown }[] } {
  if (!isRoomData(data)) return false;
  const members = (data as { members?: unknown }).members;
  return Array.isArray(members) &&
    members.every((m) =>
      typeof m === "object" && m !== null &&
      typeof (m as { nick?: unknown }).nick === "string"
    );
}
