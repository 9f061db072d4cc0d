/**
 * "Known browser" tokens: after a successful sign-in the browser gets a signed token naming the
 * agent and a random browser id (the `parley_known_browser` cookie). A later sign-in to the same
 * agent from that browser proves it is the owner's own browser, so it skips the per-account delay
 * and has its own attempt budget: guessers elsewhere, even behind the owner's address, cannot
 * lock it out. The token proves only a past sign-in; it never replaces the password.
 *
 * Format: `kb1.<agentId>.<browserId>.<issued, seconds>.<hex HMAC-SHA256>`, the HMAC over
 * `known-browser:` + everything before it, keyed with the server secret (the prefix keeps these
 * signatures apart from any other signed with that secret).
 *
 * @module
 */

import { hmacHex, randomToken, safeEqual } from "./tokens.ts";

/** What a valid known-browser token says. */
export interface KnownBrowser {
  agentId: string;
  browserId: string;
}

/** Issues and verifies known-browser tokens. */
export interface KnownBrowsers {
  /** A token for `agentId`, keeping `browserId` when the browser already had one. */
  issue(agentId: string, browserId?: string): Promise<string>;
  /** The claims of a valid, unexpired token; null for anything else. */
  verify(token: string | null): Promise<KnownBrowser | null>;
  /** How long a token is valid, in seconds (the cookie's `Max-Age`). */
  readonly ttlSeconds: number;
}

const PART = /^[A-Za-z0-9_-]{1,64}$/;

/** Creates the signer with the server secret; tokens live `ttlSeconds`. */
export function createKnownBrowsers(
  secret: string,
  ttlSeconds: number,
  now: () => number = Date.now,
): KnownBrowsers {
  const sign = (body: string) => hmacHex(secret, `known-browser:${body}`);
  return {
    ttlSeconds,
    async issue(agentId, browserId = randomToken(16)) {
      const body = `kb1.${agentId}.${browserId}.${Math.floor(now() / 1000)}`;
      return `${body}.${await sign(body)}`;
    },
    async verify(token) {
      if (!token || token.length > 300) return null;
      const parts = token.split(".");
      if (parts.length !== 5 || parts[0] !== "kb1") return null;
      const [, agentId, browserId, issued, mac] = parts;
      if (!PART.test(agentId) || !PART.test(browserId) || !/^\d{1,12}$/.test(issued)) return null;
      if (!safeEqual(mac, await sign(parts.slice(0, 4).join(".")))) return null;
      if (Number(issued) + ttlSeconds < now() / 1000) return null;
      return { agentId, browserId };
    },
  };
}
