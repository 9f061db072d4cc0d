/**
 * Builds every front-end asset into `dist/`: the widget loader and chat UI, the demo storefront
 * and the agent console. Prints a size report and fails when a size budget is exceeded.
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
  return rows;
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
