/**
 * The join dialog: the nick, the rooms, and the password when the server
 * wants one, with the page's own words about what went wrong. The last
 * nick and rooms are remembered in `localStorage`, so a reload goes
 * straight back in; the password never is (it lives in the page's memory,
 * for reconnects).
 *
 * @module
 */

const STORED_NICK = "lochat.nick";
const STORED_ROOMS = "lochat.rooms";

/** What the person chose in the dialog. */
export interface JoinChoice {
  nick: string;
  rooms: string[];
  /** Undefined unless the dialog asked for it. */
  password: string | undefined;
}

/** The dialog's elements, by their ids in `index.html`. */
export interface JoinElements {
  dialog: HTMLDialogElement;
  form: HTMLFormElement;
  nick: HTMLInputElement;
  rooms: HTMLInputElement;
  passwordRow: HTMLElement;
  password: HTMLInputElement;
  problem: HTMLElement;
}

/**
 * Room names from what the person typed: spaces or commas between them.
 *
 * @example
 * ```ts
 * roomsFrom("#Lobby, games"); // ["lobby", "games"]
 * ```
 */
export function roomsFrom(text: string): string[] {
  return text.split(/[\s,]+/).map((r) => r.replace(/^#/, "").toLowerCase())
    .filter((r) => r !== "");
}

/** The nick and rooms the browser remembers from last time, if any. */
export function remembered(): { nick: string | undefined; rooms: string } {
  return {
    nick: stored(STORED_NICK),
    rooms: stored(STORED_ROOMS) ?? "lobby",
  };
}

/** Remembers the nick and rooms for next time. */
export function remember(nick: string, rooms: readonly string[]): void {
  store(STORED_NICK, nick);
  store(STORED_ROOMS, rooms.join(" "));
}

/** The join dialog; `onJoin` gets what the person chose. */
export class JoinDialog {
  #el: JoinElements;

  constructor(
    elements: JoinElements,
    onJoin: (choice: JoinChoice) => void,
    mayDismiss: () => boolean,
  ) {
    this.#el = elements;
    const el = elements;
    el.form.addEventListener("submit", (event) => {
      event.preventDefault();
      const password = el.passwordRow.hidden ? undefined : el.password.value;
      el.password.value = "";
      el.problem.hidden = true;
      el.dialog.close();
      onJoin({
        nick: el.nick.value.trim(),
        rooms: roomsFrom(el.rooms.value),
        password,
      });
    });
    // Not dismissed with Escape before the chat starts.
    el.dialog.addEventListener("cancel", (event) => {
      if (!mayDismiss()) event.preventDefault();
    });
  }

  /** True while the dialog is shown. */
  get open(): boolean {
    return this.#el.dialog.open;
  }

  /** Fills the nick and rooms. */
  fill(nick: string, rooms: string): void {
    this.#el.nick.value = nick;
    this.#el.rooms.value = rooms;
  }

  /**
   * Shows the dialog, with `problem` said; `password`: the password is
   * asked for (and stays asked for until the page is reloaded).
   */
  ask(problem: string | undefined, password: boolean): void {
    const el = this.#el;
    el.problem.hidden = problem === undefined;
    el.problem.textContent = problem ?? "";
    if (password) el.passwordRow.hidden = false;
    el.password.value = "";
    if (!el.dialog.open) el.dialog.showModal();
    (password ? el.password : el.nick).focus();
  }

  /** Hides the dialog. */
  close(): void {
    if (this.#el.dialog.open) this.#el.dialog.close();
  }
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
