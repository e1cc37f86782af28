/**
 * IRC sessions over in-memory connections, against a real hub, for unit
 * tests of what IRC commands do: {@linkcode IrcWorld} holds the hub, an
 * operator list and the server's context; {@linkcode MemoryIrcClient} is
 * one registered IRC client in it, reading every line the server sends.
 * A native member is `world.native(nick)`: a hub member whose frames are
 * kept. No sockets, no processes; `await using` ends everything.
 *
 * @example
 * ```ts
 * await using world = new IrcWorld();
 * await using ann = await world.client("ann");
 * const answer = await ann.ask("TOPIC #nowhere"); // every line until the PONG
 * ```
 *
 * @module
 */

import { Hub } from "../../lib/server/hub.ts";
import { MemoryHistory } from "../../lib/server/history.ts";
import { IrcSession } from "../../lib/server/irc/irc_session.ts";
import { type IrcMessage, parseMessage } from "../../lib/server/irc/message.ts";
import type { Member } from "../../lib/server/member.ts";
import type { Outgoing } from "../../lib/server/outgoing.ts";
import {
  type ServerContext,
  serverContext,
} from "../../lib/server/server_context.ts";
import { readLines } from "../../lib/shared/lines.ts";
import type { ServerFrame } from "../../lib/shared/protocol.ts";
import { type MemoryEnd, memoryPair } from "./memory_pair.ts";

const encoder = new TextEncoder();

/** A hub member of another client: its frames, kept in order. */
export class FrameInbox {
  frames: ServerFrame[] = [];
  deliver(out: Outgoing): boolean {
    this.frames.push(out.frame);
    return true;
  }
}

/** A hub with IRC sessions on it; `boss` may become an operator (`s3cret`). */
export class IrcWorld implements AsyncDisposable {
  readonly hub: Hub;
  readonly context: ServerContext;
  #clients: MemoryIrcClient[] = [];

  constructor() {
    this.hub = new Hub({
      history: new MemoryHistory({ perRoom: 50 }),
      historyOnJoin: 50,
      operators: ["boss"],
      operatorSecret: "s3cret",
    });
    this.context = serverContext({ hub: this.hub });
  }

  /** A member of another client (native, text mode) in `rooms`. */
  native(nick: string, rooms: string[] = []): [Member, FrameInbox] {
    const inbox = new FrameInbox();
    return [this.hub.enter(nick, inbox, { rooms }), inbox];
  }

  /** An IRC client from `address`, connected but not registered. */
  connect(address = "test"): MemoryIrcClient {
    const [client, server] = memoryPair();
    const peer = { peer: address, address };
    const session = new IrcSession(server, this.context, peer, {
      serverName: "srv",
      created: new Date(0),
    });
    const irc = new MemoryIrcClient(client, session);
    this.#clients.push(irc);
    return irc;
  }

  /** An IRC client registered as `nick`, with `caps`, past the MOTD. */
  async client(
    nick: string,
    caps: string[] = [],
    address?: string,
  ): Promise<MemoryIrcClient> {
    const peer = this.connect(address);
    if (caps.length > 0) {
      await peer.send("CAP LS 302", `CAP REQ :${caps.join(" ")}`);
    }
    await peer.send(`NICK ${nick}`, `USER ${nick} 0 * :${nick}`, "CAP END");
    await peer.next((m) => m.command === "376");
    return peer;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    for (const client of this.#clients) await client.close();
  }
}

/** One IRC client over an in-memory connection. */
export class MemoryIrcClient {
  readonly session: IrcSession;
  #end: MemoryEnd;
  #running: Promise<void>;
  #reading: Promise<void>;
  #seen: IrcMessage[] = [];
  #wake: (() => void) | undefined;
  #tokens = 0;
  #passed: IrcMessage[] = [];

  constructor(end: MemoryEnd, session: IrcSession) {
    this.#end = end;
    this.session = session;
    this.#running = session.run();
    this.#reading = this.#read();
  }

  async #read(): Promise<void> {
    try {
      for await (const result of readLines(this.#end, { maxBytes: 16384 })) {
        if (!result.ok) continue;
        const parsed = parseMessage(result.line);
        if ("error" in parsed) continue;
        this.#seen.push(parsed);
        this.#wake?.();
      }
    } catch {
      // Closed.
    }
    this.#wake?.();
  }

  /** Writes lines, each ended with CR LF. */
  async send(...lines: string[]): Promise<void> {
    await this.#end.write(
      encoder.encode(lines.map((line) => `${line}\r\n`).join("")),
    );
  }

  /**
   * The next message that satisfies `match`; those before it are passed
   * over (and kept for {@linkcode ask}).
   */
  async next(match: (m: IrcMessage) => boolean): Promise<IrcMessage> {
    const deadline = Date.now() + 5000;
    while (true) {
      const at = this.#seen.findIndex(match);
      if (at !== -1) {
        const taken = this.#seen.splice(0, at + 1);
        const found = taken.pop()!;
        this.#passed.push(...taken);
        return found;
      }
      if (this.#end.closed || Date.now() > deadline) {
        throw new Error(`no such message; seen: ${JSON.stringify(this.#seen)}`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 50);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  /**
   * Sends `lines`, then a `PING`, and returns every message before its
   * `PONG`: what the server answered (and anything else not yet looked at).
   */
  async ask(...lines: string[]): Promise<IrcMessage[]> {
    const token = `t${++this.#tokens}`;
    this.#passed = [];
    await this.send(...lines, `PING ${token}`);
    await this.next((m) => m.command === "PONG" && m.params.at(-1) === token);
    const answered = this.#passed;
    this.#passed = [];
    return answered;
  }

  /** Closes the connection and waits for the session to end. */
  async close(): Promise<void> {
    this.#end.close();
    await this.#running;
    await this.#reading;
  }
}
