/**
 * The operators' commands: `/oper` to become one, then `/kick`, `/ban`,
 * `/unban` and `/bans`. What they do (who may, what a ban covers) is
 * `moderation.ts`'s; here they are parsed and answered.
 *
 * @module
 */

import type { CommandName } from "../shared/command_specs.ts";
import { quote } from "../shared/bidi.ts";
import { firstWord } from "../shared/input.ts";
import { type Handler, required, SPEC } from "./command_context.ts";
import { roomName } from "./message_rules.ts";

/** The handlers of the operators' commands, by name. */
export const MODERATION_COMMANDS = {
  async oper(ctx, args) {
    await ctx.hub.moderation.oper(ctx.member, required(args, SPEC.oper).trim());
    ctx.reply(
      "oper",
      "You are an operator: /kick, /ban, /unban and /bans are yours",
    );
    return undefined;
  },
  kick(ctx, args) {
    const [first, rest] = firstWord(required(args, SPEC.kick));
    if (first.startsWith("#")) {
      const [nick, reason] = firstWord(required(rest, SPEC.kick));
      const room = roomName(first);
      const target = ctx.hub.moderation.kickFromRoom(
        ctx.member,
        room,
        nick,
        reason,
      );
      ctx.reply("kick", `Took ${target.nick} out of #${room}`);
      return undefined;
    }
    const target = ctx.hub.moderation.kick(ctx.member, first, rest);
    ctx.reply("kick", `Kicked ${target.nick}`);
    return undefined;
  },
  ban(ctx, args) {
    const [nick, reason] = firstWord(required(args, SPEC.ban));
    const { address, closed } = ctx.hub.moderation.ban(
      ctx.member,
      nick,
      reason,
    );
    ctx.reply(
      "ban",
      `Banned ${address} and closed its ${closed} connection${
        closed === 1 ? "" : "s"
      }; /unban ${address} to lift it`,
      { address, closed },
    );
    return undefined;
  },
  unban(ctx, args) {
    const [address] = firstWord(required(args, SPEC.unban));
    ctx.hub.moderation.unban(ctx.member, address);
    ctx.reply("unban", `Lifted the ban on ${quote(address, 60)}`);
    return undefined;
  },
  bans(ctx) {
    const bans = ctx.hub.moderation.bans(ctx.member);
    const text = bans.length === 0
      ? "No bans"
      : bans.map(([a, why]) => `${a}: ${why}`).join("\n");
    ctx.reply("bans", text, {
      bans: bans.map(([address, reason]) => ({ address, reason })),
    });
    return undefined;
  },
} satisfies Partial<Record<CommandName, Handler>>;
