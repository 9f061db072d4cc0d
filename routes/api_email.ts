/**
 * Email for agents (docs/email.md): whether it is on, and password reset by a one-time link.
 * Without SMTP (`PARLEY_SMTP_URL` unset) the reset endpoints answer 503 `unavailable`.
 *
 * @module
 */

import { ErrorCode } from "../protocol/codes.ts";
import { optInteger, optString, string } from "../protocol/validate.ts";
import { optSites, role } from "./api_agents.ts";
import { ParleyError } from "../core/errors.ts";
import type { AgentLinks } from "../core/mail/mod.ts";
import type { Handler, RequestContext } from "./context.ts";
import { requireAgent, requireCsrf } from "./guard.ts";
import { json, readJson } from "./http.ts";
import { trustedOrigin } from "./origin.ts";
import { requireAdmin } from "../core/accounts/agents.ts";

function links(ctx: RequestContext): AgentLinks {
  const mail = ctx.app.mail;
  if (mail === null) {
    throw new ParleyError(ErrorCode.Unavailable, "Email is off: PARLEY_SMTP_URL is not set", {
      retryable: false,
    });
  }
  return mail.links;
}

/** `GET /api/agent/password-reset`: whether reset by email is offered (the sign-in page asks). */
export const resetAvailable: Handler = (_req, ctx) => json({ available: ctx.app.mail !== null });

/**
 * `POST /api/agent/password-reset` `{ email }`: always 202 with no body, whether or not the
 * address has an account (429 past the limits).
 */
export const requestReset: Handler = async (req, ctx) => {
  requireCsrf(req, ctx);
  const service = links(ctx);
  const body = await readJson(req);
  const email = string(body, "email", 254, 3);
  if (!/^[^\s@]+@[^\s@]+$/.test(email)) {
    throw new ParleyError(ErrorCode.BadFrame, "email is not an address", { field: "email" });
  }
  service.requestReset(email, ctx.ip, origin(req, ctx));
  return new Response(null, { status: 202 });
};

/**
 * `POST /api/agent/links/check` `{ token }`: `{ state: "valid" | "used" | "expired", purpose? }`;
 * 404 for a token that never was.
 */
export const checkLink: Handler = async (req, ctx) => {
  requireCsrf(req, ctx);
  const service = links(ctx);
  const body = await readJson(req);
  const state = await service.check(string(body, "token", 128, 1));
  if (state.state === "unknown") {
    throw new ParleyError(ErrorCode.NotFound, "This link is not valid");
  }
  return json(
    state.state === "valid" ? { state: "valid", purpose: state.purpose } : { state: state.state },
  );
};

/** `POST /api/agent/links/use` `{ token, password }`: 204, then the agent signs in. */
export const useLink: Handler = async (req, ctx) => {
  requireCsrf(req, ctx);
  const service = links(ctx);
  const body = await readJson(req);
  await service.use(string(body, "token", 128, 1), string(body, "password", 200, 1));
  return new Response(null, { status: 204 });
};

function origin(req: Request, ctx: RequestContext): string {
  const own = trustedOrigin(req, ctx.app.config.publicUrl, ctx.viaTrustedProxy);
  if (own === null) {
    throw new ParleyError(ErrorCode.Forbidden, "Set PARLEY_PUBLIC_URL: the link needs an origin");
  }
  return own;
}

/**
 * `POST /api/agents/invitations` `{ email, name, role?, capacity?, sites? }` (admins): 201
 * `{ agent }`, invited; 409 email taken; 503 without SMTP.
 */
export const inviteAgent: Handler = async (req, ctx) => {
  requireCsrf(req, ctx);
  const actor = await requireAgent(req, ctx);
  const service = links(ctx);
  const body = await readJson(req);
  const email = string(body, "email", 254, 3);
  if (!/^[^\s@]+@[^\s@]+$/.test(email)) {
    throw new ParleyError(ErrorCode.BadFrame, "email is not an address");
  }
  const capacity = optInteger(body, "capacity", 0, 1000);
  const sites = optSites(body);
  const agent = await service.invite(actor, {
    email,
    name: string(body, "name", 80, 1),
    role: role(optString(body, "role", 10)) ?? "agent",
    ...(capacity !== undefined ? { capacity } : {}),
    ...(sites !== undefined ? { sites } : {}),
  }, origin(req, ctx));
  return json({ agent: ctx.app.core.projection.agentInfo(agent) }, 201);
};

/** `GET /api/agents/invitations` (admins): `{ invited: string[] }`, the ids of invited agents. */
export const listInvitations: Handler = async (req, ctx) => {
  const actor = await requireAgent(req, ctx);
  if (ctx.app.mail === null) {
    requireAdmin(actor);
    return json({ invited: [] });
  }
  return json({ invited: await ctx.app.mail.links.invited(actor) });
};

/** `POST /api/agents/:id/invitation` (admins): 204, a new link sent; 404 not invited. */
export const resendInvitation: Handler = async (req, ctx) => {
  requireCsrf(req, ctx);
  const actor = await requireAgent(req, ctx);
  await links(ctx).resend(actor, ctx.params.id ?? "", origin(req, ctx));
  return new Response(null, { status: 204 });
};

/** `DELETE /api/agents/:id/invitation` (admins): 204, the invited agent removed; 404. */
export const revokeInvitation: Handler = async (req, ctx) => {
  requireCsrf(req, ctx);
  const actor = await requireAgent(req, ctx);
  await links(ctx).revoke(actor, ctx.params.id ?? "");
  return new Response(null, { status: 204 });
};

/** `GET /api/email`: `{ enabled, from }` for the console's settings (admins). */
export const emailStatus: Handler = async (req, ctx) => {
  requireAdmin(await requireAgent(req, ctx));
  const mail = ctx.app.mail;
  return json({ enabled: mail !== null, from: mail?.from ?? null });
};
