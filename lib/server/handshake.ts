/**
 * A connection's first moments: the banner, a native `hello` or a first
 * plain line (text mode), the password, ending in a member.
 *
 * The server greets with the banner and waits briefly for a `hello`; a
 * first line that is not one, or silence, makes the peer a text-mode user
 * (netcat, telnet). A server with a password asks a native client for it in
 * `hello` and a text-mode user for `/pass PASSWORD`. A refused nick leaves
 * the handshake open for another `hello`; too many wrong passwords, a wrong
 * protocol version or no answer in time close the connection.
 *
 * @module
 */

import { ChatError } from "../shared/errors.ts";
import type { LineResult } from "../shared/lines.ts";
import {
  type ClientFrame,
  decodeClientFrame,
  type ErrorCode,
  looksLikeFrame,
  OLDEST_VERSION,
  PROTOCOL_VERSION,
  ROOMS_VERSION,
  type ServerFrame,
} from "../shared/protocol.ts";
import type { Member, MemberSink } from "./member.ts";
import { safeEqual } from "./secrets.ts";
import type { ServerContext } from "./server_context.ts";

/**
 * Who a native client is across its reconnects: its `hello.client` token
 * (cut to the id limit), or, without one, a person of this connection only.
 */
export function personOf(hello: Hello, maxChars: number): string | undefined {
  return hello.client === undefined
    ? undefined
    : `client:${hello.client.slice(0, maxChars)}`;
}

/**
 * The first line of an IRC client's registration
 * (https://modern.ircdocs.horse/#connection-registration): `CAP LS`,
 * `PASS`, `NICK` or `USER` with a parameter.
 */
const IRC_OPENING =
  /^(?:CAP LS(?: \d+)?|PASS \S+|NICK \S+|USER \S+ \S+ \S+ .+)\s*$/;

/** How many times the hello wait is taken at most before text mode. */
const HELLO_WAITS = 5;

/** A native client's `hello`. */
export type Hello = Extract<ClientFrame, { type: "hello" }>;

/**
 * What the handshake needs of the session it opens, which is also the
 * member's sink once the member is in.
 */
export interface HandshakeHost extends MemberSink {
  /** What the server's sessions share. */
  readonly context: ServerContext;
  /** Who the peer is, for logs. */
  readonly peer: string;
  /** The peer's address, for bans. */
  readonly address: string;
  /** True once the session is over (a check that took time may find it so). */
  readonly closed: boolean;
  /** True once the peer has sent any byte. */
  readonly heard: boolean;
  /** Refuses something, in the wire format the handshake is in. */
  refuse(code: ErrorCode, message: string, id?: string, suggest?: string): void;
  /** Sends a plain line (text mode's prompts). */
  sendLine(line: string): void;
  /** The member is in, as a native client that said `hello`. */
  enterNative(member: Member, hello: Hello): void;
  /**
   * The member is in, as a text-mode user; `firstLine` is the line that
   * chose text mode, their first message.
   */
  enterText(member: Member, firstLine: string | undefined): void;
  /** Ends the connection; `goodbye` is the last frame the peer gets. */
  close(reason: string, goodbye?: ServerFrame): void;
}

/**
 * One connection's handshake.
 *
 * @example
 * ```ts
 * const handshake = new Handshake(session);
 * handshake.start();             // banner sent, waiting for hello
 * handshake.line(firstLine);     // a hello: the session gets enterNative()
 * ```
 */
export class Handshake {
  #host: HandshakeHost;
  /** Frames only: no text mode, whatever comes first. */
  #nativeOnly: boolean;
  /** Greeting: waiting for a hello or a first line. Password: text mode, waiting for /pass. */
  #phase: "greeting" | "password" = "greeting";
  #helloTimer: ReturnType<typeof setTimeout> | undefined;
  #passwordTries = 0;

  /**
   * Makes a Handshake.
   *
   * @param host the session being opened
   * @param options.nativeOnly the peer speaks frames only (the web page):
   *   it never falls into text mode, and anything before its `hello` that
   *   is not one is refused
   */
  constructor(host: HandshakeHost, options: { nativeOnly?: boolean } = {}) {
    this.#host = host;
    this.#nativeOnly = options.nativeOnly === true;
  }

  /** The wire format refusals take now: JSON until text mode is chosen. */
  get wire(): "native" | "text" {
    return this.#phase === "greeting" ? "native" : "text";
  }

