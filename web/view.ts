/**
 * Draws the chat state into the page: the room list with unread and
 * mention counts, the messages of the conversation on screen with day
 * separators and ticks, who is here, the topic.
 *
 * Every piece of user text goes in with `textContent` (or as an attribute
 * value), never as HTML: a message full of markup shows as that markup.
 * And each piece goes in its own `<bdi>` (a nick, a message, a topic, an
 * away message, and the pieces a line quotes, marked by `user_text.ts`), so
 * right-to-left text cannot reorder the time, the nick or the tick around
 * it. Names too long for their column wrap, with the full name in a
 * tooltip; while the page is not connected, who is here is shown as stale.
 *
 * @module
 */

import type { ChatState } from "./chat_state.ts";
import {
  clockOf,
  type Conversation,
  dayOf,
  type Entry,
  type MessageEntry,
  tickText,
} from "./conversation.ts";
import { nickKey } from "../lib/shared/names.ts";
import { segments } from "./user_text.ts";

/** The elements the view draws into. */
export interface ViewElements {
  where: HTMLElement;
  topic: HTMLElement;
  roomList: HTMLUListElement;
  roomsToggleCount: HTMLElement;
  messages: HTMLOListElement;
  memberList: HTMLUListElement;
  membersTitle: HTMLElement;
  textLabel: HTMLElement;
}

/** What the person does with the lists. */
export interface ViewActions {
  /** Show a conversation. */
  open(key: string): void;
  /** Close a private conversation (or forget a room left). */
  close(key: string): void;
  /** Start a private conversation with a nick. */
  openPrivate(nick: string): void;
}

/** Draws a {@linkcode ChatState}; call {@linkcode ChatView.render} after each change. */
export class ChatView {
  #el: ViewElements;
  #actions: ViewActions;
  /** The conversation and first entry drawn, and how many entries are drawn. */
  #drawn: { key: string | undefined; first: Entry | undefined; count: number } =
    {
      key: undefined,
      first: undefined,
      count: 0,
    };
  /** The tick elements of own lines whose ticks may still change. */
  #ticks = new Map<MessageEntry, HTMLElement>();
  #lastDay: string | undefined;

  constructor(elements: ViewElements, actions: ViewActions) {
    this.#el = elements;
    this.#actions = actions;
  }

  /** Draws what changed. */
  render(state: ChatState): void {
    const current = state.current();
    this.#header(current);
    this.#roomList(state);
    this.#messagesOf(current);
    this.#members(state, current);
  }

