/**
 * What a line typed on the page means, decided before anything is sent: a
 * command of the page's own (`/switch`, `/clear`, `/query`, `/quit`), a line
 * refused here (over the server's limits, blank once cleaned, said where it
 * cannot be said), or a line to send, with the message to show at once as
 * pending and where: the room or private conversation it is said in, or,
 * for `/msg NICK TEXT` and `/reply TEXT` typed anywhere, the private
 * conversation it goes to. The text shown is the text cleaned as the server
 * will clean it.
 *
 * Pure: {@linkcode readLine} gets the line and what it needs of the chat,
 * and returns a {@linkcode LinePlan} that `ChatState` carries out.
 *
 * @module
 */

import { COMMAND_SPECS } from "../lib/shared/command_specs.ts";
import { firstWord, parseInput } from "../lib/shared/input.ts";
import type { ProtocolLimits } from "../lib/shared/limits.ts";
import { parseRoom } from "../lib/shared/names.ts";
import { clean, codePoints, isBlank } from "../lib/shared/text.ts";
import type { ClientFrame } from "../lib/shared/protocol.ts";
import type { Conversation } from "./conversation.ts";
import type { Effect } from "./joining.ts";

/** A command as the server lists it, for help, completion and aliases. */
export interface CommandName {
  name: string;
  aliases?: string[] | undefined;
}

/** The command table as this page was built with it (the server's welcome may bring another). */
export const TABLE_COMMANDS: readonly CommandName[] = COMMAND_SPECS.map((
  c,
) => ({
  name: c.name,
  aliases: "aliases" in c ? [...c.aliases] : undefined,
}));

/** A command the page carries out itself, never sent to the server. */
export type LocalCommand =
  /** `/quit [REASON]`, `/exit`: leave. */
  | { command: "quit"; reason: string }
  /** `/clear`: empty the conversation on screen. */
  | { command: "clear" }
  /** `/switch ROOM`: show a room the person is in. */
  | { command: "switch"; room: string }
  /** `/query NICK`: open the private conversation with someone. */
  | { command: "query"; nick: string };

/** What the person typed came to: frames to send, and perhaps a local effect. */
export interface Typed {
  frames: ClientFrame[];
  effect?: Effect;
  /** Why the line was not sent, to show the person (the line stays in the box). */
  problem?: string;
}

/** What a typed line comes to. */
export type LinePlan =
  /** Nothing typed. */
  | { kind: "nothing" }
  /** A command the page carries out itself. */
  | ({ kind: "local" } & LocalCommand)
  /** Not sent, and why (the line stays in the box). */
  | { kind: "refused"; problem: string }
  /** Sent as `text`; `show` is the message shown at once, pending. */
  | { kind: "send"; text: string; show?: Shown };

/** The person's own message, shown while it is on its way. */
export interface Shown {
  /** Where: the conversation typed in, or the private one with `nick`. */
  where: { kind: "here" } | { kind: "private"; nick: string };
  /** The text as the server will show it (cleaned). */
  text: string;
  /** An action (`/me waves`). */
  me: boolean;
}

/** What {@linkcode readLine} needs of the chat. */
export interface LineContext {
  /** The conversation on screen. */
  here: Conversation | undefined;
  /** The limits the server enforces. */
  limits: ProtocolLimits;
  /** The server's commands, for their aliases (`/m`, `/w`, `/r`, `/exit`). */
  commands: readonly CommandName[];
  /** Who sent the last private message, the one `/reply` answers. */
  lastPrivateFrom: string | undefined;
  /** The rooms the person is in (`/switch` shows only those). */
  rooms: readonly string[];
}

/** What the page adds to `/help`: its keys and its own commands. */
export const PAGE_HELP =
  "On this page: Enter sends; Up and Down bring back earlier lines; Tab completes a nick or a /command (Escape, then Tab, leaves the message box); Alt+Up and Alt+Down change rooms. /query NICK opens a private conversation, /switch ROOM shows a room, /clear empties this one.";

/**
 * The command `name` (or one of its aliases) stands for, by the server's
 * table: `/w` → `msg`, `/r` → `reply`; the page's own `query` as it is.
 */
export function canonicalCommand(
  name: string,
  commands: readonly CommandName[],
): string {
  const found = commands.find((c) =>
    c.name === name || (c.aliases ?? []).includes(name)
  );
  return found?.name ?? name;
}

/**
 * Decides what the typed `line` comes to.
 *
 * @example
 * ```ts
 * readLine("hi", context);            // { kind: "send", text: "hi", show: { where: { kind: "here" }, … } }
 * readLine("/w bob psst", context);   // shown in the private conversation with bob
 * readLine("x".repeat(2001), context); // { kind: "refused", problem: "The message is 2001 characters; …" }
 * ```
 */
