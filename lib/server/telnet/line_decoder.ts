/**
 * Telnet for text mode: turns what a `telnet` client (PuTTY, Linux `telnet`,
 * Tera Term, Windows `telnet.exe`) sends into the same bounded UTF-8 lines a
 * `LineSplitter` (`lib/shared/lines.ts`) gives for `nc`.
 *
 * A telnet client mixes commands into the byte stream: option negotiation
 * (`IAC WILL NAWS` …) as soon as it connects, subnegotiations, and control
 * functions such as Interrupt Process for Ctrl-C (RFC 854). Passed on as
 * text they would make a person's first line "not valid UTF-8". A
 * {@linkcode TelnetLineDecoder} parses them out, however the reads split
 * them; has every option the client offers or asks for refused
 * (`replies.ts`), so the session stays in the NVT's line-at-a-time mode with
 * the client echoing and editing locally (RFC 855, with the loop rules of
 * RFC 1143); carries out the editing commands and keys (Erase Character,
 * Erase Line, BS, DEL) on the line being typed (`typed_line.ts`); and ends a
 * line at LF, CR LF, bare CR or CR NUL, exactly once each. The codes
 * themselves are in `commands.ts`.
 *
 * The server never offers an option (no `WILL ECHO`, no `WILL SGA`), so a
 * client is never put into character mode; bytes that a client in character
 * mode would send anyway are still handled. LINEMODE (RFC 1184) is refused
 * like the rest, which leaves a client in its own local line editing; the
 * command codes RFC 1184 adds (EOF, SUSP, ABORT) are still understood.
 *
 * @module
 */

import type { LineResult } from "../../shared/lines.ts";
import {
  ABORT,
  AO,
  AYT,
  BRK,
  DM,
  EC,
  EL,
  EOF,
  IAC,
  IP,
  SB,
  SE,
  SUSP,
  WILL,
} from "./commands.ts";
import { TelnetReplies } from "./replies.ts";
import { TypedLine } from "./typed_line.ts";

export type { LineResult };

/**
 * Longest subnegotiation skipped, in bytes after `IAC SB` (doubled IACs
 * count twice). Past it the client is taken to have lost its `IAC SE`: the
 * decoder goes back to data and drops the rest of that line unreported.
 * Nothing is buffered either way; the bound is on how much input a broken
 * client can make vanish. NAWS takes 5 to 9 bytes, a terminal type a few
 * dozen, an environment a few hundred.
 */
export const MAX_SUBNEGOTIATION_BYTES = 1024;

/** What {@linkcode TelnetLineDecoder} is made with. */
export interface TelnetLineDecoderOptions {
  /** The longest line accepted, in bytes of UTF-8, its line end counted as one. */
  maxBytes: number;
  /**
   * Sends bytes back to the client: refusals and the answer to Are You There.
   * Called at most once per {@linkcode TelnetLineDecoder.push}, after its
   * lines, with an array the callee may keep.
   */
  reply: (bytes: Uint8Array) => void;
  /**
   * Called, in order with the lines, when the client sends Interrupt
   * Process, Abort Output, Break or Abort (Ctrl-C in most clients); the line
   * being typed has been discarded.
   */
  interrupt?: () => void;
}

const NUL = 0x00;
const BS = 0x08;
const LF = 0x0a;
const CR = 0x0d;
const DEL = 0x7f;

/** Bytes that end a run of plain data: everything else is copied as is. */
const SPECIAL = new Uint8Array(256);
for (const b of [NUL, BS, LF, CR, DEL, DM, IAC]) SPECIAL[b] = 1;

/** The data byte `IAC IAC` stands for. */
const BYTE_FF = new Uint8Array([IAC]);
/** A 0xF2 byte that turned out to start a UTF-8 sequence after all. */
const BYTE_F2 = new Uint8Array([DM]);

const DATA = 0;
/** After IAC. */
const COMMAND = 1;
/** After IAC WILL, WONT, DO or DONT: the option byte comes next. */
const OPTION = 2;
/** After IAC SB: the option byte comes next. */
const SUB_OPTION = 3;
/** Inside a subnegotiation. */
const SUB = 4;
/** After IAC inside a subnegotiation. */
const SUB_COMMAND = 5;

