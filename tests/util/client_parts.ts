/**
 * The person's side of the client loop, for unit tests: {@linkcode inputs}
 * feeds input events as a test pushes them, and {@linkcode RecordingView}
 * keeps what the loop shows, as lines a test can read.
 *
 * @module
 */

import type { ChatClient } from "../../lib/client/chat_client.ts";
import type { ClientView, InputEvent } from "../../lib/client/client_view.ts";
import type { ServerFrame } from "../../lib/shared/protocol.ts";

/** Input events fed by the test, in the order pushed. */
export function inputs(): {
  iterator: AsyncIterator<InputEvent>;
  push(...events: InputEvent[]): void;
} {
  const queue: InputEvent[] = [];
  let wake: (() => void) | undefined;
  return {
    iterator: {
      async next() {
        while (queue.length === 0) {
          await new Promise<void>((resolve) => (wake = resolve));
        }
        return { done: false, value: queue.shift()! };
      },
    },
    push(...events) {
      queue.push(...events);
      wake?.();
    },
  };
}

/** Typed lines as input events. */
export function typed(...lines: string[]): InputEvent[] {
  return lines.map((line) => ({ kind: "line", line }));
}

/** A view that keeps what it is shown, one line each. */
export class RecordingView implements ClientView {
  lines: string[] = [];
  /** What each `connected` was shown: the rooms' history, per connection. */
  arrivals: { again: boolean; history: string[] }[] = [];
  /** Every frame, in order. */
  frames: ServerFrame[] = [];
  #waiters: { match: (line: string) => boolean; done: () => void }[] = [];

  connected(client: ChatClient, again: boolean) {
    this.arrivals.push({
      again,
      history: client.rooms.flatMap((room) => room.history.map((m) => m.text)),
    });
    this.#add(again ? "connected again" : "connected");
  }
  frame(frame: ServerFrame) {
    this.frames.push(frame);
    this.#add(frame.type);
  }
  sent(_id: string, text: string) {
    this.#add(`sent: ${text}`);
  }
  withdrawn(_id: string) {
    this.#add("withdrawn");
  }
  switched(room: string | undefined) {
    this.#add(`switched: ${room ?? "none"}`);
  }
  notice(text: string) {
    this.#add(`notice: ${text}`);
  }
  problem(text: string) {
    this.#add(`problem: ${text}`);
  }
  status(text: string | undefined) {
    this.#add(`status: ${text ?? "connected"}`);
  }
  countdown(text: string) {
    this.#add(`countdown: ${text}`);
  }

  /** Waits until a line satisfies `match` (one already shown counts). */
  until(match: (line: string) => boolean): Promise<void> {
    if (this.lines.some(match)) return Promise.resolve();
    return new Promise((done) => this.#waiters.push({ match, done }));
  }

  #add(line: string) {
    this.lines.push(line);
    for (const waiter of [...this.#waiters]) {
      if (!waiter.match(line)) continue;
      this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
      waiter.done();
    }
  }
}
