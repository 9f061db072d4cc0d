/**
 * Builds the widget: the chat UI bundles and attachment chunks (one per locale, content-hashed)
 * and the fallback and rating chunks (one each for all locales), then the loader `widget.js` that knows the UI's file name, then the demo storefront page and
 * its stylesheet. Build-time only: nothing
 * served to browsers imports this module.
 *
 * @module
 */

import * as esbuild from "esbuild";
import { pathToFileURL } from "node:url";
import { type AssetReport, measure, shortHash } from "../tools/manifest.ts";
import { WIDGET_LOCALES } from "../protocol/site_settings.ts";
import { en } from "./ui/locales/en.ts";

/** Gzipped budget of `widget.js`. */
export const LOADER_BUDGET = 2048;
/** Gzipped budget of loader plus UI (everything a visitor downloads once the chat is open). */
export const TOTAL_BUDGET = 20480;

/**
 * Gzipped budget of the attachment chunk (tray, uploads, thumbnails, cards, viewer), loaded only
 * when a visitor attaches a file or a message with files is shown.
 */
export const ATTACH_BUDGET = 8192;

/**
 * Gzipped budget of the fallback chunk (the HTTP transport used when WebSockets are blocked),
 * loaded only after two connection attempts in a row failed. One for every locale: no strings.
 */
export const FALLBACK_BUDGET = 4096;

/**
 * Gzipped budget of the rating chunk (the card where a conversation was resolved), loaded the
 * first time the log shows one. One for every locale: it translates with the UI's strings.
 */
export const RATING_BUDGET = 2048;

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
    // `widget/ui/styles.ts` (PANEL_CSS), `widget/ui/attach/styles.ts` (ATTACH_CSS) and
    // `widget/ui/rating/styles.ts` (RATING_CSS).
    const filter = /[\\/]widget[\\/]ui[\\/]((attach|rating)[\\/])?styles\.ts$/;
    build.onLoad({ filter }, async (args) => {
      const mod: Record<string, string> = await import(pathToFileURL(args.path).href);
      const [name, text] = Object.entries(mod)[0];
      const css = await esbuild.transform(text, { loader: "css", minify: true, target: TARGETS });
      return {
        contents: `export const ${name} = ${JSON.stringify(css.code.trim())};`,
        loader: "ts",
      };
    });
  },
};

/** The UI's string keys in table order (`en`, the reference table). */
const STRING_KEYS = Object.keys(en);

/**
 * Ships each UI string table as an array in `en`'s key order, and each `t("key")` of the UI's
 * code as `t(index)`: the 41 keys (about 240 B gzipped) leave every UI bundle, while the source
 * keeps its readable keys and Deno runs it as written (`translator` indexes either). Every call
 * must name its key as a literal; a computed key, or a key not in `en`, fails the build. The
 * attachment chunk keeps its keyed table (`<locale>Attach`, built without this plugin).
 */
