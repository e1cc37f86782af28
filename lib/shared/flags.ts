/**
 * Flag machinery for both binaries: a flag table in, typed values and
 * `--help` out.
 *
 * Each row of a table carries the flag's name, the field it fills, its kind,
 * its bounds and its default; the result's type, the parsing and the help
 * text all come from that row, the way `@std/cli`'s `parseArgs` derives its
 * result type from its options (`node:util`'s `parseArgs` does the
 * tokenising). Limits declared in a {@linkcode LimitTable} become rows of
 * their own and arrive as one values object per table, so a limit travels
 * by reference from here to where it is enforced. Every bad value gets a
 * {@linkcode UsageError} that names the flag, the value and what was
 * expected.
 *
 * @example
 * ```ts
 * const table = {
 *   options: [integer("port", "port", { value: "PORT", help: "TCP port", default: 4444, min: 0, max: 65535 })],
 *   limits: { limits: PROTOCOL_LIMITS },
 * } as const;
 * const flags = parseFlags(["--port", "0", "--max-line", "1024"], table);
 * flags.port;             // 0
 * flags.limits.lineBytes; // 1024
 * ```
 *
 * @module
 */

import { parseArgs } from "node:util";
import type { LimitSpec, LimitTable, LimitValues } from "./limits.ts";
import { errorMessage } from "./errors.ts";

