/**
 * Pages and bundles: content types, caching, ETags, content codings and security headers.
 */

import assert from "node:assert/strict";
import { rawRequest } from "./helpers/raw_http.ts";
import { serverPerFile } from "./helpers/server.ts";

/** One server for the file (booting one takes seconds); each test brings its own people. */
const server = serverPerFile();

/** The response's head as sent on the wire (fetch drops Content-Encoding once it has decoded). */
function head(url: string, method: string, path: string, headers: Record<string, string>) {
  return rawRequest(url, method, path, { host: new URL(url).host, ...headers });
}

Deno.test("the loader is served compressed with a short cache, stale-while-revalidate and an ETag", async () => {
  const t = server();
  const res = await fetch(`${t.url}/widget.js`, { headers: { "accept-encoding": "gzip" } });
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type") ?? "", /^text\/javascript/);
  assert.equal(
    res.headers.get("cache-control"),
    "public, max-age=300, stale-while-revalidate=86400",
  );
  assert.equal(res.headers.get("timing-allow-origin"), "*");
  const etag = res.headers.get("etag");
  assert.ok(etag);
  const text = await res.text(); // fetch decodes the gzip body
  assert.ok(text.length > 100);
  const gz = await head(t.url, "GET", "/widget.js", { "accept-encoding": "gzip" });
  assert.equal(gz.headers.get("content-encoding"), "gzip");
  assert.equal(gz.headers.get("vary"), "Accept-Encoding");

  // Brotli where the client takes it: the same text in fewer bytes, under its own strong tag.
  const br = await head(t.url, "GET", "/widget.js", { "accept-encoding": "gzip, deflate, br" });
  assert.equal(br.headers.get("content-encoding"), "br");
  assert.ok(
    Number(br.headers.get("content-length")) < Number(gz.headers.get("content-length")),
    `br ${br.headers.get("content-length")} < gzip ${gz.headers.get("content-length")}`,
  );
  const brText = await (await fetch(`${t.url}/widget.js`, {
    headers: { "accept-encoding": "br" },
  })).text();
  assert.equal(brText, text);
  const identity = await head(t.url, "GET", "/widget.js", { "accept-encoding": "identity" });
  assert.equal(identity.headers.get("content-encoding"), null);
  assert.equal(
    Number(identity.headers.get("content-length")),
    new TextEncoder().encode(text).length,
  );
  const tags = new Set([etag, br.headers.get("etag"), identity.headers.get("etag")]);
  assert.equal(tags.size, 3, "each encoding has its own strong ETag");
});

Deno.test("the loader answers 304 under weak comparison, lists and *", async () => {
  const t = server();
  const enc = { "accept-encoding": "gzip" };
  const first = await fetch(`${t.url}/widget.js`, { headers: enc });
  const etag = first.headers.get("etag") ?? "";
  await first.body?.cancel();
  for (const inm of [etag, `W/${etag}`, `"nope", ${etag}`, `"nope",W/${etag}`, "*"]) {
    const res = await fetch(`${t.url}/widget.js`, { headers: { ...enc, "if-none-match": inm } });
    assert.equal(res.status, 304, inm);
    assert.equal(res.headers.get("etag"), etag);
    await res.body?.cancel();
  }
  const stale = await fetch(`${t.url}/widget.js`, {
    headers: { ...enc, "if-none-match": '"0123", W/"4567"' },
  });
  assert.equal(stale.status, 200);
  await stale.body?.cancel();
  // A tag of another encoding names other bytes: no 304 for them.
  const other = await fetch(`${t.url}/widget.js`, {
    headers: { "accept-encoding": "identity", "if-none-match": etag },
  });
  assert.equal(other.status, 200);
  await other.body?.cancel();
});

Deno.test("HEAD /widget.js announces the length GET sends", async () => {
  const t = server();
  for (const encoding of ["gzip", "br", "identity"]) {
    const get = await head(t.url, "GET", "/widget.js", { "accept-encoding": encoding });
    const headRes = await head(t.url, "HEAD", "/widget.js", { "accept-encoding": encoding });
    assert.equal(headRes.status, 200);
    const length = Number(headRes.headers.get("content-length"));
    assert.ok(length > 100, `${encoding}: content-length ${length}`);
    assert.equal(length, Number(get.headers.get("content-length")), encoding);
    assert.equal(headRes.headers.get("etag"), get.headers.get("etag"));
    assert.equal(headRes.body, "");
  }
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
