/**
 * Builds the agent console: content-hashed ES modules and one stylesheet under
 * `${outDir}/assets/`, and `${outDir}/console.html` that references them. The page has no
 * inline script or style, so it runs under the strict CSP the server sends for `/console`
 * (`script-src 'self'`: the chunks are same-origin files).
 *
 * The code is split (esbuild `splitting`): what every agent needs loads with the page; the
 * admin-only settings tabs (`components/AdminTabs.tsx`), the Reports view (`reports/mod.ts`), the
 * search results view (`search/mod.ts`) and the uploader (`attach/mod.ts`), each reached by a
 * dynamic `import()`, are chunks of their own, fetched when first used. The size report keeps them
 * apart: `console-js` is every file the page loads at once, `console-admin-js`,
 * `console-reports-js`, `console-search-js` and `console-attach-js` what each lazy part needs
 * beyond it (a chunk two share counts in both rows, since either may be the first to fetch it).
 *
 * Called by `tools/build.ts` (which clears `outDir`, creates `assets/` and stops esbuild).
 *
 * @module
 */

import * as esbuild from "esbuild";
import { type AssetReport, measure, shortHash } from "../tools/manifest.ts";

/**
 * Gzipped budget of the console script: Preact + signals + the app, loads in well under 1 s and
 * is cached for the agent's whole shift. 40 KiB until issue 17; 42 KiB since issues 17 and 18
 * added bulk actions (~1.1 KiB: the row checkboxes and the toolbar are on screen at once, so a
 * lazy chunk would only delay them) and the page's own part of attachments (~1.3 KiB: the button,
 * drop and paste, rendering files in messages). The heavy parts of both issues are lazy chunks of
 * their own (Reports, search, the uploader). Still a small fraction of the hosted consoles.
 */
export const CONSOLE_JS_BUDGET_GZIP = 42 * 1024;
/** Gzipped budget of the admin settings chunk, loaded on demand (Team, Sites, API tokens…). */
export const CONSOLE_ADMIN_JS_BUDGET_GZIP = 24 * 1024;
/** Gzipped budget of the Reports view's chunk (figures, SVG charts, tables), loaded on demand. */
export const CONSOLE_REPORTS_JS_BUDGET_GZIP = 12 * 1024;
/** Gzipped budget of the search results view's chunk (filter row, hits), loaded on demand. */
export const CONSOLE_SEARCH_JS_BUDGET_GZIP = 8 * 1024;
/** Gzipped budget of the uploader's chunk (tray, XHR uploads, full-size image view). */
export const CONSOLE_ATTACH_JS_BUDGET_GZIP = 8 * 1024;
/** Gzipped budget of the console stylesheet. */
export const CONSOLE_CSS_BUDGET_GZIP = 8 * 1024;

const APP_DIR = new URL("./app/", import.meta.url);

/**
 * The lazily loaded parts: a size row each, named by the module its dynamic `import()` reaches.
 * A lazy file reached by none of them fails the build, so nothing escapes the report.
 */
const LAZY_PARTS = [
  {
    name: "console-admin-js",
    entry: "components/AdminTabs.tsx",
    budget: CONSOLE_ADMIN_JS_BUDGET_GZIP,
  },
  { name: "console-reports-js", entry: "reports/mod.ts", budget: CONSOLE_REPORTS_JS_BUDGET_GZIP },
  { name: "console-search-js", entry: "search/mod.ts", budget: CONSOLE_SEARCH_JS_BUDGET_GZIP },
  { name: "console-attach-js", entry: "attach/mod.ts", budget: CONSOLE_ATTACH_JS_BUDGET_GZIP },
] as const;

/** Escapes a value for an HTML attribute (the hashed names are safe; this keeps it obvious). */
function attr(value: string): string {
  return value.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;");
}