/** A flag the user got wrong; the message says which and how to fix it. */
export class UsageError extends Error {
  /** Makes a UsageError. */
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** What `node:util`'s `parseArgs` hands over for one flag. */
export type Raw = string | boolean | string[] | undefined;

/** One flag: its name, the field it fills and how its value is read. */
export interface FlagRow<F extends string = string, V = unknown> {
  /** The flag's name, without the dashes. */
  readonly name: string;
  /** The result field the flag fills. */
  readonly field: F;
  /** How `node:util` tokenises it. */
  readonly type: "string" | "boolean";
  /** May be given more than once. */
  readonly multiple?: boolean;
  /** A one-letter alias. */
  readonly short?: string;
  /** Placeholder for the value in help: `PORT`. */
  readonly value?: string;
  /** One line for `--help`. */
  readonly help: string;
  /** The default as `--help` shows it, if it has one worth showing. */
  readonly shown?: string;
  /** Turns what was given (undefined: not given) into the field's value. */
  parse(raw: Raw): V;
}

/** A binary's flags: plain rows, and limit tables that become rows too. */
export interface FlagTable {
  /** Rows that fill top-level fields. */
  readonly options: readonly FlagRow[];
  /** Limit tables; each fills one values object, by its key. */
  readonly limits: { readonly [group: string]: LimitTable };
}

/** The values a flag table parses into. */
export type FlagValues<T extends FlagTable> =
  & { [R in T["options"][number] as R["field"]]: ReturnType<R["parse"]> }
  & { [G in keyof T["limits"]]: LimitValues<T["limits"][G]> };

/** A string flag; `undefined` when not given. */
export function text<const F extends string>(
  name: string,
  field: F,
  options: { value: string; help: string; shown?: string },
): FlagRow<F, string | undefined> {
  return {
    name,
    field,
    type: "string",
    ...options,
    parse: (raw) => typeof raw === "string" ? raw : undefined,
  };
}

/** A string flag that may be repeated; every value given, in order. */
export function list<const F extends string>(
  name: string,
  field: F,
  options: { value: string; help: string },
): FlagRow<F, string[]> {
  return {
    name,
    field,
    type: "string",
    multiple: true,
    ...options,
    parse: (raw) => Array.isArray(raw) ? raw : [],
  };
}

/** A flag without a value; `negate` for `--no-x` flags that fill `x`. */
export function flag<const F extends string>(
  name: string,
  field: F,
  options: { help: string; short?: string; negate?: boolean },
): FlagRow<F, boolean> {
  const { negate, ...rest } = options;
  return {
    name,
    field,
    type: "boolean",
    ...rest,
    parse: (raw) => (raw === true) !== (negate === true),
  };
}

/** A whole number in `[min, max]`. */
export function integer<const F extends string, D extends number | undefined>(
  name: string,
  field: F,
  options: {
    value: string;
    help: string;
    default: D;
    min: number;
    max: number;
    shown?: string;
  },
): FlagRow<F, number | D> {
  const { default: fallback, min, max, ...rest } = options;
  return {
    name,
    field,
    type: "string",
    shown: fallback === undefined ? undefined : `${fallback}`,
    ...rest,
    help: `${options.help} (${min}–${max})`,
    parse: (raw) =>
      typeof raw === "string" ? wholeNumber(name, raw, min, max) : fallback,
  } as FlagRow<F, number | D>;
}

/** One of a few words. */
export function choice<const F extends string, const C extends string>(
  name: string,
  field: F,
  options: { value: string; help: string; choices: readonly C[]; default: C },
): FlagRow<F, C> {
  const { choices, default: fallback, ...rest } = options;
  return {
    name,
    field,
    type: "string",
    shown: fallback,
    ...rest,
    parse: (raw) => {
      if (typeof raw !== "string") return fallback;
      if ((choices as readonly string[]).includes(raw)) return raw as C;
      throw new UsageError(
        `--${name} must be ${orList(choices)}, not "${raw}"`,
      );
    },
  };
}

/** The rows of the limits in `table` that have a flag. */
function limitRows(table: LimitTable): FlagRow[] {
  return Object.entries(table).flatMap(([field, spec]) =>
    spec.flag === undefined ? [] : [limitRow(field, spec, spec.flag)]
  );
}

function limitRow(
  field: string,
  spec: LimitSpec,
  flag: NonNullable<LimitSpec["flag"]>,
): FlagRow {
  return integer(flag.name, field, {
    value: flag.value,
    help: flag.help,
    default: spec.default,
    min: spec.min,
    max: spec.max,
  });
}

/** Every row of a table, limits included, in the order `--help` lists them. */
export function flagRows(table: FlagTable): FlagRow[] {
  return [
    ...table.options,
    ...Object.values(table.limits).flatMap(limitRows),
  ];
}

/**
 * Parses `args` against `table`. Throws {@linkcode UsageError} for an
 * unknown flag, a missing value or a value out of bounds.
 */
export function parseFlags<const T extends FlagTable>(
  args: string[],
  table: T,
): FlagValues<T> {
  const rows = flagRows(table);
  const raw = tokenise(args, rows);
  const result: Record<string, unknown> = {};
  for (const row of table.options) result[row.field] = row.parse(raw[row.name]);
  for (const [group, limits] of Object.entries(table.limits)) {
    const values: Record<string, number> = {};
    for (const [field, spec] of Object.entries(limits)) {
      values[field] = spec.flag === undefined
        ? spec.default
        : limitRow(field, spec, spec.flag).parse(raw[spec.flag.name]) as number;
    }
    result[group] = values;
  }
  return result as FlagValues<T>;
}

/** Where `--help` starts each flag's description. */
const HELP_COLUMN = 32;

/** The `Options:` lines of `--help` for a table. */
export function helpLines(table: FlagTable): string[] {
  return flagRows(table).map((row) => {
    const short = row.short === undefined ? "    " : `-${row.short}, `;
    const left = `  ${short}--${row.name}${
      row.value === undefined ? "" : ` ${row.value}`
    }`;
    const shown = row.shown === undefined ? "" : ` (default: ${row.shown})`;
    const help = `${row.help}${shown}`;
    // A flag too wide for the column puts its help on the next row.
    return left.length < HELP_COLUMN
      ? `${left.padEnd(HELP_COLUMN)} ${help}`
      : `${left}\n${"".padEnd(HELP_COLUMN)} ${help}`;
  });
}

function tokenise(args: string[], rows: FlagRow[]): Record<string, Raw> {
  const options = Object.fromEntries(rows.map((row) => [row.name, {
    type: row.type,
    ...(row.short === undefined ? {} : { short: row.short }),
    ...(row.multiple ? { multiple: true } : {}),
  }]));
  // A value that starts with "-" (`--port -1`) is a value, not a flag.
  const joined = joinDashValues(args, rows);
  try {
    return parseArgs({
      args: joined,
      options,
      strict: true,
      allowPositionals: false,
    }).values as Record<string, Raw>;
  } catch (error) {
    throw new UsageError(
      errorMessage(error).replace(
        /\. To specify a positional argument.*$/s,
        "",
      ),
    );
  }
}

/**
 * Rewrites `--flag -value` as `--flag=-value` for flags that take a value,
 * so that `--port -1` is read as the value "-1" (and refused with the
 * flag's own message) rather than as an ambiguous argument.
 */
function joinDashValues(args: string[], rows: FlagRow[]): string[] {
  const takesValue = new Set(
    rows.filter((r) => r.type === "string").map((r) => `--${r.name}`),
  );
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const next = args[i + 1];
    if (takesValue.has(arg) && next !== undefined && /^-\d/.test(next)) {
      out.push(`${arg}=${next}`);
      i++;
    } else out.push(arg);
  }
  return out;
}

function wholeNumber(name: string, text: string, min: number, max: number) {
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || value < min || value > max) {
    throw new UsageError(
      `--${name} must be a whole number from ${min} to ${max}, not "${text}"`,
    );
  }
  return value;
}

function orList(words: readonly string[]): string {
  return words.length <= 1
    ? words.join("")
    : `${words.slice(0, -1).join(", ")} or ${words.at(-1)}`;
}
