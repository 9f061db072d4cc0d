/**
 * `POST /api/inbound/email`: visitors' replies by email, as raw MIME from a Postfix pipe or a
 * mail provider's inbound webhook (docs/email.md, "Replies by email"). The handler checks the
 * secret and reads the body; which conversation, and what of the email, is `core/mail/inbound.ts`.
 *
 * @module
 */

import { ErrorCode } from "../protocol/codes.ts";
import { safeEqual } from "../core/accounts/tokens.ts";
import { ParleyError, toParleyError } from "../core/errors.ts";
import type { Handler } from "./context.ts";
import { errorResponse, json, readBody } from "./http.ts";

/** The largest email accepted, in bytes (a reply with a small attachment or two). */
export const MAX_INBOUND_EMAIL_BYTES = 1024 * 1024;

/** The body types a raw email comes as (`curl --data-binary`, providers' raw-MIME webhooks). */
const RAW_TYPES = ["message/rfc822", "text/plain", "application/octet-stream"];

/**
 * 201 `{ conversationId, messageId, seq, duplicate: false }` for a reply appended now, 200 with
 * `duplicate: true` when an earlier delivery of the same email appended it, 202
 * `{ ignored: "automatic" }` for an auto-reply or a bounce. 404 without `PARLEY_INBOUND_SECRET`,
 * 401 without the secret, 422 `mail_refused` for an email that may not join a conversation.
 */
export const receiveEmail: Handler = async (req, ctx) => {
  try {
    return await receive(req, ctx);
  } catch (err) {
    const res = errorResponse(toParleyError(err), ctx.app.log, ctx.requestId);
    // A refusal before the body was read (wrong secret or type): kept alive, the connection
    // would be reused by a client while Deno 2.5 closes it, failing the client's next request.
    if (req.body !== null && !req.bodyUsed) res.headers.set("connection", "close");
    return res;
  }
};

const receive: Handler = async (req, ctx) => {
  const inbound = ctx.app.inbound;
  if (inbound === null) throw new ParleyError(ErrorCode.NotFound, "Not found");
  if (!authorized(req.headers.get("authorization"), inbound.secret)) {
    throw new ParleyError(ErrorCode.Unauthorized, "The inbound email secret is required");
  }
  const type = (req.headers.get("content-type") ?? "").split(";")[0].trim().toLowerCase();
  if (!RAW_TYPES.includes(type)) {
    throw new ParleyError(
      ErrorCode.BadFrame,
      `Content-Type must be one of ${RAW_TYPES.join(", ")} (the raw email)`,
    );
  }
  const raw = await readBody(req, MAX_INBOUND_EMAIL_BYTES);
  const outcome = await inbound.mail.receive(raw);
  if (outcome.kind === "ignored") return json({ ignored: outcome.reason }, 202);
  const { conversationId, messageId, seq, duplicate } = outcome;
  return json({ conversationId, messageId, seq, duplicate }, duplicate ? 200 : 201);
};

/**
 * Whether `header` carries `secret`: `Bearer <secret>`, or Basic with the secret as the password
 * (any user name; providers take `https://parley:SECRET@host/…`). Compared in constant time.
 */
function authorized(header: string | null, secret: string): boolean {
  if (header === null) return false;
  const [scheme, value = ""] = header.trim().split(/\s+/, 2);
  if (/^bearer$/i.test(scheme)) return safeEqual(value, secret);
  if (!/^basic$/i.test(scheme)) return false;
  let decoded: string;
  try {
    decoded = new TextDecoder().decode(Uint8Array.from(atob(value), (c) => c.charCodeAt(0)));
  } catch {
    return false;
  }
  const colon = decoded.indexOf(":");
  return colon >= 0 && safeEqual(decoded.slice(colon + 1), secret);
}
