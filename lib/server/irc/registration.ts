/**
 * An IRC connection's registration, per
 * https://modern.ircdocs.horse/#connection-registration: `CAP LS 302` …
 * `CAP END` (capability negotiation holds registration until it ends),
 * `PASS` or SASL `PLAIN` for the server password
 * (https://ircv3.net/specs/extensions/sasl-3.1), `NICK` and `USER`. Once
 * all are in, the nick is checked by IRC's rule and then Lochat's (a nick
 * one allows and the other does not is `432` with the rule), the password
 * is checked through the server's secret gate (failed tries slow an address
 * down), and the member enters the hub in no channel.
 *
 * @module
 */

import { ChatError } from "../../shared/errors.ts";
import { nickProblem } from "../../shared/names.ts";
import type { Member } from "../member.ts";
import { safeEqual } from "../secrets.ts";
import { capList, requestCaps } from "./caps.ts";
import type { IrcSession } from "./irc_session.ts";
import type { IrcMessage } from "./message.ts";
import { isValidNick } from "./names.ts";
import * as N from "./numerics.ts";
import { welcomeBurst } from "./welcome.ts";

/** SASL sends its payload in chunks of this many bytes; a shorter one ends it. */
const SASL_CHUNK = 400;

/**
 * Why a nick is refused, in one rule: what IRC and Lochat both allow (IRC's
 * RFC 2812 rule is wider; Lochat's is within it).
 *
 * @example
 * ```ts
 * nickRefusal(24); // "Erroneous nickname: use 1–24 ASCII letters, …"
 * ```
 */
export function nickRefusal(maxChars: number): string {
  return `Erroneous nickname: use 1–${maxChars} ASCII letters, digits, "_" or "-", starting with a letter (IRC allows these and []\\\`^{}|, Lochat only these)`;
}

/**
 * A nick as IRC and Lochat both allow it, or the numeric that refuses it
 * with the rule: `431`, `432` (with the one rule both allow, whichever
 * refused it), `433` when taken.
 *
 * @param session the session asking
 * @param nick the nick sent
 * @returns true when the nick may be used; else the numeric is sent
 */
export function checkNick(session: IrcSession, nick: string): boolean {
  const { limits, hub } = session.context;
  if (nick === "") {
    session.numeric(N.ERR_NONICKNAMEGIVEN, "No nickname given");
    return false;
  }
  if (!isValidNick(nick) || nickProblem(nick, limits.nickChars) !== undefined) {
    session.numeric(
      N.ERR_ERRONEUSNICKNAME,
      nick,
      nickRefusal(limits.nickChars),
    );
    return false;
  }
  const owner = hub.find(nick);
  if (owner !== undefined && owner !== session.member) {
    session.numeric(N.ERR_NICKNAMEINUSE, nick, "Nickname is already in use");
    return false;
  }
  return true;
}

/**
 * `CAP`, before and after registration
 * (https://ircv3.net/specs/extensions/capability-negotiation). Returns
 * whether negotiation is now under way (`LS`, `REQ`) or over (`END`), or
 * undefined when this subcommand says nothing of it.
 */
export function capCommand(
  session: IrcSession,
  message: IrcMessage,
): "negotiating" | "done" | undefined {
  const [sub = "", arg = ""] = message.params;
  const reply = (...params: string[]) =>
    session.write({
      source: session.options.serverName,
      command: "CAP",
      params: [session.nick, ...params],
    });
  switch (sub.toUpperCase()) {
    case "LS": {
      const version = Number(arg) || 0;
      if (version >= 302) session.caps.add("cap-notify");
      reply("LS", capList(version));
      return "negotiating";
    }
    case "LIST":
      reply("LIST", [...session.caps].join(" "));
      return undefined;
    case "REQ": {
      const next = requestCaps(session.caps, arg);
      if (next === undefined) reply("NAK", arg);
      else {
        session.caps = next;
        reply("ACK", arg);
      }
      return "negotiating";
    }
    case "END":
      return "done";
    default:
      session.numeric(N.ERR_INVALIDCAPCMD, sub, "Invalid CAP command");
      return undefined;
  }
}

/**
 * One connection's registration.
 *
 * @example
 * ```ts
 * const registration = new Registration(session);
 * registration.message(parseMessage("NICK ann")); // …then USER: the member is in
 * ```
 */
export class Registration {
  #session: IrcSession;
  /** The nick asked for, once valid. */
  nick: string | undefined;
  #user = false;
  #negotiating = false;
  #password: string | undefined;
  /** True once SASL gave the right password. */
  #authenticated = false;
  /** SASL `PLAIN` under way: the payload so far. */
  #sasl: string | undefined;
  #tries = 0;
  /** A password check under way: nothing else until it is done. */
  #checking = false;

  /**
   * Makes a Registration.
   *
   * @param session the session registering
   */
  constructor(session: IrcSession) {
    this.#session = session;
  }

  /** Handles one message before registration. */
  message(message: IrcMessage): void | Promise<void> {
    const session = this.#session;
    const params = message.params;
    switch (message.command) {
      case "CAP": {
        const said = capCommand(session, message);
        if (said === "negotiating") this.#negotiating = true;
        if (said === "done") {
          this.#negotiating = false;
          return this.#finish();
        }
        return;
      }
      case "PASS":
        if (params.length < 1) return this.#needMore("PASS");
        this.#password = params[0];
        return;
      case "AUTHENTICATE":
        return this.#authenticate(params[0] ?? "");
      case "NICK":
        if (params.length < 1 || params[0] === "") {
          session.numeric(N.ERR_NONICKNAMEGIVEN, "No nickname given");
          return;
        }
        if (!checkNick(session, params[0]!)) return;
        this.nick = params[0];
        return this.#finish();
      case "USER":
        // An empty user name or real name is as good as none (Modern IRC).
        if (params.length < 4 || params[0] === "" || params[3] === "") {
          return this.#needMore("USER");
        }
        this.#user = true;
        return this.#finish();
      case "PING":
        if (params.length < 1) {
          session.numeric(N.ERR_NOORIGIN, "No origin specified");
          return;
        }
        session.write({
          source: session.options.serverName,
          command: "PONG",
          params: [session.options.serverName, params[0]!],
        });
        return;
      case "PONG":
        return;
      case "QUIT":
        session.close("quit", {
          type: "bye",
          reason: `Closing link (${params[0] ?? "Quit"})`,
        });
        return;
      default:
        session.numeric(N.ERR_NOTREGISTERED, "You have not registered");
    }
  }

