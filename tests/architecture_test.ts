/**
 * The rule the tree keeps: client modules never import server modules, the
 * server never imports the client, and the shared folder imports neither.
 * Imports are read from Deno's own module graph (`deno info --json`), type
 * imports included, so no import hides from the check.
 */

import { assertEquals } from "./assert.ts";
import { ROOT } from "./util/program.ts";

/** Which folders of lib/ each folder may import from. */
const MAY_IMPORT: Record<string, readonly string[]> = {
  shared: ["shared"],
  server: ["shared", "server"],
  client: ["shared", "client"],
};

interface Graph {
  modules: {
    specifier: string;
    dependencies?: {
      specifier: string;
      code?: { specifier: string };
      type?: { specifier: string };
    }[];
  }[];
}

/** Every `.ts` file under `dir`. */
async function modulesUnder(dir: string): Promise<string[]> {
  const found: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory) found.push(...await modulesUnder(path));
    else if (entry.name.endsWith(".ts")) found.push(path);
  }
  return found.sort();
}

/**
 * Checks every module of `libDir` against {@linkcode MAY_IMPORT}; returns
 * how many modules were checked and each import that breaks the rule.
 */
async function checkLayout(
  libDir: string,
): Promise<{ checked: number; violations: string[] }> {
  const modules = await modulesUnder(libDir);
  const entry = await Deno.makeTempFile({ suffix: ".ts" });
  try {
    await Deno.writeTextFile(
      entry,
      modules.map((m) => `import "file://${m}";\n`).join(""),
    );
    const output = await new Deno.Command(Deno.execPath(), {
      args: ["info", "--json", entry],
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!output.success) {
      throw new Error(new TextDecoder().decode(output.stderr));
    }
    const graph: Graph = JSON.parse(new TextDecoder().decode(output.stdout));
    const folderOf = (url: string): string | undefined => {
      if (!url.startsWith(`file://${libDir}/`)) return undefined;
      const rest = url.slice(`file://${libDir}/`.length);
      return rest.includes("/") ? rest.slice(0, rest.indexOf("/")) : "";
    };
    const violations: string[] = [];
    let checked = 0;
    for (const module of graph.modules) {
      const from = folderOf(module.specifier);
      if (from === undefined) continue;
      checked++;
      const name = module.specifier.slice(`file://${libDir}/`.length);
      const allowed = MAY_IMPORT[from];
      if (allowed === undefined) {
        violations.push(
          `${name} is in no folder of ${Object.keys(MAY_IMPORT)}`,
        );
        continue;
      }
      for (const dependency of module.dependencies ?? []) {
        for (const target of [dependency.code, dependency.type]) {
          const to = target === undefined
            ? undefined
            : folderOf(target.specifier);
          if (to !== undefined && !allowed.includes(to)) {
            violations.push(`${name} imports ${dependency.specifier}`);
          }
        }
      }
    }
    return { checked, violations: [...new Set(violations)] };
  } finally {
    await Deno.remove(entry);
  }
}

Deno.test("no module of lib/ imports across the server/client line", async () => {
  const modules = await modulesUnder(`${ROOT}lib`);
  const { checked, violations } = await checkLayout(`${ROOT}lib`);
  assertEquals(violations, []);
  assertEquals(checked, modules.length, "every module of lib/ was checked");
});

Deno.test("the layout check catches a client that imports the server and a shared module that imports the client", async () => {
  const { checked, violations } = await checkLayout(
    `${ROOT}tests/fixtures/layout/lib`,
  );
  assertEquals(checked, 4);
  assertEquals(violations, [
    "client/screen.ts imports ../server/greeter.ts",
    "shared/leaky.ts imports ../client/screen.ts",
  ]);
});
