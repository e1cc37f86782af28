/**
 * The client's main loop: the person (or a pipe) against the server, as a
 * state machine.
 *
 * ```
 *             ┌──────────── refused for good (ban, password, certificate) ──► exit 4/5/6
 *             │
 * connecting ─┴─ welcome ──► connected ── dropped, kicked, server full or closing
 *    ▲   │                      │  ▲                         │
 *    │   └─ password? ──► (the view asks; the answer is kept) │
 *    │                          │  └─────── welcome ──────────┤
 *    └──── waiting (backoff, or the server's retryAfter) ◄────┘
 *
 * Ctrl-C: in `connected`, leave (exit 0); anywhere else, exit 130 at once.
 * Ctrl-D on an empty line, `:q`, `/quit [REASON]`: leave once every line
 * sent is acknowledged (connecting or waiting first, when not connected).
 * A line typed while not connected is shown at once as pending (`…`) and
 * sent, with the id it was shown with, once connected.
 * ```
 *
 * {@linkcode runClient} races the input (lines typed or piped), the
 * connection (frames from the server) and the current task (a connection
 * attempt, or the wait before the next one), and handles whichever is ready
 * first. It knows neither the terminal nor the socket: input comes as
 * {@linkcode InputEvent}s, output goes to a {@linkcode ClientView}, the
 * connection is a {@linkcode ChatClient}. After a reconnect it rejoins with
 * the same nick and token, asks for what it missed since the last message it
 * saw in each room, and resends every line not yet acknowledged; the server
 * answers resends it had already accepted with their first ack, so nothing
 * is lost or doubled.
 *
 * @module
 */

import { parseInput } from "../shared/input.ts";
import { parseRoom } from "../shared/names.ts";
import type { ProtocolLimits } from "../shared/limits.ts";
import { limitDefaults, PROTOCOL_LIMITS } from "../shared/limits.ts";
import { ROOMS_VERSION, type ServerFrame } from "../shared/protocol.ts";
import { codePoints } from "../shared/text.ts";
import {
  ChatClient,
  ConnectError,
  type ConnectOptions,
  isFinal,
  type RefusalKind,
  RefusedError,
} from "./chat_client.ts";
import { CLIENT_SETTINGS } from "./client_settings.ts";

/** What the input side produces. */
export type InputEvent =
  | { kind: "line"; line: string }
  /** End of input (Ctrl-D): leave once everything sent is acknowledged. */
  | { kind: "eof" }
  /** Ctrl-C. */
  | { kind: "interrupt" }
  /** A line the input side refused itself (too long to read). */
  | { kind: "refused"; reason: string }
  /** Make the `index`th room joined (1-based, as Alt-1…9 number them) current. */
  | { kind: "switch"; index: number }
  /** Make the next (1) or previous (-1) room joined current (Ctrl-N, Ctrl-P). */
  | { kind: "cycle"; step: 1 | -1 };

/** Where the loop shows things: a terminal, plain lines, or JSON. */
export interface ClientView {
  /** The connection is up (`again` after a reconnect). */
  connected(client: ChatClient, again: boolean): void;
  /** A frame from the server. */
  frame(frame: ServerFrame, client: ChatClient): void;
  /**
   * A line the person sent, with the id its ack will carry; `client` is
   * undefined while not connected (the line waits, shown as pending).
   */
  sent(id: string, text: string, client: ChatClient | undefined): void;
  /** A line shown as sent will not be: this server's limits refuse it. */
  withdrawn?(id: string): void;
  /**
   * The rooms the person is in changed (joined, parted, switched):
   * `current` is where typed lines go (undefined: in no room), `joined`
   * every room in the order joined.
   */
  rooms?(current: string | undefined, joined: readonly string[]): void;
  /** Something the client itself has to say. */
  notice(text: string): void;
  /** A failure the person must know about. */
  problem(text: string): void;
  /**
   * The state of the connection in a few words (`reconnecting in 2.1 s,
   * attempt 3 of 30`), or undefined when connected: one line that updates
   * in place, on a terminal.
   */
  status?(text: string | undefined): void;
  /**
   * The first connection is being made to `where` (`host:port`): a
   * terminal says so on the prompt line; scripts stay quiet.
   */
  connecting?(where: string): void;
}

