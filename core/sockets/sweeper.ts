/**
 * One timer for every socket: pings idle peers, closes dead ones, clears stale typing
 * indicators and prunes rate-limit buckets. A timer per socket would cost memory and wakeups
 * that grow with the number of idle visitors.
 *
 * @module
 */

import type { Bus } from "../cluster/bus.ts";
import type { ChatCommands } from "../chat/commands.ts";
import type { CoreOptions } from "../options.ts";
import { CloseCode } from "../../protocol/codes.ts";
import type { Logger } from "../log.ts";
import type { Registry } from "./registry.ts";
import { clearTyping } from "../chat/typing.ts";

/** How long a socket may stay open without a successful `hello`. */
export const HELLO_TIMEOUT_MS = 10_000;

/** What the sweep touches. */
export interface SweeperDeps {
  registry: Registry;
  bus: Bus;
  commands: ChatCommands;
  options: CoreOptions;
  log: Logger;
  /** Called about once a minute to prune keyed limiters. */
  prune(): void;
}

/** Runs one sweep at `now`; {@link startSweeper} calls it on a timer. */
function sweep(deps: SweeperDeps, now: number): void {
  const { registry, options } = deps;
  const ping = JSON.stringify({ type: "ping" });
  for (const conn of registry.all) {
    const idle = now - conn.lastSeen;
    if (conn.kind === "visitor" && conn.visitorId === "" && idle > HELLO_TIMEOUT_MS) {
      conn.peer.close(CloseCode.HelloRequired, "No hello received");
      continue;
    }
    if (idle > options.heartbeatTimeoutMs) {
      conn.peer.close(CloseCode.HeartbeatTimeout, "Heartbeat timeout");
      continue;
    }
    if (idle >= options.heartbeatMs && conn.pingedAt === 0) {
      conn.pingedAt = now;
      conn.peer.send(ping);
    }
    if (conn.typingIn && now - conn.typingAt > options.typingTimeoutMs) {
      clearTyping(conn, deps.commands).catch((err) =>
        deps.log.warn("typing expiry failed", { err: String(err) })
      );
    }
  }
}

/** Starts the sweep timer (every `tickMs`); returns a function that stops it. */
export function startSweeper(deps: SweeperDeps, tickMs = 1000): () => void {
  let ticks = 0;
  const timer = setInterval(() => {
    sweep(deps, Date.now());
    if (++ticks % 60 === 0) deps.prune();
  }, tickMs);
  return () => clearInterval(timer);
}
