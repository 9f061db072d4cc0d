/**
 * Resume tokens: the `#parley=<token>` of the link in a missed-reply email (docs/email.md,
 * "The resume link"). Opening the link on any browser makes the widget say `hello` with this
 * token, and the server answers as if the visitor's own token had been sent: same visitor, same
 * conversation, and a fresh visitor token in the `welcome`.
 *
 * `r1.<payload>.<hmac>`, the payload `{ v: visitorId, s: siteId, x: expiry }` in base64url. The
 * key is the server secret under its own purpose prefix (`resume-token:`), so a resume token is
 * never a valid visitor token nor the reverse, and it expires on its own clock (7 days) whatever
 * `PARLEY_VISITOR_TOKEN_TTL_DAYS` says. Anyone holding the link is the visitor until then: it
 * travels only in the email sent to the visitor's address, in a fragment (never in server logs
 * or a `Referer`).
 *
 * @module
 */

import { createSealedJson, type VisitorClaims } from "./tokens.ts";

/** The prefix that tells a resume token from a visitor token (`v1.`). */
export const RESUME_PREFIX = "r1.";

/** Why a resume token was refused. */
export type ResumeFailure = "malformed" | "bad_signature" | "expired" | "wrong_site";

/** Issues and checks resume tokens. */
export interface ResumeTokens {
  /** A token for this visitor of this site, valid for the signer's lifetime from now. */
  sign(visitorId: string, siteId: string): Promise<string>;
  /** The visitor named by `token` for `siteId`, or why it is refused. */
  verify(
    token: string,
    siteId: string,
  ): Promise<{ ok: true; claims: VisitorClaims } | { ok: false; reason: ResumeFailure }>;
}

/** Whether `token` is a resume token (by its prefix; {@link ResumeTokens.verify} checks it). */
export function isResumeToken(token: string): boolean {
  return token.startsWith(RESUME_PREFIX);
}

/** Resume tokens signed with `secret`, valid `ttlSeconds` (7 days for the emails). */
export function createResumeTokens(
  secret: string,
  ttlSeconds: number,
  now: () => number = Date.now,
): ResumeTokens {
  const sealed = createSealedJson(`resume-token:${secret}`, RESUME_PREFIX);
  return {
    sign(visitorId, siteId) {
      return sealed.seal({ v: visitorId, s: siteId, x: Math.floor(now() / 1000) + ttlSeconds });
    },
    async verify(token, siteId) {
      const opened = await sealed.open(token);
      if (!opened.ok) return opened;
      const { v, s, x } = opened.payload;
      if (typeof v !== "string" || typeof s !== "string" || typeof x !== "number") {
        return { ok: false, reason: "malformed" };
      }
      if (s !== siteId) return { ok: false, reason: "wrong_site" };
      if (now() / 1000 > x) return { ok: false, reason: "expired" };
      return { ok: true, claims: { visitorId: v, siteId: s, iat: x - ttlSeconds } };
    },
  };
}