/** Options of {@linkcode runClient}. */
export interface RunOptions {
  /** Where to connect and as whom. */
  connect: ConnectOptions;
  /** The person's side: typed or piped lines, end of input, Ctrl-C. */
  input: AsyncIterator<InputEvent>;
  /** Where frames and notices are shown. */
  view: ClientView;
  /** Reconnect when the connection drops. Default true. */
  reconnect?: boolean;
  /**
   * A script (a pipe, `--send`): a refused line makes the exit code 3. A
   * person's session that ends normally exits 0 whatever was refused.
   */
  script?: boolean;
  /** Reconnect attempts before giving up. Default from the client settings. */
  maxAttempts?: number;
  /** Backoff: first delay and cap, in ms. Default from the client settings. */
  backoff?: { firstMs: number; maxMs: number };
  /** For tests: the randomness of the jitter. */
  random?: () => number;
  /** Waits `ms` milliseconds (tests replace it). */
  sleep?: (ms: number) => Promise<void>;
}

/**
 * Exit codes of the client, the same in `--help` and the README: `0` done;
 * `1` the server could not be reached or was lost; `2` bad usage; `3` the
 * server refused a line a script sent; `4` banned; `5` wrong password;
 * `6` the server's TLS certificate is not the one pinned (or not trusted);
 * `130` interrupted (Ctrl-C) before the chat began.
 */
export const EXIT = {
  ok: 0,
  failed: 1,
  usage: 2,
  refused: 3,
  banned: 4,
  password: 5,
  certificate: 6,
  interrupted: 130,
} as const;

/** The exit code for a final refusal. */
function exitFor(kind: RefusalKind | undefined): number {
  switch (kind) {
    case "banned":
      return EXIT.banned;
    case "password":
      return EXIT.password;
    case "certificate":
      return EXIT.certificate;
    default:
      return EXIT.failed;
  }
}

/**
 * The delay before reconnect attempt `attempt` (0-based): exponential, capped,
 * with "equal jitter" (half fixed, half random) so that many clients cut off
 * at once do not all come back in the same instant.
 */
export function backoffDelay(
  attempt: number,
  options: { firstMs: number; maxMs: number },
  random: () => number,
): number {
  const ceiling = Math.min(options.maxMs, options.firstMs * 2 ** attempt);
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}

/**
 * Why a line cannot be sent under `limits`, or undefined when it can: a
 * message over the text limit (in characters, as the server counts), or a
 * line whose frame is over the line limit. Checked before sending, so a
 * script gets its answer at once instead of waiting for one that cannot
 * come.
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
  // The frame around it: {"type":"msg","id":"…","text":"…"} and a newline.
  const frameBytes = new TextEncoder().encode(
    JSON.stringify({ type: "msg", id: "x".repeat(32), text }),
  ).length + 1;
  if (frameBytes > limits.lineBytes) {
    return `The line is ${frameBytes} bytes as sent; the limit is ${limits.lineBytes}. Split it into several lines`;
  }
  return undefined;
}

/** Where the run is. */
type State =
  | { kind: "connecting"; attempt: number; again: boolean }
  | { kind: "connected"; client: ChatClient }
  | { kind: "waiting"; attempt: number; until: number }
  | { kind: "done"; code: number };

/** Whichever source was ready first. */
type Ready =
  | { from: "input"; r: IteratorResult<InputEvent> }
  | { from: "task"; t: TaskResult }
  | { from: "socket"; f: ServerFrame | undefined };

/** What the current task came to. */
type TaskResult =
  | { kind: "connected"; client: ChatClient }
  | { kind: "failed"; error: ConnectError }
  | { kind: "waited" };

/**
 * Runs the client until the input ends and everything is acknowledged, the
 * person leaves, or the server cannot be reached. Returns the exit code.
 */
export function runClient(options: RunOptions): Promise<number> {
  return new ClientRun(options).run();
}

