/**
 * The `welcome` a member gets on coming in, in the version its client
 * speaks.
 *
 * Version 1 is the frame as it always was: the nick, the room and its recent
 * history. Version 2 adds what a client must respect and can offer: the
 * protocol limits, the server's commands (for help and completion), the
 * message of the day, and per room who is there and what the client missed
 * since the last message it saw (`hello.since`), up to a limit, with a count
 * of what was left for `/history`. Version 3 lists every room the member is
 * in (one, for older versions), topics included.
 *
 * @module
 */

import { COMMAND_SPECS, type CommandSpec } from "../shared/command_specs.ts";
import type { RoomState, ServerFrame } from "../shared/protocol.ts";
import type { Member } from "./member.ts";
import type { ServerContext } from "./server_context.ts";
import { BANNER } from "./server_limits.ts";

/** What the client asked for in its `hello`, as far as the welcome goes. */
export interface WelcomeRequest {
  /** The protocol version to answer in. */
  version: number;
  /** The last `seq` the client saw per room, after a reconnect. */
  since?: Record<string, number> | undefined;
  /** How many recent messages the client wants (default the server's). */
  recent?: number | undefined;
}

/** The server's commands as `welcome` lists them. */
const COMMANDS = COMMAND_SPECS.map((spec: CommandSpec) => ({
  name: spec.name,
  args: spec.args,
  help: spec.help,
  ...(spec.aliases === undefined ? {} : { aliases: [...spec.aliases] }),
  ...(spec.operator === true ? { operator: true } : {}),
}));

/** How many recent messages a joiner sees: what it asked for, at most the server's. */
export function recentFor(
  context: ServerContext,
  asked: number | undefined,
): number {
  const most = context.resources.historyOnJoin;
  return Math.max(0, Math.min(asked ?? most, most));
}

/**
 * The welcome for `member`, and, per room, the messages it shows (text mode
 * prints them as lines of their own).
 *
 * @example
 * ```ts
 * const { frame } = welcomeFor(context, member, { version: 2 });
 * session.send(frame);
 * ```
 */
export function welcomeFor(
  context: ServerContext,
  member: Member,
  request: WelcomeRequest,
): { frame: ServerFrame; rooms: RoomState[] } {
  const { hub, limits } = context;
  const recent = recentFor(context, request.recent);
  const rooms = [...member.rooms].map((name) =>
    hub.roomState(member, name, {
      since: request.since?.[name],
      recent,
      max: limits.catchUp,
    })
  );
  const current = member.room ?? rooms[0]?.name ?? "";
  const base = {
    type: "welcome" as const,
    v: request.version,
    banner: BANNER,
    server: context.serverName,
    nick: member.nick,
    room: current,
  };
  if (request.version < 2) {
    const history = rooms.find((r) => r.name === current)?.history ?? [];
    return { frame: { ...base, history }, rooms };
  }
  return {
    frame: {
      ...base,
      history: [],
      rooms,
      limits: { ...limits },
      commands: COMMANDS,
      ...(context.motd === undefined ? {} : { motd: context.motd }),
    },
    rooms,
  };
}
