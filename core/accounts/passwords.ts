/**
 * Password hashing with PBKDF2-SHA256 through WebCrypto, at OWASP's recommended 600,000
 * iterations. The iteration count is stored in the hash so it can be raised later.
 *
 * @module
 */

import { safeEqual } from "./tokens.ts";

/** OWASP's 2023+ recommendation for PBKDF2-HMAC-SHA256. */
export const DEFAULT_PBKDF2_ITERATIONS = 600_000;

const enc = new TextEncoder();

function b64(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

async function derive(password: string, salt: Uint8Array, iterations: number): Promise<string> {
  const key = await crypto.subtle.importKey("raw", enc.encode(password), "PBKDF2", false, [
    "deriveBits",
  ]);
  const bits = await crypto.subtle.deriveBits(
    { name: "PBKDF2", hash: "SHA-256", salt: salt as BufferSource, iterations },
    key,
    256,
  );
  return b64(new Uint8Array(bits));
}

/** Hashes a password as `pbkdf2-sha256$<iterations>$<salt b64>$<hash b64>`. */
export async function hashPassword(
  password: string,
  iterations = DEFAULT_PBKDF2_ITERATIONS,
): Promise<string> {
  const salt = crypto.getRandomValues(new Uint8Array(16));
  return `pbkdf2-sha256$${iterations}$${b64(salt)}$${await derive(password, salt, iterations)}`;
}

/** Checks a password against a stored hash in constant time. False for malformed hashes. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, iter, saltB64, hash] = stored.split("$");
  const iterations = Number(iter);
  if (scheme !== "pbkdf2-sha256" || !Number.isSafeInteger(iterations) || !saltB64 || !hash) {
    return false;
  }
  let salt: Uint8Array;
  try {
    salt = Uint8Array.from(atob(saltB64), (c) => c.charCodeAt(0));
  } catch {
    return false;
  }
  return safeEqual(await derive(password, salt, iterations), hash);
}
