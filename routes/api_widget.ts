/**
 * `GET /api/widget/sites/:id`: a site's settings for the widget loader, resolved for the
 * visitor's locale. Public (no session) and read by storefront pages on other origins, so it
 * answers CORS for the origins the site allows and refuses the others with 403, which the
 * loader takes as "no chat here". Cached with revalidation: `no-cache` plus a strong `ETag` of
 * the body, so a settings change reaches storefronts on their next page load and an unchanged
 * one costs a 304. `Vary: Origin` because the CORS answer depends on it.
 *
 * @module
 */

import { ParleyError, toParleyError } from "../core/errors.ts";
import { ErrorCode } from "../protocol/codes.ts";
import type { Handler } from "./context.ts";
import { errorResponse } from "./http.ts";
import { noneMatch } from "./negotiate.ts";

/** Most browser languages read from `languages` (navigator.languages is rarely longer). */
const MAX_LANGUAGES = 10;

/** `GET /api/widget/sites/:id?locale=&languages=` */
export const widgetSettings: Handler = async (req, ctx) => {
  const origin = req.headers.get("origin");
  // Errors carry the CORS header too, so the loader can read why it shows no chat.
  const cors: Record<string, string> = {
    "cache-control": "no-cache",
    vary: "Origin",
    ...(origin === null ? {} : { "access-control-allow-origin": origin }),
  };
  try {
    const id = ctx.params.id ?? "";
    if (!/^[a-z0-9-]{1,48}$/.test(id)) {
      throw new ParleyError(ErrorCode.SiteNotFound, "Unknown site");
    }
    const params = ctx.url.searchParams;
    const languages = (params.get("languages") ?? "").slice(0, 500).split(",")
      .map((l) => l.trim()).filter((l) => l !== "").slice(0, MAX_LANGUAGES);
    const settings = await ctx.app.sites.publicSettings(id, {
      locale: params.get("locale")?.slice(0, 35) ?? null,
      languages,
    }, origin);
    // The upload limits are the server's, not the site's: added here, where the config is known.
    const { maxBytes, allowed } = ctx.app.attachments.policy;
    const body = JSON.stringify({ ...settings, uploads: { maxBytes, types: [...allowed] } });
    const etag = await strongEtag(body);
    const headers = { ...cors, etag };
    if (noneMatch(req.headers.get("if-none-match"), etag)) {
      return new Response(null, { status: 304, headers });
    }
    return new Response(body, {
      headers: { ...headers, "content-type": "application/json; charset=utf-8" },
    });
  } catch (err) {
    const res = errorResponse(toParleyError(err), ctx.app.log, ctx.requestId);
    for (const [k, v] of Object.entries(cors)) res.headers.set(k, v);
    return res;
  }
};

/** A strong validator of `body`: 128 bits of its SHA-256, quoted. */
async function strongEtag(body: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(body));
  const hex = Array.from(
    new Uint8Array(digest).slice(0, 16),
    (b) => b.toString(16).padStart(2, "0"),
  )
    .join("");
  return `"${hex}"`;
}
