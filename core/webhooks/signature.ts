/**
 * Webhook signatures, as Stripe makes them: `X-Parley-Signature: t=<unix seconds>,v1=<hex>`, the
 * hex being the HMAC-SHA256, keyed with the endpoint's secret, of `"<t>.<body>"`. Signing the
 * time with the body lets a receiver refuse a replay of an old delivery (docs/webhooks.md shows a
 * receiver's check, which {@link verifySignature} is).
 *
 * @module
 */

const encoder = new TextEncoder();

async function hmacHex(secret: string, text: string): Promise<string> {
  const key = await crypto.subtle.importKey(
    "raw",
    encoder.encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(text)));
  return Array.from(mac, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** The `X-Parley-Signature` value for `body` sent at `unixSeconds`. */
export async function signatureHeader(
  secret: string,
  body: string,
  unixSeconds: number,
): Promise<string> {
  return `t=${unixSeconds},v1=${await hmacHex(secret, `${unixSeconds}.${body}`)}`;
}

/**
 * True when `header` signs `body` with `secret` and its time is within `toleranceSeconds` of
 * `nowSeconds` (default five minutes). Any `v1` of the header may match (a receiver rotating its
 * secret may see two); the comparison takes the same time whatever the bytes.
 */
export async function verifySignature(
  header: string,
  body: string,
  secret: string,
  opts: { nowSeconds?: number; toleranceSeconds?: number } = {},
): Promise<boolean> {
  const parts = header.split(",").map((p) => p.trim().split("="));
  const t = Number(parts.find(([k]) => k === "t")?.[1]);
  if (!Number.isSafeInteger(t)) return false;
  const now = opts.nowSeconds ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - t) > (opts.toleranceSeconds ?? 300)) return false;
  const expected = await hmacHex(secret, `${t}.${body}`);
  return parts.some(([k, v]) => k === "v1" && v !== undefined && sameText(v, expected));
}

function sameText(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}
