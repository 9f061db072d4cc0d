/**
 * The bus the CLI hands to the domain services, so a change made here reaches running servers
 * as the same change made through the HTTP API would: a new or disabled agent appears in every
 * console, and ended sessions close their console sockets at once.
 *
 * On Postgres the events go out as ONE notification on the servers' channel when the command
 * ends, in the wire format of `core/cluster/bus_wire.ts`, from a one-off instance id that the
 * same batch declares gone: receivers treat it as an instance they have just met (batch 1, so
 * nothing to catch up), deliver the events, then forget it, and keep no peer that never
 * heartbeats. Servers also re-check sessions on a timer, so a notification lost in a LISTEN
 * reconnect still ends the sessions within `PARLEY_SESSION_CHECK_MS`.
 *
 * On the embedded database no server can run beside the CLI (it holds the directory's lock), so
 * there is nobody to tell: events are dropped.
 *
 * @module
 */

import type { Bus, BusEvent } from "../core/cluster/bus.ts";
import { encodeBatch, encodeControl, encodeEvent } from "../core/cluster/bus_wire.ts";
import { BUS_CHANNEL } from "../core/cluster/pg_bus.ts";
import type { Db } from "../db/mod.ts";

/** A {@link Bus} that only publishes, and sends what it collected on {@link NotifyBus.flush}. */
export interface NotifyBus extends Bus {
  /** Sends the collected events (one NOTIFY); resolves once Postgres has taken it. */
  flush(): Promise<void>;
}

/** Creates the bus: NOTIFY on `db` when it is Postgres, nothing on the embedded database. */
export function createNotifyBus(db: Db): NotifyBus {
  const pending: BusEvent[] = [];
  const instanceId = `admin-cli-${crypto.randomUUID()}`;
  const bus: NotifyBus = {
    publish(event) {
      if (db.backend === "postgres") pending.push(event);
      return Promise.resolve();
    },
    subscribe() {
      return () => {};
    },
    onResync() {
      return () => {};
    },
    async flush() {
      if (pending.length === 0) return;
      const entries = pending.splice(0).map((e) => encodeEvent(e));
      entries.push(encodeControl({ kind: "gone", instanceId }));
      await db.notify(BUS_CHANNEL, encodeBatch(instanceId, 1, Date.now(), entries));
    },
    close() {
      return bus.flush();
    },
  };
  return bus;
}
