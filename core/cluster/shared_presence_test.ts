/**
 * Presence across instances, on a real cluster table set (PGlite) with a fake bus that records
 * what presence asks of it: other instances' people count as online until their instance is
 * gone, and a joining instance reads what others wrote and sweeps the dead.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { BusEvent } from "./bus.ts";
import { ClusterStore } from "../../db/sql_cluster.ts";
import { silentLogger } from "../log.ts";
import { TokenBucket } from "../rate_limit.ts";
import { type AgentConn, Registry } from "../sockets/registry.ts";
import { FakePeer } from "../testing/fake_peer.ts";
import { openTestStore } from "../testing/test_core.ts";
import { type PresenceBus, SharedPresence } from "./shared_presence.ts";

const store = await openTestStore();
const cluster = new ClusterStore(store.db);

/** A bus that records presence's calls. */
function recordingBus() {
  const local: BusEvent[] = [];
  const controls: unknown[] = [];
  const resyncs: string[] = [];
  const bus: PresenceBus = {
    attach() {},
    onResync: () => () => {},
    resync: (reason) => void resyncs.push(reason),
    sendControl: (c) => void controls.push(c),
    deliverLocal: (e) => void local.push(e),
    notePeers() {},
  };
  return { bus, local, controls, resyncs };
}

/** A presence instance that leaves the cluster when disposed. */
function instance(
  registry = new Registry(),
  opts: { ttlMs?: number } = {},
) {
  const recorded = recordingBus();
  const instanceId = `test-${crypto.randomUUID().slice(0, 8)}`;
  const presence = new SharedPresence({
    registry,
    bus: recorded.bus,
    cluster,
    instanceId,
    log: silentLogger,
    // Long enough never to beat on its own during a case: the tests call join() instead.
    heartbeatMs: 600_000,
    ...opts,
  });
  return {
    ...recorded,
    instanceId,
    presence,
    [Symbol.asyncDispose]: () => presence.leave(),
  };
}

/** An agent's socket in `registry` (no protocol behind it: presence reads the registry only). */
function connectAgent(registry: Registry, agentId: string): void {
  const conn: AgentConn = {
    kind: "agent",
    peer: new FakePeer(),
    agentId,
    agentName: "Agent",
    sessionHash: "hash",
    sites: [],
    lastSeen: Date.now(),
    pingedAt: 0,
    typingIn: null,
    typingAt: 0,
    messages: new TokenBucket(1, 1),
    frames: new TokenBucket(1, 1),
  };
  registry.add(conn);
}

Deno.test("another instance's people count as online until that instance is gone", async () => {
  await using a = instance();
  await a.presence.join();
  a.presence.remoteAgent("other", "agent-1", { connected: true, choice: "away" });
  a.presence.remoteAgent("other", "agent-2", { connected: true, choice: null });
  a.presence.remoteVisitor("other", "visitor-1", true);
  assert.equal(a.presence.agentStatus("agent-1"), "away");
  assert.deepEqual(a.presence.onlineAgentIds(), ["agent-2"]);
  assert.equal(a.presence.visitorOnline("visitor-1"), true);
  a.presence.instanceGone("other");
  assert.equal(a.presence.agentStatus("agent-1"), "offline");
  assert.equal(a.presence.agentStatus("agent-2"), "offline");
  assert.equal(a.presence.visitorOnline("visitor-1"), false);
  // This instance's sockets are told about each change, and it catches up on missed events.
  assert.deepEqual(a.local, [
    { kind: "agent", agentId: "agent-1" },
    { kind: "agent", agentId: "agent-2" },
    { kind: "visitor", visitorId: "visitor-1" },
  ]);
  assert.equal(a.resyncs.length, 1);
});

Deno.test("a joining instance reads the presence other instances wrote", async () => {
  const registry = new Registry();
  const agent = await store.createAgent({
    email: `${crypto.randomUUID().slice(0, 12)}@example.com`,
    name: "Remote",
    passwordHash: "unused",
    role: "agent",
  });
  connectAgent(registry, agent.id);
  await using b = instance(registry);
  await b.presence.join();
  // B tells the others to re-read its rows, written at join.
  assert.deepEqual(b.controls, [{ kind: "reload" }]);
  await using a = instance();
  await a.presence.join();
  assert.equal(a.presence.agentStatus(agent.id), "online");
  assert.ok(a.presence.onlineAgentIds().includes(agent.id));
});

Deno.test("a joining instance sweeps an expired one: its people go offline everywhere", async () => {
  const registry = new Registry();
  const agent = await store.createAgent({
    email: `${crypto.randomUUID().slice(0, 12)}@example.com`,
    name: "Doomed",
    passwordHash: "unused",
    role: "agent",
  });
  connectAgent(registry, agent.id);
  // Its row expires the moment it is written: the next survivor's heartbeat sweeps it.
  await using dead = instance(registry, { ttlMs: 0 });
  await dead.presence.join();
  await using a = instance();
  await a.presence.join();
  assert.deepEqual(a.controls.filter((c) => (c as { kind: string }).kind === "gone"), [
    { kind: "gone", instanceId: dead.instanceId },
  ]);
  assert.equal(a.presence.agentStatus(agent.id), "offline");
});
