/**
 * Built front-end assets from `dist/`: the widget loader (short cache + ETag), content-hashed
 * bundles (immutable), and the HTML pages with their security headers.
 *
 * @module
 */

import { brotliCompress, constants as zlibConstants } from "node:zlib";
import type { Handler } from "./context.ts";
import { json } from "./http.ts";
import { type Coding, noneMatch, preferredCoding } from "./negotiate.ts";

/** One representation of a file: its bytes and their strong ETag. */
export interface Encoded {
  body: Uint8Array;
  etag: string;
}

/**
 * A file ready to serve, with its brotli and gzip encodings precomputed for compressible types.
 * Each encoding has its own ETag: they are different bytes, and a strong tag names exact bytes.
 */
export interface Asset {
  identity: Encoded;
  br: Encoded | null;
  gzip: Encoded | null;
  type: string;
}

/** Reads built files, caching them in memory (they never change while the process runs). */
export interface Assets {
  /** The file at `path` relative to the dist directory, or null. */
  get(path: string): Promise<Asset | null>;
}

const TYPES: Record<string, string> = {
  js: "text/javascript; charset=utf-8",
  css: "text/css; charset=utf-8",
  html: "text/html; charset=utf-8",
  json: "application/json; charset=utf-8",
  svg: "image/svg+xml",
  png: "image/png",
  map: "application/json; charset=utf-8",
};

