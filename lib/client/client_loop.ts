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
 * sent, with the id it was shown with, once connected; so is one typed
 * after /join or /part before the server answered it (`typed_lines.ts`).
 * ```
 *
 * {@linkcode runClient} races the input (lines typed or piped), the
 * connection (frames from the server) and the current task (a connection
 * attempt, or the wait before the next one: `reconnect_policy.ts`), and
 * handles whichever is ready first. It knows neither the terminal nor the
 * socket: input comes as {@linkcode InputEvent}s, output goes to a
 * {@linkcode ClientView}, the connection is a {@linkcode ChatClient}. After
 * a reconnect it rejoins with the same nick and token, asks for what it
 * missed since the last message it saw in each room (`joined_rooms.ts`), and
 * resends every line not yet acknowledged (`unanswered_lines.ts`); the
 * server answers resends it had already accepted with their first ack, so
 * nothing is lost or doubled.
 *
 * @module
 */

import type { ServerFrame } from "../shared/protocol.ts";
import { ChatClient } from "./chat_client.ts";
import type { ConnectOptions } from "./client_handshake.ts";
import type { ClientView, InputEvent } from "./client_view.ts";
import { ConnectError } from "./connect_errors.ts";
import { EXIT } from "./exit_codes.ts";
import { JoinedRooms } from "./joined_rooms.ts";
import {
  type AfterLoss,
  countDown,
  reconnectedNotice,
  type ReconnectOptions,
  ReconnectPolicy,
} from "./reconnect_policy.ts";
import { TypedLines } from "./typed_lines.ts";
import { UnansweredLines } from "./unanswered_lines.ts";

/**
 * Options of {@linkcode runClient}; whether and how it reconnects are
 * {@linkcode ReconnectOptions}.
 */
export interface RunOptions extends ReconnectOptions {
  /** Where to connect and as whom. */
  connect: ConnectOptions;
  /** The person's side: typed or piped lines, end of input, Ctrl-C. */
  input: AsyncIterator<InputEvent>;
  /** Where frames and notices are shown. */
  view: ClientView;
  /**
   * A script (a pipe, `--send`): a refused line makes the exit code 3. A
   * person's session that ends normally exits 0 whatever was refused.
   */
  script?: boolean;
  /** Waits `ms` milliseconds (tests replace it). */
  sleep?: (ms: number) => Promise<void>;
}

/** Where the run is. */
type State =
  | { kind: "connecting"; attempt: number; again: boolean }
  | { kind: "connected"; client: ChatClient }
  | { kind: "waiting"; attempt: number; delay: number }
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
  /** Lines sent or waiting to be, not yet answered, and those refused. */
  #lines = new UnansweredLines();
  /** Where typed lines go, every room joined, the catch-up. */
  #rooms: JoinedRooms;
  /** Typed lines and room keys, in order, behind a room change unanswered. */
  #typed: TypedLines;
  /** Whether and when to try again. */
  #reconnects: ReconnectPolicy;
  /** Leaving once everything is answered, with this reason. */
  #leaving: string | undefined;
  #nick: string | undefined;
  /** The last writes of a client that is leaving. */
  #closing: Promise<unknown> = Promise.resolve();

  constructor(options: RunOptions) {
    this.#options = options;
    this.#view = options.view;
    // One token for the whole run, so the server knows a resend as ours.
    this.#connect = { clientToken: crypto.randomUUID(), ...options.connect };
    this.#where = `${this.#connect.hostname}:${this.#connect.port}`;
    this.#nick = this.#connect.nick;
    this.#rooms = new JoinedRooms(
      this.#connect.rooms ?? [],
      (current, joined) => this.#view.rooms?.(current, joined),
    );
    this.#reconnects = new ReconnectPolicy(options);
    this.#typed = new TypedLines({
      view: this.#view,
      rooms: this.#rooms,
      lines: this.#lines,
      leave: (reason) => this.#leave(reason),
    });
  }

  async run(): Promise<number> {
    let input: Promise<IteratorResult<InputEvent>> | undefined = this.#options
      .input.next();
    this.#rooms.announce();
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
        if (state.kind === "waiting") task = this.#wait(state);
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
      rooms: this.#rooms.wanted(state.again),
      ...(state.again ? { since: this.#rooms.since() } : {}),
    }).then(
      (client): TaskResult => ({ kind: "connected", client }),
      (error): TaskResult => {
        if (error instanceof ConnectError) return { kind: "failed", error };
        throw error;
      },
    );
  }

  /** Waits for the next attempt, the status counting down each second. */
  #wait(waiting: Extract<State, { kind: "waiting" }>): Promise<TaskResult> {
    const sleep = this.#options.sleep ??
      ((ms) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
    return countDown(waiting.delay, sleep, (left) => {
      if (this.#state !== waiting) return;
      this.#view.countdown?.(
        this.#reconnects.waiting(waiting.attempt, left, this.#lines.size),
      );
    }).then(() => ({ kind: "waited" as const }));
  }

  #taskDone(result: TaskResult): void {
    const state = this.#state;
    if (state.kind === "waiting") {
      this.#state = { kind: "connecting", attempt: state.attempt, again: true };
      this.#view.status?.(this.#reconnects.connecting(state.attempt));
      return;
    }
    if (state.kind !== "connecting" || result.kind === "waited") return;
    if (result.kind === "connected") {
      this.#connected(result.client, state.again);
      return;
    }
    this.#lost(
      this.#reconnects.afterFailure(
        result.error,
        state.attempt,
        state.again,
        this.#lines.size,
      ),
    );
  }

  /** The connection is up (`again`: after a reconnect). */
  #connected(client: ChatClient, again: boolean): void {
    this.#state = { kind: "connected", client };
    this.#lines.limits = client.limits;
    this.#nick = client.nick;
    this.#connect.serverName = client.welcome.server;
    // Own lines shown before the reconnect are not shown again as missed.
    this.#rooms.arrived(
      client,
      (m) => again && m.from === client.nick && this.#lines.says(m),
    );
    // The password that got in is kept: reconnects never ask again.
    if (client.password !== undefined) {
      this.#connect.password = client.password;
    }
    this.#view.status?.(undefined);
    this.#reconnects.connected();
    if (again) {
      this.#view.notice(
        reconnectedNotice(this.#where, client.nick, this.#rooms.joined),
      );
    }
    this.#view.connected(client, again);
    // Every line not answered yet, with the id it was shown with: the
    // server answers one it already took with its first answer.
    this.#typed.connected(client);
  }

  /** Waits for the next attempt, or ends the run, as the policy says. */
  #lost(next: AfterLoss): void {
    if (next.kind === "end") {
      if (next.clearStatus) this.#view.status?.(undefined);
      this.#view.problem(next.problem);
      this.#finish(next.code);
      return;
    }
    this.#state = { kind: "waiting", attempt: next.attempt, delay: next.delay };
    if (next.notice !== undefined) this.#view.notice(next.notice);
    this.#view.status?.(next.status);
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
        this.#lines.refuse();
        this.#view.problem(event.reason);
        return;
      default:
        this.#typed.input(
          event,
          state.kind === "connected" ? state.client : undefined,
        );
        return;
    }
  }

  #frame(frame: ServerFrame, client: ChatClient): void {
    this.#lines.settle(frame);
    if (frame.type === "ack" && frame.seq !== undefined) {
      this.#rooms.acknowledged(frame.seq);
    }
    // Taken out of the current room: lines go elsewhere now.
    if (this.#rooms.follow(frame, client)) {
      this.#view.switched?.(this.#rooms.current);
    }
    this.#nick = client.nick;
    this.#view.frame(frame, client);
    this.#typed.answered(frame, client);
  }
  /** The connection ended under us. */
  #dropped(client: ChatClient): void {
    client.close();
    const bye = client.bye;
    if (this.#leaving !== undefined && this.#lines.size === 0) {
      this.#finish(this.#exitCode());
      return;
    }
    this.#lost(this.#reconnects.afterDrop(bye, this.#where, this.#lines.size));
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
    } else if (this.#lines.size === 0 || now) {
      this.#finish(now ? EXIT.interrupted : this.#exitCode());
    } else if (
      state.kind === "waiting" || (state.kind === "connecting" && state.again)
    ) {
      this.#view.notice(
        `Leaving once connected and ${this.#lines.size} lines are delivered; Ctrl-C leaves now`,
      );
    }
  }

  #leaveIfDone(client: ChatClient): void {
    if (this.#leaving !== undefined && this.#lines.size === 0) {
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
    return this.#options.script === true && this.#lines.refused > 0
      ? EXIT.refused
      : EXIT.ok;
  }

  #finish(code: number): void {
    const state = this.#state;
    if (state.kind === "connected") state.client.close();
    this.#state = { kind: "done", code };
  }
}
