/**
 * The client's address behind reverse proxies. It keys the per-address limits (sockets, sign-in
 * attempts) and the access log, so a client that chooses its own address escapes them: only the
 * entries the trusted proxies wrote count.
 *
 * `X-Forwarded-For` is a list each proxy appends its peer to, so everything left of the entries
 * our own proxies wrote is whatever the client sent. Two ways to know where ours stop:
 *
 * - **hops** (`PARLEY_TRUSTED_PROXIES=2`, or `PARLEY_TRUST_PROXY=true` for 1): that many proxies
 *   stand in front; with the direct peer counted as the last hop, the client is the entry that
 *   many steps left of it. Parley must then be reachable only through them.
 * - **addresses and CIDR ranges** (`PARLEY_TRUSTED_PROXIES=10.0.0.0/8,fd00::/8`): the headers
 *   count only when the direct peer is one of them; the client is the right-most entry that is
 *   not.
 *
 * Walking from the right, an entry that is not an address (`unknown`, a typo, garbage a client
 * sent) stops the walk at the last good one: what lies beyond it cannot be trusted. Ports are
 * stripped (`1.2.3.4:5678`, `[2001:db8::1]:443`) and addresses written canonically (IPv4-mapped
 * IPv6 as IPv4, IPv6 in lower case and compressed), so one client is one key however written.
 *
 * @module
 */

/**
 * Which proxies are trusted (the server's `Config.trustedProxies` satisfies it; declared here so
 * `routes/` does not import `server/`).
 */
export type TrustedProxies =
  | { kind: "hops"; hops: number }
  | { kind: "cidrs"; cidrs: string[] };

/** The client's address as the server should see it; "local" for a Unix socket peer. */
export function clientAddress(
  req: Request,
  info: Deno.ServeHandlerInfo,
  trusted: TrustedProxies | null,
): string {
  const peer = peerAddress(info);
  if (trusted === null || peer === null) return peer ?? "local";
  const forwarded = forwardedFor(req);
  if (trusted.kind === "hops") {
    let client = peer;
    for (let i = 1; i <= trusted.hops; i++) {
      const entry = forwarded.at(-i);
      if (entry === undefined) break;
      const ip = canonicalIp(entry);
      if (ip === null) break;
      client = ip;
    }
    return client;
  }
  const ranges = parseRanges(trusted.cidrs);
  if (!inRanges(peer, ranges)) return peer;
  let client = peer;
  for (let i = forwarded.length - 1; i >= 0; i--) {
    const ip = canonicalIp(forwarded[i]);
    if (ip === null) break;
    client = ip;
    if (!inRanges(ip, ranges)) break;
  }
  return client;
}

/**
 * True when the direct peer is a proxy whose `X-Forwarded-*` headers count: any peer with a hop
 * count (which cannot tell), a listed one with addresses and ranges.
 */
export function fromTrustedProxy(info: Deno.ServeHandlerInfo, trusted: TrustedProxies | null) {
  if (trusted === null) return false;
  if (trusted.kind === "hops") return true;
  const peer = peerAddress(info);
  return peer !== null && inRanges(peer, parseRanges(trusted.cidrs));
}

/** The socket peer's canonical address, or null for a non-IP transport. */
function peerAddress(info: Deno.ServeHandlerInfo): string | null {
  const addr = info.remoteAddr;
  if (addr.transport !== "tcp" && addr.transport !== "udp") return null;
  return canonicalIp(addr.hostname) ?? addr.hostname;
}

/** Every `X-Forwarded-For` entry, left to right, across repeated headers. */
function forwardedFor(req: Request): string[] {
  // Headers joins repeated fields with ", ", which keeps the order of the entries.
  const raw = req.headers.get("x-forwarded-for");
  if (raw === null) return [];
  return raw.split(",").map((s) => s.trim());
}

/** A parsed address: 4 bytes (IPv4) or 16 (IPv6). */
type Bytes = Uint8Array;

const V4_PART = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

function parseV4(s: string): Bytes | null {
  const parts = s.split(".");
  if (parts.length !== 4 || !parts.every((p) => V4_PART.test(p))) return null;
  return Uint8Array.from(parts.map(Number));
}

