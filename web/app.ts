/**
 * The web page's entry point: joins the page's pieces together. The join
 * dialog (nick, rooms, and the password when the server wants one), the
 * {@linkcode ChatState} fed by a {@linkcode Session}, the {@linkcode ChatView}
 * redrawn after each change, the composer with Tab completion, the unread
 * count in the title and the favicon, and a browser notification for a
 * mention or a private message while the page is hidden (where the browser
 * allows notifications: a secure context, and the person said yes).
 *
 * The last nick and rooms are remembered in `localStorage`; the password
 * never is (it lives in this page's memory, for reconnects).
 *
 * @module
 */

import { pageTitle } from "./badge.ts";
import { drawFavicon } from "./favicon.ts";
import { ChatState, type Effect } from "./chat_state.ts";
import { complete, type Completed, cycle } from "./completion.ts";
import { type Phase, Session, socketUrl } from "./session.ts";
import { ChatView } from "./view.ts";

const STORED_NICK = "lochat.nick";
const STORED_ROOMS = "lochat.rooms";

function element<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (found === null) throw new Error(`The page has no #${id}`);
  return found as T;
}

/** Random hex digits; `crypto.getRandomValues` works outside secure contexts too. */
function randomHex(digits: number): string {
  const bytes = crypto.getRandomValues(new Uint8Array(Math.ceil(digits / 2)));
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("")
    .slice(0, digits);
}

function stored(key: string): string | undefined {
  try {
    return localStorage.getItem(key) ?? undefined;
  } catch {
    return undefined; // Storage blocked: nothing remembered.
  }
}

function store(key: string, value: string): void {
  try {
    localStorage.setItem(key, value);
  } catch {
    // Storage blocked or full: the page works without it.
  }
}

