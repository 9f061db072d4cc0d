/**
 * Which IP addresses a webhook may reach. Server-side request forgery: an admin's URL (or a DNS
 * name that resolves to whatever its owner likes) must not make the server talk to itself, its
 * network or its cloud's metadata service. Every address a host resolves to is checked, and the
 * request then connects to a checked address (`http_post.ts`), so a second resolution cannot
 * swap in another one.
 *
 * @module
 */

/** Parses a dotted IPv4 address into its 4 bytes, or null. */
export function parseIpv4(text: string): number[] | null {
  const parts = text.split(".");
  if (parts.length !== 4) return null;
  const bytes = parts.map((p) => /^(0|[1-9]\d{0,2})$/.test(p) ? Number(p) : NaN);
  return bytes.every((b) => b >= 0 && b <= 255) ? bytes : null;
}

/** Parses an IPv6 address (with `::`, an embedded IPv4 tail, no zone) into 8 groups, or null. */
export function parseIpv6(text: string): number[] | null {
  let s = text.toLowerCase();
  if (s.startsWith("[") && s.endsWith("]")) s = s.slice(1, -1);
  if (s.includes("%") || !/^[0-9a-f:.]+$/.test(s)) return null;
  let tail: number[] | null = null;
  if (s.includes(".")) {
    // An IPv4 tail stands for the last two groups: parsed apart, then put in their place.
    const lastColon = s.lastIndexOf(":");
    const v4 = parseIpv4(s.slice(lastColon + 1));
    if (!v4) return null;
    tail = [(v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]];
    s = s.slice(0, lastColon + 1) + "0:0";
  }
  const halves = s.split("::");
  if (halves.length > 2) return null;
  const group = (g: string) => /^[0-9a-f]{1,4}$/.test(g) ? parseInt(g, 16) : NaN;
  const head = halves[0] === "" ? [] : halves[0].split(":").map(group);
  const rest = halves.length === 2 && halves[1] !== "" ? halves[1].split(":").map(group) : [];
  if ([...head, ...rest].some(Number.isNaN)) return null;
  const known = head.length + rest.length;
  let groups: number[];
  if (halves.length === 1) {
    if (known !== 8) return null;
    groups = head;
  } else {
    if (known > 7) return null;
    groups = [...head, ...new Array<number>(8 - known).fill(0), ...rest];
  }
  if (tail) groups.splice(6, 2, ...tail);
  return groups;
}

/** True for IPv4 addresses that are not public unicast (RFC 6890 special-purpose ranges). */
function privateV4([a, b, c]: number[]): boolean {
  return a === 0 || // "this network", 0.0.0.0 unspecified
    a === 10 || // private
    (a === 100 && b >= 64 && b <= 127) || // carrier-grade NAT
    a === 127 || // loopback
    (a === 169 && b === 254) || // link-local (cloud metadata at 169.254.169.254)
    (a === 172 && b >= 16 && b <= 31) || // private
    (a === 192 && b === 0 && (c === 0 || c === 2)) || // IETF protocol, TEST-NET-1
    (a === 192 && b === 88 && c === 99) || // 6to4 relay anycast
    (a === 192 && b === 168) || // private
    (a === 198 && (b === 18 || b === 19)) || // benchmarking
    (a === 198 && b === 51 && c === 100) || // TEST-NET-2
    (a === 203 && b === 0 && c === 113) || // TEST-NET-3
    a >= 224; // multicast, reserved, broadcast
}

/** True for IPv6 addresses that are not public unicast, checking embedded IPv4 addresses too. */
function privateV6(g: number[]): boolean {
  const v4At = (i: number) => [g[i] >> 8, g[i] & 255, g[i + 1] >> 8, g[i + 1] & 255];
  if (g.slice(0, 6).every((x) => x === 0)) return true; // ::, ::1, IPv4-compatible
  if (g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff) return privateV4(v4At(6)); // mapped
  if (g[0] === 0x64 && g[1] === 0xff9b) return privateV4(v4At(6)); // NAT64
  if (g[0] === 0x2002) return privateV4(v4At(1)); // 6to4
  if (g[0] === 0x2001 && g[1] === 0) return true; // Teredo
  if (g[0] === 0x2001 && g[1] === 0x0db8) return true; // documentation
  if (g[0] === 0x0100 && g[1] === 0 && g[2] === 0 && g[3] === 0) return true; // discard
  if ((g[0] & 0xfe00) === 0xfc00) return true; // unique local
  if ((g[0] & 0xffc0) === 0xfe80 || (g[0] & 0xffc0) === 0xfec0) return true; // link/site-local
  return (g[0] & 0xff00) === 0xff00; // multicast
}

/**
 * True when `ip` (IPv4 or IPv6 text) is loopback, private, link-local, multicast, unspecified or
 * otherwise not a public unicast address, and for anything that does not parse as an address.
 */
export function isPrivateAddress(ip: string): boolean {
  const v4 = parseIpv4(ip);
  if (v4) return privateV4(v4);
  const v6 = parseIpv6(ip);
  return v6 === null || privateV6(v6);
}

/** True for the host names and addresses that mean this machine. */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, "");
  if (h === "localhost" || h.endsWith(".localhost")) return true;
  const v4 = parseIpv4(h);
  if (v4) return v4[0] === 127;
  const v6 = parseIpv6(h);
  return v6 !== null && v6.slice(0, 7).every((x) => x === 0) && v6[7] === 1;
}
