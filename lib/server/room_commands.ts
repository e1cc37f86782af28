/**
 * The commands about rooms: `/join`, `/part`, `/switch`, `/topic`, `/rooms`,
 * `/who` and `/history`.
 *
 * A client that may be in several rooms (protocol 3, text mode) joins and
 * parts rooms; one older than version 3 is in one room at a time, as it
 * always was: `/join` moves it and `/part` takes it back to the lobby.
 *
 * @module
 */

import type { CommandName } from "../shared/command_specs.ts";
import { quote, userPiece } from "../shared/bidi.ts";
import { ChatError } from "../shared/errors.ts";
import { firstWord } from "../shared/input.ts";
import { ROOM_RULE } from "../shared/names.ts";
import { DEFAULT_ROOM } from "../shared/protocol.ts";
import {
  type CommandContext,
  type Handler,
  required,
  SPEC,
} from "./command_context.ts";
import type { Member } from "./member.ts";
import { roomName } from "./message_rules.ts";

/** The handlers of the room commands, by name. */
export const ROOM_COMMANDS = {
  join(ctx, args) {
    const [room, rest] = firstWord(required(args, SPEC.join));
    if (rest !== "") {
      throw new ChatError(
        "room-invalid",
        `Room names have no spaces (you typed ${
          quote(args.trim(), 40)
        }): use ${ROOM_RULE}`,
      );
    }
    if (!ctx.multiRoom) return moveTo(ctx, room);
    const { room: name, joined } = ctx.hub.join(ctx.member, room);
    ctx.joined(name, joined);
    return undefined;
  },
  part(ctx, args) {
    if (!ctx.multiRoom) return moveTo(ctx, DEFAULT_ROOM);
    // `/part #games bye`, `/part bye` (the current room), `/part`.
    const [first, rest] = firstWord(args);
    const named = first.startsWith("#") ||
      (first !== "" && ctx.member.rooms.has(first.toLowerCase()));
    const room = named ? first : ctx.room ?? ctx.member.room;
    if (room === undefined) {
      throw new ChatError("not-now", "You are in no room");
    }
    ctx.hub.part(ctx.member, room, named ? rest : args);
    return undefined;
  },
  switch(ctx, args) {
    const [room] = firstWord(required(args, SPEC.switch));
    if (!ctx.multiRoom) {
      throw new ChatError(
        "not-now",
        "This client is in one room at a time: /join ROOM moves you",
      );
    }
    const name = roomName(room);
    if (!ctx.member.rooms.has(name)) {
      throw new ChatError("not-now", `You are not in #${name}: /join ${name}`);
    }
    ctx.hub.join(ctx.member, name);
    ctx.joined(name, false);
    return undefined;
  },
  topic(ctx, args) {
    const text = args.trim();
    const room = ctx.room ?? ctx.member.room;
    if (text === "-lock" || text === "-unlock") {
      const name = ctx.hub.lockTopic(ctx.member, room, text === "-lock");
      ctx.reply(
        "topic",
        `The topic of #${name} is ${
          text === "-lock"
            ? "locked: only operators may change it"
            : "open to everyone in the room"
        }`,
      );
      return undefined;
    }
    if (text === "") {
      if (room === undefined) {
        throw new ChatError("not-now", "You are in no room");
      }
      const topic = ctx.hub.topic(room);
      ctx.reply(
        "topic",
        topic === ""
          ? `#${room} has no topic`
          : `The topic of #${room}: ${userPiece(topic)}`,
        { room, topic },
      );
      return undefined;
    }
    ctx.hub.setTopic(ctx.member, room, text);
    return undefined;
  },
  rooms(ctx) {
    const rooms = ctx.hub.rooms().map((r) => ({
      ...r,
      joined: ctx.member.rooms.has(r.name),
    }));
    const lines = rooms.map((r) =>
      `${r.joined ? "*" : " "} #${r.name} (${r.members})${
        r.topic === undefined ? "" : `: ${userPiece(r.topic)}`
      }`
    );
    const text = rooms.length === 0
      ? "No rooms yet: /join ROOM makes one"
      : [`Rooms (* you are in it):`, ...lines].join("\n");
    ctx.reply("rooms", text, { rooms });
    return undefined;
  },
  who(ctx, args) {
    const [named] = firstWord(args);
    const room = named === "" ? ctx.room ?? ctx.member.room : roomName(named);
    if (room === undefined) {
      throw new ChatError("not-now", "You are in no room: /who ROOM");
    }
    const members = ctx.hub.who(room);
    if (
      members.length === 0 && !ctx.hub.rooms().some((r) => r.name === room)
    ) {
      throw new ChatError(
        "bad-args",
        `There is no room #${room}; /rooms lists them`,
      );
    }
    // Someone ignored says nothing to you, away messages included.
    const awayOf = (m: Member) => ctx.member.ignoring(m) ? "" : m.away;
    const names = members.map((m) => {
      const away = awayOf(m);
      return away === undefined
        ? m.nick
        : away === ""
        ? `${m.nick} (away)`
        : `${m.nick} (away: ${userPiece(away)})`;
    });
    ctx.reply(
      "who",
      `In #${room} (${members.length}): ${names.join(", ")}`,
      {
        room,
        members: members.map((m) => {
          const away = awayOf(m);
          return away === undefined ? { nick: m.nick } : { nick: m.nick, away };
        }),
      },
    );
    return undefined;
  },
  history(ctx, args) {
    const text = args.trim();
    const { historyPage, historyPageMax } = ctx.limits;
    const count = text === "" ? historyPage : Number(text);
    if (!Number.isInteger(count) || count < 1 || count > historyPageMax) {
      throw new ChatError(
        "bad-args",
        `Usage: /history [N], with N from 1 to ${historyPageMax} (got ${
          quote(text, 20)
        })`,
      );
    }
    const room = ctx.room ?? ctx.member.room;
    if (room === undefined) {
      throw new ChatError("not-now", "You are in no room: /join ROOM");
    }
    const messages = ctx.hub.history(
      room,
      count,
      ctx.member.historyBefore(room),
    );
    if (messages.length === 0) {
      ctx.reply("history", `No older messages in #${room}`, { room });
      return undefined;
    }
    ctx.member.shownFrom(room, messages[0]!.seq);
    ctx.replay(messages);
    return undefined;
  },
} satisfies Partial<Record<CommandName, Handler>>;

/**
 * A one-room client's `/join` (older than version 3): the member leaves its
 * room for `room`, and sees its history and a reply, as it always did.
 */
function moveTo(ctx: CommandContext, room: string): undefined {
  const name = roomName(room);
  if (ctx.member.room === name) {
    throw new ChatError("not-now", `You are in #${name} already`);
  }
  ctx.hub.move(ctx.member, name);
  ctx.joined(name, true);
  return undefined;
}