  /**
   * Starts waiting for a `hello`; text mode when none comes in time. The wait
   * is taken again (a few times at most) when the peer has begun a line that
   * has not ended yet, or when the server itself was too busy to read: a
   * `hello` already on its way must not be taken for a person typing.
   */
  start(): void {
    if (this.#nativeOnly) return;
    const wait = this.#host.context.resources.helloWait;
    const arm = (again: number) => {
      const due = performance.now() + wait;
      this.#helloTimer = setTimeout(() => {
        this.#helloTimer = undefined;
        if (this.#phase !== "greeting") return;
        const late = performance.now() - due > wait / 2;
        if ((late || this.#host.heard) && again < HELLO_WAITS) arm(again + 1);
        else this.#startText();
      }, wait);
    };
    arm(1);
  }

  /** Stops the hello timer (the session is over or decided). */
  cancel(): void {
    if (this.#helloTimer !== undefined) clearTimeout(this.#helloTimer);
    this.#helloTimer = undefined;
  }

  /**
   * How long the peer has to finish, in ms: the handshake timeout, or at
   * least a minute for a person typing a password at netcat.
   */
  get timeoutMs(): number {
    const { handshakeTimeout, textPasswordTimeout } =
      this.#host.context.resources;
    return 1000 *
      (this.#phase === "password"
        ? Math.max(handshakeTimeout, textPasswordTimeout)
        : handshakeTimeout);
  }

  /** Closes a connection that has not finished in time. */
  timedOut(): void {
    const seconds = this.timeoutMs / 1000;
    const what = this.#phase === "password" ? "password" : "hello";
    const message = `No valid ${what} within ${seconds} s; closing`;
    this.#host.refuse("not-now", message);
    this.#host.close(`handshake timeout after ${seconds} s`, {
      type: "bye",
      reason: message,
      code: "timeout",
    });
  }

  /**
   * Handles one line before the member is in. A promise (a password being
   * checked) holds the next line until it settles.
   */
  line(result: LineResult): void | Promise<void> {
    if (!result.ok) {
      if (this.#phase === "greeting" && !this.#nativeOnly) this.#startText();
      const message = result.error === "too-long"
        ? `Line longer than ${result.limit} bytes was dropped; split long text into several messages`
        : "Line was not valid UTF-8 and was dropped; send UTF-8 text";
      this.#host.refuse(result.error, message);
      return;
    }
    const line = result.line;
    if (this.#phase === "password") return this.#unlock(line);
    if (looksLikeFrame(line)) {
      const decoded = decodeClientFrame(line);
      if (decoded.ok && decoded.frame.type === "hello") {
        return this.#hello(decoded.frame);
      }
      if (decoded.ok) {
        this.#host.refuse(
          "bad-frame",
          `Send a "hello" frame first, not "${decoded.frame.type}"`,
        );
        return;
      }
    }
    if (this.#nativeOnly) {
      this.#host.refuse(
        "bad-frame",
        'Send a "hello" frame first: this connection speaks JSON frames only',
      );
      return;
    }
    if (IRC_OPENING.test(line)) return this.#ircOpening();
    // Not a hello: a person typing. Their first line is their first message.
    this.#startText(line);
  }

  /**
   * An IRC client knocked on the native port: told, in IRC, where the IRC
   * listener is (or that there is none), and closed; its lines are never
   * chat.
   */
  #ircOpening(): void {
    this.cancel();
    const host = this.#host;
    const { entrances } = host.context;
    const irc = entrances?.get("irc");
    const ircs = entrances?.get("ircs");
    const where = [
      ...(irc === undefined ? [] : [`IRC on port ${irc.port}`]),
      ...(ircs === undefined ? [] : [`IRC over TLS on port ${ircs.port}`]),
    ];
    const text = where.length === 0
      ? "This is Lochat's native port, and this server has no IRC listener (its owner can start one with --irc-port)"
      : `This is Lochat's native port; point your IRC client at ${
        where.join(", or ")
      }`;
    host.context.log("refuse", {
      peer: host.peer,
      reason: "IRC client on the native port",
    });
    host.sendLine(`:lochat NOTICE * :${text}`);
    host.sendLine(`ERROR :${text}`);
    host.close("IRC client on the native port");
  }

