/**
 * CORS for the widget's cross-origin requests (attachments, uploads, the HTTP fallback): the
 * widget runs on the shop's pages, so these answer the page's origin; which origins may use a
 * site is decided by the handler (`allowedOrigins`, at `hello` or by token), not here. Requests
 * carry no cookies (credentials are a Bearer token or the stream id), so `*`-like reflection of
 * the origin exposes nothing a cookie would.
 *
 * @module
 */

import { toParleyError } from "../core/errors.ts";
import type { Handler } from "./context.ts";
import { errorResponse } from "./http.ts";

/** What a set of routes allows a cross-origin page to do. */
export interface CorsPolicy {
  /** Methods of the preflight's answer. */
  methods: string;
  /** Request headers the page may send. */
  headers: string;
  /** Response headers the page may read, besides the simple ones. */
  expose?: string;
}

/** CORS headers for a request from `origin` (only `Vary` when it sent no `Origin`). */
export function corsHeaders(origin: string | null, policy: CorsPolicy): Record<string, string> {
  if (origin === null) return { vary: "Origin" };
  return {
    vary: "Origin",
    "access-control-allow-origin": origin,
    ...(policy.expose ? { "access-control-expose-headers": policy.expose } : {}),
  };
}

/**
 * Runs `handler` and adds the CORS headers to every answer, errors included (the widget reads
 * an error's code to say why, in the visitor's language).
 */
export function withCors(policy: CorsPolicy, handler: Handler): Handler {
  return async (req, ctx) => {
    let res: Response;
    try {
      res = await handler(req, ctx);
    } catch (err) {
      res = errorResponse(toParleyError(err), ctx.app.log, ctx.requestId);
    }
    for (const [k, v] of Object.entries(corsHeaders(req.headers.get("origin"), policy))) {
      res.headers.set(k, v);
    }
    return res;
  };
}

/** The preflight's `204`, with what `policy` allows, cached by the browser for 10 minutes. */
export function preflightResponse(req: Request, policy: CorsPolicy): Response {
  return new Response(null, {
    status: 204,
    headers: {
      ...corsHeaders(req.headers.get("origin"), policy),
      "access-control-allow-methods": policy.methods,
      "access-control-allow-headers": policy.headers,
      "access-control-max-age": "600",
    },
  });
}
