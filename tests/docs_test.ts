/**
 * `docs/protocol.md` against the code: its limits table against the limit
 * declarations, and its error-code table against the protocol's codes. Each
 * check counts what it compared, and each is shown to catch a known mistake
 * in a fixture, so neither can pass by checking nothing.
 */

import { assertEquals } from "./assert.ts";
import { ROOT } from "./util/program.ts";
import {
  describeDefault,
  type LimitTable,
  PROTOCOL_LIMITS,
} from "../lib/shared/limits.ts";
import { SERVER_LIMITS } from "../lib/server/server_limits.ts";
import {
  CLIENT_FRAMES,
  ERROR_CODES,
  SERVER_FRAMES,
} from "../lib/shared/protocol.ts";
import type { FrameTable } from "../lib/shared/schema.ts";

/** The rows of the first table after `heading`, as cells (header and rule dropped). */
function tableAfter(markdown: string, heading: string): string[][] {
  const lines = markdown.split("\n");
  let i = lines.findIndex((line) => line.trim() === heading);
  if (i < 0) throw new Error(`No "${heading}" in the document`);
  while (i < lines.length && !lines[i]!.startsWith("|")) i++;
  const rows: string[][] = [];
  for (; i < lines.length && lines[i]!.startsWith("|"); i++) {
    rows.push(lines[i]!.split("|").slice(1, -1).map((cell) => cell.trim()));
  }
  return rows.slice(2);
}

/** What the limits table gets wrong, and how many rows it has. */
function limitTableProblems(
  markdown: string,
  tables: LimitTable[],
): { rows: number; problems: string[] } {
  const specs = new Map(
    tables.flatMap((table) =>
      Object.values(table).flatMap((spec) =>
        spec.doc === undefined ? [] : [[spec.doc, spec] as const]
      )
    ),
  );
  const rows = tableAfter(markdown, "## Limits");
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const [name, shown, flag] of rows) {
    const spec = specs.get(name!);
    seen.add(name!);
    if (spec === undefined) {
      problems.push(`"${name}" is documented but declared nowhere`);
      continue;
    }
    if (shown !== describeDefault(spec)) {
      problems.push(
        `"${name}": the docs say ${shown}, the code ${describeDefault(spec)}`,
      );
    }
    const documentedFlag = /^`--([a-z-]+)`/.exec(flag ?? "")?.[1];
    if (documentedFlag !== spec.flag?.name) {
      problems.push(
        `"${name}": the docs name flag ${documentedFlag ?? "none"}, the code ${
          spec.flag?.name ?? "none"
        }`,
      );
    }
  }
  for (const name of specs.keys()) {
    if (!seen.has(name)) {
      problems.push(`"${name}" is declared but not documented`);
    }
  }
  return { rows: rows.length, problems };
}

/** What the error-code table gets wrong, and how many codes it lists. */
function errorTableProblems(
  markdown: string,
  codes: readonly string[],
): { listed: number; problems: string[] } {
  const listed = tableAfter(markdown, "### Error codes").flatMap(([cell]) =>
    [...cell!.matchAll(/`([a-z0-9-]+)`/g)].map((m) => m[1]!)
  );
  const problems = [
    ...listed.filter((c) => !codes.includes(c)).map((c) =>
      `"${c}" is documented but the protocol has no such code`
    ),
    ...codes.filter((c) => !listed.includes(c)).map((c) =>
      `"${c}" is a code of the protocol but not documented`
    ),
  ];
  return { listed: listed.length, problems };
}

/** What a frame table of the docs gets wrong, and how many frames it lists. */
function frameTableProblems(
  markdown: string,
  heading: string,
  frames: FrameTable,
): { listed: number; problems: string[] } {
  const rows = tableAfter(markdown, heading);
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const [typeCell, fieldsCell] of rows) {
    const type = /^`([a-z]+)`$/.exec(typeCell ?? "")?.[1];
    if (type === undefined) continue;
    seen.add(type);
    const declared = frames[type];
    if (declared === undefined) {
      problems.push(`"${type}" is documented but is no frame of the protocol`);
      continue;
    }
    const documented = [...(fieldsCell ?? "").matchAll(/`([a-zA-Z]+)\??`/g)]
      .map((m) => m[1]!);
    const want = Object.keys(declared);
    for (const field of want.filter((f) => !documented.includes(f))) {
      problems.push(`"${type}": "${field}" is a field but not documented`);
    }
    for (const field of documented.filter((f) => !want.includes(f))) {
      problems.push(`"${type}": "${field}" is documented but no field`);
    }
  }
  for (const type of Object.keys(frames)) {
    if (!seen.has(type)) {
      problems.push(`"${type}" is a frame but not documented`);
    }
  }
  return { listed: seen.size, problems };
}

const protocolDoc = await Deno.readTextFile(`${ROOT}docs/protocol.md`);
const declared = [PROTOCOL_LIMITS, SERVER_LIMITS].flatMap((table) =>
  Object.values(table).filter((spec) => spec.doc !== undefined)
);

Deno.test("the limits table of docs/protocol.md is the limits the code declares", () => {
  const { rows, problems } = limitTableProblems(protocolDoc, [
    PROTOCOL_LIMITS,
    SERVER_LIMITS,
  ]);
  assertEquals(problems, []);
  assertEquals(rows, declared.length, "one row per declared limit");
});

Deno.test("the error-code table of docs/protocol.md lists every code, once", () => {
  const { listed, problems } = errorTableProblems(protocolDoc, ERROR_CODES);
  assertEquals(problems, []);
  assertEquals(listed, ERROR_CODES.length);
});

for (
  const [heading, frames] of [
    ["## Client → server", CLIENT_FRAMES],
    ["## Server → client", SERVER_FRAMES],
  ] as const
) {
  Deno.test(`the frame table under "${heading}" lists every frame with exactly its fields`, () => {
    const { listed, problems } = frameTableProblems(
      protocolDoc,
      heading,
      frames,
    );
    assertEquals(problems, []);
    assertEquals(listed, Object.keys(frames).length);
  });
}

Deno.test("the docs checks catch a wrong default, a missing flag, an unknown limit and a missing code", async () => {
  const wrong = await Deno.readTextFile(`${ROOT}tests/fixtures/docs/wrong.md`);
  const limits = limitTableProblems(wrong, [PROTOCOL_LIMITS]);
  assertEquals(limits.rows, 3);
  assertEquals(limits.problems.slice(0, 3), [
    '"line length, newline included": the docs say 4096 bytes, the code 8192 bytes',
    '"nick": the docs name flag none, the code max-nick',
    '"shoe size" is documented but declared nowhere',
  ]);
  const codes = errorTableProblems(wrong, ERROR_CODES);
  assertEquals(codes.listed, 2);
  assertEquals(
    codes.problems[0],
    '"teapot" is documented but the protocol has no such code',
  );
  assertEquals(codes.problems.length, 1 + ERROR_CODES.length - 1);
  const frames = frameTableProblems(wrong, "## Frames", CLIENT_FRAMES);
  assertEquals(frames.listed, 2);
  assertEquals(frames.problems.slice(0, 4), [
    '"msg": "text" is a field but not documented',
    '"msg": "room" is a field but not documented',
    '"msg": "colour" is documented but no field',
    '"shout" is documented but is no frame of the protocol',
  ]);
});
