/**
 * What the server says back to a telnet client, and when. Text mode keeps
 * every option off on both sides, so the whole of option negotiation is
 * refusal: RFC 1143 section 7 (the Q method) with `us` and `him` always NO,
 * plus the rule that stops a client that answers a refusal with the same
 * request from looping. The only other answer is the `[Yes]` line for Are
 * You There. A {@linkcode TelnetReplies} gathers these while one read is
 * decoded and sends them in one write at its end; `line_decoder.ts` tells it
 * what the client asked and when the person acted.
 *
 * @module
 */

import { DO, DONT, IAC, WILL, WONT } from "./commands.ts";

/**
 * The answer to Are You There. BSD telnetd says `[Yes]` on a line of its
 * own; the leading CR LF keeps it off whatever the client has echoed.
 */
const YES = new TextEncoder().encode("\r\n[Yes]\r\n");

/** Bits of `#refused`: what was refused for an option. */
const REFUSED_WILL = 1;
const REFUSED_DO = 2;

/**
 * The replies owed to one telnet client, gathered during one read and sent
 * at its end with {@linkcode TelnetReplies.flush}.
 *
 * Negotiation, RFC 1143 section 7 with every option kept off on both sides:
 * `WILL x` is answered `DONT x`, `DO x` is answered `WONT x`, `WONT` and
 * `DONT` are never answered (that is the state already, and answering them
 * is what makes loops). A request refused once is not answered again until
 * {@linkcode TelnetReplies.forgetRefusals} says the person has typed
 * something or sent a user command since: a client that answers a refusal
 * with the same request, however many options it cycles through, gets
 * silence.
 *
 * @example
 * ```ts
 * const sent: Uint8Array[] = [];
 * const replies = new TelnetReplies((bytes) => sent.push(bytes));
 * replies.negotiate(WILL, TelnetOption.NAWS);
 * replies.negotiate(WILL, TelnetOption.NAWS); // refused already: silence
 * replies.flush();
 * // sent: [Uint8Array [IAC, DONT, TelnetOption.NAWS]]
 * ```
 */
export class TelnetReplies {
  #reply: (bytes: Uint8Array) => void;

  /** REFUSED_WILL and REFUSED_DO bits per option, since the person last acted. */
  #refused = new Uint8Array(256);
  #refusedAny = false;

  /** Replies gathered during one read. */
  #out: Uint8Array = new Uint8Array(64);
  #outLength = 0;
  #answeredAyt = false;

  /**
   * Makes the replies of one connection.
   *
   * @param reply sends bytes to the client; called by
   *   {@linkcode TelnetReplies.flush}, with an array the callee may keep
   */
  constructor(reply: (bytes: Uint8Array) => void) {
    this.#reply = reply;
  }

  /**
   * Answers `IAC verb option`: refuses a `WILL` or `DO` not refused since
   * the person last acted, ignores the rest.
   *
   * @param verb `WILL`, `WONT`, `DO` or `DONT`
   * @param option the option byte that followed it
   */
  negotiate(verb: number, option: number): void {
    const bit = verb === WILL ? REFUSED_WILL : verb === DO ? REFUSED_DO : 0;
    if (bit === 0 || (this.#refused[option]! & bit) !== 0) return;
    this.#refused[option]! |= bit;
    this.#refusedAny = true;
    this.#sendCommand(verb === WILL ? DONT : WONT, option);
  }

  /**
   * The person acted (typed, erased, sent a user command): requests refused
   * before are answered again.
   */
  forgetRefusals(): void {
    if (!this.#refusedAny) return;
    this.#refused.fill(0);
    this.#refusedAny = false;
  }

  /** Answers Are You There with `\r\n[Yes]\r\n`, at most once per read. */
  areYouThere(): void {
    if (this.#answeredAyt) return;
    this.#answeredAyt = true;
    this.#send(YES);
  }

  /** Ends a read: sends what was gathered, if anything, in one call. */
  flush(): void {
    this.#answeredAyt = false;
    if (this.#outLength === 0) return;
    const bytes = this.#out.slice(0, this.#outLength);
    this.#outLength = 0;
    // A flood of requests may have grown the buffer: do not keep it.
    if (this.#out.length > 1024) this.#out = new Uint8Array(64);
    this.#reply(bytes);
  }

  #sendCommand(verb: number, option: number): void {
    this.#room(3);
    this.#out[this.#outLength++] = IAC;
    this.#out[this.#outLength++] = verb;
    this.#out[this.#outLength++] = option;
  }

  #send(bytes: Uint8Array): void {
    this.#room(bytes.length);
    this.#out.set(bytes, this.#outLength);
    this.#outLength += bytes.length;
  }

  #room(needed: number): void {
    if (this.#outLength + needed <= this.#out.length) return;
    const grown = new Uint8Array(
      Math.max(this.#out.length * 2, this.#outLength + needed),
    );
    grown.set(this.#out.subarray(0, this.#outLength));
    this.#out = grown;
  }
}
