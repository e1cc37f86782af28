/**
 * What IRC users are sent: the hub's frames (messages, private messages,
 * joins, parts, nick changes, topics, away) as IRC lines, in the shape the
 * Modern IRC Client Protocol gives them (https://modern.ircdocs.horse/),
 * with the IRCv3 tags a reader asked for: `time` (server-time,
 * https://ircv3.net/specs/extensions/server-time) and `msgid`
 * (https://ircv3.net/specs/extensions/message-ids, the message's `seq`).
 *
 * A message longer than one IRC line goes out as several, cut at character
 * boundaries (`split_text.ts`): map, never lose; each line has its own
 * `msgid` (`48`, `48.2`, `48.3` …), as clients drop lines whose id they saw. A chat message is encoded
 * once per set of tags however many IRC members read it (the slots of
 * `Outgoing`).
 *
 * @module
 */

import type { ChatMessage, ServerFrame } from "../../shared/protocol.ts";
import { clean } from "../../shared/text.ts";
import { clock } from "../../shared/render.ts";
import { type Outgoing, WireSlot } from "../outgoing.ts";
import { type IrcMessageInit, serializeMessage } from "./message.ts";
import { maxTextBytes, splitText } from "./split_text.ts";

/** The host part of every member's source: Lochat does not show addresses. */
export const HOST = "lochat";

/** A member's IRC source, `nick!nick@lochat`. */
export function sourceOf(nick: string): string {
  return `${nick}!${nick}@${HOST}`;
}

/** A Lochat room's IRC channel: `games` is `#games`. */
export function channelOf(room: string): string {
  return `#${room}`;
}

/** Which tags a reader takes: a bit each, so 4 encodings at most. */
export const TAG_TIME = 1;
/** `msgid`, with `message-tags`. */
export const TAG_MSGID = 2;

/** The tag bits for a reader's capabilities. */
export function tagBits(caps: ReadonlySet<string>): number {
  return (caps.has("server-time") ? TAG_TIME : 0) |
    (caps.has("message-tags") ? TAG_MSGID : 0);
}

/** Who reads: their nick now, and what they asked for. */
export interface IrcReader {
  /** The reader's nick. */
  readonly nick: string;
  /** The capabilities the reader enabled. */
  readonly caps: ReadonlySet<string>;
}

/** A chat message as IRC lines need it. */
export interface LineMessage {
  /** Who said it. */
  from: string;
  /** The text, already clean. */
  text: string;
  /** Server time, ms since the epoch. */
  ts: number;
  /** The message's sequence number, its `msgid`. */
  seq?: number | undefined;
  /** An action (`/me`). */
  me?: boolean | undefined;
  /** A notice: sent as `NOTICE`, which no client answers automatically. */
  notice?: boolean | undefined;
}

/**
 * A message's lines: one `PRIVMSG` (`NOTICE` for a notice) per piece of
 * text that fits in 512 bytes, each with the tags `bits` ask for (the
 * `msgid` of the second piece of message 48 is `48.2`), each ending in
 * CR LF. An action is sent as CTCP `ACTION`.
 *
 * @param message the message
 * @param target the channel or nick it goes to
 * @param bits {@linkcode TAG_TIME} and {@linkcode TAG_MSGID}
 * @param extra more tags (`batch`), written first
 * @returns the lines, CR LF after each
 *
 * @example
 * ```ts
 * messageLines({ from: "ann", text: "hi", ts: 0 }, "#games", 0);
 * // ":ann!ann@lochat PRIVMSG #games :hi\r\n"
 * ```
 */
