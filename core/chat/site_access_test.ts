/**
 * Agents limited to sites, in-process: the rule itself, what the fan-out sends a limited agent,
 * that it looks up no site while nobody connected is limited, and that a changed limit applies
 * to an open socket from the `agent` event on.
 *
 * @module
 */

import assert from "node:assert/strict";
import { openTestStore, startTestCore, type TestCore } from "../testing/test_core.ts";
import { siteAllowed, siteLimit } from "./site_access.ts";

const store = await openTestStore();

Deno.test("siteLimit ignores an admin's sites and siteAllowed reads empty as every site", () => {
  assert.deepEqual(siteLimit({ role: "admin", sites: ["a"] }), []);
  assert.deepEqual(siteLimit({ role: "agent", sites: ["a"] }), ["a"]);
  assert.equal(siteAllowed([], "b"), true);
  assert.equal(siteAllowed(["a"], "a"), true);
  assert.equal(siteAllowed(["a"], "b"), false);
});

/** A visitor of `siteId` on the test core who wrote `body`. */
async function writer(t: TestCore, siteId: string, body: string) {
  const s = t.visitorSocket();
  s.send({ type: "hello", site: siteId });
  const welcome = await s.next("welcome");
  s.send({ type: "message", clientId: crypto.randomUUID(), body });
  const ack = await s.next("ack");
  return {
    s,
    visitorId: (welcome.visitor as { id: string }).id,
    conversationId: String(ack.conversationId),
  };
}

/** Counts the projection's site look-ups from now on. */
function countSiteReads(t: TestCore): () => number {
  const p = t.core.projection;
  let n = 0;
  const siteOf = p.siteOf.bind(p);
  const visitorSite = p.visitorSite.bind(p);
  p.siteOf = (id) => (n++, siteOf(id));
  p.visitorSite = (id) => (n++, visitorSite(id));
  return () => n;
}

Deno.test("without a limited agent connected, the fan-out looks up no site", async () => {
  await using t = await startTestCore(store);
  const reads = countSiteReads(t);
  await using agent = await t.agent("Open");
  const v = await writer(t, t.site.id, "hello");
  v.s.send({ type: "typing", active: true, preview: "hel" });
  v.s.send({ type: "attributes", attributes: { plan: "pro" } });
  await agent.next("message", (f) => (f.message as { body: string }).body === "hello");
  await agent.next("typing", { conversationId: v.conversationId });
  await agent.next("visitor_attributes", { visitorId: v.visitorId });
  assert.equal(reads(), 0);
  v.s.close();
});

Deno.test("a limited agent gets only its sites' frames, and new sites from the agent event", async () => {
  await using t = await startTestCore(store);
  const other = await store.upsertSite({
    id: `other-${crypto.randomUUID().slice(0, 8)}`,
    name: "O",
  });
  await using open = await t.agent("Open");
  await using limited = await t.agent("Limited", { sites: [t.site.id] });
  const mine = await writer(t, t.site.id, "for my site");
  const theirs = await writer(t, other.id, "for the other site");
  theirs.s.send({ type: "typing", active: true, preview: "oth" });
  theirs.s.send({ type: "attributes", attributes: { plan: "other" } });
  await open.next("typing", { conversationId: theirs.conversationId });
  await open.next("visitor_attributes", { visitorId: theirs.visitorId });
  await limited.next("message", (f) => (f.message as { body: string }).body === "for my site");
  await t.core.settled();
  const seen = JSON.stringify(limited.peer.frames);
  assert.ok(!seen.includes(theirs.conversationId) && !seen.includes(theirs.visitorId));

  // An admin moves the agent to the other site: the next frames follow the new limit.
  await store.updateAgent(limited.agent.id, { sites: [other.id] });
  await t.bus.publish({ kind: "agent", agentId: limited.agent.id });
  await limited.next("agent", (f) => {
    const a = f.agent as { id: string; sites: string[] };
    return a.id === limited.agent.id && a.sites[0] === other.id;
  });
  mine.s.send({ type: "message", clientId: crypto.randomUUID(), body: "mine again" });
  theirs.s.send({ type: "message", clientId: crypto.randomUUID(), body: "theirs again" });
  await limited.next("message", (f) => (f.message as { body: string }).body === "theirs again");
  await open.next("message", (f) => (f.message as { body: string }).body === "mine again");
  await t.core.settled();
  assert.ok(
    !limited.peer.frames.some((f) => (f.message as { body?: string })?.body === "mine again"),
  );
  limited.send({ type: "accept", conversationId: mine.conversationId, requestId: "a1" });
  assert.equal((await limited.next("error", { requestId: "a1" })).code, "not_found");
  mine.s.close();
  theirs.s.close();
});