class ClientRun {
  #options: RunOptions;
  #view: ClientView;
  #connect: ConnectOptions;
  #where: string;
  #state: State = { kind: "connecting", attempt: 0, again: false };
  /**
   * Lines sent or waiting to be, not yet answered, in order: id → the text
   * and the room it was said in.
   */
  #unanswered = new Map<string, { text: string; room: string | undefined }>();
  /** Lines refused (by the server or before sending). */
  #refused = 0;
  /** The last reason for reconnecting shown, so it is shown once. */
  #lastWhy: string | undefined;
  /** The last `seq` seen per room, for the catch-up after a reconnect. */
  #seen: Record<string, number> = {};
  #ids = 0;
  /** One prefix for the whole run: ids stay the same across reconnects. */
  #idPrefix = crypto.randomUUID().replaceAll("-", "").slice(0, 12);
  /** Leaving once everything is answered, with this reason. */
  #leaving: string | undefined;
  #limits: ProtocolLimits = limitDefaults(PROTOCOL_LIMITS);
  #nick: string | undefined;
  /** Where typed lines go: the current room (kept across reconnects). */
  #room: string | undefined;
  /** Every room the person is in, in the order joined. */
  #joined: string[];
  /** The last writes of a client that is leaving. */
  #closing: Promise<unknown> = Promise.resolve();

  constructor(options: RunOptions) {
    this.#options = options;
    this.#view = options.view;
    // One token for the whole run, so the server knows a resend as ours.
    this.#connect = { clientToken: crypto.randomUUID(), ...options.connect };
    this.#where = `${this.#connect.hostname}:${this.#connect.port}`;
    this.#nick = this.#connect.nick;
    this.#joined = [...new Set(this.#connect.rooms ?? [])];
    this.#room = this.#joined[0];
  }