const indexedStrings: esbuild.Plugin = {
  name: "indexed-strings",
  setup(build) {
    build.onLoad({ filter: /[\\/]widget[\\/]ui[\\/]locales[\\/]\w+\.ts$/ }, async (args) => {
      const name = args.path.replace(/^.*[\\/]|\.ts$/g, "");
      const mod: Record<string, Record<string, string>> = await import(
        pathToFileURL(args.path).href
      );
      const table = STRING_KEYS.map((key) => mod[name][key]);
      return { contents: `export const ${name} = ${JSON.stringify(table)};`, loader: "ts" };
    });
    build.onLoad({ filter: /[\\/]widget[\\/]ui[\\/].*\.tsx?$/ }, async (args) => {
      if (/[\\/](attach|locales)[\\/]|styles\.ts$/.test(args.path)) return undefined;
      const text = await Deno.readTextFile(args.path);
      const contents = text.replace(/\bt\("(\w+)"/g, (call, key: string) => {
        const i = STRING_KEYS.indexOf(key);
        if (i < 0) throw new Error(`${args.path}: ${call}: not a key of the UI's string table`);
        return `t(${i}`;
      });
      const computed = /\bt\((?!\d|\))/.exec(contents);
      if (computed) {
        throw new Error(`${args.path}: t() with a computed key (write t("key") at each call)`);
      }
      return { contents, loader: args.path.endsWith("x") ? "tsx" : "ts" };
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
  plugins: [minifiedStyles, indexedStrings],
  // Preact's and signals-core's internal fields (`__k`, `__e`, `_sb`…: kept readable in their
  // builds for devtools and add-ons, none of which the widget loads) become one or two letters.
  // Nothing outside the bundle reads them: the attachment chunk only calls the UI's `h`, `signal`
  // and `effect`. Widget code names no field with a leading underscore (quoted keys are kept).
  // Also the props the UI's own components pass each other (never a DOM attribute, never read by
  // the loader or the chunk).
  mangleProps: /^_|^(panelRef|inputRef|onEmail|onClose|Rating|loadRating)$/,
  reserveProps: /^__(html|proto__)$/,
};

/** Fails the build of a chunk that imports Preact or signals (a second copy: it must use the UI's). */
const noSecondPreact: esbuild.Plugin = {
  name: "no-second-preact",
  setup(build) {
    build.onResolve({ filter: /^(preact|@preact\/signals-core)($|\/)/ }, (args) => ({
      errors: [{ text: `a chunk must use the UI's ${args.path} (handed over when it mounts)` }],
    }));
  },
};

/**
 * The attachment chunk renders with the UI's Preact and signals (`widget/ui/attach/lib.ts`): its
 * JSX compiles to `L.h(…)`, and a value import of either package (a second copy) fails the build.
 */
const ATTACH_OPTIONS: esbuild.BuildOptions = {
  jsx: "transform",
  jsxFactory: "L.h",
  plugins: [minifiedStyles, noSecondPreact],
};

/**
 * The rating chunk renders with the UI's `h` (`widget/ui/rating/lib.ts`) and translates with the
 * UI's `t`, so its `t("key")` calls become the UI table's indexes, as in the UI bundles: one
 * chunk for every locale.
 */
const RATING_OPTIONS: esbuild.BuildOptions = {
  jsx: "transform",
  jsxFactory: "L.h",
  plugins: [minifiedStyles, indexedStrings, noSecondPreact],
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
  const chunks: Uint8Array[] = [];
  for (const locale of LOCALES) {
    chunks.push(
      await bundle({
        contents: `import { register } from "./mod.ts";\n` +
          `import { ${locale}Attach } from "../locales/${locale}.ts";\n` +
          `register(${locale}Attach, "${locale}");\n`,
        resolveDir: `${ROOT}widget/ui/attach`,
        sourcefile: `widget-attach-${locale}.ts`,
        loader: "ts",
      }, ATTACH_OPTIONS),
    );
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
  // The transport used when WebSockets are blocked, and the rating card: one chunk each for
  // every locale (no strings of their own).
  const fallback = await bundle("widget/fallback/mod.ts");
  const rating = await bundle("widget/ui/rating/mod.tsx", RATING_OPTIONS);
  // The chunks share the UI's hash (of every bundle and chunk): a UI bundle finds its chunks by
  // its own file name (`widget-ui-fr-<hash>.js` → `widget-attach-fr-<hash>.js`,
  // `widget-fallback-<hash>.js`).
  const all = [...bundles, ...chunks, fallback, rating] as BlobPart[];
  const hash = await shortHash(new Uint8Array(await new Blob(all).arrayBuffer()));
  const uiFiles: Record<string, string> = {};
  const attachFiles: Record<string, string> = {};
  for (const [i, locale] of LOCALES.entries()) {
    uiFiles[locale] = `widget-ui-${locale}-${hash}.js`;
    attachFiles[locale] = `widget-attach-${locale}-${hash}.js`;
    await Deno.writeFile(`${outDir}/assets/${uiFiles[locale]}`, bundles[i]);
    await Deno.writeFile(`${outDir}/assets/${attachFiles[locale]}`, chunks[i]);
  }
  const fallbackFile = `assets/widget-fallback-${hash}.js`;
  await Deno.writeFile(`${outDir}/${fallbackFile}`, fallback);
  const ratingFile = `assets/widget-rating-${hash}.js`;
  await Deno.writeFile(`${outDir}/${ratingFile}`, rating);

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
  // One row for the attachment chunks: the heaviest locale's, under its own budget.
  const attachRows: AssetReport[] = [];
  for (const locale of LOCALES) {
    attachRows.push(
      await measure(outDir, "widget-attach", `assets/${attachFiles[locale]}`, ATTACH_BUDGET),
    );
  }
  const attachRow = attachRows.reduce((a, b) => b.gzipBytes > a.gzipBytes ? b : a);
  const fallbackRow = await measure(outDir, "widget-fallback", fallbackFile, FALLBACK_BUDGET);
  const ratingRow = await measure(outDir, "widget-rating", ratingFile, RATING_BUDGET);
  return [loaderRow, ...uiRows, total, attachRow, fallbackRow, ratingRow];
}

if (import.meta.main) {
  // Standalone: `deno run -A widget/build.ts [outDir]` builds only the widget.
  const outDir = Deno.args[0] ?? "dist";
  await Deno.mkdir(`${outDir}/assets`, { recursive: true });
  const { printReport } = await import("../tools/manifest.ts");
  printReport(await buildWidget({ outDir }));
  await esbuild.stop();
}
