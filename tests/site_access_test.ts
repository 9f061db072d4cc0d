/**
 * Agents limited to sites, against a real server with two sites: an agent limited to site A sees
 * nothing of site B over REST and over its socket, commands on B's conversations are refused as
 * if they did not exist, auto-assignment picks only agents allowed on the site, a change of
 * sites applies to open sockets at once (also from another instance), and an admin's password
 * reset ends the agent's sessions.
 *
 * "Nothing arrived" is never waited out: an unrestricted agent on the same server receives the
 * frame first (the fan-out sends one frame to every allowed socket in one pass), then a ping
 * round trip on the limited agent's socket proves everything sent to it before has arrived.
 */

import assert from "node:assert/strict";
import type { DbStore } from "../db/mod.ts";
import { freshDatabase, IN_CI, postgresReachable, SERVER_URL } from "./helpers/database.ts";
import { signIn } from "./helpers/parley_process.ts";
import { ADMIN, serverPerFile, startTestServer } from "./helpers/server.ts";
import { startClusterInstance } from "./helpers/cluster_instance.ts";
import { type Frame, TestSocket } from "./helpers/ws_client.ts";

const CSRF = { "content-type": "application/json", "x-parley-csrf": "1" };

/** One server for the file; each test makes its own sites, agents and visitors. */
const server = serverPerFile();

const obj = (v: unknown) => v as Record<string, unknown>;
const uid = () => crypto.randomUUID().slice(0, 8);