export function readLine(line: string, context: LineContext): LinePlan {
  const text = line.trim();
  if (text === "") return { kind: "nothing" };
  const { here } = context;
  const parsed = parseInput(text);
  const command = parsed.kind === "command"
    ? canonicalCommand(parsed.name, context.commands)
    : undefined;
  const args = parsed.kind === "command" ? parsed.args : "";
  const local = localCommand(command, args.trim(), context.rooms);
  if (local !== undefined) return local;
  const problem = lineProblem(text, context.limits, context.commands);
  if (problem !== undefined) return { kind: "refused", problem };
  if (parsed.kind === "text" && here?.kind === "private") {
    // A private conversation: the line is a private message.
    return {
      kind: "send",
      text: `/msg ${here.name} ${parsed.text}`,
      show: shown({ kind: "here" }, parsed.text, false),
    };
  }
  if (command === "msg" || command === "reply") {
    const [nick, body] = command === "msg"
      ? firstWord(args)
      : [context.lastPrivateFrom ?? "", args];
    // Without a nick or a text the server says the usage; without a known
    // sender, that no one wrote: nothing to show meanwhile.
    if (nick === "" || body.trim() === "") return { kind: "send", text };
    return {
      kind: "send",
      text,
      show: shown({ kind: "private", nick }, body, false),
    };
  }
  const me = command === "me" && args.trim() !== "";
  if (here !== undefined && (parsed.kind === "text" || me)) {
    // Said where it is typed, or not at all.
    if (here.kind === "private") {
      return { kind: "refused", problem: "/me is for rooms; here, just type" };
    }
    if (!here.joined) {
      return {
        kind: "refused",
        problem: `You left #${here.name}: /join ${here.name} to talk here`,
      };
    }
    return {
      kind: "send",
      text,
      show: shown(
        { kind: "here" },
        parsed.kind === "text" ? parsed.text : args,
        me,
      ),
    };
  }
  return { kind: "send", text };
}

/** A command of the page's own, or its refusal; undefined for any other line. */
function localCommand(
  command: string | undefined,
  args: string,
  rooms: readonly string[],
): LinePlan | undefined {
  switch (command) {
    case "quit":
      return { kind: "local", command, reason: args };
    case "clear":
      return { kind: "local", command };
    case "query": {
      const [nick] = firstWord(args);
      if (nick === "") {
        return { kind: "refused", problem: "Usage: /query NICK" };
      }
      return { kind: "local", command, nick };
    }
    case "switch": {
      if (args === "") {
        return {
          kind: "refused",
          problem: "Usage: /switch ROOM (one of the rooms you are in)",
        };
      }
      const parsed = parseRoom(args);
      if (!parsed.ok) return { kind: "refused", problem: parsed.problem };
      if (!rooms.includes(parsed.room)) {
        return {
          kind: "refused",
          problem:
            `You are not in #${parsed.room}: /join ${parsed.room} joins it`,
        };
      }
      return { kind: "local", command, room: parsed.room };
    }
  }
  return undefined;
}

function shown(where: Shown["where"], text: string, me: boolean): Shown {
  return { where, text: clean(text), me };
}

/**
 * Why a typed line cannot be sent under `limits`, or undefined: a message
 * (or the text of a `/me`, `/msg` or `/reply`) that is blank once cleaned,
 * or over the text limit in characters as the server counts them (after
 * cleaning); or a frame over the line limit in bytes.
 *
 * @example
 * ```ts
 * lineProblem("x".repeat(2001), limits); // "The message is 2001 characters; the limit is 2000. …"
 * lineProblem("\u200b", limits);          // "The message is empty once …"
 * ```
 */
export function lineProblem(
  text: string,
  limits: ProtocolLimits,
  commands: readonly CommandName[] = TABLE_COMMANDS,
): string | undefined {
  const parsed = parseInput(text);
  const command = parsed.kind === "command"
    ? canonicalCommand(parsed.name, commands)
    : undefined;
  const body = parsed.kind === "text"
    ? parsed.text
    : command === "me" || command === "reply"
    ? parsed.args
    : command === "msg"
    ? firstWord(parsed.args)[1]
    : undefined;
  if (body !== undefined && body.trim() !== "") {
    const safe = clean(body);
    if (isBlank(safe)) {
      return "The message is empty once control and invisible characters are removed";
    }
    const length = codePoints(safe);
    if (length > limits.textChars) {
      return `The message is ${length} characters; the limit is ${limits.textChars}. Split it into several messages`;
    }
  }
  // The frame around it, with room for the id, the room and a /msg prefix.
  const bytes = new TextEncoder().encode(
    JSON.stringify({
      type: "msg",
      id: "x".repeat(64),
      text,
      room: "r".repeat(32),
    }),
  ).length + 40;
  if (bytes > limits.lineBytes) {
    return `The line is ${bytes} bytes as sent; the limit is ${limits.lineBytes}. Split it into several lines`;
  }
  return undefined;
}