  async run(): Promise<number> {
    let input: Promise<IteratorResult<InputEvent>> | undefined = this.#options
      .input.next();
    if (this.#joined.length > 0) this.#view.rooms?.(this.#room, this.#joined);
    let task: Promise<TaskResult> | undefined = this.#attempt();
    let socket: Promise<ServerFrame | undefined> | undefined;
    while (this.#state.kind !== "done") {
      const sources: Promise<Ready>[] = [];
      if (input !== undefined) {
        sources.push(input.then((r): Ready => ({ from: "input", r })));
      }
      if (task !== undefined) {
        sources.push(task.then((t): Ready => ({ from: "task", t })));
      }
      if (socket !== undefined) {
        sources.push(socket.then((f): Ready => ({ from: "socket", f })));
      }
      const event: Ready = await Promise.race(sources);
      switch (event.from) {
        case "input": {
          const r = event.r;
          if (r.done) {
            input = undefined;
            this.#leave(undefined);
          } else {
            input = r.value.kind === "eof"
              ? undefined
              : this.#options.input.next();
            this.#input(r.value);
          }
          break;
        }
        case "task":
          task = undefined;
          this.#taskDone(event.t);
          if (this.#state.kind === "connected") {
            socket = this.#state.client.next();
          }
          break;
        case "socket": {
          const state = this.#state;
          if (state.kind !== "connected") break;
          if (event.f !== undefined) {
            this.#frame(event.f, state.client);
            socket = this.#state.kind === "connected"
              ? state.client.next()
              : undefined;
          } else {
            socket = undefined;
            this.#dropped(state.client);
          }
          break;
        }
      }
      if (this.#state.kind === "connected") {
        this.#leaveIfDone(this.#state.client);
      }
      if (task === undefined) {
        const state = this.#state;
        if (state.kind === "connecting") task = this.#attempt();
        if (state.kind === "waiting") task = this.#wait(state.until);
      }
    }
    await this.#closing;
    return this.#state.code;
  }

  #attempt(): Promise<TaskResult> {
    const state = this.#state as Extract<State, { kind: "connecting" }>;
    if (!state.again) this.#view.connecting?.(this.#where);
    return ChatClient.connect({
      ...this.#connect,
      nick: this.#nick,
      // The current room first: a one-room server takes that one alone.
      rooms: state.again || this.#joined.length > 0
        ? [
          ...(this.#room === undefined ? [] : [this.#room]),
          ...this.#joined.filter((room) => room !== this.#room),
        ]
        : undefined,
      ...(state.again ? { since: { ...this.#seen } } : {}),
    }).then(
      (client): TaskResult => ({ kind: "connected", client }),
      (error): TaskResult => {
        if (error instanceof ConnectError) return { kind: "failed", error };
        throw error;
      },
    );
  }

  #wait(until: number): Promise<TaskResult> {
    const sleep = this.#options.sleep ??
      ((ms) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
    return sleep(Math.max(0, until - Date.now())).then(() => ({
      kind: "waited" as const,
    }));
  }

  #taskDone(result: TaskResult): void {
    const state = this.#state;
    if (state.kind === "waiting") {
      this.#state = { kind: "connecting", attempt: state.attempt, again: true };
      this.#view.status?.(
        `reconnect attempt ${state.attempt} of ${this.#maxAttempts}: connecting; Ctrl-C leaves`,
      );
      return;
    }
    if (state.kind !== "connecting" || result.kind === "waited") return;
    if (result.kind === "connected") {
      const client = result.client;
      this.#state = { kind: "connected", client };
      this.#limits = client.limits;
      this.#nick = client.nick;
      // The rooms the server put us in; the current one stays ours.
      this.#joined = [...client.joined];
      if (this.#room === undefined || !this.#joined.includes(this.#room)) {
        this.#room = client.room;
      }
      this.#view.rooms?.(this.#room, this.#joined);
      // The password that got in is kept: reconnects never ask again.
      if (client.password !== undefined) {
        this.#connect.password = client.password;
      }
      for (const room of client.rooms) this.#see(room.history);
      this.#view.status?.(undefined);
      this.#lastWhy = undefined;
      if (state.again) {
        this.#view.notice(
          `Reconnected to ${this.#where} as ${client.nick}${
            this.#joined.length === 0
              ? ", in no room"
              : ` in ${this.#joined.map((room) => `#${room}`).join(", ")}`
          }`,
        );
      }
      this.#view.connected(client, state.again);
      // Every line not answered yet, with the id it was shown with: the
      // server answers one it already took with its first answer.
      for (const [id, { text, room }] of this.#unanswered) {
        // Taken before this server said its limits: checked against them.
        const problem = lineProblem(text, this.#limits);
        if (problem === undefined) {
          client.send(text, id, room);
          continue;
        }
        this.#unanswered.delete(id);
        this.#refused++;
        this.#view.withdrawn?.(id);
        this.#view.problem(`Not sent: ${problem}`);
      }
      return;
    }
    const error = result.error;
    if (error instanceof RefusedError && error.final) {
      this.#view.status?.(undefined);
      this.#view.problem(error.message);
      this.#finish(exitFor(error.kind));
      return;
    }
    const retryAfter = error instanceof RefusedError
      ? error.retryAfter
      : undefined;
    if (
      !state.again &&
      (this.#options.reconnect === false || !(error instanceof RefusedError))
    ) {
      // The first try: nothing there, or no retrying wanted.
      this.#view.problem(error.message);
      this.#finish(EXIT.failed);
      return;
    }
    this.#retry(state.attempt, error.message, retryAfter);
  }

  get #maxAttempts(): number {
    return this.#options.maxAttempts ??
      CLIENT_SETTINGS.reconnectAttempts.default;
  }

  /** Waits before attempt `attempt + 1`, or gives up. */
  #retry(attempt: number, why: string, retryAfter: number | undefined): void {
    if (attempt + 1 > this.#maxAttempts) {
      this.#view.status?.(undefined);
      this.#view.problem(
        `Gave up reconnecting after ${this.#maxAttempts} attempts: ${why}`,
      );
      this.#finish(EXIT.failed);
      return;
    }
    const backoff = this.#options.backoff ?? {
      firstMs: CLIENT_SETTINGS.reconnectFirstMs.default,
      maxMs: CLIENT_SETTINGS.reconnectMaxMs.default,
    };
    const delay = retryAfter !== undefined
      ? retryAfter * 1000
      : backoffDelay(attempt, backoff, this.#options.random ?? Math.random);
    this.#state = {
      kind: "waiting",
      attempt: attempt + 1,
      until: Date.now() + delay,
    };
    // The reason once, above the chat; the prompt line keeps the count.
    if (why !== this.#lastWhy) this.#view.notice(why);
    this.#lastWhy = why;
    const unsent = this.#unanswered.size > 0
      ? `; ${this.#unanswered.size} unsent`
      : "";
    this.#view.status?.(
      `reconnect attempt ${attempt + 1} of ${this.#maxAttempts} in ${
        (delay / 1000).toFixed(1)
      } s; Ctrl-C leaves${unsent}`,
    );
  }

  #input(event: InputEvent): void {
    const state = this.#state;
    switch (event.kind) {
      case "eof":
        this.#leave(undefined);
        return;
      case "interrupt":
        if (state.kind === "connected") this.#leave(undefined, true);
        else this.#finish(EXIT.interrupted);
        return;
      case "refused":
        this.#refused++;
        this.#view.problem(event.reason);
        return;
      case "switch":
        if (event.index > this.#joined.length) {
          this.#view.notice(
            `There is no room ${event.index}: you are in ${this.#joined.length} (/rooms lists them)`,
          );
        } else this.#switch(this.#joined[event.index - 1]!);
        return;
      case "cycle": {
        if (this.#joined.length === 0) return;
        const at = this.#room === undefined
          ? -1
          : this.#joined.indexOf(this.#room);
        const count = this.#joined.length;
        this.#switch(this.#joined[(at + event.step + count) % count]!);
        return;
      }
      case "line": {
        const line = event.line;
        const parsed = parseInput(line.trim());
        if (
          parsed.kind === "command" &&
          (parsed.name === "quit" || parsed.name === "exit")
        ) {
          this.#leave(
            parsed.args.trim() === "" ? undefined : parsed.args.trim(),
          );
          return;
        }
        if (line.trim() === "") return;
        if (
          parsed.kind === "command" && parsed.name === "switch" &&
          this.#switchesLocally(state)
        ) {
          this.#switchTo(parsed.args.trim());
          return;
        }
        const problem = lineProblem(line, this.#limits);
        if (problem !== undefined) {
          this.#refused++;
          this.#view.problem(`Not sent: ${problem}`);
          return;
        }
        const id = `${this.#idPrefix}-${++this.#ids}`;
        const room = this.#room;
        this.#unanswered.set(id, { text: line, room });
        if (state.kind === "connected") {
          state.client.send(line, id, room);
          this.#view.sent(id, line, state.client);
        } else {
          this.#view.sent(id, line, undefined);
        }
        return;
      }
    }
  }

  #frame(frame: ServerFrame, client: ChatClient): void {
    switch (frame.type) {
      case "ack":
        this.#unanswered.delete(frame.id);
        break;
      case "error":
        if (frame.id !== undefined && this.#unanswered.delete(frame.id)) {
          this.#refused++;
        }
        break;
      case "msg":
        this.#see([frame]);
        break;
      case "joined":
        // Joining a room makes it current.
        this.#see(frame.history);
        this.#joined = [...client.joined];
        this.#room = frame.name;
        this.#view.rooms?.(this.#room, this.#joined);
        break;
      case "event":
        if (frame.event === "part" && frame.nick === client.nick) {
          this.#joined = [...client.joined];
          if (this.#room === frame.room) this.#room = this.#joined.at(-1);
          this.#view.rooms?.(this.#room, this.#joined);
        }
        break;
      case "reply":
        // A one-room server moved us, or the server switched us.
        if (frame.cmd === "join" && client.room !== this.#room) {
          this.#joined = [...client.joined];
          this.#room = client.room;
          this.#view.rooms?.(this.#room, this.#joined);
        }
        break;
      default:
        break;
    }
    this.#nick = client.nick;
    this.#view.frame(frame, client);
  }

  /**
   * True when `/switch` is the client's own business: the rooms are known
   * here and every line names its room. A server older than version 3 keeps one room
   * at a time and answers `/switch` itself.
   */
  #switchesLocally(state: State): boolean {
    return state.kind !== "connected" ||
      state.client.version >= ROOMS_VERSION;
  }