/** Calls the HTTP API with a session cookie; returns the status and the JSON body (if any). */
async function api(
  base: string,
  cookie: string,
  path: string,
  init: { method?: string; body?: unknown } = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${base}${path}`, {
    method: init.method ?? "GET",
    headers: { ...CSRF, cookie },
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : {} };
}

/** Two sites of this test's own: `a` and `b`. */
async function twoSites(store: DbStore): Promise<{ a: string; b: string }> {
  const a = `shop-a-${uid()}`;
  const b = `shop-b-${uid()}`;
  await store.upsertSite({ id: a, name: `Shop A ${a}` });
  await store.upsertSite({ id: b, name: `Shop B ${b}` });
  return { a, b };
}

/** Creates an agent through the admin API (with `sites`) and signs them in. */
async function agentOn(
  base: string,
  adminCookie: string,
  sites: string[],
): Promise<{ id: string; email: string; cookie: string }> {
  const email = `agent-${uid()}@test.local`;
  const created = await api(base, adminCookie, "/api/agents", {
    method: "POST",
    body: { email, name: `Agent ${email}`, password: "agent-password-1", sites },
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  assert.deepEqual(obj(created.body.agent).sites, sites);
  return {
    id: String(obj(created.body.agent).id),
    email,
    cookie: await signIn(base, email, "agent-password-1"),
  };
}

/** A visitor of `site` who wrote `body`; returns the socket, visitor and conversation ids. */
async function visitorWriting(
  t: { wsUrl: string },
  site: string,
  body: string,
): Promise<{ s: TestSocket; visitorId: string; conversationId: string; welcome: Frame }> {
  const s = await TestSocket.open(`${t.wsUrl}/ws/visitor`);
  s.send({ type: "hello", site });
  const welcome = await s.nextOf("welcome");
  s.send({ type: "message", clientId: `m-${uid()}`, body });
  const ack = await s.nextOf("ack");
  return {
    s,
    visitorId: String(obj(welcome.visitor).id),
    conversationId: String(ack.conversationId),
    welcome,
  };
}

async function agentSocket(wsUrl: string, cookie: string): Promise<TestSocket> {
  const s = await TestSocket.open(`${wsUrl}/ws/agent`, { cookie });
  await s.nextOf("welcome");
  return s;
}

async function closeAll(...sockets: TestSocket[]): Promise<void> {
  await Promise.all(sockets.map((s) => s.close()));
}

Deno.test("an agent limited to site A sees nothing of site B over HTTP", async () => {
  const t = server();
  const admin = await t.login(ADMIN.email, ADMIN.password);
  const { a, b } = await twoSites(t.store);
  const limited = await agentOn(t.url, admin, [a]);
  const word = `parcel${uid().replace(/-/g, "")}`;
  const va = await visitorWriting(t, a, `where is my ${word}`);
  const vb = await visitorWriting(t, b, `my ${word} is late`);

  const ids = async (cookie: string, query: string) => {
    const r = await api(t.url, cookie, `/api/conversations?status=queued,open,resolved${query}`);
    assert.equal(r.status, 200);
    return (r.body.conversations as { id: string }[]).map((c) => c.id)
      .filter((id) => id === va.conversationId || id === vb.conversationId);
  };
  assert.deepEqual(await ids(limited.cookie, ""), [va.conversationId]);
  assert.deepEqual(await ids(limited.cookie, `&site=${a}`), [va.conversationId]);
  assert.deepEqual(await ids(limited.cookie, `&site=${b}`), []);
  // Unrestricted, the same listings show both sites, and the site filter picks one.
  assert.deepEqual(await ids(admin, ""), [vb.conversationId, va.conversationId]);
  assert.deepEqual(await ids(admin, `&site=${b}`), [vb.conversationId]);

  for (
    const path of [
      `/api/conversations/${vb.conversationId}`,
      `/api/conversations/${vb.conversationId}/messages`,
      `/api/visitors/${vb.visitorId}`,
    ]
  ) {
    const r = await api(t.url, limited.cookie, path);
    assert.equal(r.status, 404, path);
    assert.equal(obj(r.body.error).code, "not_found");
    assert.equal((await api(t.url, admin, path)).status, 200, path);
  }
  assert.equal(
    (await api(t.url, limited.cookie, `/api/conversations/${va.conversationId}`)).status,
    200,
  );
  assert.equal((await api(t.url, limited.cookie, `/api/visitors/${va.visitorId}`)).status, 200);

  const hits = async (cookie: string) =>
    ((await api(t.url, cookie, `/api/search?q=${word}`)).body.hits as { message: Message }[])
      .map((h) => h.message.conversationId).sort();
  assert.deepEqual(await hits(limited.cookie), [va.conversationId]);
  assert.deepEqual(await hits(admin), [va.conversationId, vb.conversationId].sort());

  const sites = await api(t.url, limited.cookie, "/api/agent/sites");
  assert.deepEqual(sites.body.sites, [{ id: a, name: `Shop A ${a}` }]);
  const all = (await api(t.url, admin, "/api/agent/sites")).body.sites as { id: string }[];
  assert.ok(all.some((s) => s.id === a) && all.some((s) => s.id === b));
  await closeAll(va.s, vb.s);
});

type Message = { conversationId: string; body: string };

Deno.test("an agent limited to site A gets no frame of site B while an unlimited agent does", async () => {
  const t = server();
  const admin = await t.login(ADMIN.email, ADMIN.password);
  const { a, b } = await twoSites(t.store);
  // A conversation of B before the agents connect: the welcome snapshot leaves it out too.
  const earlier = await visitorWriting(t, b, "earlier question");
  const limited = await agentOn(t.url, admin, [a]);
  const open = await agentOn(t.url, admin, []);
  const ls = await agentSocket(t.wsUrl, limited.cookie);
  const os = await agentSocket(t.wsUrl, open.cookie);
  const welcomed = (s: TestSocket) =>
    (s.all("welcome")[0].conversations as { id: string }[]).map((c) => c.id);
  assert.ok(welcomed(os).includes(earlier.conversationId));
  assert.ok(!welcomed(ls).includes(earlier.conversationId));

  // Site B's visitor writes, types, identifies and sets attributes.
  const vb = await visitorWriting(t, b, "secret from B");
  vb.s.send({ type: "typing", active: true, preview: "typing on B" });
  vb.s.send({ type: "identify", id: "user-b", name: "Bea from B" });
  vb.s.send({ type: "attributes", attributes: { plan: "b-plan" } });
  const about = (f: Frame) =>
    JSON.stringify(f).includes(vb.visitorId) ||
    JSON.stringify(f).includes(vb.conversationId);
  await os.nextOf("message", (f) => obj(f.message).body === "secret from B");
  await os.nextOf("conversation", (f) => obj(f.conversation).id === vb.conversationId);
  await os.nextOf("typing", (f) => f.conversationId === vb.conversationId && f.active === true);
  await os.nextOf("visitor", (f) => obj(f.visitor).name === "Bea from B");
  await os.nextOf("visitor_attributes", (f) => f.visitorId === vb.visitorId);

  // Site A's visitor does the same: the limited agent gets it all.
  const va = await visitorWriting(t, a, "hello from A");
  va.s.send({ type: "typing", active: true, preview: "typing on A" });
  va.s.send({ type: "attributes", attributes: { plan: "a-plan" } });
  await ls.nextOf("message", (f) => obj(f.message).body === "hello from A");
  await ls.nextOf("conversation", (f) => obj(f.conversation).id === va.conversationId);
  await ls.nextOf("typing", (f) => f.conversationId === va.conversationId);
  await ls.nextOf("visitor_attributes", (f) => f.visitorId === va.visitorId);

  // Everything sent to the limited socket before this pong has arrived: none of it is B's.
  await ls.roundTrip();
  const leaked = ls.frames.filter(about);
  assert.deepEqual(leaked, [], "the limited agent received frames of site B");
  assert.ok(!JSON.stringify(ls.frames).includes("secret from B"));
  await closeAll(ls, os, va.s, vb.s, earlier.s);
});

Deno.test("commands on another site's conversation are refused as not_found", async () => {
  const t = server();
  const admin = await t.login(ADMIN.email, ADMIN.password);
  const { a, b } = await twoSites(t.store);
  const limited = await agentOn(t.url, admin, [a]);
  const onB = await agentOn(t.url, admin, [b]);
  const ls = await agentSocket(t.wsUrl, limited.cookie);
  const vb = await visitorWriting(t, b, "only for B's team");
  const conversationId = vb.conversationId;
  const commands: Record<string, unknown>[] = [
    { type: "accept", conversationId },
    { type: "transfer", conversationId, agentId: limited.id },
    { type: "unassign", conversationId },
    { type: "resolve", conversationId },
    { type: "reopen", conversationId },
    { type: "read", conversationId, seq: 1 },
    { type: "sync", conversationId, afterSeq: 0 },
    { type: "visitor", visitorId: vb.visitorId },
  ];
  for (const [i, command] of commands.entries()) {
    ls.send({ ...command, requestId: `r${i}` });
    const error = await ls.nextOf("error", (f) => f.requestId === `r${i}`);
    assert.equal(error.code, "not_found", JSON.stringify(command));
  }
  // Typing carries no request id: its refusal names the conversation alone.
  ls.send({ type: "typing", conversationId, active: true });
  const typing = await ls.nextOf(
    "error",
    (f) => f.requestId === undefined && f.clientId === undefined,
  );
  assert.equal(typing.code, "not_found");
  assert.equal(typing.conversationId, conversationId);
  ls.send({ type: "message", conversationId, clientId: "c-1", body: "let me in" });
  const refused = await ls.nextOf("error", (f) => f.clientId === "c-1");
  assert.equal(refused.code, "not_found");
  const conv = await t.store.getConversation(conversationId);
  assert.equal(conv?.assigneeId, null);
  assert.equal(conv?.lastSeq, 1, "nothing was written to B's conversation");

  // Nobody may hand B's conversation to an agent who cannot see B.
  const as = await agentSocket(t.wsUrl, admin);
  as.send({ type: "transfer", conversationId, agentId: limited.id, requestId: "x1" });
  assert.equal((await as.nextOf("error", (f) => f.requestId === "x1")).code, "forbidden");
  as.send({ type: "transfer", conversationId, agentId: onB.id, requestId: "x2" });
  await as.nextOf("done", (f) => f.requestId === "x2");
  assert.equal((await t.store.getConversation(conversationId))?.assigneeId, onB.id);
  await closeAll(ls, as, vb.s);
});

Deno.test("auto-assignment and the online count consider only agents allowed on the site", async () => {
  // A server of its own: no agent of another test may be online and win the assignment.
  await using t = await startTestServer();
  const admin = await t.login(ADMIN.email, ADMIN.password);
  const { a, b } = await twoSites(t.store);
  await t.store.upsertSite({ id: b, name: "Shop B", autoAssign: true });
  const onA = await agentOn(t.url, admin, [a]);
  const onB = await agentOn(t.url, admin, [b]);
  const sa = await agentSocket(t.wsUrl, onA.cookie);
  // The agent limited to A is online alone: B's new conversation waits in the queue. (The ack
  // comes after the auto-assignment was tried.)
  const first = await visitorWriting(t, b, "anyone there?");
  assert.equal(first.welcome.agentsOnline, 0, "an agent of A is nobody for B's visitors");
  const conv = await t.store.getConversation(first.conversationId);
  assert.equal(conv?.assigneeId, null);
  assert.equal(conv?.status, "queued");
  // With an agent of B online too, B's next conversation goes to them.
  const sb = await agentSocket(t.wsUrl, onB.cookie);
  await first.s.nextOf("agents", (f) => f.online === 1);
  const second = await visitorWriting(t, b, "hello again");
  assert.equal((await t.store.getConversation(second.conversationId))?.assigneeId, onB.id);
  await sb.nextOf(
    "conversation",
    (f) =>
      obj(f.conversation).id === second.conversationId && obj(f.conversation).assigneeId === onB.id,
  );
  assert.equal(second.welcome.agentsOnline, 1);
  const ofA = await visitorWriting(t, a, "and on A?");
  assert.equal(ofA.welcome.agentsOnline, 1);
  await closeAll(sa, sb, first.s, second.s, ofA.s);
});

Deno.test("changing an agent's sites applies to their open socket at once", async () => {
  const t = server();
  const admin = await t.login(ADMIN.email, ADMIN.password);
  const { a, b } = await twoSites(t.store);
  const limited = await agentOn(t.url, admin, [a]);
  const open = await agentOn(t.url, admin, []);
  const ls = await agentSocket(t.wsUrl, limited.cookie);
  const os = await agentSocket(t.wsUrl, open.cookie);

  // Validation: unknown sites are refused, and only admins change sites.
  const unknown = await api(t.url, admin, `/api/agents/${limited.id}`, {
    method: "PATCH",
    body: { sites: [a, "no-such-site"] },
  });
  assert.equal(unknown.status, 400);
  assert.equal(obj(unknown.body.error).code, "bad_frame");
  assert.match(String(obj(unknown.body.error).message), /no-such-site/);
  const notAdmin = await api(t.url, open.cookie, `/api/agents/${limited.id}`, {
    method: "PATCH",
    body: { sites: [b] },
  });
  assert.equal(notAdmin.status, 403);
  const self = await api(t.url, limited.cookie, `/api/agents/${limited.id}`, {
    method: "PATCH",
    body: { sites: [] },
  });
  assert.equal(self.status, 403, "an agent cannot lift their own limit");

  const moved = await api(t.url, admin, `/api/agents/${limited.id}`, {
    method: "PATCH",
    body: { sites: [b] },
  });
  assert.equal(moved.status, 200);
  assert.deepEqual(obj(moved.body.agent).sites, [b]);
  // The socket took the new sites before it was told of them.
  await ls.nextOf(
    "agent",
    (f) =>
      obj(f.agent).id === limited.id && JSON.stringify(obj(f.agent).sites) === JSON.stringify([b]),
  );

  const va = await visitorWriting(t, a, "A after the change");
  const vb = await visitorWriting(t, b, "B after the change");
  await ls.nextOf("message", (f) => obj(f.message).body === "B after the change");
  await os.nextOf("message", (f) => obj(f.message).body === "A after the change");
  await os.nextOf("conversation", (f) => obj(f.conversation).id === va.conversationId);
  await ls.roundTrip();
  assert.ok(!JSON.stringify(ls.frames).includes(va.conversationId), "A is hidden now");
  ls.send({ type: "accept", conversationId: vb.conversationId, requestId: "acc-b" });
  await ls.nextOf("done", (f) => f.requestId === "acc-b");
  ls.send({ type: "accept", conversationId: va.conversationId, requestId: "acc-a" });
  assert.equal((await ls.nextOf("error", (f) => f.requestId === "acc-a")).code, "not_found");
  const sites = await api(t.url, limited.cookie, "/api/agent/sites");
  assert.deepEqual((sites.body.sites as { id: string }[]).map((s) => s.id), [b]);
  await closeAll(ls, os, va.s, vb.s);
});

Deno.test("an admin resets an agent's password: the old one fails and sessions end", async () => {
  const t = server();
  const admin = await t.login(ADMIN.email, ADMIN.password);
  const ann = await agentOn(t.url, admin, []);
  const bob = await agentOn(t.url, admin, []);
  const annSocket = await agentSocket(t.wsUrl, ann.cookie);
  const path = `/api/agents/${ann.id}/password`;

  const byAgent = await api(t.url, bob.cookie, path, {
    method: "POST",
    body: { password: "bob-chose-this-1" },
  });
  assert.equal(byAgent.status, 403);
  assert.equal(obj(byAgent.body.error).code, "forbidden");
  const short = await api(t.url, admin, path, { method: "POST", body: { password: "short" } });
  assert.equal(short.status, 400);
  assert.equal(obj(short.body.error).code, "bad_frame");
  const missing = await api(t.url, admin, `/api/agents/${crypto.randomUUID()}/password`, {
    method: "POST",
    body: { password: "long-enough-1" },
  });
  assert.equal(missing.status, 404);
  const noCsrf = await fetch(`${t.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", cookie: admin },
    body: JSON.stringify({ password: "long-enough-1" }),
  });
  assert.equal(noCsrf.status, 403);
  await noCsrf.body?.cancel();
  // Nothing above changed Ann's account.
  assert.equal((await api(t.url, ann.cookie, "/api/agent/me")).status, 200);

  const reset = await api(t.url, admin, path, {
    method: "POST",
    body: { password: "new-password-1" },
  });
  assert.equal(reset.status, 204);
  assert.equal((await annSocket.closed).code, 4001);
  assert.equal((await api(t.url, ann.cookie, "/api/agent/me")).status, 401);
  await assert.rejects(signIn(t.url, ann.email, "agent-password-1"), /401/);
  await signIn(t.url, ann.email, "new-password-1");
  // The admin's own session and Bob's are untouched.
  assert.equal((await api(t.url, admin, "/api/agent/me")).status, 200);
  assert.equal((await api(t.url, bob.cookie, "/api/agent/me")).status, 200);
});