/** Room names from what the person typed: spaces or commas between them. */
function roomsFrom(text: string): string[] {
  return text.split(/[\s,]+/).map((r) => r.replace(/^#/, "").toLowerCase())
    .filter((r) => r !== "");
}

const dialog = element<HTMLDialogElement>("join-dialog");
const joinForm = element<HTMLFormElement>("join-form");
const joinNick = element<HTMLInputElement>("join-nick");
const joinRooms = element<HTMLInputElement>("join-rooms");
const joinPasswordRow = element<HTMLElement>("join-password-row");
const joinPassword = element<HTMLInputElement>("join-password");
const joinProblem = element<HTMLElement>("join-problem");
const app = element<HTMLElement>("app");
const status = element<HTMLElement>("status");
const retry = element<HTMLButtonElement>("retry");
const composer = element<HTMLFormElement>("composer");
const text = element<HTMLInputElement>("text");
const messages = element<HTMLOListElement>("messages");
const roomsToggle = element<HTMLButtonElement>("rooms-toggle");
const membersToggle = element<HTMLButtonElement>("members-toggle");
const joinRoomForm = element<HTMLFormElement>("join-room-form");
const joinRoom = element<HTMLInputElement>("join-room");
const favicon = element<HTMLLinkElement>("favicon");
const faviconCanvas = element<HTMLCanvasElement>("favicon-canvas");

let state: ChatState | undefined;
let session: Session | undefined;
let completion: Completed | undefined;
let badge = "";

const view = new ChatView({
  where: element("where"),
  topic: element("topic"),
  roomList: element("room-list"),
  roomsToggleCount: element("rooms-toggle-count"),
  messages,
  memberList: element("member-list"),
  membersTitle: element("members-title"),
  textLabel: element("text-label"),
}, {
  open(key) {
    state?.view(key);
    closePanels();
    render();
    text.focus();
  },
  close(key) {
    state?.close(key);
    render();
  },
  openPrivate(nick) {
    state?.openPrivate(nick);
    closePanels();
    render();
    text.focus();
  },
});

function render(): void {
  if (state === undefined) return;
  view.render(state);
  const { unread, mentions } = state.totals();
  const current = state.current();
  document.title = pageTitle(
    unread,
    mentions,
    current === undefined
      ? undefined
      : current.kind === "room"
      ? `#${current.name}`
      : current.name,
  );
  const key = `${unread}/${mentions > 0}`;
  if (key !== badge) {
    badge = key;
    favicon.href = drawFavicon(faviconCanvas, unread, mentions);
  }
  if (state.welcomed) {
    store(STORED_NICK, state.nick);
    store(STORED_ROOMS, state.rooms.join(" "));
  }
}

function showPhase(phase: Phase): void {
  app.dataset.phase = phase.kind;
  retry.hidden = phase.kind !== "waiting";
  switch (phase.kind) {
    case "connecting":
      status.textContent = phase.attempt === 0
        ? "connecting…"
        : `reconnecting (attempt ${phase.attempt})…`;
      return;
    case "connected":
      status.textContent = state?.unanswered
        ? `connected; sending ${state.unanswered}`
        : "connected";
      return;
    case "waiting": {
      const seconds = Math.max(0, (phase.until - Date.now()) / 1000);
      const unsent = state !== undefined && state.unanswered > 0
        ? `; ${state.unanswered} unsent`
        : "";
      status.textContent = `${phase.why}; reconnecting in ${
        seconds.toFixed(1)
      } s${unsent}`;
      return;
    }
    case "stopped":
      status.textContent = phase.why;
  }
}

function handle(effects: Effect[]): void {
  for (const effect of effects) {
    switch (effect.kind) {
      case "notify":
        notify(effect.title, effect.body, effect.conversation);
        break;
      case "password":
        askJoin(effect.problem, true);
        break;
      case "final":
        session?.stop(effect.reason);
        askJoin(effect.reason, false);
        break;
      case "hello":
        if (state !== undefined) session?.send(state.hello());
        break;
      case "quit":
        session?.stop("You left the chat.");
        askJoin("You left the chat. Join again?", false);
        break;
    }
  }
}

/** Shows the join dialog, with `problem` said and the password asked when `password`. */
function askJoin(problem: string | undefined, password: boolean): void {
  joinProblem.hidden = problem === undefined;
  joinProblem.textContent = problem ?? "";
  joinPasswordRow.hidden = !password && joinPasswordRow.hidden;
  if (password) joinPasswordRow.hidden = false;
  joinPassword.value = "";
  if (state !== undefined) {
    joinNick.value = state.nick;
    joinRooms.value = state.rooms.join(" ");
  }
  if (!dialog.open) dialog.showModal();
  (password ? joinPassword : joinNick).focus();
}

function join(
  nick: string,
  rooms: string[],
  password: string | undefined,
): void {
  if (state === undefined) {
    state = new ChatState({
      nick,
      rooms: rooms.length > 0 ? rooms : ["lobby"],
      clientToken: randomHex(32),
      idPrefix: randomHex(12),
    });
  } else {
    // Asked again before the welcome (a password, a refused nick).
    state.nick = nick;
  }
  if (password !== undefined) state.password = password;
  const chat = state;
  if (session === undefined) {
    session = new Session(socketUrl(location), {
      hello: () => chat.hello(),
      frame(frame) {
        const asked = chat.nick;
        handle(chat.apply(frame));
        if (frame.type === "welcome") {
          if (frame.nick !== asked && asked !== "") {
            chat.notice(
              `${asked} was taken: you are ${frame.nick} (/nick to change)`,
            );
          }
          for (const resend of chat.resends()) session?.send(resend);
          if (dialog.open) dialog.close();
        }
        render();
      },
      phase(phase) {
        showPhase(phase);
        render();
      },
    });
    session.start();
  } else if (!session.send(chat.hello())) {
    session.start();
  }
  render();
}

function notify(title: string, body: string, key: string): void {
  if (!("Notification" in globalThis) || !isSecureContext) return;
  if (Notification.permission !== "granted" || !document.hidden) return;
  const note = new Notification(title, { body, tag: key });
  note.addEventListener("click", () => {
    globalThis.focus();
    state?.view(key);
    render();
    note.close();
  });
}

function closePanels(): void {
  app.classList.remove("rooms-open", "members-open");
  roomsToggle.setAttribute("aria-expanded", "false");
  membersToggle.setAttribute("aria-expanded", "false");
}

function togglePanel(which: "rooms" | "members"): void {
  const open = !app.classList.contains(`${which}-open`);
  closePanels();
  if (open) {
    app.classList.add(`${which}-open`);
    (which === "rooms" ? roomsToggle : membersToggle).setAttribute(
      "aria-expanded",
      "true",
    );
  }
}

/** Sends a typed line (a message or a command), or shows why it cannot go. */
function submitLine(line: string): void {
  if (state === undefined) return;
  const typed = state.type(line);
  if (typed.problem !== undefined) {
    state.notice(`Not sent: ${typed.problem}`, true);
    render();
    return;
  }
  for (const frame of typed.frames) {
    // Not connected: the line waits, shown as pending, and goes on the welcome.
    if (session?.connected) session.send(frame);
  }
  if (typed.effect !== undefined) handle([typed.effect]);
  render();
}

joinForm.addEventListener("submit", (event) => {
  event.preventDefault();
  const nick = joinNick.value.trim();
  const rooms = roomsFrom(joinRooms.value);
  const password = joinPasswordRow.hidden ? undefined : joinPassword.value;
  joinPassword.value = "";
  if (
    "Notification" in globalThis && isSecureContext &&
    Notification.permission === "default"
  ) {
    // Asked on a click, as browsers want; the answer is the person's.
    void Notification.requestPermission();
  }
  if (state?.welcomed === true) {
    // Join again after /quit or a final refusal: a fresh start.
    state = undefined;
    session = undefined;
  }
  join(nick, rooms, password);
  joinProblem.hidden = true;
  dialog.close();
  text.focus();
});

// The dialog cannot be dismissed with Escape before the chat starts.
dialog.addEventListener("cancel", (event) => {
  if (state === undefined) event.preventDefault();
});

composer.addEventListener("submit", (event) => {
  event.preventDefault();
  const line = text.value;
  if (line.trim() === "") return;
  text.value = "";
  completion = undefined;
  submitLine(line);
});

text.addEventListener("keydown", (event) => {
  if (event.key !== "Tab" || event.shiftKey || event.altKey || event.ctrlKey) {
    if (event.key !== "Shift") completion = undefined;
    return;
  }
  if (state === undefined) return;
  const caret = text.selectionStart ?? text.value.length;
  const current = state.current();
  const nicks = current?.kind === "room"
    ? current.members
    : [...state.conversations.values()].flatMap((c) => c.members);
  const commands = state.commands.flatMap((
    c,
  ) => [c.name, ...(c.aliases ?? [])]);
  const done = completion !== undefined && completion.caret === caret
    ? cycle(text.value, completion)
    : complete(text.value, caret, nicks, ["query", ...commands]);
  // Nothing to complete: Tab moves the focus, as keyboard users expect.
  if (done === undefined) return;
  event.preventDefault();
  completion = done;
  text.value = done.text;
  text.setSelectionRange(done.caret, done.caret);
});

document.addEventListener("keydown", (event) => {
  if (state === undefined) return;
  if (event.altKey && (event.key === "ArrowUp" || event.key === "ArrowDown")) {
    event.preventDefault();
    const keys = [...state.conversations.keys()];
    if (keys.length === 0) return;
    const at = state.viewing === undefined ? 0 : keys.indexOf(state.viewing);
    const step = event.key === "ArrowDown" ? 1 : -1;
    state.view(keys[(at + step + keys.length) % keys.length]!);
    render();
  } else if (event.key === "Escape" && app.classList.length > 1) {
    closePanels();
  }
});

joinRoomForm.addEventListener("submit", (event) => {
  event.preventDefault();
  const room = joinRoom.value.trim();
  if (room === "") return;
  joinRoom.value = "";
  closePanels();
  submitLine(`/join ${room}`);
  text.focus();
});

roomsToggle.addEventListener("click", () => togglePanel("rooms"));
membersToggle.addEventListener("click", () => togglePanel("members"));
retry.addEventListener("click", () => session?.retryNow());

document.addEventListener("visibilitychange", () => {
  state?.setHidden(document.hidden);
  render();
});

// The reconnect countdown ticks on the status line.
setInterval(() => {
  if (app.dataset.phase === "waiting" && session !== undefined) {
    const text = status.textContent ?? "";
    const match = /in ([\d.]+) s/.exec(text);
    if (match !== null) {
      const left = Math.max(0, Number(match[1]) - 0.5);
      status.textContent = text.replace(
        /in [\d.]+ s/,
        `in ${left.toFixed(1)} s`,
      );
    }
  }
}, 500);

favicon.href = drawFavicon(faviconCanvas, 0, 0);
const rememberedNick = stored(STORED_NICK);
const rememberedRooms = stored(STORED_ROOMS);
joinNick.value = rememberedNick ?? "";
joinRooms.value = rememberedRooms ?? "lobby";
if (rememberedNick !== undefined && rememberedNick !== "") {
  // Back again: straight in, as whom and where the person was.
  join(rememberedNick, roomsFrom(rememberedRooms ?? "lobby"), undefined);
  text.focus();
} else {
  askJoin(undefined, false);
}
