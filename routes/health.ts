/**
 * Liveness and readiness probes.
 *
 * @module
 */

import type { Handler } from "./context.ts";
import { json } from "./http.ts";
import { DiskFullError } from "../db/mod.ts";
import { withTimeout } from "../core/with_timeout.ts";

/**
 * `GET /healthz`: 200 while the process serves requests, with the running version and commit.
 * Touches nothing else (no database), so it stays fast when everything behind it is slow.
 */
export const healthz: Handler = (_req, ctx) =>
  json({ status: "ok", version: ctx.app.build.version, commit: ctx.app.build.commit });

/**
 * `GET /readyz`: 200 when the database answers within a second, 503 otherwise or while draining;
 * `{"status":"disk full"}` (503) while the embedded database's disk is full.
 */
export const readyz: Handler = async (_req, ctx) => {
  if (ctx.app.lifecycle.draining) return json({ status: "draining" }, 503);
  try {
    await withTimeout(ctx.app.store.ping(), 1000);
    return json({ status: "ready", backend: ctx.app.store.backend });
  } catch (err) {
    if (err instanceof DiskFullError) return json({ status: "disk full" }, 503);
    return json({ status: "database unavailable" }, 503);
  }
};
