/**
 * `GET` and `POST /api/email/unsubscribe?t=<token>`: the unsubscribe link of the emails to
 * visitors (docs/email.md, "Unsubscribe"). The emails name it in `List-Unsubscribe` with
 * `List-Unsubscribe-Post: List-Unsubscribe=One-Click` (RFC 8058): the mail client's one-click
 * POST unsubscribes at once, while a GET (a person clicking, or a mail scanner fetching every
 * link) only shows a page whose button POSTs. Works whether or not SMTP is still configured, so
 * an old email's link keeps its promise.
 *
 * @module
 */

import { ErrorCode } from "../protocol/codes.ts";
import { ParleyError } from "../core/errors.ts";
import { unsubscribePage } from "../core/mail/templates.ts";
import { UNSUBSCRIBE_PATH } from "../core/mail/unsubscribe.ts";
import type { Handler, RequestContext } from "./context.ts";

/** Never framed, no script, forms only to this origin. */
const PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; " +
  "frame-ancestors 'none'; base-uri 'none'";

function page(html: string, status = 200): Response {
  return new Response(html, {
    status,
    headers: {
      "content-type": "text/html; charset=utf-8",
      "content-security-policy": PAGE_CSP,
      "x-frame-options": "DENY",
      "cache-control": "no-store",
      // The token stays on this page: no Referer carries it anywhere.
      "referrer-policy": "no-referrer",
    },
  });
}

/** The `t` of the request when it could be a token, else null. */
function tokenOf(ctx: RequestContext): string | null {
  const t = ctx.url.searchParams.get("t") ?? "";
  return t.length > 0 && t.length <= 200 ? t : null;
}

/** A browser gets the "not valid" page; anything else the JSON 400 every endpoint gives. */
function invalid(req: Request): Response {
  if ((req.headers.get("accept") ?? "").includes("text/html")) {
    return page(unsubscribePage("invalid", UNSUBSCRIBE_PATH), 400);
  }
  throw new ParleyError(ErrorCode.BadFrame, "This unsubscribe link is not valid", { field: "t" });
}

/** `GET /api/email/unsubscribe?t=`: the confirmation page (nothing changes until its POST). */
export const unsubscribeForm: Handler = async (req, ctx) => {
  const t = tokenOf(ctx);
  // Checked now, so a broken link says so before the button is pressed.
  if (t === null || !await ctx.app.emailOptOut.check(t)) return invalid(req);
  return page(unsubscribePage("ask", `${UNSUBSCRIBE_PATH}?t=${encodeURIComponent(t)}`));
};

/** `POST /api/email/unsubscribe?t=`: unsubscribes (RFC 8058 one-click, or the page's button). */
export const unsubscribe: Handler = async (req, ctx) => {
  // The body (`List-Unsubscribe=One-Click`) says nothing the token does not: left unread.
  await req.body?.cancel();
  const t = tokenOf(ctx);
  if (t === null || !await ctx.app.emailOptOut.unsubscribe(t)) return invalid(req);
  return page(unsubscribePage("done", UNSUBSCRIBE_PATH));
};
