/**
 * `GET /metrics`: every metric of this instance in the Prometheus text format, and the HTTP
 * request counter the request entry point keeps. With `PARLEY_METRICS_TOKEN` set, a scrape must
 * send `Authorization: Bearer <token>`: the metrics say how busy the service is and which errors
 * it answers, which is nobody else's business.
 *
 * @module
 */

import { ErrorCode } from "../protocol/codes.ts";
import { safeEqual } from "../core/accounts/tokens.ts";
import { type Counter, METRICS_CONTENT_TYPE, type MetricsRegistry } from "../core/metrics.ts";
import type { Handler } from "./context.ts";
import { errorJson } from "./http.ts";

/** What the routes count and serve. */
export interface RoutesMetrics {
  /** The server's registry, rendered by {@link metrics}. */
  registry: MetricsRegistry;
  /** Responses by status code, counted by the request entry point (`mod.ts`). */
  httpRequests: Counter;
}

/** Registers the routes' own metrics on `registry`. */
export function createRoutesMetrics(registry: MetricsRegistry): RoutesMetrics {
  return {
    registry,
    httpRequests: registry.counter(
      "parley_http_requests_total",
      "HTTP responses by status code (a WebSocket upgrade counts as 101)",
      ["status"],
    ),
  };
}

/** The token a request presents as `Authorization: Bearer <token>`, or null. */
function bearer(req: Request): string | null {
  const header = req.headers.get("authorization");
  const match = header?.match(/^Bearer\s+(\S+)\s*$/i);
  return match ? match[1] : null;
}

/** `GET /metrics`: the Prometheus text exposition (0.0.4) of this instance's metrics. */
export const metrics: Handler = async (req, ctx) => {
  const token = ctx.app.config.metricsToken;
  if (token !== null) {
    const given = bearer(req);
    if (given === null || !safeEqual(given, token)) {
      return errorJson(ErrorCode.Unauthorized, "Metrics require a bearer token", 401, {
        "www-authenticate": 'Bearer realm="metrics"',
      });
    }
  }
  const body = await ctx.app.metrics.registry.render();
  return new Response(req.method === "HEAD" ? null : body, {
    headers: {
      "content-type": METRICS_CONTENT_TYPE,
      "cache-control": "no-store",
      "x-content-type-options": "nosniff",
    },
  });
};
