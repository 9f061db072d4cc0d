/**
 * HMAC-SHA256 signing with WebCrypto: visitor tokens, identity verification and session token
 * hashing. Browser-independent, no dependencies.
 *
 * @module
 */

const enc = new TextEncoder();

/** Base64url without padding (tokens, signatures). */
function b64url(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

/** The bytes of base64url `text`, or null when it is not base64url. */
function fromB64url(text: string): Uint8Array | null {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return null;
  try {
    const bin = atob(text.replaceAll("-", "+").replaceAll("_", "/"));
    return Uint8Array.from(bin, (c) => c.charCodeAt(0));
  } catch {
    return null;
  }
}

function hex(bytes: ArrayBuffer): string {
  return Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Constant-time comparison of two strings. */
export function safeEqual(a: string, b: string): boolean {
  const x = enc.encode(a);
  const y = enc.encode(b);
  let diff = x.length ^ y.length;
  for (let i = 0; i < Math.max(x.length, y.length); i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return diff === 0;
}

function hmacKey(secret: string): Promise<CryptoKey> {
  return crypto.subtle.importKey(
    "raw",
    enc.encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
}

/** HMAC-SHA256 of `message` with `secret`, as lowercase hex (the `identify` hash format). */
export async function hmacHex(secret: string, message: string): Promise<string> {
  return hex(await crypto.subtle.sign("HMAC", await hmacKey(secret), enc.encode(message)));
}

/** SHA-256 of `text` as hex; sessions are stored by this hash, never by the token itself. */
export async function sha256Hex(text: string): Promise<string> {
  return hex(await crypto.subtle.digest("SHA-256", enc.encode(text)));
}

/** A random URL-safe token with `bytes` bytes of entropy. */
export function randomToken(bytes = 32): string {
  return b64url(crypto.getRandomValues(new Uint8Array(bytes)));
}

/** What a visitor token proves: this visitor of this site, issued at a time. */
export interface VisitorClaims {
  visitorId: string;
  siteId: string;
  /** Issue time, seconds since the epoch. */
  iat: number;
}

/** Why a visitor token was refused. */
export type TokenFailure = "malformed" | "bad_signature" | "expired" | "wrong_site";

/** Signs and verifies visitor tokens: `v1.<payload>.<hmac>`. */
export interface VisitorTokenSigner {
  /** Issues a token for the visitor, dated now. */
  sign(visitorId: string, siteId: string): Promise<string>;
  /** Verifies a token for `siteId`; returns the claims or the reason it failed. */
  verify(
    token: string,
    siteId: string,
  ): Promise<{ ok: true; claims: VisitorClaims } | { ok: false; reason: TokenFailure }>;
  /**
   * Verifies a token for whichever site it names (signature and age): for requests that carry
   * no site of their own, such as an upload (`routes/api_attachments.ts`); the claims' `siteId`
   * is then the site acted on.
   */
  verifyAnySite(
    token: string,
  ): Promise<{ ok: true; claims: VisitorClaims } | { ok: false; reason: TokenFailure }>;
}

/** Why a signed token could not be opened (before its claims are looked at). */
export type SealFailure = "malformed" | "bad_signature";

/**
 * Signs and opens `<prefix><payload>.<hmac>` tokens, the payload a JSON object in base64url and
 * the HMAC-SHA256 over `<prefix><payload>`: the shape of visitor tokens (`v1.`) and resume tokens
 * (`r1.`), each under its own key so one is never valid as the other.
 */
export interface SealedJson {
  /** The token carrying `payload`. */
  seal(payload: Record<string, unknown>): Promise<string>;
  /** The payload of a token this key signed with this prefix, or why not. */
  open(
    token: string,
  ): Promise<{ ok: true; payload: Record<string, unknown> } | { ok: false; reason: SealFailure }>;
}

/** A {@link SealedJson} keyed by `keyMaterial` (a purpose prefix and the secret). */
export function createSealedJson(keyMaterial: string, prefix: string): SealedJson {
  const keyPromise = crypto.subtle.importKey(
    "raw",
    enc.encode(keyMaterial),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign", "verify"],
  );
  return {
    async seal(payload) {
      const signed = `${prefix}${b64url(enc.encode(JSON.stringify(payload)))}`;
      const sig = await crypto.subtle.sign("HMAC", await keyPromise, enc.encode(signed));
      return `${signed}.${b64url(new Uint8Array(sig))}`;
    },
    async open(token) {
      const parts = token.split(".");
      if (parts.length !== 3 || `${parts[0]}.` !== prefix) {
        return { ok: false, reason: "malformed" };
      }
      const payloadBytes = fromB64url(parts[1]);
      const sig = fromB64url(parts[2]);
      if (!payloadBytes || !sig) return { ok: false, reason: "malformed" };
      const valid = await crypto.subtle.verify(
        "HMAC",
        await keyPromise,
        sig as BufferSource,
        enc.encode(`${prefix}${parts[1]}`),
      );
      if (!valid) return { ok: false, reason: "bad_signature" };
      let payload: unknown;
      try {
        payload = JSON.parse(new TextDecoder().decode(payloadBytes));
      } catch {
        return { ok: false, reason: "malformed" };
      }
      if (payload === null || typeof payload !== "object" || Array.isArray(payload)) {
        return { ok: false, reason: "malformed" };
      }
      return { ok: true, payload: payload as Record<string, unknown> };
    },
  };
}

/** Creates a signer for visitor tokens that expire after `ttlSeconds`. */
export function createVisitorTokenSigner(
  secret: string,
  ttlSeconds: number,
  now: () => number = Date.now,
): VisitorTokenSigner {
  const sealed = createSealedJson(`visitor-token:${secret}`, "v1.");
  const verify = async (token: string, siteId: string | null) => {
    const opened = await sealed.open(token);
    if (!opened.ok) return opened;
    const { v, s, t } = opened.payload;
    if (typeof v !== "string" || typeof s !== "string" || typeof t !== "number") {
      return { ok: false as const, reason: "malformed" as const };
    }
    if (siteId !== null && s !== siteId) {
      return { ok: false as const, reason: "wrong_site" as const };
    }
    if (now() / 1000 - t > ttlSeconds) return { ok: false as const, reason: "expired" as const };
    return { ok: true as const, claims: { visitorId: v, siteId: s, iat: t } };
  };
  return {
    sign(visitorId, siteId) {
      return sealed.seal({ v: visitorId, s: siteId, t: Math.floor(now() / 1000) });
    },
    verify: (token, siteId) => verify(token, siteId),
    verifyAnySite: (token) => verify(token, null),
  };
}
