/**
 * Presence across instances. Each instance knows its own sockets (the {@link Registry}) and keeps
 * a view of every other instance's: the `agent` and `visitor` doorbells carry the sender's state
 * (see `pg_bus.ts`), and the same state is written to `cluster_agents` / `cluster_visitors` in the
 * transaction that rings them, so an instance that starts or reconnects reads a snapshot that
 * never lags the events.
 *
 * Instances renew a row in `cluster_instances` every `heartbeatMs`; a row not renewed for `ttlMs`
 * is deleted by the next survivor's heartbeat, which takes that instance's agents and visitors
 * offline everywhere (and triggers a catch-up, in case its last doorbells were lost). With the
 * defaults (2 s, 6 s) a killed instance's people go offline within 8 s, 10 s at worst.
 *
 * @module
 */

import type { Queryable } from "../../db/driver.ts";
import type { ClusterStore } from "../../db/sql_cluster.ts";
import type { AgentState } from "./bus_wire.ts";
import type { Logger } from "../log.ts";
import type { PgBus, PresenceLink } from "./pg_bus.ts";
import type { Presence } from "../chat/presence.ts";
import type { AgentStatus } from "../../protocol/frames.ts";
import type { Registry } from "../sockets/registry.ts";

/** What presence uses of the {@link PgBus} (tests pass a fake that records the calls). */
export type PresenceBus = Pick<
  PgBus,
  "attach" | "onResync" | "resync" | "sendControl" | "deliverLocal" | "notePeers"
>;

/** Options of {@link SharedPresence}. */
export interface SharedPresenceOptions {
  registry: Registry;
  bus: PresenceBus;
  cluster: ClusterStore;
  instanceId: string;
  log: Logger;
  /** How often this instance renews its row and sweeps dead ones (default 2000). */
  heartbeatMs?: number;
  /** How long a row lives without renewal (default 6000). */
  ttlMs?: number;
}

interface Remote {
  agents: Set<string>;
  visitors: Set<string>;
}

/** Cluster-wide {@link Presence}; also the bus's {@link PresenceLink}. */
export class SharedPresence implements Presence, PresenceLink {
  readonly #o: SharedPresenceOptions;
  readonly #me: string;
  readonly #choice = new Map<string, "online" | "away">();
  readonly #remote = new Map<string, Remote>();
  // This instance's presence rows as written, and what they should become.
  readonly #rowAgents = new Set<string>();
  readonly #rowVisitors = new Set<string>();
  readonly #wantAgents = new Map<string, boolean>();
  readonly #wantVisitors = new Map<string, boolean>();
  readonly #wantChoices = new Map<string, "online" | "away">();
  #timer: ReturnType<typeof setInterval> | undefined;
  #beating = false;

