/**
 * Pages and bundles: content types, caching, ETags, gzip and security headers.
 */

import assert from "node:assert/strict";
import { rawRequest } from "./helpers/raw_http.ts";
import { serverPerFile } from "./helpers/server.ts";

/** One server for the file (booting one takes seconds); each test brings its own people. */
const server = serverPerFile();

Deno.test("the loader is served gzipped with a short cache and an ETag", async () => {
  const t = server();
  const res = await fetch(`${t.url}/widget.js`, { headers: { "accept-encoding": "gzip" } });
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type") ?? "", /^text\/javascript/);
  assert.equal(res.headers.get("cache-control"), "public, max-age=300");
  const etag = res.headers.get("etag");
  assert.ok(etag);
  assert.ok((await res.text()).length > 100); // fetch decodes the gzip body
  // Some fetch implementations drop Content-Encoding once they have decoded (Deno 2.5's does):
  // read the header off the wire.
  const raw = await rawRequest(t.url, "GET", "/widget.js", {
    host: new URL(t.url).host,
    "accept-encoding": "gzip",
  });
  assert.equal(raw.headers.get("content-encoding"), "gzip");
  const again = await fetch(`${t.url}/widget.js`, { headers: { "if-none-match": etag } });
  assert.equal(again.status, 304);
  await again.body?.cancel();
});

Deno.test("hashed bundles are immutable and HTML pages carry security headers", async () => {
  const t = server();
  const manifest = JSON.parse(await Deno.readTextFile("dist/manifest.json"));
  const file = manifest.assets["widget-ui"].file as string;
  const bundle = await fetch(`${t.url}/${file}`);
  assert.equal(bundle.status, 200);
  assert.equal(bundle.headers.get("cache-control"), "public, max-age=31536000, immutable");
  await bundle.body?.cancel();

  for (const path of ["/", "/console", "/console/inbox"]) {
    const res = await fetch(`${t.url}${path}`);
    assert.equal(res.status, 200, path);
    assert.match(res.headers.get("content-type") ?? "", /^text\/html/);
    const csp = res.headers.get("content-security-policy") ?? "";
    assert.match(csp, /script-src 'self'/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    assert.equal(res.headers.get("x-content-type-options"), "nosniff");
    assert.ok(res.headers.get("referrer-policy"));
    await res.body?.cancel();
  }
  const consolePage = await fetch(`${t.url}/console`);
  assert.match(
    consolePage.headers.get("content-security-policy") ?? "",
    /frame-ancestors 'none'/,
  );
  await consolePage.body?.cancel();

  const traversal = await fetch(`${t.url}/assets/..%2F..%2Fdeno.json`);
  assert.equal(traversal.status, 404);
  await traversal.body?.cancel();
});
