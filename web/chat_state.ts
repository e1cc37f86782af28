/**
 * What the web page knows about the chat, and how each server frame changes
 * it: the rooms the person is in and the private conversations, unread and
 * mention counts, and the person's own lines on their way.
 *
 * It is the browser's counterpart of the terminal client's loop
 * (`lib/client/client_loop.ts`): the same `hello` (the rooms, the last
 * `seq` seen per room, the client token), the same resends. It knows
 * neither the DOM nor the socket: {@linkcode ChatState.hello} and
 * {@linkcode ChatState.type} return frames to send, and
 * {@linkcode ChatState.apply} takes a frame the server sent and returns
 * what the page should do besides redrawing (notify, stop). Its parts:
 * `conversations.ts` holds the conversations and what is unread,
 * `rooms.ts` the rooms joined, `typed_line.ts` decides what a typed line
 * means, `own_lines.ts` keeps the lines not yet answered and their ticks,
 * `inbox.ts` shows arriving messages, `presence.ts` applies `event` frames,
 * `joining.ts` reads the refusals of a `hello`.
 *
 * @module
 */

import { nickKey } from "../lib/shared/names.ts";
import {
  limitDefaults,
  PROTOCOL_LIMITS,
  type ProtocolLimits,
} from "../lib/shared/limits.ts";
import {
  type ClientFrame,
  PROTOCOL_VERSION,
  type ServerFrame,
} from "../lib/shared/protocol.ts";
import {
  type Conversation,
  type MessageEntry,
  roomKey,
} from "./conversation.ts";
import { Conversations } from "./conversations.ts";
import { Inbox } from "./inbox.ts";
import { type Effect, Joining } from "./joining.ts";
import { ownEntry, OwnLines } from "./own_lines.ts";
import { applyEvent, type PresenceHost } from "./presence.ts";
import { applyReplyData } from "./replies.ts";
import { Rooms } from "./rooms.ts";
import {
  type CommandName,
  type LocalCommand,
  PAGE_HELP,
  readLine,
  TABLE_COMMANDS,
  type Typed,
} from "./typed_line.ts";
import { serverText } from "./user_text.ts";

