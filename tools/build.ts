/**
 * Builds every front-end asset into `dist/`: the widget loader and chat UI, the demo storefront
 * and the agent console, plus `build.json` naming the git commit built (shown by `/healthz`).
 * Prints a size report and fails when a size budget is exceeded.
 *
 * @module
 */

import { buildWidget } from "../widget/build.ts";
import { buildConsole } from "../agent-console/build.ts";
import { type AssetReport, printReport, writeManifest } from "./manifest.ts";

/** Builds all assets into `outDir` and returns the report rows. */
export async function buildAll(outDir = "dist"): Promise<AssetReport[]> {
  await Deno.remove(outDir, { recursive: true }).catch(() => {});
  await Deno.mkdir(`${outDir}/assets`, { recursive: true });
  const rows = [...await buildWidget({ outDir }), ...await buildConsole({ outDir })];
  await writeManifest(outDir, rows);
  await writeBuildInfo(outDir);
  return rows;
}

/** The commit checked out (`git rev-parse HEAD`), or null without git or outside a repository. */
export async function currentCommit(): Promise<string | null> {
  try {
    const out = await new Deno.Command("git", {
      args: ["rev-parse", "HEAD"],
      cwd: new URL("..", import.meta.url),
      stdout: "piped",
      stderr: "null",
    }).output();
    const commit = new TextDecoder().decode(out.stdout).trim();
    return out.success && /^[0-9a-f]{7,64}$/.test(commit) ? commit : null;
  } catch {
    // git is not installed (a container build stage, say): the build still succeeds.
    return null;
  }
}

/** Writes `build.json`: `{"commit": "<sha>" | null, "builtAt": "<ISO time>"}`. */
async function writeBuildInfo(outDir: string): Promise<void> {
  const info = { commit: await currentCommit(), builtAt: new Date().toISOString() };
  await Deno.writeTextFile(`${outDir}/build.json`, JSON.stringify(info, null, 2) + "\n");
}

if (import.meta.main) {
  const rows = await buildAll();
  printReport(rows);
  const over = rows.filter((r) => r.budgetGzip !== undefined && r.gzipBytes > r.budgetGzip);
  const { stop } = await import("esbuild");
  await stop();
  if (over.length > 0) {
    console.error(`Over budget: ${over.map((r) => r.name).join(", ")}`);
    Deno.exit(1);
  }
}
