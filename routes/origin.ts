/**
 * The server's own origin, for the same-origin checks of agent requests and the console socket.
 *
 * With `PARLEY_PUBLIC_URL` set, that is the configured origin. Without it the origin could only
 * be read back from the request's own `Host` header, which whoever sends the request chooses: a
 * page on a rebound or misrouted name, or a proxy passing any `Host` through, would then match
 * itself. So without `PARLEY_PUBLIC_URL` the `Host` is trusted only when it names this machine's
 * loopback (`localhost`, `127.0.0.1`, `[::1]`), which keeps a laptop working with no
 * configuration; any other `Host` has no trusted origin and cross-checked requests are refused.
 *
 * @module
 */

import { isSecure } from "./http.ts";

/** Host names that can only reach this machine, with and without IPv6 brackets. */
const LOOPBACK = new Set(["localhost", "127.0.0.1", "::1", "[::1]"]);

/**
 * True when `host` (a `Host` header, `name:port` or `[v6]:port`, or a bare bind address) names
 * the loopback interface.
 */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase();
  if (LOOPBACK.has(h)) return true;
  // Strip a port: after the closing bracket for IPv6, after the only colon otherwise.
  const name = h.startsWith("[") ? h.slice(0, h.indexOf("]") + 1) : h.split(":")[0];
  return LOOPBACK.has(name);
}

/**
 * The origin this server is reached at, or null when it cannot be trusted: `publicUrl` when set,
 * else `http(s)://<Host>` for a loopback `Host` only.
 */
export function trustedOrigin(
  req: Request,
  publicUrl: string | null,
  viaTrustedProxy: boolean,
): string | null {
  if (publicUrl) return new URL(publicUrl).origin;
  const host = req.headers.get("host");
  if (host === null || !isLoopbackHost(host)) return null;
  return `${isSecure(req, viaTrustedProxy) ? "https" : "http"}://${host.toLowerCase()}`;
}
