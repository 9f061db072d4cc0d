/**
 * Agents' email endpoints (docs/email.md, "Agents' emails" and "Transcripts"): the signed-in
 * agent's email preferences, and sending a conversation's transcript. Session + CSRF like the
 * rest of `/api`; the rules are `core/mail/`'s.
 *
 * @module
 */

import { ErrorCode } from "../protocol/codes.ts";
import { boolean, optString } from "../protocol/validate.ts";
import { ParleyError } from "../core/errors.ts";
import type { Handler, RequestContext } from "./context.ts";
import { requireAgent, requireCsrf } from "./guard.ts";
import { json, readJson } from "./http.ts";
import { idParam } from "./api_inbox.ts";

function mailOf(ctx: RequestContext): NonNullable<RequestContext["app"]["mail"]> {
  const mail = ctx.app.mail;
  if (mail === null) {
    throw new ParleyError(ErrorCode.Unavailable, "Email is off: PARLEY_SMTP_URL is not set", {
      retryable: false,
    });
  }
  return mail;
}

/**
 * `GET /api/agent/preferences`: `{ emailOn, emailAssigned }`, whether the server sends email
 * and whether the agent opted in to emails about conversations assigned to them.
 */
export const getPreferences: Handler = async (req, ctx) => {
  const agent = await requireAgent(req, ctx);
  const mail = ctx.app.mail;
  const emailAssigned = mail === null ? false : await mail.agentMail.emailAssigned(agent.id);
  return json({ emailOn: mail !== null, emailAssigned });
};

/** `PUT /api/agent/preferences` `{ emailAssigned }`: the same answer as GET; 503 without SMTP. */
export const putPreferences: Handler = async (req, ctx) => {
  requireCsrf(req, ctx);
  const agent = await requireAgent(req, ctx);
  const mail = mailOf(ctx);
  const body = await readJson(req);
  for (const key of Object.keys(body)) {
    if (key !== "emailAssigned") {
      throw new ParleyError(ErrorCode.BadFrame, `Unknown field: ${key.slice(0, 40)}`);
    }
  }
  const emailAssigned = boolean(body, "emailAssigned");
  await mail.agentMail.setEmailAssigned(agent.id, emailAssigned);
  return json({ emailOn: true, emailAssigned });
};

/**
 * `POST /api/conversations/:id/transcript` `{ email? }`: 202 `{ to }`, the transcript queued to
 * `email` or the visitor's address; 422 `no_email` when there is none, 403 for an agent not
 * allowed on the conversation's site, 503 without SMTP.
 */
export const sendTranscript: Handler = async (req, ctx) => {
  requireCsrf(req, ctx);
  const agent = await requireAgent(req, ctx);
  const id = idParam(ctx.params.id);
  const mail = mailOf(ctx);
  const body = await readJson(req);
  for (const key of Object.keys(body)) {
    if (key !== "email") {
      throw new ParleyError(ErrorCode.BadFrame, `Unknown field: ${key.slice(0, 40)}`);
    }
  }
  const email = optString(body, "email", 254)?.trim() || null;
  const { to } = await mail.transcripts.sendForAgent(agent, id, email);
  return json({ to }, 202);
};
