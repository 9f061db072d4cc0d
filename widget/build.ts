/**
 * Builds the widget: the chat UI bundle (content-hashed), then the loader `widget.js` that knows
 * the UI's file name, then the demo storefront page and its stylesheet. Build-time only: nothing
 * served to browsers imports this module.
 *
 * @module
 */

import * as esbuild from "esbuild";
import { type AssetReport, measure, shortHash } from "../tools/manifest.ts";
import { WIDGET_LOCALES } from "../protocol/site_settings.ts";

/** Gzipped budget of `widget.js`. */
export const LOADER_BUDGET = 2048;
/** Gzipped budget of loader plus UI (everything a visitor downloads once the chat is open). */
export const TOTAL_BUDGET = 20480;

/** Browsers released within the last two years: no polyfills or down-levelling beyond them. */
export const TARGETS = ["es2022", "chrome110", "firefox110", "safari16"];

const ROOT = new URL("..", import.meta.url).pathname;

/** Locales with a UI bundle; the first is the default. Tables live in `widget/ui/locales/`. */
export const LOCALES = WIDGET_LOCALES;

/**
 * Ships the panel stylesheet minified. `widget/ui/styles.ts` is written as plain, readable CSS in
 * a template literal (Deno tests import it as it is); esbuild does not minify CSS inside strings,
 * so the bundle gets the module's value run through esbuild's CSS minifier instead.
 */
const minifiedStyles: esbuild.Plugin = {
  name: "minified-styles",
  setup(build) {
    build.onLoad({ filter: /[\\/]widget[\\/]ui[\\/]styles\.ts$/ }, async () => {
      const { PANEL_CSS } = await import("./ui/styles.ts");
      const css = await esbuild.transform(PANEL_CSS, {
        loader: "css",
        minify: true,
        target: TARGETS,
      });
      return {
        contents: `export const PANEL_CSS = ${JSON.stringify(css.code.trim())};`,
        loader: "ts",
      };
    });
  },
};

/** What the UI bundles add to the shared options: classic JSX and the minified stylesheet. */
const UI_OPTIONS: esbuild.BuildOptions = {
  // Classic `h()` calls (see `ui/_jsx.ts`): smaller than the automatic runtime's, same nodes.
  jsx: "transform",
  jsxFactory: "h",
  jsxFragment: "Fragment",
  inject: ["widget/ui/_jsx.ts"],
  plugins: [minifiedStyles],
};

async function bundle(
  entry: string | esbuild.StdinOptions,
  options: esbuild.BuildOptions = {},
): Promise<Uint8Array> {
  const result = await esbuild.build({
    absWorkingDir: ROOT,
    ...(typeof entry === "string" ? { entryPoints: [entry] } : { stdin: entry }),
    bundle: true,
    minify: true,
    format: "iife",
    target: TARGETS,
    legalComments: "none",
    charset: "utf8",
    ...options,
    write: false,
    logLevel: "warning",
  });
  return result.outputFiles[0].contents;
}

/** Builds the widget assets into `outDir` (which must contain an `assets/` folder). */
export async function buildWidget({ outDir }: { outDir: string }): Promise<AssetReport[]> {
  // One UI bundle per locale, so a visitor downloads only their own strings. All share one
  // hash (of every bundle), so the loader carries one short string instead of a name per locale.
  const bundles: Uint8Array[] = [];
  for (const locale of LOCALES) {
    bundles.push(
      await bundle({
        contents: `import { register } from "./mod.tsx";\n` +
          `import { ${locale} } from "./locales/${locale}.ts";\nregister(${locale}, "${locale}");\n`,
        resolveDir: `${ROOT}widget/ui`,
        sourcefile: `widget-ui-${locale}.ts`,
        loader: "ts",
      }, UI_OPTIONS),
    );
  }
  const hash = await shortHash(new Uint8Array(await new Blob(bundles as BlobPart[]).arrayBuffer()));
  const uiFiles: Record<string, string> = {};
  for (const [i, locale] of LOCALES.entries()) {
    uiFiles[locale] = `widget-ui-${locale}-${hash}.js`;
    await Deno.writeFile(`${outDir}/assets/${uiFiles[locale]}`, bundles[i]);
  }

  const loader = await bundle("widget/loader.ts", {
    define: { __PARLEY_UI__: JSON.stringify(hash) },
  });
  await Deno.writeFile(`${outDir}/widget.js`, loader);

  const css = await esbuild.transform(
    await Deno.readTextFile(`${ROOT}widget/demo/demo.css`),
    { loader: "css", minify: true, target: TARGETS },
  );
  const cssFile = `demo-${await shortHash(css.code)}.css`;
  await Deno.writeTextFile(`${outDir}/assets/${cssFile}`, css.code);
  const html = await Deno.readTextFile(`${ROOT}widget/demo/index.html`);
  await Deno.writeTextFile(`${outDir}/demo.html`, html.replace("{{DEMO_CSS}}", cssFile));

  const loaderRow = await measure(outDir, "widget-loader", "widget.js", LOADER_BUDGET);
  const uiRows: AssetReport[] = [];
  for (const locale of LOCALES) {
    const name = locale === LOCALES[0] ? "widget-ui" : `widget-ui-${locale}`;
    uiRows.push(await measure(outDir, name, `assets/${uiFiles[locale]}`));
  }
  // The budget holds for the heaviest locale.
  const uiRow = uiRows.reduce((a, b) => b.gzipBytes > a.gzipBytes ? b : a);
  const total: AssetReport = {
    name: "widget-total",
    file: `${loaderRow.file} + ${uiRow.file}`,
    bytes: loaderRow.bytes + uiRow.bytes,
    gzipBytes: loaderRow.gzipBytes + uiRow.gzipBytes,
    budgetGzip: TOTAL_BUDGET,
  };
  return [loaderRow, ...uiRows, total];
}

if (import.meta.main) {
  // Standalone: `deno run -A widget/build.ts [outDir]` builds only the widget.
  const outDir = Deno.args[0] ?? "dist";
  await Deno.mkdir(`${outDir}/assets`, { recursive: true });
  const { printReport } = await import("../tools/manifest.ts");
  printReport(await buildWidget({ outDir }));
  await esbuild.stop();
}