export function messageLines(
  message: LineMessage,
  target: string,
  bits: number,
  extra?: ReadonlyMap<string, string>,
): string {
  const command = message.notice ? "NOTICE" : "PRIVMSG";
  const source = sourceOf(message.from);
  const tags = new Map(extra);
  if (bits & TAG_TIME) tags.set("time", new Date(message.ts).toISOString());
  if (bits & TAG_MSGID && message.seq !== undefined) {
    tags.set("msgid", String(message.seq));
  }
  // "\x01ACTION " and "\x01" take 9 bytes of each line.
  const room = maxTextBytes(source, target, command) - (message.me ? 9 : 0);
  let out = "";
  const pieces = splitText(message.text, Math.max(4, room));
  for (let i = 0; i < pieces.length; i++) {
    // Each line its own msgid (`48`, `48.2`, …): clients drop repeated ids.
    if (i > 0 && tags.has("msgid")) {
      tags.set("msgid", `${message.seq}.${i + 1}`);
    }
    const text = message.me ? `\x01ACTION ${pieces[i]}\x01` : pieces[i]!;
    out += line({ tags, source, command, params: [target, text] });
  }
  return out;
}

/**
 * A room's history message as IRC lines: with server-time, its time is its
 * `time` tag; without, `[HH:MM] ` starts its text, so even a client that
 * knows no tags shows when it was said.
 */
export function historyLines(
  message: LineMessage & { room: string },
  bits: number,
  batch: string | undefined,
): string {
  const extra = batch === undefined ? undefined : new Map([["batch", batch]]);
  const shown = bits & TAG_TIME
    ? message
    : { ...message, text: `${clock(message.ts)} ${message.text}` };
  return messageLines(shown, channelOf(message.room), bits, extra);
}

/**
 * A room's recent messages as IRC lines: inside a `chathistory` batch
 * (https://ircv3.net/specs/extensions/batch) when the reader took `batch`,
 * each with its `time` when it took `server-time`.
 *
 * @param server the server's source, for the `BATCH` lines
 * @param reader who reads
 * @param room the room, without `#`
 * @param messages oldest first; none gives no lines
 * @returns the lines, CR LF after each
 */
export function historyBatch(
  server: string,
  reader: IrcReader,
  room: string,
  messages: ChatMessage[],
): string {
  if (messages.length === 0) return "";
  const bits = tagBits(reader.caps);
  const batch = reader.caps.has("batch") ? `history-${room}` : undefined;
  let text = batch === undefined ? "" : line({
    source: server,
    command: "BATCH",
    params: [`+${batch}`, "chathistory", channelOf(room)],
  });
  for (const m of messages) text += historyLines(m, bits, batch);
  if (batch !== undefined) {
    text += line({ source: server, command: "BATCH", params: [`-${batch}`] });
  }
  return text;
}

/**
 * A server notice to `target`: a line each for multi-line text, each cut
 * to fit in 512 bytes, each cleaned of what may not be shown.
 */
export function noticeLines(
  server: string,
  target: string,
  text: string,
): string {
  const room = Math.max(4, maxTextBytes(server, target, "NOTICE"));
  let out = "";
  for (const row of text.split("\n")) {
    const shown = clean(row);
    if (shown.trim() === "") continue;
    for (const piece of splitText(shown, room)) {
      out += line({
        source: server,
        command: "NOTICE",
        params: [target, piece],
      });
    }
  }
  return out;
}

const encoder = new TextEncoder();
const NOTHING = new Uint8Array(0);

/** Commands whose last parameter is a name, written without `:`. */
const NAMES_LAST = new Set(["JOIN", "MODE", "BATCH", "AUTHENTICATE"]);

/**
 * One line with CR LF. The last parameter is written as trailing (`:`)
 * except for `JOIN`, `MODE`, `BATCH` and `AUTHENTICATE`, as servers
 * conventionally do: older clients read text only after the `:`.
 */
export function line(message: IrcMessageInit): string {
  const trailing = !NAMES_LAST.has(message.command);
  return serializeMessage({ ...message, trailing }) + "\r\n";
}

/**
 * A hub frame as the IRC lines `reader` gets, as bytes; no bytes for a
 * frame IRC has nothing for (an `ack`, a `delivered`, a `pong`). Answers to
 * a reader's own lines (`ack`, `error`, `reply`) are the session's, not
 * this function's.
 *
 * @param out the frame, with its shared encodings
 * @param reader who reads it
 * @returns the bytes to send
 */