// --- across instances -------------------------------------------------------------------------

const postgresUp = await postgresReachable();
if (!postgresUp && !IN_CI) {
  console.warn(
    `Postgres is not reachable at ${new URL(SERVER_URL).host}: skipping the multi-instance ` +
      "site test (set DATABASE_URL, or CI=true to make this a failure)",
  );
}

Deno.test({
  name: "a change of sites made on one instance applies to the agent's socket on another",
  ignore: !postgresUp && !IN_CI,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    if (!postgresUp) throw new Error(`Postgres is not reachable at ${new URL(SERVER_URL).host}`);
    const db = await freshDatabase();
    const one = await startClusterInstance(db.url);
    const two = await startClusterInstance(db.url);
    try {
      const wsTwo = { wsUrl: two.server.url.replace(/^http/, "ws") };
      const admin = await signIn(one.server.url, ADMIN.email, ADMIN.password);
      const { a, b } = await twoSites(one.store);
      const limited = await agentOn(one.server.url, admin, [a]);
      const open = await agentOn(one.server.url, admin, []);
      const ls = await agentSocket(wsTwo.wsUrl, limited.cookie);
      const os = await agentSocket(wsTwo.wsUrl, open.cookie);
      const changed = await api(one.server.url, admin, `/api/agents/${limited.id}`, {
        method: "PATCH",
        body: { sites: [b] },
      });
      assert.equal(changed.status, 200);
      await ls.nextOf(
        "agent",
        (f) =>
          obj(f.agent).id === limited.id &&
          JSON.stringify(obj(f.agent).sites) === JSON.stringify([b]),
      );
      const wsOne = { wsUrl: one.server.url.replace(/^http/, "ws") };
      const va = await visitorWriting(wsOne, a, "A, seen from instance one");
      const vb = await visitorWriting(wsOne, b, "B, seen from instance one");
      await ls.nextOf("message", (f) => obj(f.message).body === "B, seen from instance one");
      await os.nextOf("message", (f) => obj(f.message).body === "A, seen from instance one");
      await ls.roundTrip();
      assert.ok(!JSON.stringify(ls.frames).includes(va.conversationId));
      await closeAll(ls, os, va.s, vb.s);
    } finally {
      await Promise.all([one.close(), two.close()]);
      await db.drop();
    }
  },
});
