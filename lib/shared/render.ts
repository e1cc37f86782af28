/**
 * Server frames as lines for people: plain for text-mode (netcat) users,
 * coloured for the terminal client.
 *
 * One renderer serves both so that a netcat user and a client user read the
 * same chat. Every piece of text that came from another person passes through
 * `clean` here once more before it reaches a terminal, and a piece that
 * holds right-to-left characters is isolated (`lib/shared/bidi.ts`), so no
 * one's text can reorder the line around it.
 *
 * @module
 */

import { styleText } from "node:util";
import type { ChatMessage, ServerFrame } from "./protocol.ts";
import { cleanKeepingIsolates, userPiece } from "./bidi.ts";
import { clean } from "./text.ts";

/** How to render. */
export interface RenderOptions {
  /** Use ANSI colours. */
  color: boolean;
  /** The reader's own nick: their own messages and mentions are marked. */
  self?: string;
}

/** A style `node:util` `styleText` takes: a colour or a modifier, or several. */
export type Style = Parameters<typeof styleText>[0];

const NICK_COLORS: Style[] = [
  "red",
  "green",
  "yellow",
  "blue",
  "magenta",
  "cyan",
  "redBright",
  "greenBright",
  "yellowBright",
  "blueBright",
  "magentaBright",
  "cyanBright",
];

/**
 * Renders one frame as zero or more lines, or `undefined` for frames that
 * have no line of their own (a command's `ack`, a `pong`).
 *
 * @example
 * ```ts
 * renderFrame({ type: "event", event: "join", nick: "ann", room: "lobby", ts: 0 }, { color: false });
 * // "[00:00] -- ann joined #lobby" (in the local time zone)
 * ```
 */
export function renderFrame(
  frame: ServerFrame,
  options: RenderOptions,
): string | undefined {
  const paint = painter(options.color);
  switch (frame.type) {
    case "welcome": {
      const room = frame.rooms?.find((r) => r.name === frame.room);
      const others = room?.members.filter((nick) => nick !== frame.nick) ?? [];
      const here = room === undefined
        ? ""
        : others.length === 0
        ? " No one else is here yet."
        : ` Here: ${others.map(userPiece).join(", ")}.`;
      const rooms = frame.rooms ?? [];
      const where = frame.room === ""
        ? ", in no room (/join ROOM)"
        : ` in #${frame.room}`;
      const lines = [
        paint(
          "dim",
          `You are ${frame.nick}${where} on ${
            userPiece(frame.server)
          }.${here} Type to chat; /help lists commands.`,
        ),
      ];
      const also = rooms.filter((r) => r.name !== frame.room);
      if (also.length > 0) {
        lines.push(paint(
          "dim",
          `Also in ${
            also.map((r) => `#${r.name}`).join(", ")
          }: /switch ROOM talks there`,
        ));
      }
      for (const r of rooms) {
        if (r.topic !== undefined) {
          lines.push(
            paint("dim", `Topic of #${r.name}: ${userPiece(r.topic)}`),
          );
        }
      }
      if (frame.motd !== undefined && frame.motd.trim() !== "") {
        lines.push(...frame.motd.split("\n").map(cleanKeepingIsolates));
      }
      return lines.join("\n");
    }
    case "msg":
      return renderMessage(frame, options, frame.history === true);
    case "joined": {
      const others = frame.members.length - 1;
      const topic = frame.topic === undefined
        ? ""
        : ` Topic: ${userPiece(frame.topic)}`;
      const lines = [
        paint(
          "dim",
          `You joined #${frame.name} (${
            others <= 0
              ? "no one else here"
              : `here: ${frame.members.map(userPiece).join(", ")}`
          }).${topic}`,
        ),
        ...frame.history.map((m) => renderMessage(m, options, true)),
      ];
      if ((frame.more ?? 0) > 0) {
        lines.push(
          paint("dim", `(${frame.more} older messages: /history shows them)`),
        );
      }
      return lines.join("\n");
    }
    case "pm": {
      const time = paint("dim", clock(frame.ts));
      const text = userPiece(frame.text);
      const outgoing = options.self !== undefined &&
        frame.from === options.self &&
        frame.to !== options.self;
      const who = outgoing
        ? `-> *${userPiece(frame.to)}*`
        : `*${userPiece(frame.from)}*`;
      // A notice (IRC's NOTICE) is -nick-, as IRC clients show one.
      const notice = outgoing
        ? `-> -${userPiece(frame.to)}-`
        : `-${userPiece(frame.from)}-`;
      const body = frame.me
        ? `* ${userPiece(frame.from)} ${text}`
        : `${frame.notice ? notice : who} ${text}`;
      return `${time} ${paint(["bold", "magenta"], body)}`;
    }
    case "event":
      return `${paint("dim", clock(frame.ts))} ${
        paint("dim", `-- ${describeEvent(frame)}`)
      }`;
    case "ack":
      return undefined;
    case "delivered":
      return paint(
        "dim",
        frame.of === 0
          ? "Message Received (no one else here)"
          : `Message Received ✓✓ ${frame.count}/${frame.of}`,
      );
    case "reply":
      return frame.text.split("\n").map(cleanKeepingIsolates).join("\n");
    case "error":
      return paint(["bold", "red"], `! ${cleanKeepingIsolates(frame.message)}`);
    case "bye":
      return paint(
        ["bold", "yellow"],
        `-- ${cleanKeepingIsolates(frame.reason)}`,
      );
    case "pong":
    case "ping":
      return undefined;
  }
}