  #needMore(command: string): void {
    this.#session.numeric(
      N.ERR_NEEDMOREPARAMS,
      command,
      "Not enough parameters",
    );
  }

  /** SASL `PLAIN`: the mechanism, then the payload in base64 chunks. */
  #authenticate(arg: string): void | Promise<void> {
    const session = this.#session;
    if (!session.caps.has("sasl")) {
      session.numeric(N.ERR_SASLFAIL, "SASL authentication failed");
      return;
    }
    if (arg === "*") {
      this.#sasl = undefined;
      session.numeric(N.ERR_SASLABORTED, "SASL authentication aborted");
      return;
    }
    if (this.#authenticated) {
      session.numeric(N.ERR_SASLALREADY, "You have already authenticated");
      return;
    }
    if (this.#sasl === undefined) {
      if (arg.toUpperCase() !== "PLAIN") {
        session.numeric(
          N.RPL_SASLMECHS,
          "PLAIN",
          "are available SASL mechanisms",
        );
        session.numeric(N.ERR_SASLFAIL, "SASL authentication failed");
        return;
      }
      this.#sasl = "";
      session.write({ command: "AUTHENTICATE", params: ["+"] });
      return;
    }
    if (arg !== "+") this.#sasl += arg;
    if (this.#sasl.length > 4 * SASL_CHUNK) {
      this.#sasl = undefined;
      session.numeric(N.ERR_SASLTOOLONG, "SASL message too long");
      return;
    }
    if (arg.length === SASL_CHUNK) return; // More to come.
    const payload = this.#sasl;
    this.#sasl = undefined;
    let parts: string[];
    try {
      parts = new TextDecoder().decode(
        Uint8Array.from(atob(payload), (c) => c.charCodeAt(0)),
      ).split("\0");
    } catch {
      parts = [];
    }
    if (parts.length !== 3) {
      session.numeric(N.ERR_SASLFAIL, "SASL authentication failed");
      return;
    }
    const [, account, password] = parts as [string, string, string];
    this.#checking = true;
    return this.#passwordRight(password).then((right) => {
      this.#checking = false;
      if (session.closed) return;
      if (!right) {
        session.numeric(N.ERR_SASLFAIL, "SASL authentication failed");
        return this.#wrong();
      }
      this.#authenticated = true;
      const nick = this.nick ?? "*";
      session.numeric(
        N.RPL_LOGGEDIN,
        `${nick}!${nick}@lochat`,
        account || nick,
        `You are now logged in as ${account || nick}`,
      );
      session.numeric(N.RPL_SASLSUCCESS, "SASL authentication successful");
      return this.#finish();
    });
  }

  /** Checks a password in constant time, once the address may try again. */
  #passwordRight(password: string): Promise<boolean> {
    const { context, address } = this.#session;
    const expected = context.password;
    if (expected === undefined) return Promise.resolve(true);
    return context.secrets.check(
      address,
      "password",
      () => safeEqual(password, expected),
    );
  }

  /** A wrong password: closed after the allowed tries. */
  #wrong(): void {
    const session = this.#session;
    session.context.log("refuse", {
      peer: session.peer,
      reason: "wrong password",
    });
    const tries = session.context.resources.passwordTries;
    if (++this.#tries >= tries) {
      session.close(`wrong password ${tries} times`, {
        type: "bye",
        reason: `Wrong password ${tries} times; ask the server's owner for it`,
        code: "password",
      });
    }
  }

  /** Enters the member once NICK, USER, the password and CAP END are in. */
  #finish(): void | Promise<void> {
    const session = this.#session;
    if (
      this.nick === undefined || !this.#user || this.#negotiating ||
      this.#checking || session.closed
    ) return;
    if (session.context.password !== undefined && !this.#authenticated) {
      const given = this.#password;
      if (given === undefined) {
        session.numeric(
          N.ERR_PASSWDMISMATCH,
          "This server needs a password: PASS before NICK and USER, or SASL PLAIN",
        );
        session.close("no password", {
          type: "bye",
          reason: "Password required",
          code: "password",
        });
        return;
      }
      this.#checking = true;
      return this.#passwordRight(given).then((right) => {
        this.#checking = false;
        if (session.closed) return;
        if (!right) {
          session.numeric(N.ERR_PASSWDMISMATCH, "Password incorrect");
          session.close("wrong password", {
            type: "bye",
            reason: "Wrong password",
            code: "password",
          });
          return;
        }
        this.#authenticated = true;
        this.#enter();
      });
    }
    this.#enter();
  }

  #enter(): void {
    const session = this.#session;
    const nick = this.nick!;
    let member: Member;
    try {
      member = session.hub.enter(nick, session, { rooms: [] });
    } catch (error) {
      if (!(error instanceof ChatError)) throw error;
      this.nick = undefined;
      session.refusal("NICK", nick, error.code, error.message);
      return;
    }
    member.address = session.address;
    session.registered(member);
    welcomeBurst(session);
  }
}