/**
 * Splits a telnet client's byte stream into bounded UTF-8 lines, taking out
 * and answering the telnet commands (RFC 854, RFC 855).
 *
 * Lines are what `LineSplitter` hands back: `{ ok: true, line }`
 * without the line end; `{ ok: false, error: "too-long", limit }` once for a
 * line longer than `maxBytes` (its line end counted), whose rest is skipped;
 * `{ ok: false, error: "invalid-utf8" }` for a line that is not UTF-8 (a line
 * with `IAC IAC` in it, as 0xFF is never UTF-8). Memory held stays under
 * `maxBytes` plus a reply buffer.
 *
 * Line ends (RFC 854 p.11, "The NVT printer and keyboard"): LF, CR LF, CR NUL
 * and a bare CR each end one line, also when split across reads. NUL
 * elsewhere is the NVT's no-op and dropped.
 *
 * Negotiation, RFC 1143 section 7 (the Q method) with every option kept off
 * on both sides, as `TelnetReplies` (`replies.ts`) does it: `WILL x` is
 * answered `DONT x`, `DO x` is answered `WONT x`, `WONT` and `DONT` never. A
 * request refused once is not answered again until the person has typed
 * something or sent a user command (IP, EC, AYT …) since, so a client that
 * answers a refusal with the same request gets silence, and a second Ctrl-C
 * (`IAC IP IAC DO TM` from Linux `telnet`) is answered again.
 *
 * Commands: IP, AO, BRK and ABORT discard the line being typed and call
 * `interrupt`; EC and BS (0x08) and DEL (0x7f) erase the last grapheme
 * cluster of the line (an emoji with its skin tone, a letter with its
 * accents: what the person sees as one character); EL erases the line; AYT
 * is answered `\r\n[Yes]\r\n`, once per read; NOP, DM, GA, EOR, EOF, SUSP
 * and SE are skipped; subnegotiations are skipped whole, up to
 * {@linkcode MAX_SUBNEGOTIATION_BYTES}. `IAC` followed by a byte that is no
 * command (below 236) drops the IAC and keeps the byte as data, and a 0xF2
 * data byte that no UTF-8 continuation byte follows is dropped: Linux takes
 * the urgent byte of a Synch (`IAC DM` sent as urgent data) out of the
 * stream, which leaves a lone `IAC` after PuTTY's Synch and a lone `DM`
 * (0xF2) after Linux `telnet`'s `send synch`.
 *
 * Plain text costs one table lookup a byte (measured faster than the native
 * `indexOf` for the seven special bytes), and a line that arrives whole in one
 * read is decoded in place, without a copy.
 *
 * @example
 * ```ts
 * const replies: Uint8Array[] = [];
 * const lines: LineResult[] = [];
 * const decoder = new TelnetLineDecoder({
 *   maxBytes: 8192,
 *   reply: (bytes) => replies.push(bytes),
 * });
 * // PuTTY's first offer, then "hi" and Enter.
 * decoder.push(
 *   new Uint8Array([IAC, WILL, TelnetOption.NAWS, 0x68, 0x69, 0x0d, 0x0a]),
 *   (r) => lines.push(r),
 * );
 * // lines: [{ ok: true, line: "hi" }]
 * // replies: [Uint8Array [IAC, DONT, TelnetOption.NAWS]]
 * ```
 */
export class TelnetLineDecoder {
  #line: TypedLine;
  #replies: TelnetReplies;
  #interrupt: (() => void) | undefined;

  /** The last line ended at a CR: an LF or NUL right after it belongs to it. */
  #afterReturn = false;
  /** The chunk ended with a 0xF2 byte: data or a lone DM, the next byte says. */
  #heldMark = false;

  #state = DATA;
  /** WILL, WONT, DO or DONT, while in state OPTION. */
  #verb = 0;
  /** Bytes seen in the current subnegotiation. */
  #subBytes = 0;

  /**
   * Makes a decoder for one connection.
   *
   * @param options.maxBytes the longest line accepted, in bytes, line end included
   * @param options.reply sends bytes to the client (refusals, the AYT answer)
   * @param options.interrupt called on Interrupt Process, Abort Output, Break, Abort
   */
  constructor(options: TelnetLineDecoderOptions) {
    this.#line = new TypedLine(options.maxBytes);
    this.#replies = new TelnetReplies(options.reply);
    this.#interrupt = options.interrupt;
  }

