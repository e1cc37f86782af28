/**
 * The web page's entry point: joins the page's pieces together. The
 * {@linkcode JoinDialog} (nick, rooms, and the password when the server
 * wants one), the {@linkcode ChatState} fed by a {@linkcode Session}, the
 * {@linkcode ChatView} redrawn after each change with the connection's
 * status, the {@linkcode Composer} (the message box and its keys), the
 * unread count in the title and the favicon, and a browser notification
 * for a mention or a private message while the page is hidden (where the
 * browser allows notifications: a secure context, and the person said
 * yes).
 *
 * @module
 */

import { pageTitle } from "./badge.ts";
import { ChatState, type Effect } from "./chat_state.ts";
import { commandWords } from "./completion.ts";
import { Composer } from "./composer.ts";
import { drawFavicon } from "./favicon.ts";
import { JoinDialog, remember, remembered, roomsFrom } from "./join_dialog.ts";
import { type Phase, Session, socketUrl } from "./session.ts";
import { statusText } from "./status.ts";
import { ChatView } from "./view.ts";

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

const app = element<HTMLElement>("app");
const status = element<HTMLElement>("status");
const retry = element<HTMLButtonElement>("retry");
const roomsToggle = element<HTMLButtonElement>("rooms-toggle");
const membersToggle = element<HTMLButtonElement>("members-toggle");
const joinRoomForm = element<HTMLFormElement>("join-room-form");
const joinRoom = element<HTMLInputElement>("join-room");
const favicon = element<HTMLLinkElement>("favicon");
const faviconCanvas = element<HTMLCanvasElement>("favicon-canvas");

let state: ChatState | undefined;
let session: Session | undefined;
/** The connection's state; undefined until the person joins. */
let phase: Phase | undefined;
let badge = "";

const view = new ChatView({
  where: element("where"),
  topic: element("topic"),
  roomList: element("room-list"),
  roomsToggleCount: element("rooms-toggle-count"),
  messages: element("messages"),
  memberList: element("member-list"),
  membersTitle: element("members-title"),
  textLabel: element("text-label"),
}, {
  open(key) {
    state?.view(key);
    closePanels();
    render();
    composer.focus();
  },
  close(key) {
    state?.close(key);
    render();
  },
  openPrivate(nick) {
    state?.openPrivate(nick);
    closePanels();
    render();
    composer.focus();
  },
});

const composer = new Composer(
  element("composer"),
  element("text"),
  {
    submit: submitLine,
    words() {
      const current = state?.current();
      const nicks = current?.kind === "room"
        ? current.members
        : [...state?.conversations.values() ?? []].flatMap((c) => c.members);
      return { nicks, commands: commandWords(state?.commands ?? []) };
    },
  },
);

const joinDialog = new JoinDialog({
  dialog: element("join-dialog"),
  form: element("join-form"),
  nick: element("join-nick"),
  rooms: element("join-rooms"),
  passwordRow: element("join-password-row"),
  password: element("join-password"),
  problem: element("join-problem"),
}, (choice) => {
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
  join(choice.nick, choice.rooms, choice.password);
  composer.focus();
}, () => state !== undefined);

function render(): void {
  if (phase !== undefined) {
    app.dataset.phase = phase.kind;
    retry.hidden = phase.kind !== "waiting";
    status.textContent = statusText(phase, state?.unanswered ?? 0, Date.now());
  }
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
  if (state.welcomed) remember(state.nick, state.rooms);
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
  if (state !== undefined) joinDialog.fill(state.nick, state.rooms.join(" "));
  joinDialog.ask(problem, password);
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
    state.askNick(nick);
  }
  if (password !== undefined) state.password = password;
  const chat = state;
  if (session === undefined) {
    session = new Session(socketUrl(location), {
      hello: () => chat.hello(),
      frame(frame) {
        handle(chat.apply(frame));
        if (frame.type === "welcome") {
          for (const resend of chat.resends()) session?.send(resend);
          joinDialog.close();
        }
        render();
      },
      phase(next) {
        phase = next;
        if (next.kind !== "connected") chat.disconnected();
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

/**
 * Sends a typed line (a message or a command); false, with the reason
 * shown, when it is refused before sending.
 */
function submitLine(line: string): boolean {
  if (state === undefined) return false;
  const typed = state.type(line);
  if (typed.problem !== undefined) {
    state.notice(`Not sent: ${typed.problem}`, true);
    render();
    return false;
  }
  for (const frame of typed.frames) {
    // Not connected: the line waits, shown as pending, and goes on the welcome.
    if (session?.connected) session.send(frame);
  }
  if (typed.effect !== undefined) handle([typed.effect]);
  render();
  return true;
}

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
  closePanels();
  if (submitLine(`/join ${room}`)) joinRoom.value = "";
  composer.focus();
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
  if (phase?.kind === "waiting") {
    status.textContent = statusText(phase, state?.unanswered ?? 0, Date.now());
  }
}, 500);

favicon.href = drawFavicon(faviconCanvas, 0, 0);
const last = remembered();
joinDialog.fill(last.nick ?? "", last.rooms);
if (last.nick !== undefined && last.nick !== "") {
  // Back again: straight in, as whom and where the person was.
  join(last.nick, roomsFrom(last.rooms), undefined);
  composer.focus();
} else {
  askJoin(undefined, false);
}