  /** Creates the presence; call {@link SharedPresence.join} once the core exists. */
  constructor(opts: SharedPresenceOptions) {
    this.#o = opts;
    this.#me = opts.instanceId;
    opts.bus.attach(this);
    opts.bus.onResync(() => this.#reload(null));
  }

  // -------------------------------------------------------------------------------------------
  // Presence
  // -------------------------------------------------------------------------------------------

  /** See {@link Presence.agentStatus}. */
  agentStatus(agentId: string): AgentStatus {
    return this.#agentConnected(agentId) ? this.#choice.get(agentId) ?? "online" : "offline";
  }

  /** See {@link Presence.setAgentChoice}; stored for every instance with the next doorbell. */
  setAgentChoice(agentId: string, status: "online" | "away"): void {
    this.#choice.set(agentId, status);
    this.#wantChoices.set(agentId, status);
  }

  /** See {@link Presence.onlineAgentIds}. */
  onlineAgentIds(): string[] {
    const ids = new Set(this.#o.registry.agents.keys());
    for (const r of this.#remote.values()) for (const id of r.agents) ids.add(id);
    return [...ids].filter((id) => this.agentStatus(id) === "online");
  }

  /** See {@link Presence.visitorOnline}. */
  visitorOnline(visitorId: string): boolean {
    if (this.#o.registry.visitors.has(visitorId)) return true;
    for (const r of this.#remote.values()) if (r.visitors.has(visitorId)) return true;
    return false;
  }

  // -------------------------------------------------------------------------------------------
  // PresenceLink
  // -------------------------------------------------------------------------------------------

  /** See {@link PresenceLink.localAgent}. */
  localAgent(agentId: string): AgentState {
    const connected = this.#o.registry.agents.has(agentId);
    want(this.#wantAgents, this.#rowAgents, agentId, connected);
    return { connected, choice: this.#choice.get(agentId) ?? null };
  }

  /** See {@link PresenceLink.localVisitor}. */
  localVisitor(visitorId: string): boolean {
    const connected = this.#o.registry.visitors.has(visitorId);
    want(this.#wantVisitors, this.#rowVisitors, visitorId, connected);
    return connected;
  }

  /** See {@link PresenceLink.remoteAgent}. */
  remoteAgent(instanceId: string, agentId: string, state: AgentState): void {
    if (instanceId === this.#me) return;
    const r = this.#entry(instanceId);
    if (state.connected) r.agents.add(agentId);
    else r.agents.delete(agentId);
    if (state.choice) this.#choice.set(agentId, state.choice);
  }

  /** See {@link PresenceLink.remoteVisitor}. */
  remoteVisitor(instanceId: string, visitorId: string, connected: boolean): void {
    if (instanceId === this.#me) return;
    const r = this.#entry(instanceId);
    if (connected) r.visitors.add(visitorId);
    else r.visitors.delete(visitorId);
  }

  /** See {@link PresenceLink.instanceGone}: its people go offline here, and we catch up. */
  instanceGone(instanceId: string): void {
    // Others swept us while we were unreachable: our next heartbeat re-registers.
    if (instanceId === this.#me) return;
    const r = this.#remote.get(instanceId);
    if (!r) return;
    this.#changing([...r.agents], [...r.visitors], () => this.#remote.delete(instanceId));
    this.#o.log.info("instance gone", { instance: this.#me, gone: instanceId });
    this.#o.bus.resync("instance gone");
  }

  /** See {@link PresenceLink.reloadInstance}. */
  reloadInstance(instanceId: string): void {
    this.#reload(instanceId);
  }

  /** See {@link PresenceLink.hasPendingWrites}. */
  hasPendingWrites(): boolean {
    return this.#wantAgents.size > 0 || this.#wantVisitors.size > 0 || this.#wantChoices.size > 0;
  }

  /** See {@link PresenceLink.writePending}. */
  async writePending(tx: Queryable): Promise<() => void> {
    const agents = [...this.#wantAgents];
    const visitors = [...this.#wantVisitors];
    const choices = [...this.#wantChoices];
    await this.#o.cluster.writePresence(tx, this.#me, {
      agentsOn: agents.filter(([, on]) => on).map(([id]) => id),
      agentsOff: agents.filter(([, on]) => !on).map(([id]) => id),
      visitorsOn: visitors.filter(([, on]) => on).map(([id]) => id),
      visitorsOff: visitors.filter(([, on]) => !on).map(([id]) => id),
      choices: choices.map(([agentId, status]) => ({ agentId, status })),
    });
    return () => {
      written(this.#wantAgents, this.#rowAgents, agents);
      written(this.#wantVisitors, this.#rowVisitors, visitors);
      for (const [id, s] of choices) {
        if (this.#wantChoices.get(id) === s) this.#wantChoices.delete(id);
      }
    };
  }

  // -------------------------------------------------------------------------------------------
  // Membership
  // -------------------------------------------------------------------------------------------

  /** Registers this instance, loads everyone's presence and starts the heartbeat. */
  async join(): Promise<void> {
    await this.#beat();
    await this.#reload(null);
    const ms = this.#o.heartbeatMs ?? 2000;
    this.#timer = setInterval(() => {
      if (!this.#beating) this.#beat().catch(() => {});
    }, ms);
  }

  /** Stops the heartbeat and removes this instance, so others see its people leave at once. */
  async leave(): Promise<void> {
    clearInterval(this.#timer);
    this.#o.bus.sendControl({ kind: "gone", instanceId: this.#me });
    await this.#o.cluster.leave(this.#me).catch((err) =>
      this.#o.log.warn("leaving the cluster failed", { err: String(err) })
    );
  }

  async #beat(): Promise<void> {
    const { cluster, bus, log, registry } = this.#o;
    this.#beating = true;
    try {
      const { fresh, dead } = await cluster.heartbeat(this.#me, this.#o.ttlMs ?? 6000);
      if (fresh) {
        // New, or swept while unreachable: rewrite our rows and have others re-read them.
        const agents = [...registry.agents.keys()];
        const visitors = [...registry.visitors.keys()];
        await cluster.replacePresence(this.#me, agents, visitors);
        resetRows(this.#rowAgents, this.#wantAgents, agents);
        resetRows(this.#rowVisitors, this.#wantVisitors, visitors);
        bus.sendControl({ kind: "reload" });
      }
      for (const id of dead) {
        log.info("swept a dead instance", { instance: this.#me, dead: id });
        bus.sendControl({ kind: "gone", instanceId: id });
        this.instanceGone(id);
      }
    } catch (err) {
      log.warn("cluster heartbeat failed", { instance: this.#me, err: String(err) });
    } finally {
      this.#beating = false;
    }
  }

  /** Re-reads presence rows (of one instance, or all), applying and announcing differences. */
  async #reload(only: string | null): Promise<void> {
    let snap;
    try {
      snap = await this.#o.cluster.loadPresence(only ?? undefined);
    } catch (err) {
      this.#o.log.warn("presence reload failed", { instance: this.#me, err: String(err) });
      return;
    }
    this.#o.bus.notePeers(snap.instances);
    const covered = new Set(only ? [only] : [...this.#remote.keys(), ...snap.instances]);
    covered.delete(this.#me);
    const agents = new Set<string>();
    const visitors = new Set<string>();
    for (const id of covered) {
      const r = this.#remote.get(id);
      r?.agents.forEach((a) => agents.add(a));
      r?.visitors.forEach((v) => visitors.add(v));
    }
    for (const a of snap.agents) if (a.instanceId !== this.#me) agents.add(a.agentId);
    for (const v of snap.visitors) if (v.instanceId !== this.#me) visitors.add(v.visitorId);
    if (!only) { for (const a of snap.choices.keys()) agents.add(a); }
    this.#changing([...agents], [...visitors], () => {
      for (const id of covered) this.#remote.delete(id);
      for (const a of snap.agents) {
        if (a.instanceId !== this.#me) this.#entry(a.instanceId).agents.add(a.agentId);
      }
      for (const v of snap.visitors) {
        if (v.instanceId !== this.#me) this.#entry(v.instanceId).visitors.add(v.visitorId);
      }
      if (!only) {
        for (const [a, s] of snap.choices) if (!this.#wantChoices.has(a)) this.#choice.set(a, s);
      }
    });
  }

  /** Runs `mutate`, then tells this instance's sockets about agents and visitors that changed. */
  #changing(agents: string[], visitors: string[], mutate: () => void): void {
    const agentBefore = agents.map((a) => this.agentStatus(a));
    const visitorBefore = visitors.map((v) => this.visitorOnline(v));
    mutate();
    agents.forEach((agentId, i) => {
      if (this.agentStatus(agentId) !== agentBefore[i]) {
        this.#o.bus.deliverLocal({ kind: "agent", agentId });
      }
    });
    visitors.forEach((visitorId, i) => {
      if (this.visitorOnline(visitorId) !== visitorBefore[i]) {
        this.#o.bus.deliverLocal({ kind: "visitor", visitorId });
      }
    });
  }

  #agentConnected(agentId: string): boolean {
    if (this.#o.registry.agents.has(agentId)) return true;
    for (const r of this.#remote.values()) if (r.agents.has(agentId)) return true;
    return false;
  }

  #entry(instanceId: string): Remote {
    let r = this.#remote.get(instanceId);
    if (!r) this.#remote.set(instanceId, r = { agents: new Set(), visitors: new Set() });
    return r;
  }
}

/** Records that a row should exist (or not); forgets the wish when the row already agrees. */
function want(wants: Map<string, boolean>, rows: Set<string>, id: string, on: boolean): void {
  if (rows.has(id) === on) wants.delete(id);
  else wants.set(id, on);
}

/** Applies committed wishes to the row set, keeping wishes that changed meanwhile. */
function written(wants: Map<string, boolean>, rows: Set<string>, done: [string, boolean][]) {
  for (const [id, on] of done) {
    if (on) rows.add(id);
    else rows.delete(id);
    if (wants.get(id) === on) wants.delete(id);
  }
}

/** After a full rewrite: the rows are exactly `ids`; wishes that agree are dropped. */
function resetRows(rows: Set<string>, wants: Map<string, boolean>, ids: string[]): void {
  rows.clear();
  for (const id of ids) rows.add(id);
  for (const [id, on] of wants) if (rows.has(id) === on) wants.delete(id);
}