  /** `/switch ROOM`, typed. */
  #switchTo(typed: string): void {
    if (typed === "") {
      this.#view.problem(
        "Usage: /switch ROOM (one of the rooms you are in; /rooms lists them)",
      );
      return;
    }
    const parsed = parseRoom(typed);
    if (!parsed.ok) {
      this.#view.problem(parsed.problem);
      return;
    }
    if (!this.#joined.includes(parsed.room)) {
      this.#view.problem(
        `You are not in #${parsed.room}: /join ${parsed.room} joins it`,
      );
      return;
    }
    this.#switch(parsed.room);
  }

  /** Makes `room` (one joined) current: typed lines go there from now on. */
  #switch(room: string): void {
    if (room === this.#room) return;
    this.#room = room;
    this.#view.rooms?.(this.#room, this.#joined);
  }

  #see(messages: { room: string; seq: number }[]): void {
    for (const { room, seq } of messages) {
      if (seq > (this.#seen[room] ?? 0)) this.#seen[room] = seq;
    }
  }

  /** The connection ended under us. */
  #dropped(client: ChatClient): void {
    client.close();
    const bye = client.bye;
    if (this.#leaving !== undefined && this.#unanswered.size === 0) {
      this.#finish(this.#exitCode());
      return;
    }
    if (bye !== undefined && isFinal(bye.code ?? "refused")) {
      this.#view.problem(`The server closed the connection: ${bye.reason}`);
      this.#finish(exitFor(bye.code));
      return;
    }
    if (this.#options.reconnect === false) {
      const lost = this.#unanswered.size > 0
        ? ` (${this.#unanswered.size} lines not acknowledged)`
        : "";
      this.#view.problem(`Lost the connection to ${this.#where}${lost}`);
      this.#finish(EXIT.failed);
      return;
    }
    const why = bye === undefined
      ? `Lost the connection to ${this.#where}`
      : `The server closed the connection: ${bye.reason}`;
    this.#retry(0, why, bye?.retryAfter);
  }

  /**
   * Leaves once every line is answered (at once when none is waiting); with
   * `now`, at once (Ctrl-C at the chat prompt).
   */
  #leave(reason: string | undefined, now = false): void {
    this.#leaving = reason ?? "";
    const state = this.#state;
    if (state.kind === "connected") {
      if (now) this.#quit(state.client);
      else this.#leaveIfDone(state.client);
    } else if (this.#unanswered.size === 0 || now) {
      this.#finish(now ? EXIT.interrupted : this.#exitCode());
    } else if (
      state.kind === "waiting" || (state.kind === "connecting" && state.again)
    ) {
      this.#view.notice(
        `Leaving once connected and ${this.#unanswered.size} lines are delivered; Ctrl-C leaves now`,
      );
    }
  }

  #leaveIfDone(client: ChatClient): void {
    if (this.#leaving !== undefined && this.#unanswered.size === 0) {
      this.#quit(client);
    }
  }

  #quit(client: ChatClient): void {
    // No reason given, none sent: others see "ann left", not "(quit)".
    const reason = this.#leaving;
    client.sendFrame({ type: "quit", ...(reason ? { reason } : {}) });
    const code = this.#exitCode();
    this.#state = { kind: "done", code };
    // The quit frame goes out before the socket closes.
    this.#closing = client.flushed().finally(() => client.close());
  }

  #exitCode(): number {
    return this.#options.script === true && this.#refused > 0
      ? EXIT.refused
      : EXIT.ok;
  }

  #finish(code: number): void {
    const state = this.#state;
    if (state.kind === "connected") state.client.close();
    this.#state = { kind: "done", code };
  }
}
