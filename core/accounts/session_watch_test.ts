import assert from "node:assert/strict";
import { createLocalBus } from "../cluster/bus.ts";
import { silentLogger } from "../log.ts";
import type { Peer } from "../sockets/peer.ts";
import { TokenBucket } from "../rate_limit.ts";
import { type AgentConn, Registry } from "../sockets/registry.ts";
import { checkSessions, type SessionWatchDeps } from "./session_watch.ts";

function agentConn(agentId: string, sessionHash: string, closes: string[]): AgentConn {
  const peer: Peer = {
    id: `${agentId}/${sessionHash}`,
    send() {},
    close: (code, reason) => closes.push(`${agentId}/${sessionHash} ${code} ${reason}`),
  };
  return {
    kind: "agent",
    peer,
    agentId,
    agentName: agentId,
    sessionHash,
    sites: [],
    lastSeen: 0,
    pingedAt: 0,
    typingIn: null,
    typingAt: 0,
    messages: new TokenBucket(1, 1),
    frames: new TokenBucket(1, 1),
  };
}

function setup(valid: (hash: string) => Promise<boolean>) {
  const registry = new Registry();
  const closes: string[] = [];
  const lookups: string[] = [];
  for (const [agent, hash] of [["ann", "s1"], ["ann", "s1"], ["ann", "s2"], ["bob", "s3"]]) {
    registry.add(agentConn(agent, hash, closes));
  }
  const deps: SessionWatchDeps = {
    registry,
    bus: createLocalBus(),
    log: silentLogger,
    everyMs: 60_000,
    valid: (hash) => {
      lookups.push(hash);
      return valid(hash);
    },
  };
  return { deps, closes, lookups };
}

Deno.test("checkSessions() closes the sockets of invalid sessions with 4001, once per session", async () => {
  const { deps, closes, lookups } = setup((hash) => Promise.resolve(hash !== "s1"));
  assert.equal(await checkSessions(deps), 2);
  assert.deepEqual(lookups, ["s1", "s2", "s3"]);
  assert.deepEqual(closes, ["ann/s1 4001 Session expired", "ann/s1 4001 Session expired"]);
});

Deno.test("checkSessions() keeps every socket when the database cannot answer", async () => {
  const { deps, closes } = setup(() => Promise.reject(new Error("database unavailable")));
  assert.equal(await checkSessions(deps), 0);
  assert.deepEqual(closes, []);
});
