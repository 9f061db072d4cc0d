import assert from "node:assert/strict";
import { stop } from "esbuild";
import {
  buildConsole,
  CONSOLE_ATTACH_JS_BUDGET_GZIP,
  CONSOLE_REPORTS_JS_BUDGET_GZIP,
  CONSOLE_SEARCH_JS_BUDGET_GZIP,
} from "../agent-console/build.ts";

Deno.test("buildConsole() puts the admin settings tabs in a lazy chunk of their own", async () => {
  const dir = await Deno.makeTempDir({ prefix: "parley-console-build-" });
  try {
    const rows = await buildConsole({ outDir: dir });
    await stop();
    assert.deepEqual(rows.map((r) => r.name), [
      "console-js",
      "console-admin-js",
      "console-reports-js",
      "console-search-js",
      "console-attach-js",
      "console-css",
    ]);
    const html = await Deno.readTextFile(`${dir}/console.html`);
    const eager = [...html.matchAll(/(?:src|href)="\/(assets\/[^"]+\.js)"/g)].map((m) => m[1]);
    assert.ok(eager.length >= 1);
    const all = [...Deno.readDirSync(`${dir}/assets`)].map((e) => `assets/${e.name}`)
      .filter((f) => f.endsWith(".js"));
    const lazy = all.filter((f) => !eager.includes(f));
    assert.ok(lazy.length >= 1, "a chunk the page does not load at once");
    const text = (files: string[]) =>
      Promise.all(files.map((f) => Deno.readTextFile(`${dir}/${f}`))).then((t) => t.join("\n"));
    const [eagerJs, lazyJs] = await Promise.all([text(eager), text(lazy)]);
    // What only admins use is fetched when an admin opens it, not with the page.
    for (const words of ["Create token", "Rotate identity secret", "Reset password"]) {
      assert.ok(!eagerJs.includes(words), `${words} is not in the page's own script`);
      assert.ok(lazyJs.includes(words), `${words} is in the lazy chunk`);
    }
    // The report is honest: the eager row sums what the page loads at once.
    const eagerBytes = (await Promise.all(eager.map((f) => Deno.stat(`${dir}/${f}`))))
      .reduce((n, s) => n + s.size, 0);
    assert.equal(rows[0].bytes, eagerBytes);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("buildConsole() puts the Reports view in a lazy chunk with its own budget row", async () => {
  const dir = await Deno.makeTempDir({ prefix: "parley-console-build-" });
  try {
    const rows = await buildConsole({ outDir: dir });
    await stop();
    const html = await Deno.readTextFile(`${dir}/console.html`);
    const eager = [...html.matchAll(/(?:src|href)="\/(assets\/[^"]+\.js)"/g)].map((m) => m[1]);
    const all = [...Deno.readDirSync(`${dir}/assets`)].map((e) => `assets/${e.name}`)
      .filter((f) => f.endsWith(".js"));
    const read = (files: string[]) =>
      Promise.all(files.map((f) => Deno.readTextFile(`${dir}/${f}`))).then((t) => t.join("\n"));
    const eagerJs = await read(eager);
    const lazyJs = await read(all.filter((f) => !eager.includes(f)));
    // The charts and figures come with the Reports view, not with the page.
    for (const words of ["Show as table", "Conversations (CSV)", "Hour of day"]) {
      assert.ok(!eagerJs.includes(words), `${words} is not in the page's own script`);
      assert.ok(lazyJs.includes(words), `${words} is in a lazy chunk`);
    }
    // The top bar's entry is in the page: it is what fetches the chunk.
    assert.ok(eagerJs.includes("reports-button"));
    const row = rows.find((r) => r.name === "console-reports-js");
    assert.ok(row, "a console-reports-js row");
    assert.equal(row.budgetGzip, CONSOLE_REPORTS_JS_BUDGET_GZIP);
    assert.ok(row.gzipBytes > 0 && row.gzipBytes <= row.budgetGzip!, `${row.gzipBytes} B gzip`);
    // Its files are none of the page's.
    assert.ok(!eager.includes(row.file));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("buildConsole() puts the search results view and its filters in a lazy chunk", async () => {
  const dir = await Deno.makeTempDir({ prefix: "parley-console-build-" });
  try {
    const rows = await buildConsole({ outDir: dir });
    await stop();
    const html = await Deno.readTextFile(`${dir}/console.html`);
    const eager = [...html.matchAll(/(?:src|href)="\/(assets\/[^"]+\.js)"/g)].map((m) => m[1]);
    const row = rows.find((r) => r.name === "console-search-js");
    assert.ok(row, "a console-search-js row");
    assert.equal(row.budgetGzip, CONSOLE_SEARCH_JS_BUDGET_GZIP);
    assert.ok(row.gzipBytes > 0 && row.gzipBytes <= row.budgetGzip!, `${row.gzipBytes} B gzip`);
    assert.ok(!eager.includes(row.file));
    const eagerJs = (await Promise.all(eager.map((f) => Deno.readTextFile(`${dir}/${f}`))))
      .join("\n");
    const searchJs = await Deno.readTextFile(`${dir}/${row.file}`);
    // The filter row comes with the view, not with the page; the search box stays in the page.
    for (const words of ["Search filters", "Any label", "Any status", "Close search"]) {
      assert.ok(!eagerJs.includes(words), `${words} is not in the page's own script`);
      assert.ok(searchJs.includes(words), `${words} is in the search chunk`);
    }
    assert.ok(eagerJs.includes("Search messages"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("buildConsole() puts the uploader in a lazy chunk; the page keeps the button", async () => {
  const dir = await Deno.makeTempDir({ prefix: "parley-console-build-" });
  try {
    const rows = await buildConsole({ outDir: dir });
    await stop();
    const html = await Deno.readTextFile(`${dir}/console.html`);
    const eager = [...html.matchAll(/(?:src|href)="\/(assets\/[^"]+\.js)"/g)].map((m) => m[1]);
    const all = [...Deno.readDirSync(`${dir}/assets`)].map((e) => `assets/${e.name}`)
      .filter((f) => f.endsWith(".js"));
    const read = (files: string[]) =>
      Promise.all(files.map((f) => Deno.readTextFile(`${dir}/${f}`))).then((t) => t.join("\n"));
    const eagerJs = await read(eager);
    const lazyJs = await read(all.filter((f) => !eager.includes(f)));
    for (
      const words of ["Files to send", "Sends when every file is uploaded", "upload.onprogress"]
    ) {
      assert.ok(!eagerJs.includes(words), `${words} is not in the page's own script`);
      assert.ok(lazyJs.includes(words), `${words} is in a lazy chunk`);
    }
    assert.ok(eagerJs.includes("Attach a file"));
    const row = rows.find((r) => r.name === "console-attach-js");
    assert.ok(row, "a console-attach-js row");
    assert.equal(row.budgetGzip, CONSOLE_ATTACH_JS_BUDGET_GZIP);
    assert.ok(row.gzipBytes > 0 && row.gzipBytes <= row.budgetGzip!, `${row.gzipBytes} B gzip`);
    assert.ok(!eager.includes(row.file));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
