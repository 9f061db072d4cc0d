/**
 * Guards for agent endpoints: a valid session cookie, and CSRF protection for state-changing
 * requests (a custom header plus a same-origin check).
 *
 * @module
 */

import { ErrorCode } from "../protocol/codes.ts";
import { ParleyError } from "../core/errors.ts";
import type { AgentRecord } from "../db/store.ts";
import type { RequestContext } from "./context.ts";
import { getCookie } from "./http.ts";
import { trustedOrigin } from "./origin.ts";

/** Name of the agent session cookie. */
export const SESSION_COOKIE = "parley_session";

/** The signed-in agent, or throws `unauthorized`. */
export async function requireAgent(req: Request, ctx: RequestContext): Promise<AgentRecord> {
  return (await requireSession(req, ctx)).agent;
}

/** The signed-in agent with its session's hash (kept by sockets), or throws `unauthorized`. */
export async function requireSession(
  req: Request,
  ctx: RequestContext,
): Promise<{ agent: AgentRecord; sessionHash: string }> {
  const session = await ctx.app.agents.authenticate(getCookie(req, SESSION_COOKIE));
  if (!session) throw new ParleyError(ErrorCode.Unauthorized, "Sign in required");
  return session;
}

/** Throws `forbidden` unless a state-changing request carries the CSRF header from our origin. */
export function requireCsrf(req: Request, ctx: RequestContext): void {
  if (req.method === "GET" || req.method === "HEAD") return;
  if (req.headers.get("x-parley-csrf") !== "1") {
    throw new ParleyError(ErrorCode.Forbidden, "Missing X-Parley-CSRF header");
  }
  refuseCrossOrigin(req, ctx, "Cross-origin request refused");
}

/**
 * Throws `forbidden` with `message` when the request carries an origin other than ours, or any
 * origin at all when ours is unknown (no `PARLEY_PUBLIC_URL` and a non-loopback `Host`, see
 * `origin.ts`). Requests without `Origin` do not come from a browser page and pass.
 */
export function refuseCrossOrigin(req: Request, ctx: RequestContext, message: string): void {
  const origin = req.headers.get("origin");
  if (origin === null) return;
  const own = trustedOrigin(req, ctx.app.config.publicUrl, ctx.viaTrustedProxy);
  if (own === null) {
    throw new ParleyError(
      ErrorCode.Forbidden,
      "Set PARLEY_PUBLIC_URL to this server's public origin: without it only localhost is trusted",
    );
  }
  if (origin !== own) throw new ParleyError(ErrorCode.Forbidden, message);
}