export type { CommandName, Effect, Typed };

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
 * const { frames } = state.type("hi all"); // [{ type: "msg", id: "p-1", … }]
 * ```
 */
export class ChatState {
  /** The nick granted (or, before the first welcome, the nick asked for). */
  nick: string;
  /** Every conversation, rooms first in join order, then private ones. */
  readonly conversations: Conversations;
  /** The server's commands, for completion and aliases. */
  commands: readonly CommandName[] = TABLE_COMMANDS;
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
  /** True from a welcome until the connection drops: who is here is current. */
  online = false;
  #clientToken: string;
  #now: () => number;
  #rooms: Rooms;
  #lines: OwnLines;
  #inbox: Inbox;
  #joining = new Joining();
  #presence: PresenceHost;

  constructor(options: ChatStateOptions) {
    this.nick = options.nick ?? "";
    this.#clientToken = options.clientToken;
    this.#lines = new OwnLines(options.idPrefix);
    this.#now = options.now ?? Date.now;
    this.conversations = new Conversations(this.#now);
    this.#inbox = new Inbox(this.conversations, () => this.nick);
    this.#rooms = new Rooms(
      options.rooms ?? [],
      this.conversations,
      this.#inbox,
    );
    this.#showCurrentRoom();
    this.#presence = {
      conversations: this.conversations,
      away: this.away,
      nick: () => this.nick,
      renamed: (from, to) => {
        if (nickKey(from) === nickKey(this.nick)) this.nick = to;
        this.#inbox.renamed(from, to);
      },
      parted: (room) => this.#parted(room),
    };
  }

  /** The rooms the person is in, in join order. */
  get rooms(): readonly string[] {
    return this.#rooms.list;
  }

  /** The key of the conversation on screen. */
  get viewing(): string | undefined {
    return this.conversations.viewing;
  }

  /** True while the page is hidden (another tab, a locked phone). */
  get hidden(): boolean {
    return this.conversations.hidden;
  }

  /** How many lines are sent and not yet answered. */
  get unanswered(): number {
    return this.#lines.size;
  }

  /** Unread messages and mentions over every conversation. */
  totals(): { unread: number; mentions: number } {
    return this.conversations.totals();
  }

  /** The nick to ask for from now on (the person typed it in the join dialog). */
  askNick(nick: string): void {
    this.nick = nick;
    this.#joining.reset();
  }

  /** The `hello` for the next connection: the rooms, and what was seen in them. */
  hello(): ClientFrame {
    const frame: ClientFrame = { type: "hello", v: PROTOCOL_VERSION };
    if (this.nick !== "") frame.nick = this.nick;
    frame.client = this.#clientToken;
    Object.assign(frame, this.#rooms.helloFields(this.welcomed));
    if (this.password !== undefined) frame.password = this.password;
    return frame;
  }

  /** The connection dropped: who is here is no longer known. */
  disconnected(): void {
    this.online = false;
  }

  /**
   * Shows `key` (a conversation's key): its unread lines count as seen
   * while the page is visible.
   */
  view(key: string): void {
    const conversation = this.conversations.show(key);
    if (conversation?.kind === "room" && conversation.joined) {
      this.#rooms.current = conversation.name;
    }
  }

  /** The page was hidden or shown again. */
  setHidden(hidden: boolean): void {
    this.conversations.setHidden(hidden);
  }

  /** The conversation on screen, if any. */
  current(): Conversation | undefined {
    return this.conversations.current();
  }

  /** Opens (or shows) the private conversation with `nick`. */
  openPrivate(nick: string): string {
    const conversation = this.conversations.private(nick);
    this.view(conversation.key);
    return conversation.key;
  }

  /** Closes a private conversation, or forgets a room the person left. */
  close(key: string): void {
    const conversation = this.conversations.get(key);
    if (conversation === undefined) return;
    if (conversation.kind === "room" && conversation.joined) return;
    const viewed = this.viewing === key;
    this.conversations.remove(key);
    if (viewed) this.#showCurrentRoom();
  }

  /**
   * A line the person typed in the conversation on screen. A message is
   * shown at once, cleaned as the server will show it, as pending, and gets
   * its ticks as answers come: in the room or private conversation it is
   * typed in, or, for `/msg NICK TEXT` and `/reply TEXT`, in the private
   * conversation it goes to. A line refused here is not sent: `problem`
   * says why.
   */
  type(line: string): Typed {
    const here = this.current();
    const plan = readLine(line, {
      here,
      limits: this.limits,
      commands: this.commands,
      lastPrivateFrom: this.#inbox.lastPrivateFrom,
      rooms: this.#rooms.list,
    });
    switch (plan.kind) {
      case "nothing":
        return { frames: [] };
      case "refused":
        return { frames: [], problem: plan.problem };
      case "local":
        return this.#local(plan);
    }
    const { show } = plan;
    const target = show?.where.kind === "private"
      ? this.conversations.private(show.where.nick)
      : here;
    const entry = show === undefined || target === undefined
      ? undefined
      : this.conversations.add<MessageEntry>(
        target,
        ownEntry({ ...show, ts: this.#now(), from: this.nick || "you" }),
      );
    // Answering someone privately reads what they said.
    if (entry !== undefined && target?.kind === "private") {
      this.conversations.read(target);
    }
    const room = here?.kind === "room" && here.joined
      ? here.name
      : this.#rooms.current;
    const frame = this.#lines.send({
      text: plan.text,
      room,
      conversation: here?.key ?? "",
      entry,
    });
    return { frames: [frame] };
  }

  /** Every line not yet answered, as `msg` frames with their first ids. */
  resends(): ClientFrame[] {
    return this.#lines.resends();
  }

  /**
   * A notice of the page's own in the conversation on screen (or `key`).
   * People's text in it is isolated (`user_text.ts`).
   */
  notice(text: string, problem = false, key?: string): void {
    this.conversations.notice(text, problem, key);
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
        this.#rooms.see(frame);
        return this.#inbox.message(frame, frame.history === true);
      case "pm":
        return this.#inbox.private(frame);
      case "ack":
        this.#lines.acked(frame.id, frame.seq, this.conversations);
        return [];
      case "delivered":
        this.#lines.delivered(frame.id, frame.count, frame.of);
        return [];
      case "event":
        applyEvent(frame, this.#presence);
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
    this.online = true;
    const taken = this.#joining.welcomed(this.nick, frame.nick);
    this.nick = frame.nick;
    this.server = frame.server;
    if (frame.commands !== undefined) this.commands = frame.commands;
    this.limits = { ...limitDefaults(PROTOCOL_LIMITS), ...frame.limits };
    this.#rooms.welcomed(frame, again);
    const viewed = this.current();
    if (viewed === undefined || (viewed.kind === "room" && !viewed.joined)) {
      this.conversations.viewing = undefined;
      this.#showCurrentRoom();
    }
    if (taken !== undefined) this.notice(taken);
    if (frame.motd !== undefined && frame.motd !== "" && !again) {
      this.notice(serverText(frame.motd));
    }
  }

  #joinedRoom(frame: Extract<ServerFrame, { type: "joined" }>): void {
    const conversation = this.#rooms.enter(frame, false);
    this.#rooms.current = frame.name;
    this.view(conversation.key);
  }

  #reply(frame: Extract<ServerFrame, { type: "reply" }>): void {
    const key = frame.id === undefined
      ? undefined
      : this.#lines.answered(frame.id)?.conversation;
    applyReplyData(frame, {
      conversation: (key) => this.conversations.get(key),
      away: this.away,
      inRoom: (room) => this.#rooms.has(room),
      view: (key) => this.view(key),
    });
    this.notice(serverText(frame.text), false, key);
    if (frame.cmd === "help") this.notice(PAGE_HELP, false, key);
  }

  #error(frame: Extract<ServerFrame, { type: "error" }>): Effect[] {
    if (frame.id === undefined) {
      const refused = this.#joining.refused(frame, this);
      if (refused !== undefined) return refused;
    }
    const line = frame.id === undefined
      ? undefined
      : this.#lines.refused(frame.id, serverText(frame.message));
    this.notice(serverText(frame.message), true, line?.conversation);
    return [];
  }

  #bye(frame: Extract<ServerFrame, { type: "bye" }>): Effect[] {
    this.notice(
      `The server closed the connection: ${serverText(frame.reason)}`,
      true,
    );
    return this.#joining.closed(frame);
  }

  // ---- helpers ----

  /** The page's own commands. */
  #local(local: LocalCommand): Typed {
    switch (local.command) {
      case "quit":
        return {
          frames: [{
            type: "quit",
            ...(local.reason && { reason: local.reason }),
          }],
          effect: { kind: "quit" },
        };
      case "clear": {
        const here = this.current();
        if (here !== undefined) here.entries.length = 0;
        break;
      }
      case "switch":
        this.view(roomKey(local.room));
        break;
      case "query":
        this.openPrivate(local.nick);
    }
    return { frames: [] };
  }

  /** Shows the current room, if the person is in one. */
  #showCurrentRoom(): void {
    const room = this.#rooms.current;
    if (room !== undefined) this.view(roomKey(room));
  }

  #parted(room: string): void {
    this.#rooms.leave(room);
    if (this.viewing === roomKey(room)) this.#showCurrentRoom();
  }
}
