/**
 * Conditional requests and content codings, as RFC 9110 defines them: `If-None-Match` with weak
 * comparison (§13.1.2) and `Accept-Encoding` with quality values (§12.5.3).
 *
 * @module
 */

/**
 * Whether an `If-None-Match` header matches `etag`: `*`, or any tag of the comma-separated list
 * under weak comparison (a `W/` prefix on either side is ignored).
 */
export function noneMatch(header: string | null, etag: string): boolean {
  if (header === null) return false;
  const own = etag.replace(/^W\//, "");
  return header.split(",").some((tag) => {
    const t = tag.trim();
    return t === "*" || t.replace(/^W\//, "") === own;
  });
}

/** A content coding Parley can send precomputed. */
export type Coding = "br" | "gzip";

/**
 * The best of `available` (in the server's order of preference) that `Accept-Encoding` accepts,
 * or null for the identity body. A coding is acceptable when listed, or covered by `*`, with a
 * quality above zero.
 */
export function preferredCoding(
  header: string | null,
  available: readonly Coding[],
): Coding | null {
  if (!header) return null;
  const quality = new Map<string, number>();
  for (const part of header.split(",")) {
    const [name, ...params] = part.trim().toLowerCase().split(";");
    if (!name) continue;
    let q = 1;
    for (const param of params) {
      const m = /^\s*q\s*=\s*([0-9.]+)\s*$/.exec(param);
      if (m) q = Number(m[1]);
    }
    quality.set(name, Number.isFinite(q) ? q : 0);
  }
  const star = quality.get("*");
  let best: Coding | null = null;
  let bestQ = 0;
  for (const coding of available) {
    const q = quality.get(coding) ?? star ?? 0;
    if (q > bestQ) [best, bestQ] = [coding, q];
  }
  return best;
}