  #hello(hello: Hello): void | Promise<void> {
    const host = this.#host;
    if (!(hello.v >= OLDEST_VERSION)) {
      const message =
        `Protocol version ${hello.v} is not supported; this server speaks versions ${OLDEST_VERSION} to ${PROTOCOL_VERSION}`;
      host.refuse("version", message);
      host.close(`protocol version ${hello.v}`, {
        type: "bye",
        reason: message,
        code: "version",
      });
      return;
    }
    // A hello, even a refused one, makes this a native client: no text mode.
    this.cancel();
    if (host.context.password === undefined) return this.#enterNative(hello);
    return this.#passwordAccepted(hello.password).then((ok) => {
      if (ok && !host.closed) this.#enterNative(hello);
    });
  }

  #enterNative(hello: Hello): void {
    const host = this.#host;
    const { hub } = host.context;
    const person = personOf(hello, host.context.limits.idChars);
    if (this.#keptOut(person)) return;
    let member: Member;
    try {
      const v2 = hello.v >= 2;
      // Version 3 names its rooms (none, after leaving them all); older ones
      // one room, or the lobby.
      const rooms = hello.v >= ROOMS_VERSION && hello.rooms !== undefined
        ? hello.rooms
        : hello.room === undefined
        ? undefined
        : [hello.room];
      member = hub.enter(hello.nick ?? hub.guestNick(), host, {
        ...(rooms === undefined ? {} : { rooms }),
        person,
        quiet: v2 && hello.quiet === true,
      });
    } catch (error) {
      // Stay in the greeting: the client may say hello again with another nick.
      if (!(error instanceof ChatError)) throw error;
      host.refuse(error.code, error.message, undefined, error.suggest);
      return;
    }
    member.address = host.address;
    host.enterNative(member, hello);
  }

  /**
   * Chooses text mode: the user is in at once, or asked for the password
   * first (and `firstLine`, not a `/pass`, is dropped).
   */
  #startText(firstLine?: string): void {
    this.cancel();
    if (this.#host.context.password !== undefined) {
      this.#phase = "password";
      this.#host.sendLine("This server needs a password: type /pass PASSWORD");
      return;
    }
    this.#enterText(firstLine);
  }

  /** A locked text-mode line: only `/pass PASSWORD` opens the door. */
  #unlock(line: string): void | Promise<void> {
    const match = /^\/pass\s+(.*)$/.exec(line.trim());
    if (match === null) {
      this.#host.refuse(
        "password",
        "This server needs a password first: type /pass PASSWORD",
      );
      return;
    }
    return this.#passwordAccepted(match[1]!).then((ok) => {
      if (ok && !this.#host.closed) this.#enterText(undefined);
    });
  }

  #enterText(firstLine: string | undefined): void {
    const host = this.#host;
    const { hub } = host.context;
    // A guest is announced when it first speaks (lurkers and silent sockets
    // cost the room no notices).
    const member = hub.enter(hub.guestNick(), host, { unannounced: true });
    member.address = host.address;
    host.enterText(member, firstLine);
  }

  /**
   * Closes the connection of someone kicked a moment ago, saying when they
   * may come back; true when it did.
   */
  #keptOut(person: string | undefined): boolean {
    const host = this.#host;
    const wait = host.context.hub.moderation.cooldown(person);
    if (wait === undefined) return false;
    const reason =
      `You were kicked a moment ago; you may come back in ${wait} s`;
    host.refuse("not-now", reason);
    host.close("kicked a moment ago", {
      type: "bye",
      reason,
      code: "kicked",
      retryAfter: wait,
    });
    return true;
  }

  /**
   * Checks a password in constant time, once the address may try again
   * (failed secrets slow an address down). On a wrong one, says so, and
   * closes after the allowed tries.
   */
  async #passwordAccepted(password: string | undefined): Promise<boolean> {
    const host = this.#host;
    const expected = host.context.password;
    if (expected === undefined) return true;
    if (password === undefined) {
      host.refuse(
        "password",
        "This server needs a password: set LOCHAT_PASSWORD for lochat-client, or type /pass PASSWORD",
      );
      return false;
    }
    const right = await host.context.secrets.check(
      host.address,
      "password",
      () => safeEqual(password, expected),
    );
    if (right) return true;
    this.#passwordTries++;
    host.context.log("refuse", { peer: host.peer, reason: "wrong password" });
    host.refuse("password", "Wrong password");
    const tries = host.context.resources.passwordTries;
    if (this.#passwordTries >= tries) {
      host.close(`wrong password ${tries} times`, {
        type: "bye",
        reason: `Wrong password ${tries} times; ask the server's owner for it`,
        code: "password",
      });
    }
    return false;
  }
}