function parseV6(s: string): Bytes | null {
  if (!/^[0-9A-Fa-f:.]+$/.test(s) || s.length > 45) return null;
  let text = s;
  let tail: Bytes | null = null;
  if (text.includes(".")) {
    // An embedded IPv4 address in the last 32 bits (::ffff:1.2.3.4).
    const at = text.lastIndexOf(":");
    tail = parseV4(text.slice(at + 1));
    if (tail === null) return null;
    text = text.slice(0, at + 1) + "0:0";
  }
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const groups = (h: string) => h === "" ? [] : h.split(":");
  const head = groups(halves[0]);
  const rest = halves.length === 2 ? groups(halves[1]) : [];
  const all = [...head, ...rest];
  if (!all.every((g) => /^[0-9A-Fa-f]{1,4}$/.test(g))) return null;
  if (halves.length === 1 ? all.length !== 8 : all.length > 7) return null;
  const words = [...head, ...Array(8 - all.length).fill("0"), ...rest].map((g) => parseInt(g, 16));
  const out = new Uint8Array(16);
  words.forEach((w, i) => {
    out[2 * i] = w >> 8;
    out[2 * i + 1] = w & 0xff;
  });
  if (tail) out.set(tail, 12);
  return out;
}

/** An IPv4-mapped IPv6 address (::ffff:a.b.c.d) as the IPv4 address it maps. */
function unmap(b: Bytes): Bytes {
  if (
    b.length === 16 && b.subarray(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff
  ) {
    return b.slice(12);
  }
  return b;
}

/** Parses an address with an optional port (`1.2.3.4:80`, `[::1]:80`) and brackets. */
function parseIp(entry: string): Bytes | null {
  let s = entry.trim();
  if (s.startsWith("[")) {
    const end = s.indexOf("]");
    if (end < 0 || !/^(:\d{1,5})?$/.test(s.slice(end + 1))) return null;
    s = s.slice(1, end);
    const b = parseV6(s);
    return b && unmap(b);
  }
  const colons = s.split(":").length - 1;
  if (colons === 1) s = /^([^:]+):\d{1,5}$/.exec(s)?.[1] ?? ""; // IPv4 with a port
  if (colons <= 1) return parseV4(s);
  const b = parseV6(s);
  return b && unmap(b);
}

function formatIp(b: Bytes): string {
  if (b.length === 4) return b.join(".");
  const words = Array.from({ length: 8 }, (_, i) => (b[2 * i] << 8) | b[2 * i + 1]);
  // RFC 5952: the longest run of two or more zero groups becomes "::" (the first one on a tie).
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen) [best, bestLen] = [i, j - i];
    i = j;
  }
  const hex = words.map((w) => w.toString(16));
  if (best < 0) return hex.join(":");
  return `${hex.slice(0, best).join(":")}::${hex.slice(best + bestLen).join(":")}`;
}

/** The canonical form of an address entry, or null when it is not one. */
export function canonicalIp(entry: string): string | null {
  const b = parseIp(entry);
  return b === null ? null : formatIp(b);
}

/** One trusted range: the network's bytes and its prefix length. */
interface Range {
  net: Bytes;
  bits: number;
}

/** Parsed lists, keyed by the configuration's array (held weakly, so nothing outlives it). */
const parsed = new WeakMap<readonly string[], Range[]>();

/** Parses `addr` or `addr/bits` entries (validated by the config already; bad ones dropped). */
function parseRanges(cidrs: readonly string[]): Range[] {
  // The list is the configuration's, the same array on every request: parse it once.
  let out = parsed.get(cidrs);
  if (out) return out;
  out = [];
  parsed.set(cidrs, out);
  for (const c of cidrs) {
    const [addr, bits] = c.split("/");
    const raw = addr.includes(":") ? parseV6(addr) : parseV4(addr);
    if (raw === null) continue;
    const net = unmap(raw);
    // A mapped range (::ffff:10.0.0.0/104) keeps its meaning as the IPv4 range it maps.
    const max = net.length * 8;
    const prefix = bits === undefined ? max : Number(bits) - (raw.length - net.length) * 8;
    out.push({ net, bits: Math.max(0, Math.min(max, prefix)) });
  }
  return out;
}

function inRanges(ip: string, ranges: readonly Range[]): boolean {
  const b = parseIp(ip);
  if (b === null) return false;
  return ranges.some(({ net, bits }) => {
    if (net.length !== b.length) return false;
    const whole = bits >> 3;
    for (let i = 0; i < whole; i++) if (net[i] !== b[i]) return false;
    const rest = bits & 7;
    if (rest === 0) return true;
    const mask = (0xff << (8 - rest)) & 0xff;
    return (net[whole] & mask) === (b[whole] & mask);
  });
}
