/**
 * The configuration reference cannot drift from the code: `.env.example` and the tables in the
 * README and `docs/deploy.md` are exactly what `tools/env_example.ts` generates from
 * `CONFIG_VARIABLES`, and `CONFIG_VARIABLES` lists exactly the variables `loadConfig` reads
 * (found by reading `server/config.ts` itself, so a new `int("X", ...)` without a reference entry
 * fails here).
 *
 * @module
 */

import assert from "node:assert/strict";
import { CONFIG_VARIABLES } from "./config.ts";
import {
  renderConfigTable,
  renderEnvExample,
  replaceTable,
  TABLE_FILES,
} from "../tools/env_example.ts";

const ROOT = new URL("../", import.meta.url);
const read = (path: string) => Deno.readTextFile(new URL(path, ROOT));
const HOW_TO_FIX = "run `deno task env:example` and commit the result";

/** Every environment variable name `server/config.ts` reads, from its source text. */
async function variablesReadByConfig(): Promise<Set<string>> {
  const source = await read("server/config.ts");
  // The reference list itself (`name: "X"`) must not count as a read: cut the source there.
  const code = source.slice(0, source.indexOf("export const CONFIG_VARIABLES"));
  const names = new Set<string>();
  const patterns = [
    /\benv\.([A-Z][A-Z0-9_]*)/g, // env.DATABASE_URL
    /\benv\[\s*"([A-Z][A-Z0-9_]*)"\s*\]/g, // env["X"]
    /\b(?:int|bool)\(\s*"([A-Z][A-Z0-9_]*)"/g, // int("PORT", ...), bool("PARLEY_DEMO", ...)
  ];
  for (const pattern of patterns) {
    for (const match of code.matchAll(pattern)) names.add(match[1]);
  }
  return names;
}

Deno.test(".env.example is what tools/env_example.ts generates from CONFIG_VARIABLES", async () => {
  assert.equal(
    await read(".env.example"),
    renderEnvExample(),
    `.env.example is stale: ${HOW_TO_FIX}`,
  );
});

Deno.test("the README and docs/deploy.md carry the generated configuration table", async () => {
  const table = renderConfigTable();
  for (const file of TABLE_FILES) {
    const text = await read(file);
    assert.equal(
      text,
      replaceTable(text, table),
      `${file}: stale configuration table: ${HOW_TO_FIX}`,
    );
  }
});

Deno.test("CONFIG_VARIABLES lists exactly the variables server/config.ts reads", async () => {
  const names = await variablesReadByConfig();
  // The scan must see the variables read each way, or it would pass by finding nothing.
  for (const sample of ["DATABASE_URL", "PORT", "PARLEY_DEMO", "DENO_DEPLOY"]) {
    assert.ok(names.has(sample), `the source scan missed ${sample}`);
  }
  const listed = new Set(CONFIG_VARIABLES.map((v) => v.name));
  assert.deepEqual([...names].filter((n) => !listed.has(n)).sort(), [], "read but not listed");
  assert.deepEqual([...listed].filter((n) => !names.has(n)).sort(), [], "listed but never read");
  assert.equal(listed.size, CONFIG_VARIABLES.length, "a variable is listed twice");
});

Deno.test("the README and docs/deploy.md mention every operator variable", async () => {
  for (const file of ["README.md", "docs/deploy.md"]) {
    const text = await read(file);
    const missing = CONFIG_VARIABLES.filter((v) => !v.platform && !text.includes(v.name));
    assert.deepEqual(missing.map((v) => v.name), [], `${file} does not mention these`);
  }
});

Deno.test(".env.example leaves out the variables the platform sets", async () => {
  const text = await read(".env.example");
  for (const v of CONFIG_VARIABLES) {
    assert.equal(text.includes(`# ${v.name}=`), !v.platform, v.name);
  }
});
