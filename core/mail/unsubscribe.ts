/**
 * Unsubscribe links of the emails to visitors (docs/email.md, "Unsubscribe"): the
 * `List-Unsubscribe` header names `<base>/api/email/unsubscribe?t=<visitor id>.<signature>`, and a
 * POST there (RFC 8058 one-click, or the confirmation page's button) stops the missed-reply
 * emails to that visitor. The signature (an HMAC of the visitor id under its own purpose prefix)
 * is all the proof needed, so no table of tokens exists; it does not expire, as an unsubscribe
 * link in an old email must keep working.
 *
 * @module
 */

import { hmacHex, safeEqual } from "../accounts/tokens.ts";

/** The path of the unsubscribe endpoint. */
export const UNSUBSCRIBE_PATH = "/api/email/unsubscribe";

/** Makes and checks unsubscribe tokens of one server. */
export interface UnsubscribeTokens {
  /** The token for `visitorId`. */
  sign(visitorId: string): Promise<string>;
  /** The visitor a token names, or null when it is not a correctly signed one. */
  verify(token: string): Promise<string | null>;
}

/** 128 bits of the HMAC: enough against guessing, short enough for a tidy link. */
const SIGNATURE_HEX = 32;

/** Unsubscribe tokens signed with `secret` (the server's signing secret). */
export function createUnsubscribeTokens(secret: string): UnsubscribeTokens {
  const sign = async (id: string) =>
    (await hmacHex(`unsubscribe:${secret}`, id)).slice(0, SIGNATURE_HEX);
  return {
    async sign(visitorId) {
      return `${visitorId}.${await sign(visitorId)}`;
    },
    async verify(token) {
      const m = /^([0-9A-Za-z_-]{1,64})\.([0-9a-f]+)$/.exec(token);
      if (!m) return null;
      return safeEqual(m[2], await sign(m[1])) ? m[1] : null;
    },
  };
}

/** Unsubscribes visitors from their unsubscribe links (`routes/api_unsubscribe.ts`). */
export interface Unsubscriber {
  /** Whether `token` is a valid unsubscribe token (the confirmation page checks first). */
  check(token: string): Promise<boolean>;
  /**
   * Stops the emails to the visitor `token` names: true when the token is valid (also for a
   * visitor erased since: nothing is sent to them either), false when it is not.
   */
  unsubscribe(token: string): Promise<boolean>;
}

/** An {@link Unsubscriber} over the tokens and the store's `unsubscribe`. */
export function createUnsubscriber(
  tokens: UnsubscribeTokens,
  store: { unsubscribe(visitorId: string): Promise<boolean> },
): Unsubscriber {
  return {
    async check(token) {
      return (await tokens.verify(token)) !== null;
    },
    async unsubscribe(token) {
      const visitorId = await tokens.verify(token);
      if (visitorId === null) return false;
      await store.unsubscribe(visitorId);
      return true;
    },
  };
}