/**
 * Renders a chat message line; `history` marks a replayed one: `true` as
 * `(history)`, or a word of its own (`missed`, after a reconnect).
 */
export function renderMessage(
  message: ChatMessage,
  options: RenderOptions,
  history: boolean | string = false,
): string {
  const paint = painter(options.color);
  const from = clean(message.from);
  const text = userPiece(message.text);
  const time = paint("dim", clock(message.ts));
  const mark = history === false
    ? ""
    : paint("dim", `(${history === true ? "history" : history}) `);
  const nick = paint(nickColor(from), userPiece(from));
  const mentioned = options.color && options.self !== undefined &&
    from !== options.self &&
    mentions(text, options.self);
  const body = message.me
    ? `* ${nick} ${text}`
    : message.notice
    ? `-${nick}- ${text}` // A notice, as IRC clients show one.
    : `<${nick}> ${mentioned ? paint("bold", text) : text}`;
  return `${time} ${mark}${body}`;
}

/**
 * The room a frame is about, when it is about one room: a message, or a
 * join, part or topic there. Lines from a room other than the one a person
 * talks in are marked with it.
 */
export function roomOfFrame(frame: ServerFrame): string | undefined {
  return frame.type === "msg" || frame.type === "event"
    ? frame.room
    : undefined;
}

/**
 * `line` with each of its rows marked `[#room] ` (in the room's own colour
 * when `color`), for a line from a room other than the current one.
 *
 * @example
 * ```ts
 * markRoom("[12:00] <bob> hi", "games", false); // "[#games] [12:00] <bob> hi"
 * ```
 */
export function markRoom(line: string, room: string, color: boolean): string {
  const mark = painter(color)(nickColor(room), `[#${room}]`);
  return line.split("\n").map((row) => `${mark} ${row}`).join("\n");
}

/** True when `text` names `nick` as a word, in any case. */
export function mentions(text: string, nick: string): boolean {
  const escaped = nick.replace(/[-]/g, "\\-");
  return new RegExp(`(^|[^A-Za-z0-9_-])@?${escaped}($|[^A-Za-z0-9_-])`, "i")
    .test(text);
}

/** A stable colour for a nick: the same nick always gets the same one. */
export function nickColor(nick: string): Style {
  let hash = 0;
  for (const char of nick.toLowerCase()) {
    hash = (hash * 31 + char.codePointAt(0)!) >>> 0;
  }
  return NICK_COLORS[hash % NICK_COLORS.length]!;
}

/** Local time of day as `[HH:MM]`. */
export function clock(ts: number): string {
  const date = new Date(ts);
  const hh = String(date.getHours()).padStart(2, "0");
  const mm = String(date.getMinutes()).padStart(2, "0");
  return `[${hh}:${mm}]`;
}

function describeEvent(frame: Extract<ServerFrame, { type: "event" }>): string {
  const nick = userPiece(frame.nick);
  const room = frame.room === undefined ? "" : ` #${userPiece(frame.room)}`;
  const reason = frame.reason === undefined || frame.reason === ""
    ? ""
    : userPiece(frame.reason);
  switch (frame.event) {
    case "join":
      return `${nick} joined${room}`;
    case "leave":
      return `${nick} left${room}`;
    case "part":
      return reason === ""
        ? `${nick} left${room}`
        : `${nick} left${room} (${reason})`;
    case "topic":
      return reason === ""
        ? `${nick} cleared the topic of${room}`
        : `${nick} set the topic of${room}: ${reason}`;
    case "quit":
      return reason === "" ? `${nick} quit` : `${nick} quit (${reason})`;
    case "nick":
      return `${nick} is now known as ${userPiece(frame.to ?? "?")}`;
    case "away":
      return reason === "" ? `${nick} is away` : `${nick} is away: ${reason}`;
    case "back":
      return `${nick} is back`;
  }
}

/** Paints `text` in a {@linkcode Style}, or leaves it plain. */
export type Paint = (style: Style, text: string) => string;

/**
 * A {@linkcode Paint} that styles with ANSI escapes when `color` is on and
 * returns the text unchanged when it is off.
 *
 * @example
 * ```ts
 * painter(false)("red", "! no"); // "! no"
 * ```
 */
export function painter(color: boolean): Paint {
  if (!color) return (_style, text) => text;
  return (style, text) => styleText(style, text, { validateStream: false });
}
