/**
 * Keeps agent sockets no longer-lived than their sessions. A socket is authenticated once, at
 * the upgrade; afterwards its session can expire, be signed out everywhere, or its agent be
 * disabled. A revocation is also announced on the bus, but a notification lost during a LISTEN
 * reconnect is not replayed, and expiry is announced by nobody. So every `everyMs`, and after
 * each bus catch-up, the sessions of this instance's agent sockets are looked up again (one
 * read per distinct session) and the sockets of the invalid ones are closed with 4001.
 *
 * @module
 */

import type { Bus } from "../cluster/bus.ts";
import { CloseCode } from "../../protocol/codes.ts";
import type { Logger } from "../log.ts";
import type { AgentConn, Registry } from "../sockets/registry.ts";

/** What the watch needs. */
export interface SessionWatchDeps {
  registry: Registry;
  bus: Bus;
  log: Logger;
  /** Whether the session stored under this hash is still valid. */
  valid(sessionHash: string): Promise<boolean>;
  /** Time between checks. */
  everyMs: number;
}

/**
 * Checks the sessions of open agent sockets once, closing those whose session is gone. A
 * failed lookup (database unavailable) keeps the sockets: an outage is not a sign-out.
 * Exported for tests; {@link startSessionWatch} runs it on a timer.
 */
export async function checkSessions(deps: SessionWatchDeps): Promise<number> {
  const bySession = new Map<string, AgentConn[]>();
  for (const conn of deps.registry.allAgentConns()) {
    const conns = bySession.get(conn.sessionHash);
    if (conns) conns.push(conn);
    else bySession.set(conn.sessionHash, [conn]);
  }
  let closed = 0;
  for (const [hash, conns] of bySession) {
    let ok: boolean;
    try {
      ok = await deps.valid(hash);
    } catch (err) {
      deps.log.warn("checking agent sessions failed", { err: String(err) });
      return closed;
    }
    if (ok) continue;
    for (const conn of conns) conn.peer.close(CloseCode.Unauthorized, "Session expired");
    closed += conns.length;
    deps.log.info("closed the console sockets of an ended session", {
      agentId: conns[0].agentId,
      sockets: conns.length,
    });
  }
  return closed;
}

/** Starts the periodic check; returns a function that stops it. */
export function startSessionWatch(deps: SessionWatchDeps): () => void {
  let running = false;
  const run = () => {
    if (running || deps.registry.agents.size === 0) return;
    running = true;
    checkSessions(deps).finally(() => running = false);
  };
  const timer = setInterval(run, deps.everyMs);
  const unsubscribe = deps.bus.onResync(run);
  return () => {
    clearInterval(timer);
    unsubscribe();
  };
}
