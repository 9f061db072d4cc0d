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
import { getCookie, selfOrigin } from "./http.ts";

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

/** Throws `forbidden` with `message` when the request carries an origin other than ours. */
export function refuseCrossOrigin(req: Request, ctx: RequestContext, message: string): void {
  const origin = req.headers.get("origin");
  const { publicUrl, trustProxy } = ctx.app.config;
  if (origin !== null && origin !== selfOrigin(req, publicUrl, trustProxy)) {
    throw new ParleyError(ErrorCode.Forbidden, message);
  }
}