export function encodeIrc(out: Outgoing, reader: IrcReader): Uint8Array {
  const frame = out.frame;
  switch (frame.type) {
    case "msg": {
      const bits = tagBits(reader.caps);
      return out.bytes(
        WireSlot.irc + bits,
        (f) => encoder.encode(msgLines(f, bits)),
      );
    }
    case "pm":
      return encoder.encode(pmLines(frame, reader));
    case "event": {
      const text = eventLines(frame, reader);
      return text === "" ? NOTHING : encoder.encode(text);
    }
    default:
      return NOTHING;
  }
}

function msgLines(frame: ServerFrame, bits: number): string {
  if (frame.type !== "msg") return "";
  return frame.history === true
    ? historyLines(frame, bits, undefined)
    : messageLines(frame, channelOf(frame.room), bits);
}

/**
 * A private message as the reader sees it: from the other side, to the
 * reader. The sender's own copy (Lochat's echo to the sender) is IRC's
 * echo-message: sent only to a reader who asked for it.
 */
function pmLines(
  frame: Extract<ServerFrame, { type: "pm" }>,
  reader: IrcReader,
): string {
  const own = frame.from === reader.nick && frame.to !== reader.nick;
  if (own && !reader.caps.has("echo-message")) return "";
  return messageLines(frame, frame.to, tagBits(reader.caps) & TAG_TIME);
}

/** What happened to someone, as IRC says it; "" when IRC has no word for it. */
function eventLines(
  frame: Extract<ServerFrame, { type: "event" }>,
  reader: IrcReader,
): string {
  const tags = tagBits(reader.caps) & TAG_TIME
    ? new Map([["time", new Date(frame.ts).toISOString()]])
    : undefined;
  const source = sourceOf(frame.nick);
  const room = frame.room === undefined ? undefined : channelOf(frame.room);
  const reason = frame.reason;
  switch (frame.event) {
    case "join":
      return room === undefined
        ? ""
        : line({ tags, source, command: "JOIN", params: [room] });
    case "part":
    case "leave":
      if (room !== undefined && frame.by !== undefined) {
        return kickLine(frame, room, tags);
      }
      return room === undefined ? "" : line({
        tags,
        source,
        command: "PART",
        params: reason === undefined ? [room] : [room, reason],
      });
    case "quit":
      return line({
        tags,
        source,
        command: "QUIT",
        params: [reason === undefined ? "Quit" : `Quit: ${reason}`],
      });
    case "nick":
      return frame.to === undefined
        ? ""
        : line({ tags, source, command: "NICK", params: [frame.to] });
    case "topic":
      return room === undefined ? "" : line({
        tags,
        source,
        command: "TOPIC",
        params: [room, reason ?? ""],
      });
    case "away":
    case "back":
      // One's own away is answered with 305/306 by the session.
      if (frame.nick === reader.nick || !reader.caps.has("away-notify")) {
        return "";
      }
      return line({
        tags,
        source,
        command: "AWAY",
        params: frame.event === "away" ? [reason ?? "Away"] : [],
      });
  }
}

/**
 * A kick (a `part` with `by`, the operator) as IRC's `KICK`, with the
 * operator's reason: Lochat's reason, `kicked by ann: spam`, names the
 * operator for readers who have no `KICK`; IRC's says only `spam`, or the
 * operator's nick when no reason was given, as IRC servers do.
 */
function kickLine(
  frame: Extract<ServerFrame, { type: "event" }>,
  room: string,
  tags: Map<string, string> | undefined,
): string {
  const by = frame.by!;
  const said = frame.reason ?? "";
  const prefix = `kicked by ${by}: `;
  const reason = said.startsWith(prefix) ? said.slice(prefix.length) : by;
  return line({
    tags,
    source: sourceOf(by),
    command: "KICK",
    params: [room, frame.nick, reason],
  });
}
