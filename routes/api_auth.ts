/**
 * Sign-in, sign-out and the signed-in agent's own account.
 *
 * @module
 */

import { optString, string } from "../protocol/validate.ts";
import type { Handler, RequestContext } from "./context.ts";
import { requireAgent, requireCsrf, requireSession, SESSION_COOKIE } from "./guard.ts";
import { getCookie, isSecure, json, readJson } from "./http.ts";

function cookie(req: Request, ctx: RequestContext, value: string, maxAgeSeconds: number): string {
  const secure = isSecure(req, ctx.viaTrustedProxy) ? "; Secure" : "";
  return `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${maxAgeSeconds}${secure}`;
}

/**
 * The cookie of a browser that signed in before (`core/accounts/known_browser.ts`). Sent only
 * to the sign-in endpoint, the one place that reads it.
 */
export const KNOWN_BROWSER_COOKIE = "parley_known_browser";

function knownBrowserCookie(req: Request, ctx: RequestContext, value: string): string {
  const secure = isSecure(req, ctx.viaTrustedProxy) ? "; Secure" : "";
  const maxAge = ctx.app.agents.knownBrowserTtlSeconds;
  return `${KNOWN_BROWSER_COOKIE}=${value}; Path=/api/agent/login; HttpOnly; SameSite=Strict; Max-Age=${maxAge}${secure}`;
}

/** `POST /api/agent/login` */
export const login: Handler = async (req, ctx) => {
  requireCsrf(req, ctx);
  const body = await readJson(req);
  const { agent, token, expiresAt, knownBrowser } = await ctx.app.agents.login(
    string(body, "email", 254, 1),
    string(body, "password", 200, 1),
    ctx.ip,
    getCookie(req, KNOWN_BROWSER_COOKIE),
  );
  const maxAge = Math.floor((expiresAt.getTime() - Date.now()) / 1000);
  const res = json({ agent: ctx.app.core.projection.agentInfo(agent) }, 200, {
    "set-cookie": cookie(req, ctx, token, maxAge),
  });
  res.headers.append("set-cookie", knownBrowserCookie(req, ctx, knownBrowser));
  return res;
};

/** `POST /api/agent/logout` */
export const logout: Handler = async (req, ctx) => {
  requireCsrf(req, ctx);
  const token = getCookie(req, SESSION_COOKIE);
  if (token) await ctx.app.agents.logout(token);
  return new Response(null, { status: 204, headers: { "set-cookie": cookie(req, ctx, "", 0) } });
};

/** `POST /api/agent/logout-all` */
export const logoutAll: Handler = async (req, ctx) => {
  requireCsrf(req, ctx);
  const agent = await requireAgent(req, ctx);
  await ctx.app.agents.logoutEverywhere(agent.id);
  return new Response(null, { status: 204, headers: { "set-cookie": cookie(req, ctx, "", 0) } });
};

/** `GET /api/agent/me` */
export const me: Handler = async (req, ctx) => {
  const agent = await requireAgent(req, ctx);
  return json({ agent: ctx.app.core.projection.agentInfo(agent) });
};

/** `PATCH /api/agent/me` */
export const updateMe: Handler = async (req, ctx) => {
  requireCsrf(req, ctx);
  const actor = await requireAgent(req, ctx);
  const body = await readJson(req);
  const name = optString(body, "name", 80);
  const avatar = optString(body, "avatar", 8);
  const agent = await ctx.app.agents.update(actor, actor.id, {
    ...(name !== undefined ? { name } : {}),
    ...(avatar !== undefined ? { avatar } : {}),
  });
  return json({ agent: ctx.app.core.projection.agentInfo(agent) });
};

/** `POST /api/agent/me/password` */
export const changePassword: Handler = async (req, ctx) => {
  requireCsrf(req, ctx);
  const { agent: actor, sessionHash } = await requireSession(req, ctx);
  const body = await readJson(req);
  await ctx.app.agents.changePassword(
    actor,
    sessionHash,
    string(body, "currentPassword", 200, 1),
    string(body, "newPassword", 200, 1),
  );
  return new Response(null, { status: 204 });
};
