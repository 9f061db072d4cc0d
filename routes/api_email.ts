/**
 * Email for agents (docs/email.md): whether it is on, and password reset by a one-time link.
 * Without SMTP (`PARLEY_SMTP_URL` unset) the reset endpoints answer 503 `unavailable`.
 *
 * @module
 */

import { ErrorCode } from "../protocol/codes.ts";
import { string } from "../protocol/validate.ts";
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
  const email = string(body, "email", 254, 1);
  const origin = trustedOrigin(req, ctx.app.config.publicUrl, ctx.viaTrustedProxy);
  if (origin === null) {
    throw new ParleyError(ErrorCode.Forbidden, "Set PARLEY_PUBLIC_URL: the link needs an origin");
  }
  service.requestReset(email, ctx.ip, origin);
  return new Response(null, { status: 202 });
};

/** `POST /api/agent/links/check` `{ token }`: `{ state: "valid" | "used" | "expired" | "unknown", purpose? }`. */
export const checkLink: Handler = async (req, ctx) => {
  requireCsrf(req, ctx);
  const service = links(ctx);
  const body = await readJson(req);
  const state = await service.check(string(body, "token", 128, 1));
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

/** `GET /api/email`: `{ enabled, from }` for the console's settings (admins). */
export const emailStatus: Handler = async (req, ctx) => {
  requireAdmin(await requireAgent(req, ctx));
  const mail = ctx.app.mail;
  return json({ enabled: mail !== null, from: mail?.from ?? null });
};