/** The HTML shell. Module scripts are deferred, so the stylesheet and script load in parallel. */
export function consoleHtml(jsFile: string, cssFile: string, preload: string[] = []): string {
  const links = preload.map((f) => `<link rel="modulepreload" href="/${attr(f)}">\n`).join("");
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
${links}</head>
<body>
<div id="app"></div>
<noscript>The Parley agent console needs JavaScript.</noscript>
</body>
</html>
`;
}

/**
 * Bundles and minifies the console into `outDir` and returns the size report rows
 * (`console-js`, `console-admin-js`, `console-reports-js`, `console-search-js`,
 * `console-attach-js`, `console-css`, with gzip budgets).
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
      // Virtual (nothing is written by esbuild): only names relative to it matter.
      outdir: "/assets",
      splitting: true,
      // esbuild's own content hashes: chunks import each other by name, so the names must be
      // final when the files are generated (renaming afterwards would break the imports).
      entryNames: "console-[hash]",
      chunkNames: "console-chunk-[hash]",
      metafile: true,
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
  const cssOut = css.outputFiles?.find((f) => f.path.endsWith(".css"));
  const meta = js.metafile?.outputs;
  if (!cssOut || !meta || !js.outputFiles?.length) {
    throw new Error("esbuild produced no console output");
  }
  await Deno.mkdir(`${opts.outDir}/assets`, { recursive: true });
  for (const f of js.outputFiles) {
    await Deno.writeFile(`${opts.outDir}/assets/${basename(f.path)}`, f.contents);
  }
  const cssFile = `assets/console-${await shortHash(cssOut.contents)}.css`;
  await Deno.writeFile(`${opts.outDir}/${cssFile}`, cssOut.contents);

  const { entry, eager, lazy } = splitOutputs(meta);
  const jsFile = `assets/${entry}`;
  const preload = eager.filter((f) => f !== entry).map((f) => `assets/${f}`);
  await Deno.writeTextFile(
    `${opts.outDir}/console.html`,
    consoleHtml(jsFile, cssFile, preload),
  );
  return [
    await measureAll(opts.outDir, "console-js", eager, CONSOLE_JS_BUDGET_GZIP),
    ...await Promise.all(
      LAZY_PARTS.map((p) => measureAll(opts.outDir, p.name, lazy[p.name], p.budget)),
    ),
    await measure(opts.outDir, "console-css", cssFile, CONSOLE_CSS_BUDGET_GZIP),
  ];
}

function basename(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

/**
 * Sorts esbuild's outputs: the entry, the files the page loads at once (the entry and its static
 * imports, transitively) and, for each of {@link LAZY_PARTS}, the files its dynamic `import()`
 * fetches beyond those.
 */
function splitOutputs(
  meta: esbuild.Metafile["outputs"],
): { entry: string; eager: string[]; lazy: Record<string, string[]> } {
  const js = Object.keys(meta).filter((p) => p.endsWith(".js"));
  const dynamic = new Set(
    js.flatMap((p) =>
      meta[p].imports.filter((i) => i.kind === "dynamic-import").map((i) => i.path)
    ),
  );
  // Lazy roots are entry points too (esbuild names their module); the page's entry is the one
  // nothing imports dynamically.
  const entryPath = js.find((p) => meta[p].entryPoint !== undefined && !dynamic.has(p));
  if (entryPath === undefined) throw new Error("esbuild produced no console entry");
  const closure = (root: string, skip: Set<string>) => {
    const seen = new Set<string>();
    const visit = (p: string) => {
      if (seen.has(p) || skip.has(p)) return;
      seen.add(p);
      for (const i of meta[p].imports) if (i.kind === "import-statement") visit(i.path);
    };
    visit(root);
    return seen;
  };
  const eager = closure(entryPath, new Set());
  const lazy: Record<string, string[]> = {};
  const measured = new Set(eager);
  for (const part of LAZY_PARTS) {
    const root = [...dynamic].find((p) => meta[p].entryPoint?.endsWith(part.entry));
    if (root === undefined) throw new Error(`esbuild produced no lazy chunk for ${part.entry}`);
    const files = [...closure(root, eager)];
    for (const f of files) measured.add(f);
    lazy[part.name] = files.map(basename);
  }
  const stray = js.filter((p) => !measured.has(p));
  if (stray.length > 0) throw new Error(`Lazy console chunks in no size row: ${stray.join(", ")}`);
  return { entry: basename(entryPath), eager: [...eager].map(basename), lazy };
}

/**
 * One report row for several files: the first names it, bytes and gzip bytes are summed (each
 * file is fetched, and compressed, on its own).
 */
async function measureAll(
  outDir: string,
  name: string,
  files: string[],
  budgetGzip: number,
): Promise<AssetReport> {
  const rows = await Promise.all(files.map((f) => measure(outDir, name, `assets/${f}`)));
  return {
    name,
    file: `assets/${files[0]}`,
    bytes: rows.reduce((n, r) => n + r.bytes, 0),
    gzipBytes: rows.reduce((n, r) => n + r.gzipBytes, 0),
    budgetGzip,
  };
}

if (import.meta.main) {
  // Standalone: `deno run -A agent-console/build.ts [outDir]` builds only the console.
  const outDir = Deno.args[0] ?? "dist";
  const rows = await buildConsole({ outDir });
  for (const r of rows) console.log(`${r.name}\t${r.file}\t${r.bytes} B\t${r.gzipBytes} B gzip`);
  await esbuild.stop();
}