  /**
   * Feeds one chunk, as read from the socket. Calls `onLine` for each line it
   * completes, in order, and `interrupt` in between where the client sent
   * one; then `reply` once if there is anything to answer.
   *
   * @param chunk bytes read; not kept after the call returns
   * @param onLine receives each line, or the error for it
   */
  push(chunk: Uint8Array, onLine: (result: LineResult) => void): void {
    const n = chunk.length;
    let i = 0;
    while (i < n) {
      let b = chunk[i]!;
      if (this.#state === DATA) {
        if (this.#heldMark) {
          this.#heldMark = false;
          if ((b & 0xc0) === 0x80) this.#line.keep(BYTE_F2, onLine);
        }
        if (this.#afterReturn) {
          if (b === LF || b === NUL) {
            this.#afterReturn = false;
            i++;
            continue;
          }
          if (b !== IAC) this.#afterReturn = false;
        }
        const start = i;
        while (i < n && SPECIAL[chunk[i]!] === 0) i++;
        if (i > start) this.#replies.forgetRefusals();
        if (i === n) {
          this.#line.keep(chunk.subarray(start, n), onLine);
          break;
        }
        b = chunk[i]!;
        i++;
        if (b === LF || b === CR) {
          this.#line.endLine(chunk.subarray(start, i - 1), onLine);
          this.#afterReturn = b === CR;
          continue;
        }
        this.#line.keep(chunk.subarray(start, i - 1), onLine);
        if (b === IAC) {
          this.#state = COMMAND;
        } else if (b === DM) {
          // A lone DM (see the class comment) unless UTF-8 goes on after it.
          if (i === n) this.#heldMark = true;
          else if ((chunk[i]! & 0xc0) === 0x80) {
            this.#line.keep(BYTE_F2, onLine);
          }
        } else if (b === BS || b === DEL) {
          this.#replies.forgetRefusals();
          this.#line.erase();
        } // NUL: no operation.
        continue;
      }
      i++;
      switch (this.#state) {
        case COMMAND:
          this.#state = DATA;
          if (b < EOF) {
            // Not a command: a lone IAC (a Synch whose DM the kernel took
            // out of the stream). The byte is data.
            i--;
          } else if (b === IAC) {
            this.#afterReturn = false;
            this.#replies.forgetRefusals();
            this.#line.keep(BYTE_FF, onLine);
          } else if (b >= WILL) {
            this.#state = OPTION;
            this.#verb = b;
          } else if (b === SB) {
            this.#state = SUB_OPTION;
            this.#subBytes = 0;
          } else {
            this.#control(b);
          }
          break;
        case OPTION:
          this.#state = DATA;
          this.#replies.negotiate(this.#verb, b);
          break;
        case SUB_OPTION:
          this.#state = SUB;
          this.#subBytes = 1;
          break;
        case SUB:
        case SUB_COMMAND:
          if (this.#state === SUB_COMMAND && b !== IAC) {
            if (b === SE) {
              this.#state = DATA;
            } else {
              // IAC and a command inside a subnegotiation: the client lost
              // its IAC SE. End the subnegotiation, obey the command.
              this.#state = COMMAND;
              i--;
            }
            break;
          }
          this.#state = this.#state === SUB && b === IAC ? SUB_COMMAND : SUB;
          if (++this.#subBytes > MAX_SUBNEGOTIATION_BYTES) {
            this.#state = DATA;
            this.#line.skipRest();
          }
          break;
      }
    }
    this.#replies.flush();
  }

  /** Bytes of an unfinished line held between reads (0 when none). */
  get holding(): number {
    return this.#line.holding;
  }

  /**
   * Ends the stream: a last line without a line end still counts; a command
   * cut short is dropped. The decoder can be used again afterwards.
   *
   * @param onLine receives the last line, if there is one
   */
  end(onLine: (result: LineResult) => void): void {
    this.#line.endStream(onLine);
    this.#afterReturn = false;
    this.#heldMark = false;
    this.#state = DATA;
  }

  /**
   * Handles a two-byte command other than IAC IAC and SB. NOP, DM, GA, EOR
   * and SE need nothing done.
   */
  #control(command: number): void {
    switch (command) {
      case IP:
      case AO:
      case BRK:
      case ABORT:
        this.#replies.forgetRefusals();
        this.#line.clear();
        this.#interrupt?.();
        break;
      case EC:
        this.#replies.forgetRefusals();
        this.#line.erase();
        break;
      case EL:
        this.#replies.forgetRefusals();
        this.#line.clear();
        break;
      case AYT:
        this.#replies.forgetRefusals();
        this.#replies.areYouThere();
        break;
      case EOF:
      case SUSP:
        this.#replies.forgetRefusals();
        break;
    }
  }
}
