/**
 * Where a session is: the phases of the state machine a `Session` runs
 * (handshake, then native or text, then closed) and what each holds.
 *
 * A member's phase is entered when the handshake ends ({@linkcode nativePhase},
 * {@linkcode textPhase}); in every phase a frame for the peer is encoded the
 * way that phase's peer reads it ({@linkcode encodeIn}): native frames in the
 * protocol version the client speaks, or text lines.
 *
 * @module
 */

import { PROTOCOL_VERSION } from "../shared/protocol.ts";
import { type Handshake, type Hello, personOf } from "./handshake.ts";
import type { Member } from "./member.ts";
import { type InputHost, MemberInput } from "./member_input.ts";
import { encodeNative } from "./native.ts";
import type { Outgoing } from "./outgoing.ts";
import { textEncoder } from "./text_mode.ts";

/** Greeting the peer, until a member comes out of it. */
export interface HandshakePhase {
  /** Which phase this is. */
  phase: "handshake";
  /** The banner, hello or text mode, and the password. */
  handshake: Handshake;
}

/** A native client is in: frames both ways. */
export interface NativePhase {
  /** Which phase this is. */
  phase: "native";
  /** Who the client is in the hub. */
  member: Member;
  /** Where the member's lines go. */
  input: MemberInput;
  /** The protocol version the client is answered in. */
  version: number;
  /** When the peer was last pinged (`performance.now()` time). */
  pingedAt: number;
}

/** A text-mode user is in: lines both ways. */
export interface TextPhase {
  /** Which phase this is. */
  phase: "text";
  /** Who the user is in the hub. */
  member: Member;
  /** Where the member's lines go. */
  input: MemberInput;
  /** A frame as the lines this member reads. */
  encode: (out: Outgoing) => Uint8Array;
}

/** Over; the member, if there was one, is kept for the log. */
export interface ClosedPhase {
  /** Which phase this is. */
  phase: "closed";
  /** Who the member was, if the handshake had ended. */
  member: Member | undefined;
}

/** Where a session is. */
export type Phase = HandshakePhase | NativePhase | TextPhase | ClosedPhase;

/**
 * The phase of a native client whose handshake has just ended: answered in
 * the lower of its protocol version and ours, its message ids scoped to the
 * person its `hello` names (`host.acks`).
 *
 * @example
 * ```ts
 * const phase = nativePhase(session, member, hello);
 * phase.version; // 3 for a client that said v: 3
 * ```
 */
export function nativePhase(
  host: InputHost,
  member: Member,
  hello: Hello,
): NativePhase {
  // Ids are the client's own: scoped to its token, across reconnects; a
  // client without one keeps the scope of this connection.
  const person = personOf(hello, host.limits.idChars);
  if (person !== undefined) host.acks.scopeTo(person);
  return {
    phase: "native",
    member,
    input: new MemberInput(host, member),
    version: Math.min(hello.v, PROTOCOL_VERSION),
    pingedAt: 0,
  };
}

/**
 * The phase of a text-mode user whose handshake has just ended.
 *
 * @example
 * ```ts
 * const phase = textPhase(session, member);
 * phase.input.handle("hello all", undefined);
 * ```
 */
export function textPhase(host: InputHost, member: Member): TextPhase {
  return {
    phase: "text",
    member,
    input: new MemberInput(host, member),
    encode: textEncoder(member),
  };
}

/**
 * A frame as the bytes the peer of `phase` reads; undefined when it gets
 * nothing of it (the session is over, or the frame means nothing in the
 * peer's wire or protocol version).
 *
 * @example
 * ```ts
 * const bytes = encodeIn(phase, new Outgoing({ type: "ping", t: Date.now() }));
 * if (bytes !== undefined) connection.send(bytes);
 * ```
 */
export function encodeIn(phase: Phase, out: Outgoing): Uint8Array | undefined {
  switch (phase.phase) {
    case "closed":
      return undefined;
    case "text": {
      const bytes = phase.encode(out);
      return bytes.length === 0 ? undefined : bytes;
    }
    case "handshake":
      if (phase.handshake.wire === "text") return textEncoder(undefined)(out);
      return encodeNative(out, PROTOCOL_VERSION);
    case "native": {
      const bytes = encodeNative(out, phase.version);
      return bytes.length === 0 ? undefined : bytes;
    }
  }
}
