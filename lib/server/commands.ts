/**
 * What each `/command` does: the handlers for the command table of
 * `lib/shared/command_specs.ts`.
 *
 * The table (names, arguments, help) is plain data both sides read; here
 * each entry gets its handler, and the type of {@linkcode HANDLERS} makes
 * the compiler check that every entry has one. The handlers are grouped by
 * concern (`room_commands.ts`, `people_commands.ts`,
 * `moderation_commands.ts`); the few about the session itself (`/help`,
 * `/clear`, `/quit`) are here. The native client and text-mode users send
 * the same lines and reach the same handlers; `/help` is generated from the
 * table.
 *
 * @module
 */

import {
  COMMAND_SPECS,
  type CommandName,
  type CommandSpec,
  usage,
} from "../shared/command_specs.ts";
import { quote } from "../shared/bidi.ts";
import { ChatError } from "../shared/errors.ts";
import type { CommandContext, Handler, Outcome } from "./command_context.ts";
import { MODERATION_COMMANDS } from "./moderation_commands.ts";
import { PEOPLE_COMMANDS } from "./people_commands.ts";
import { ROOM_COMMANDS } from "./room_commands.ts";

/** Where `/help` starts each command's description. */
const HELP_COLUMN = 20;

/** The commands about the session itself, by name. */
const SESSION_COMMANDS = {
  help(ctx) {
    const shown = COMMAND_SPECS.filter((c: CommandSpec) =>
      !c.operator || ctx.member.op
    );
    // Usage on its own row when it is too wide for the column.
    const lines = shown.flatMap((c: CommandSpec) => {
      const help = `${c.help}${
        c.aliases === undefined
          ? ""
          : `; ${c.aliases.map((a) => `/${a}`).join(", ")} too`
      }`;
      const use = usage(c);
      return use.length < HELP_COLUMN
        ? [`  ${use.padEnd(HELP_COLUMN)} ${help}`]
        : [`  ${use}`, `  ${"".padEnd(HELP_COLUMN)} ${help}`];
    });
    const text = [
      "Commands (//text sends a line starting with /):",
      ...lines,
      ...(ctx.member.op ? [] : [
        "Operators have more: /oper SECRET, then /help again",
      ]),
    ].join("\n");
    ctx.reply("help", text, {
      commands: shown.map(({ name, args, help }) => ({ name, args, help })),
    });
    return undefined;
  },
  clear(ctx) {
    ctx.reply(
      "clear",
      "Your terminal clears its own screen: Ctrl-L in lochat-client, or `clear` in a shell",
    );
    return undefined;
  },
  quit(ctx, args) {
    ctx.quit(args.trim());
    return undefined;
  },
} satisfies Partial<Record<CommandName, Handler>>;

/** Every command's handler, by name. */
export const HANDLERS: { readonly [K in CommandName]: Handler } = {
  ...SESSION_COMMANDS,
  ...ROOM_COMMANDS,
  ...PEOPLE_COMMANDS,
  ...MODERATION_COMMANDS,
};

/** Every name and alias, and the command it names. */
const BY_NAME = new Map<string, CommandSpec & { name: CommandName }>(
  COMMAND_SPECS.flatMap((c: CommandSpec & { name: CommandName }) =>
    [c.name, ...(c.aliases ?? [])].map((name) => [name, c] as const)
  ),
);

/**
 * Runs a parsed command. Throws a {@linkcode ChatError} for an unknown
 * command, an operator's command run by someone else, or bad arguments.
 */
export function runCommand(
  ctx: CommandContext,
  name: string,
  args: string,
): Outcome {
  const command = BY_NAME.get(name);
  if (command === undefined) {
    throw new ChatError(
      "unknown-command",
      `Unknown command ${quote(`/${name}`, 40)}; /help lists the commands`,
    );
  }
  if (command.operator && !ctx.member.op) {
    throw new ChatError(
      "forbidden",
      `Only operators can use /${command.name}; see /oper`,
    );
  }
  return HANDLERS[command.name](ctx, args);
}
