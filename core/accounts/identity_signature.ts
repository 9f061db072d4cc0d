/**
 * Which fields of an `identify` call the site's signature proves. The signature is computed on
 * the site's server, so it proves exactly what it covers: a hash of the user id alone says
 * nothing about the email or name the browser sends beside it, and those must not be shown as
 * verified. The signed message (docs/security.md, "Verified identity"):
 *
 * - id only (the original format, still accepted): the id itself, e.g. `42`;
 * - id with email and/or name: `id=<id>`, then `email=<email>`, then `name=<name>`, each present
 *   field on its own line (joined with `\n`, in that order, no trailing newline), e.g.
 *   `id=42\nemail=ann@example.com\nname=Ann Lee`.
 *
 * The hash is the lowercase hex HMAC-SHA256 of that UTF-8 message with the site's identity
 * secret. A value containing a line break is never verified, so no two field sets sign alike.
 *
 * @module
 */

import { hmacHex, safeEqual } from "./tokens.ts";

/** An `identify` call's claimed identity. */
export interface ClaimedIdentity {
  id: string;
  email?: string;
  name?: string;
  hash?: string;
}

/** Which fields the signature covers; `email` and `name` imply `id`. */
export interface VerifiedFields {
  id: boolean;
  email: boolean;
  name: boolean;
}

/** The canonical message signing `id` with the given `email` and `name` (omit to leave out). */
export function identityMessage(fields: { id: string; email?: string; name?: string }): string {
  if (fields.email === undefined && fields.name === undefined) return fields.id;
  const lines = [`id=${fields.id}`];
  if (fields.email !== undefined) lines.push(`email=${fields.email}`);
  if (fields.name !== undefined) lines.push(`name=${fields.name}`);
  return lines.join("\n");
}

const NONE: VerifiedFields = { id: false, email: false, name: false };

/**
 * Checks `claim.hash` against every message the claim could have been signed as, widest first
 * (id, email and name; id and email; id and name; id alone), comparing in constant time.
 */
export async function verifyIdentity(
  secret: string,
  claim: ClaimedIdentity,
): Promise<VerifiedFields> {
  if (claim.hash === undefined) return NONE;
  const hash = claim.hash.toLowerCase();
  const { id, email, name } = claim;
  if ([id, email, name].some((v) => v !== undefined && /[\r\n]/.test(v))) return NONE;
  const candidates: VerifiedFields[] = [
    { id: true, email: email !== undefined, name: name !== undefined },
    { id: true, email: email !== undefined, name: false },
    { id: true, email: false, name: name !== undefined },
    { id: true, email: false, name: false },
  ];
  const tried = new Set<string>();
  for (const c of candidates) {
    const message = identityMessage({
      id,
      ...(c.email ? { email } : {}),
      ...(c.name ? { name } : {}),
    });
    if (tried.has(message)) continue;
    tried.add(message);
    if (safeEqual(hash, await hmacHex(secret, message))) return c;
  }
  return NONE;
}
