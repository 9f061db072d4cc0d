/**
 * The real-time core's own metrics: sockets by kind, messages stored and relayed, the ack
 * latency and errors sent to clients by code. Registered on the server's registry by
 * {@link createChatMetrics}; the core counts, `routes/metrics.ts` renders.
 *
 * @module
 */

import type { Counter, Histogram, MetricsRegistry } from "./metrics.ts";
import type { Registry } from "./sockets/registry.ts";

/**
 * Upper bounds of the ack latency buckets, in seconds: an ack normally follows a commit within
 * milliseconds; the upper buckets catch a database that stalls or a queue that backs up.
 */
export const ACK_LATENCY_BUCKETS: readonly number[] = [
  0.001,
  0.0025,
  0.005,
  0.01,
  0.025,
  0.05,
  0.1,
  0.25,
  0.5,
  1,
  2.5,
  5,
  10,
];

/** The instruments the core counts through. */
export interface ChatMetrics {
  /** Messages this instance stored (visitor, agent and system), a resend not counted again. */
  readonly messagesStored: Counter;
  /** Message frames this instance sent to recipients' sockets (one per socket). */
  readonly messagesRelayed: Counter;
  /** From a message frame's arrival to its ack, in seconds. */
  readonly ackLatency: Histogram;
  /** Errors sent to clients (error frames and HTTP error responses), by code. */
  readonly errors: Counter;
}

/**
 * Registers the core's metrics on `metrics`. The socket gauge is computed at scrape time from
 * `sockets` (one pass over this instance's sockets), so opening and closing cost nothing extra.
 */
export function createChatMetrics(metrics: MetricsRegistry, sockets: Registry): ChatMetrics {
  const open = metrics.gauge(
    "parley_sockets",
    "Open WebSocket connections on this instance, by kind (visitor sockets before hello count)",
    ["kind"],
  );
  metrics.collect(() => {
    let visitor = 0;
    let agent = 0;
    for (const c of sockets.all) {
      if (c.kind === "visitor") visitor++;
      else agent++;
    }
    open.set(visitor, { kind: "visitor" });
    open.set(agent, { kind: "agent" });
  });
  return {
    messagesStored: metrics.counter(
      "parley_messages_stored_total",
      "Messages (visitor, agent and system) stored by this instance, resends not counted",
    ),
    messagesRelayed: metrics.counter(
      "parley_messages_relayed_total",
      "Message frames sent by this instance to recipients' sockets (one per socket)",
    ),
    ackLatency: metrics.histogram(
      "parley_ack_latency_seconds",
      "Time from a message frame's arrival to its ack, in seconds",
      ACK_LATENCY_BUCKETS,
    ),
    errors: metrics.counter(
      "parley_errors_total",
      "Errors sent to clients, as WebSocket error frames or HTTP error responses, by code",
      ["code"],
    ),
  };
}