async function gzip(data: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([data as BlobPart]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** Brotli at its best quality: done once per file per process, and the widget's bytes count. */
function brotli(data: Uint8Array): Promise<Uint8Array> {
  return new Promise((resolve, reject) =>
    brotliCompress(data, {
      params: {
        [zlibConstants.BROTLI_PARAM_QUALITY]: zlibConstants.BROTLI_MAX_QUALITY,
        [zlibConstants.BROTLI_PARAM_SIZE_HINT]: data.length,
      },
    }, (err, out) => err ? reject(err) : resolve(new Uint8Array(out)))
  );
}

/** The first 96 bits of the SHA-256 of `body`, hex, with a suffix naming the coding. */
async function etagOf(body: Uint8Array, suffix: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", body as BufferSource));
  const hex = Array.from(digest.slice(0, 12), (b) => b.toString(16).padStart(2, "0")).join("");
  return `"${hex}${suffix}"`;
}

/** Serves files from `distDir`. */
export function createAssets(distDir: string): Assets {
  const cache = new Map<string, Promise<Asset | null>>();
  const load = async (path: string): Promise<Asset | null> => {
    try {
      const body = await Deno.readFile(`${distDir}/${path}`);
      const ext = path.slice(path.lastIndexOf(".") + 1);
      const compressible = ["js", "css", "html", "json", "svg", "map"].includes(ext);
      // The tags of the encodings derive from the file's own hash: one file, related tags.
      const etag = await etagOf(body, "");
      return {
        identity: { body, etag },
        br: compressible ? { body: await brotli(body), etag: etag.replace(/"$/, '-br"') } : null,
        gzip: compressible ? { body: await gzip(body), etag: etag.replace(/"$/, '-gz"') } : null,
        type: TYPES[ext] ?? "application/octet-stream",
      };
    } catch {
      return null;
    }
  };
  return {
    get(path) {
      if (!/^[A-Za-z0-9._/-]+$/.test(path) || path.includes("..")) return Promise.resolve(null);
      let hit = cache.get(path);
      if (!hit) {
        hit = load(path);
        cache.set(path, hit);
        // Missing files are not cached, so a build that lands later is picked up.
        hit.then((a) => a ?? cache.delete(path));
      }
      return hit;
    },
  };
}

const COMMON_HEADERS = {
  "x-content-type-options": "nosniff",
  "referrer-policy": "strict-origin-when-cross-origin",
};

/** What every Parley page allows: only same-origin scripts, styles and sockets. */
const PAGE_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'; object-src 'none'";

/**
 * CSP of the demo storefront: framed by the operator's own pages at most. The demo is theirs to
 * show (a same-origin frame is fine), but another site framing it could dress the live widget
 * in its own page. `blob:` images: the widget shows attachments through blob: URLs (their bytes
 * are fetched with the visitor's token in a header, docs/widget.md "Attachments").
 */
export const STOREFRONT_CSP = `${
  PAGE_CSP.replace("img-src 'self' data:", "img-src 'self' data: blob:")
}; frame-ancestors 'self'`;

/** CSP of the console: never framed, not even by this origin (clickjacking an agent's session). */
export const CONSOLE_CSP = `${PAGE_CSP}; frame-ancestors 'none'`;

function notBuilt(): Response {
  return json(
    { error: { code: "not_found", message: "Assets not built: run deno task build" } },
    404,
  );
}

/** The representation of `asset` to send for `req`'s `Accept-Encoding`. */
function choose(req: Request, asset: Asset): { coding: Coding | null; encoded: Encoded } {
  const available: Coding[] = [];
  if (asset.br) available.push("br");
  if (asset.gzip) available.push("gzip");
  const coding = preferredCoding(req.headers.get("accept-encoding"), available);
  return { coding, encoded: (coding && asset[coding]) || asset.identity };
}

function serve(req: Request, asset: Asset, headers: Record<string, string>): Response {
  // Precompressed once at load: the widget's size budget is measured gzipped, so serve it so.
  const { coding, encoded } = choose(req, asset);
  const h: Record<string, string> = {
    ...COMMON_HEADERS,
    "content-type": asset.type,
    etag: encoded.etag,
    vary: "Accept-Encoding",
    ...headers,
  };
  if (noneMatch(req.headers.get("if-none-match"), encoded.etag)) {
    return new Response(null, { status: 304, headers: h });
  }
  if (coding) h["content-encoding"] = coding;
  // HEAD announces the length GET would send (a null body alone would say 0).
  h["content-length"] = String(encoded.body.length);
  return new Response(req.method === "HEAD" ? null : encoded.body as BodyInit, { headers: h });
}

function page(file: string, csp: string, extra: Record<string, string> = {}): Handler {
  return async (req, ctx) => {
    const asset = await ctx.app.assets.get(file);
    if (!asset) return notBuilt();
    return serve(req, asset, {
      "cache-control": "no-cache",
      "content-security-policy": csp,
      ...extra,
    });
  };
}

/** `GET /`: the demo storefront. */
export const storefront: Handler = page("demo.html", STOREFRONT_CSP, {
  // For browsers without CSP level 2, which ignore frame-ancestors.
  "x-frame-options": "SAMEORIGIN",
});

/** `GET /console`: the agent console. */
export const consolePage: Handler = page("console.html", CONSOLE_CSP, {
  "x-frame-options": "DENY",
});

/** `GET /widget.js`: the loader, embeddable from any origin. */
export const widgetLoader: Handler = async (req, ctx) => {
  const asset = await ctx.app.assets.get("widget.js");
  if (!asset) return notBuilt();
  return serve(req, asset, {
    // Five minutes fresh, then a day in which a page uses the cached loader at once while the
    // browser revalidates it in the background: a deploy reaches storefronts within minutes, and
    // no page view waits on a round trip for it.
    "cache-control": "public, max-age=300, stale-while-revalidate=86400",
    "access-control-allow-origin": "*",
    "cross-origin-resource-policy": "cross-origin",
    // Shops may see the loader's timings in their own Resource Timing / RUM data.
    "timing-allow-origin": "*",
  });
};

/** `GET /assets/*`: content-hashed bundles, cached forever. */
export const hashedAsset: Handler = async (req, ctx) => {
  const asset = await ctx.app.assets.get(`assets/${ctx.params.path ?? ""}`);
  if (!asset) return json({ error: { code: "not_found", message: "Not found" } }, 404);
  return serve(req, asset, {
    "cache-control": "public, max-age=31536000, immutable",
    "access-control-allow-origin": "*",
    "cross-origin-resource-policy": "cross-origin",
    "timing-allow-origin": "*",
  });
};