  #header(current: Conversation | undefined): void {
    const where = current === undefined
      ? "Lochat"
      : current.kind === "room"
      ? `#${current.name}`
      : current.name;
    this.#el.where.textContent = where;
    this.#el.where.title = where;
    const topic = this.#el.topic;
    if (current?.kind === "room") {
      topic.replaceChildren(
        ...(current.topic === "" ? [] : [bdi(current.topic)]),
      );
      topic.title = current.topic;
    } else {
      topic.textContent = current?.kind === "private"
        ? "private conversation"
        : "";
      topic.title = "";
    }
    this.#el.textLabel.textContent = current === undefined
      ? "Message"
      : `Message to ${where}`;
  }

  #roomList(state: ChatState): void {
    const list = this.#el.roomList;
    const items: HTMLLIElement[] = [];
    let unreadElsewhere = 0;
    for (const c of state.conversations.values()) {
      const item = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button";
      button.className = "room";
      button.dataset.key = c.key;
      if (c.key === state.viewing) button.setAttribute("aria-current", "page");
      if (c.kind === "room" && !c.joined) button.classList.add("left");
      const name = document.createElement("span");
      name.className = "name";
      name.textContent = c.kind === "room" ? `#${c.name}` : `@${c.name}`;
      button.title = name.textContent;
      button.append(name);
      let label = c.kind === "room"
        ? `room ${c.name}`
        : `private with ${c.name}`;
      if (c.unread > 0) {
        const count = document.createElement("span");
        count.className = c.mentions > 0 ? "count mention" : "count";
        count.textContent = c.mentions > 0
          ? `${c.unread} @${c.mentions}`
          : String(c.unread);
        button.append(count);
        label += `, ${c.unread} unread${
          c.mentions > 0 ? `, ${c.mentions} for you` : ""
        }`;
        if (c.key !== state.viewing) unreadElsewhere += c.unread;
      }
      button.setAttribute("aria-label", label);
      button.addEventListener("click", () => this.#actions.open(c.key));
      item.append(button);
      if (c.kind === "private" || !c.joined) {
        const close = document.createElement("button");
        close.type = "button";
        close.className = "close";
        close.textContent = "×";
        close.setAttribute("aria-label", `close ${name.textContent}`);
        close.addEventListener("click", () => this.#actions.close(c.key));
        item.append(close);
      }
      items.push(item);
    }
    // Keep the focused button focused across redraws.
    const focused = document.activeElement instanceof HTMLElement &&
        list.contains(document.activeElement)
      ? document.activeElement.dataset.key
      : undefined;
    list.replaceChildren(...items);
    if (focused !== undefined) {
      list.querySelector<HTMLElement>(`[data-key="${CSS.escape(focused)}"]`)
        ?.focus();
    }
    const badge = this.#el.roomsToggleCount;
    badge.hidden = unreadElsewhere === 0;
    badge.textContent = String(unreadElsewhere);
  }

  #messagesOf(current: Conversation | undefined): void {
    const list = this.#el.messages;
    const entries = current?.entries ?? [];
    const drawn = this.#drawn;
    const nearBottom =
      list.scrollHeight - list.scrollTop - list.clientHeight < 80;
    const fresh = drawn.key !== current?.key || drawn.first !== entries[0] ||
      drawn.count > entries.length;
    if (fresh) {
      list.replaceChildren();
      this.#ticks.clear();
      this.#lastDay = undefined;
      drawn.count = 0;
    }
    for (let i = drawn.count; i < entries.length; i++) {
      const entry = entries[i]!;
      const day = dayOf(entry.ts);
      if (day !== this.#lastDay) {
        list.append(daySeparator(entry.ts));
        this.#lastDay = day;
      }
      list.append(this.#entry(entry));
    }
    drawn.key = current?.key;
    drawn.first = entries[0];
    drawn.count = entries.length;
    for (const [entry, element] of this.#ticks) {
      if (entry.tick === undefined) continue;
      element.textContent = tickText(entry.tick);
      element.dataset.state = entry.tick.state;
      element.title = entry.tick.state === "refused" ? entry.tick.why : "";
      if (entry.tick.state === "delivered" || entry.tick.state === "refused") {
        this.#ticks.delete(entry);
      }
    }
    if (fresh || nearBottom) list.scrollTop = list.scrollHeight;
  }

  #entry(entry: Entry): HTMLLIElement {
    const item = document.createElement("li");
    const time = document.createElement("time");
    time.dateTime = new Date(entry.ts).toISOString();
    time.textContent = clockOf(entry.ts);
    item.append(time, " ");
    if (entry.kind !== "message") {
      item.className = entry.kind;
      const text = document.createElement("span");
      text.className = "text";
      appendText(text, entry.text);
      item.append(text);
      return item;
    }
    item.className = "message";
    if (entry.own) item.classList.add("own");
    if (entry.mention) item.classList.add("mention");
    if (entry.history) item.classList.add("history");
    if (entry.me) item.classList.add("action");
    const from = document.createElement("span");
    from.className = "from";
    from.dataset.color = String(nickHue(entry.from));
    from.append(...(entry.me ? ["* "] : []), bdi(entry.from));
    const text = bdi(entry.text);
    text.className = "text";
    item.append(from, " ", text);
    if (entry.tick !== undefined) {
      const tick = document.createElement("span");
      tick.className = "tick";
      tick.textContent = tickText(entry.tick);
      tick.dataset.state = entry.tick.state;
      item.append(" ", tick);
      this.#ticks.set(entry, tick);
    }
    return item;
  }

  #members(state: ChatState, current: Conversation | undefined): void {
    const members = membersOf(state, current);
    const stale = !state.online && current !== undefined;
    this.#el.membersTitle.textContent = current === undefined
      ? "Here"
      : stale
      ? `Here (${members.length}, before the connection dropped)`
      : `Here (${members.length})`;
    this.#el.memberList.classList.toggle("stale", stale);
    const gone = current?.kind === "private" &&
      !current.members.some((m) => nickKey(m) === nickKey(current.name));
    const items = members.map((nick) => {
      const item = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button";
      button.className = "member";
      const away = state.away.get(nickKey(nick));
      const self = nickKey(nick) === nickKey(state.nick);
      button.textContent = self ? `${nick} (you)` : nick;
      button.title = nick;
      const left = gone && !self;
      if (away !== undefined || left) {
        button.classList.add("away");
        const note = document.createElement("span");
        note.className = "away-note";
        if (left) note.textContent = "not here";
        else if (away === "") note.textContent = "away";
        else note.append("away: ", bdi(away ?? ""));
        button.append(" ", note);
      }
      button.disabled = self;
      button.setAttribute(
        "aria-label",
        self
          ? `${nick}, you`
          : `${nick}${away !== undefined ? ", away" : ""}: write privately`,
      );
      button.addEventListener("click", () => this.#actions.openPrivate(nick));
      item.append(button);
      return item;
    });
    this.#el.memberList.replaceChildren(...items);
  }
}

/**
 * Who the "Here" panel lists: a room's members, or the two people of a
 * private conversation; alphabetically, without case.
 */
function membersOf(
  state: ChatState,
  current: Conversation | undefined,
): string[] {
  const members = current?.kind === "room"
    ? [...current.members]
    : current?.kind === "private"
    ? [
      current.name,
      ...(nickKey(state.nick) === nickKey(current.name) ? [] : [state.nick]),
    ]
    : [];
  return members.sort((a, b) =>
    a.localeCompare(b, undefined, { sensitivity: "base" })
  );
}

/** A `<bdi>` holding `text`: isolated from what is around it. */
function bdi(text: string): HTMLElement {
  const element = document.createElement("bdi");
  element.textContent = text;
  return element;
}

/** Appends `text`, each piece of people's text in it in its own `<bdi>`. */
function appendText(parent: HTMLElement, text: string): void {
  for (const segment of segments(text)) {
    parent.append(segment.isolated ? bdi(segment.text) : segment.text);
  }
}

function daySeparator(ts: number): HTMLLIElement {
  const item = document.createElement("li");
  item.className = "day";
  item.setAttribute("role", "separator");
  item.textContent = new Date(ts).toLocaleDateString(undefined, {
    weekday: "long",
    year: "numeric",
    month: "long",
    day: "numeric",
  });
  return item;
}

/** One of eight colours for a nick, the same every time. */
function nickHue(nick: string): number {
  let hash = 0;
  for (const char of nick.toLowerCase()) {
    hash = (hash * 31 + char.codePointAt(0)!) >>> 0;
  }
  return hash % 8;
}
