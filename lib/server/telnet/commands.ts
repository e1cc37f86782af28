/**
 * The telnet vocabulary (RFC 854) for text mode: the command codes a client
 * mixes into its byte stream after `IAC`, the option codes clients are known
 * to negotiate, and {@linkcode telnetOpening}, which tells a telnet client by
 * its first byte. These are numbers only; what the server does with them is
 * in `line_decoder.ts` (reading lines out of the stream) and `replies.ts`
 * (refusing every option, answering Are You There).
 *
 * @module
 */

// Command codes, RFC 854 p.14, plus RFC 1184 (EOF, SUSP, ABORT) and
// RFC 885 (EOR).

/** End of File, RFC 1184 section 2 (236). Ignored. */
export const EOF = 236;
/** Suspend Process, RFC 1184 section 2 (237). Ignored. */
export const SUSP = 237;
/** Abort Process, RFC 1184 section 2 (238). Treated like {@linkcode IP}. */
export const ABORT = 238;
/** End of Record, RFC 885 (239). Ignored. */
export const EOR = 239;
/** End of subnegotiation parameters, RFC 854 p.14 (240). */
export const SE = 240;
/** No Operation, RFC 854 p.14 (241). */
export const NOP = 241;
/** Data Mark, the data-stream part of a Synch, RFC 854 p.14 (242). Ignored. */
export const DM = 242;
/** Break, RFC 854 p.14 (243). Treated like {@linkcode IP}. */
export const BRK = 243;
/** Interrupt Process, what Ctrl-C sends, RFC 854 p.14 (244). */
export const IP = 244;
/** Abort Output, RFC 854 p.14 (245). Treated like {@linkcode IP}. */
export const AO = 245;
/** Are You There, RFC 854 p.14 (246). Answered with a visible line. */
export const AYT = 246;
/** Erase Character, RFC 854 p.14 (247). */
export const EC = 247;
/** Erase Line, RFC 854 p.14 (248). */
export const EL = 248;
/** Go Ahead, RFC 854 p.14 (249). Ignored. */
export const GA = 249;
/** Start of subnegotiation (`IAC SB option … IAC SE`), RFC 854 p.14 (250). */
export const SB = 250;
/** "I will use option …", RFC 854 p.14 (251). */
export const WILL = 251;
/** "I won't use option …", RFC 854 p.14 (252). */
export const WONT = 252;
/** "Please use option …", RFC 854 p.14 (253). */
export const DO = 253;
/** "Don't use option …", RFC 854 p.14 (254). */
export const DONT = 254;
/** Interpret As Command: starts every command; `IAC IAC` is a 0xFF data byte. RFC 854 p.14 (255). */
export const IAC = 255;

/**
 * Option codes (the byte after `WILL`, `WONT`, `DO`, `DONT` or `SB`) that
 * clients are known to send, by their names in the IANA telnet options
 * registry and the RFCs that define them (RFC 857 ECHO, RFC 858 SGA, RFC 860
 * TM, RFC 1091 TTYPE, RFC 1073 NAWS, RFC 1079 TSPEED, RFC 1372 LFLOW,
 * RFC 1184 LINEMODE, RFC 1096 XDISPLOC, RFC 1408 OLD_ENVIRON, RFC 1572
 * NEW_ENVIRON, RFC 859 STATUS, RFC 856 BINARY). The decoder refuses every
 * option, listed here or not.
 *
 * @example
 * ```ts
 * // What PuTTY sends first: IAC WILL NAWS …
 * const opening = [IAC, WILL, TelnetOption.NAWS];
 * ```
 */
export const TelnetOption = {
  /** Binary transmission, RFC 856. */
  BINARY: 0,
  /** Echo, RFC 857. */
  ECHO: 1,
  /** Suppress Go Ahead, RFC 858. */
  SGA: 3,
  /** Status, RFC 859. */
  STATUS: 5,
  /** Timing Mark, RFC 860: what Linux `telnet` sends after Ctrl-C. */
  TM: 6,
  /** Terminal type, RFC 1091. */
  TTYPE: 24,
  /** End of record, RFC 885. */
  EOR: 25,
  /** Negotiate About Window Size, RFC 1073. */
  NAWS: 31,
  /** Terminal speed, RFC 1079. */
  TSPEED: 32,
  /** Remote flow control, RFC 1372. */
  LFLOW: 33,
  /** Linemode, RFC 1184. */
  LINEMODE: 34,
  /** X display location, RFC 1096. */
  XDISPLOC: 35,
  /** Environment variables, the old way, RFC 1408. */
  OLD_ENVIRON: 36,
  /** Authentication, RFC 2941. */
  AUTHENTICATION: 37,
  /** Encryption, RFC 2946. */
  ENCRYPT: 38,
  /** Environment variables, RFC 1572. */
  NEW_ENVIRON: 39,
} as const;

/**
 * Whether the first chunk a connection sent starts with IAC, i.e. comes
 * from a telnet client opening its option negotiation (RFC 854 p.14: IAC is
 * 255, which no UTF-8 text and no JSON frame starts with). A telnet client
 * talking to a port other than 23 may send nothing of the sort; its lines are
 * still decoded correctly by `TelnetLineDecoder` (`line_decoder.ts`).
 *
 * @param data the first bytes read from the connection
 * @returns true when `data` is not empty and its first byte is IAC
 *
 * @example
 * ```ts
 * telnetOpening(new Uint8Array([IAC, WILL, TelnetOption.NAWS])); // true
 * telnetOpening(new TextEncoder().encode('{"type":"hello"}\n')); // false
 * ```
 */
export function telnetOpening(data: Uint8Array): boolean {
  return data.length > 0 && data[0] === IAC;
}
