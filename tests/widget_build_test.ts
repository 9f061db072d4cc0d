/**
 * The widget build contract: file names, size budgets, the demo page's embed snippet and strict-
 * CSP friendliness, and a source scan for HTML-injection sinks.
 */

import assert from "node:assert/strict";
import {
  buildWidget,
  FALLBACK_BUDGET,
  LOADER_BUDGET,
  RATING_BUDGET,
  TOTAL_BUDGET,
} from "../widget/build.ts";
import { WIDGET_LOCALES } from "../protocol/site_settings.ts";

Deno.test({
  name: "buildWidget() writes the loader, hashed UI bundles and the demo page within budget",
  async fn() {
    const outDir = await Deno.makeTempDir({ prefix: "parley-widget-" });
    try {
      await Deno.mkdir(`${outDir}/assets`);
      const rows = await buildWidget({ outDir });
      const byName = Object.fromEntries(rows.map((r) => [r.name, r]));
      assert.equal(byName["widget-loader"].file, "widget.js");
      assert.equal(byName["widget-loader"].budgetGzip, LOADER_BUDGET);
      assert.ok(byName["widget-loader"].gzipBytes <= LOADER_BUDGET, "loader over budget");
      assert.match(byName["widget-ui"].file, /^assets\/widget-ui-en-[0-9a-f]{10}\.js$/);
      assert.equal(byName["widget-total"].budgetGzip, TOTAL_BUDGET);
      assert.ok(byName["widget-total"].gzipBytes <= TOTAL_BUDGET, "loader + UI over budget");
      for (const locale of WIDGET_LOCALES.slice(1)) {
        const row = byName[`widget-ui-${locale}`];
        assert.ok(row.gzipBytes + byName["widget-loader"].gzipBytes <= TOTAL_BUDGET);
        await Deno.stat(`${outDir}/${row.file}`);
      }

      const loader = await Deno.readTextFile(`${outDir}/widget.js`);
      // One hash names every locale's bundle: the loader carries it, not a name per locale.
      const hash = byName["widget-ui"].file.match(/-([0-9a-f]{10})\.js$/)![1];
      assert.ok(loader.includes(`widget-ui-\${`) && loader.includes(hash));
      for (const locale of WIDGET_LOCALES.slice(1)) {
        assert.equal(byName[`widget-ui-${locale}`].file, `assets/widget-ui-${locale}-${hash}.js`);
      }
      assert.ok(!loader.includes("import("), "the loader loads the UI as a classic script");

      // One fallback chunk and one rating chunk for every locale, beside the UI, same hash.
      for (
        const [name, budget] of [["fallback", FALLBACK_BUDGET], ["rating", RATING_BUDGET]] as const
      ) {
        const row = byName[`widget-${name}`];
        assert.equal(row.file, `assets/widget-${name}-${hash}.js`);
        assert.equal(row.budgetGzip, budget);
        assert.ok(row.gzipBytes <= budget, `widget-${name} over budget`);
        const text = await Deno.readTextFile(`${outDir}/${row.file}`);
        assert.ok(!text.includes("import("), "a classic script");
        // No strings of any locale: the rating chunk translates with the UI's table indexes.
        assert.ok(!/Rate \{n\}|Thanks for your feedback/.test(text), `widget-${name}: strings`);
      }
      const ui = await Deno.readTextFile(`${outDir}/${byName["widget-ui"].file}`);
      assert.ok(ui.includes('"/widget-fallback"') && ui.includes('"/widget-rating"'));
      assert.ok(!ui.includes("/fallback/visitor/"), "the fallback transport is the chunk's");

      const html = await Deno.readTextFile(`${outDir}/demo.html`);
      assert.ok(html.includes(`<script src="/widget.js" data-site="demo" async></script>`));
      assert.equal(html.match(/<script/g)?.length, 1, "no inline scripts");
      assert.ok(!/<style|style="/.test(html), "no inline styles");
      const css = html.match(/href="\/assets\/(demo-[0-9a-f]{10}\.css)"/);
      assert.ok(css, "the demo stylesheet is content-hashed");
      await Deno.stat(`${outDir}/assets/${css[1]}`);
    } finally {
      await Deno.remove(outDir, { recursive: true });
      const { stop } = await import("esbuild");
      await stop();
    }
  },
});

Deno.test("widget sources never use HTML-injection sinks", async () => {
  const sinks =
    /innerHTML|outerHTML|insertAdjacentHTML|dangerouslySetInnerHTML|document\.write|\beval\(|new Function/;
  const offenders: string[] = [];
  const walk = async (dir: string) => {
    for await (const entry of Deno.readDir(dir)) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory && !entry.name.startsWith("_")) await walk(path);
      else if (/\.tsx?$/.test(entry.name) && !entry.name.endsWith("_test.ts")) {
        const text = await Deno.readTextFile(path);
        // Comments may name the sinks to explain why they are avoided.
        const code = text.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, "");
        if (sinks.test(code)) offenders.push(path);
      }
    }
  };
  await walk(new URL("../widget", import.meta.url).pathname);
  assert.deepEqual(offenders, []);
});
