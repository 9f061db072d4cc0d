/**
 * Builds the agent console: one content-hashed ES module and one stylesheet under
 * `${outDir}/assets/`, and `${outDir}/console.html` that references them. The page has no
 * inline script or style, so it runs under the strict CSP the server sends for `/console`.
 *
 * Called by `tools/build.ts` (which clears `outDir`, creates `assets/` and stops esbuild).
 *
 * @module
 */

import * as esbuild from "esbuild";
import { type AssetReport, measure, shortHash } from "../tools/manifest.ts";

/** Gzipped budget of the console script: Preact + signals + the app, loads in well under 1 s. */
export const CONSOLE_JS_BUDGET_GZIP = 40 * 1024;
/** Gzipped budget of the console stylesheet. */
export const CONSOLE_CSS_BUDGET_GZIP = 8 * 1024;

const APP_DIR = new URL("./app/", import.meta.url);

/** Escapes a value for an HTML attribute (the hashed names are safe; this keeps it obvious). */
function attr(value: string): string {
  return value.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;");
}

/** The HTML shell. Module scripts are deferred, so the stylesheet and script load in parallel. */
export function consoleHtml(jsFile: string, cssFile: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin">
<title>Parley console</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/${attr(cssFile)}">
<script type="module" src="/${attr(jsFile)}"></script>
</head>
<body>
<div id="app"></div>
<noscript>The Parley agent console needs JavaScript.</noscript>
</body>
</html>
`;
}

/**
 * Bundles and minifies the console into `outDir` and returns the size report rows
 * (`console-js`, `console-css`, with gzip budgets).
 */
export async function buildConsole(opts: { outDir: string }): Promise<AssetReport[]> {
  const common: esbuild.BuildOptions = {
    bundle: true,
    minify: true,
    write: false,
    legalComments: "none",
    target: ["chrome100", "firefox100", "safari15"],
    logLevel: "warning",
  };
  const [js, css] = await Promise.all([
    esbuild.build({
      ...common,
      entryPoints: [new URL("mod.tsx", APP_DIR).pathname],
      outfile: "console.js",
      format: "esm",
      platform: "browser",
      jsx: "automatic",
      jsxImportSource: "preact",
      define: { "process.env.NODE_ENV": '"production"' },
    }),
    esbuild.build({
      ...common,
      entryPoints: [new URL("styles.css", APP_DIR).pathname],
      outfile: "console.css",
    }),
  ]);
  const jsOut = js.outputFiles?.find((f) => f.path.endsWith(".js"));
  const cssOut = css.outputFiles?.find((f) => f.path.endsWith(".css"));
  if (!jsOut || !cssOut) throw new Error("esbuild produced no console output");

  const jsFile = `assets/console-${await shortHash(jsOut.contents)}.js`;
  const cssFile = `assets/console-${await shortHash(cssOut.contents)}.css`;
  await Deno.mkdir(`${opts.outDir}/assets`, { recursive: true });
  await Deno.writeFile(`${opts.outDir}/${jsFile}`, jsOut.contents);
  await Deno.writeFile(`${opts.outDir}/${cssFile}`, cssOut.contents);
  await Deno.writeTextFile(`${opts.outDir}/console.html`, consoleHtml(jsFile, cssFile));

  return [
    await measure(opts.outDir, "console-js", jsFile, CONSOLE_JS_BUDGET_GZIP),
    await measure(opts.outDir, "console-css", cssFile, CONSOLE_CSS_BUDGET_GZIP),
  ];
}

if (import.meta.main) {
  // Standalone: `deno run -A agent-console/build.ts [outDir]` builds only the console.
  const outDir = Deno.args[0] ?? "dist";
  const rows = await buildConsole({ outDir });
  for (const r of rows) console.log(`${r.name}\t${r.file}\t${r.bytes} B\t${r.gzipBytes} B gzip`);
  await esbuild.stop();
}
