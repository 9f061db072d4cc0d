/**
 * `GET /api/search` filters against a real server (issue 17): label, site, agent, status and
 * creation dates, alone and combined, with or without words; each hit carries its
 * conversation's labels, status, site and assignee; an agent limited to sites finds nothing of
 * the others whatever the filters; a bad filter is 400 `bad_frame` naming it.
 */

import assert from "node:assert/strict";
import { ADMIN, serverPerFile, type TestServer } from "./helpers/server.ts";
import { signIn } from "./helpers/parley_process.ts";
import { TestSocket } from "./helpers/ws_client.ts";

const CSRF = { "content-type": "application/json", "x-parley-csrf": "1" };

const server = serverPerFile();

const uid = () => crypto.randomUUID().slice(0, 8);

interface Hit {
  message: { conversationId: string; body: string };
  labels: { id: string; name: string; color: string }[];
  status: string;
  siteId: string;
  assigneeId: string | null;
  rank: number;
}

async function api(
  t: TestServer,
  cookie: string,
  path: string,
  init: { method?: string; body?: unknown } = {},
  // deno-lint-ignore no-explicit-any -- a test reads whatever the server answered
): Promise<{ status: number; body: any }> {
  const res = await fetch(`${t.url}${path}`, {
    method: init.method ?? "GET",
    headers: { ...CSRF, cookie },
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : {} };
}

/** A visitor of `site` who wrote `body`; returns the conversation id. */
async function conversation(t: TestServer, site: string, body: string): Promise<string> {
  const s = await TestSocket.open(`${t.wsUrl}/ws/visitor`);
  try {
    s.send({ type: "hello", site });
    await s.nextOf("welcome");
    s.send({ type: "message", clientId: `m-${uid()}`, body });
    return String((await s.nextOf("ack")).conversationId);
  } finally {
    await s.close();
  }
}

/**
 * Two sites of this test's own; on `a` an open conversation assigned to `agent` with two labels
 * and a resolved one, on `b` a queued one. Every conversation says `word`.
 */
async function world(t: TestServer) {
  const admin = await t.login(ADMIN.email, ADMIN.password);
  const a = `shop-a-${uid()}`;
  const b = `shop-b-${uid()}`;
  await t.store.upsertSite({ id: a, name: `Shop A ${a}` });
  await t.store.upsertSite({ id: b, name: `Shop B ${b}` });
  const agent = await t.createAgent();
  const label = async (name: string, color: string) => {
    const r = await api(t, admin, "/api/labels", { method: "POST", body: { name, color } });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    return r.body.label as { id: string; name: string; color: string };
  };
  const refund = await label(`Refund ${uid()}`, "#b91c1c");
  const vip = await label(`Vip ${uid()}`, "#1d4ed8");
  const word = `wombat${uid().replace(/[^a-z]/g, "")}`;
  const open = await conversation(t, a, `my ${word} arrived broken`);
  const resolved = await conversation(t, a, `is the ${word} in stock`);
  const queued = await conversation(t, b, `${word} parcel is late`);
  await t.store.assign(open, agent.id, { expectUnassigned: true });
  await t.store.assign(resolved, agent.id, { expectUnassigned: true });
  await t.store.resolve(resolved);
  const put = await api(t, admin, `/api/conversations/${open}/labels`, {
    method: "PUT",
    body: { labelIds: [refund.id, vip.id] },
  });
  assert.equal(put.status, 200, JSON.stringify(put.body));
  return { admin, a, b, agent, refund, vip, word, open, resolved, queued };
}

Deno.test("each search filter, alone and combined, narrows the hits", async () => {
  const t = server();
  const w = await world(t);
  const found = async (query: string) => {
    const r = await api(t, w.admin, `/api/search?${query}`);
    assert.equal(r.status, 200, `${query}: ${JSON.stringify(r.body)}`);
    return (r.body.hits as Hit[]).map((h) => h.message.conversationId)
      .filter((id) => [w.open, w.resolved, w.queued].includes(id)).sort();
  };
  const ids = (...xs: string[]) => xs.sort();
  const q = `q=${w.word}`;
  assert.deepEqual(await found(q), ids(w.open, w.resolved, w.queued));
  assert.deepEqual(await found(`${q}&label=${w.refund.id}`), ids(w.open));
  assert.deepEqual(await found(`${q}&site=${w.a}`), ids(w.open, w.resolved));
  assert.deepEqual(await found(`${q}&site=${w.b}`), ids(w.queued));
  assert.deepEqual(await found(`${q}&agent=${w.agent.id}`), ids(w.open, w.resolved));
  assert.deepEqual(await found(`${q}&agent=none`), ids(w.queued));
  assert.deepEqual(await found(`${q}&status=resolved`), ids(w.resolved));
  assert.deepEqual(await found(`${q}&status=queued,open`), ids(w.open, w.queued));
  // Combined, every filter must hold.
  assert.deepEqual(await found(`${q}&site=${w.a}&status=open,queued`), ids(w.open));
  assert.deepEqual(
    await found(`${q}&site=${w.a}&agent=${w.agent.id}&status=open&label=${w.vip.id}`),
    ids(w.open),
  );
  assert.deepEqual(await found(`${q}&site=${w.b}&label=${w.refund.id}`), []);
  // Empty parameters are no filter, as a form sends them.
  assert.deepEqual(
    await found(`${q}&label=&site=&agent=&status=&from=&to=`),
    ids(w.open, w.resolved, w.queued),
  );
});

Deno.test("search by filters alone lists one hit per conversation, its latest message", async () => {
  const t = server();
  const w = await world(t);
  const list = async (query: string) => {
    const r = await api(t, w.admin, `/api/search?${query}`);
    assert.equal(r.status, 200, `${query}: ${JSON.stringify(r.body)}`);
    return r.body.hits as Hit[];
  };
  const onA = await list(`site=${w.a}`);
  assert.deepEqual(onA.map((h) => h.message.conversationId).sort(), [w.open, w.resolved].sort());
  assert.ok(onA.every((h) => h.rank === 0));
  const resolved = onA.find((h) => h.message.conversationId === w.resolved)!;
  // Its latest message stands for it.
  const latest = await api(t, w.admin, `/api/conversations/${w.resolved}/messages`);
  assert.equal(resolved.message.body, latest.body.messages.at(-1).body);
  assert.deepEqual(
    (await list(`status=resolved&site=${w.a}`)).map((h) => h.message.conversationId),
    [w.resolved],
  );
  assert.deepEqual(
    (await list(`label=${w.refund.id}`)).map((h) => h.message.conversationId),
    [w.open],
  );
  assert.deepEqual(
    (await list(`agent=none&site=${w.b}`)).map((h) => h.message.conversationId),
    [w.queued],
  );
  // Newest activity first.
  const both = await list(`site=${w.a}&limit=100`);
  const updated = await Promise.all(
    both.map(async (h) =>
      (await api(t, w.admin, `/api/conversations/${h.message.conversationId}`)).body.conversation
        .updatedAt as string
    ),
  );
  assert.deepEqual(updated, [...updated].sort().reverse());
});

Deno.test("search hits carry the conversation's labels, status, site and assignee", async () => {
  const t = server();
  const w = await world(t);
  const r = await api(t, w.admin, `/api/search?q=${w.word}`);
  const byId = new Map((r.body.hits as Hit[]).map((h) => [h.message.conversationId, h]));
  const open = byId.get(w.open)!;
  // By name: Refund before Vip.
  assert.deepEqual(open.labels, [w.refund, w.vip]);
  assert.equal(open.status, "open");
  assert.equal(open.siteId, w.a);
  assert.equal(open.assigneeId, w.agent.id);
  const queued = byId.get(w.queued)!;
  assert.deepEqual(queued.labels, []);
  assert.equal(queued.status, "queued");
  assert.equal(queued.siteId, w.b);
  assert.equal(queued.assigneeId, null);
  assert.equal(byId.get(w.resolved)!.status, "resolved");
});

Deno.test("from and to filter on the creation time: dates take whole UTC days", async () => {
  const t = server();
  const w = await world(t);
  const conv = await api(t, w.admin, `/api/conversations/${w.queued}`);
  const createdAt = conv.body.conversation.createdAt as string;
  const at = Date.parse(createdAt);
  const day = createdAt.slice(0, 10);
  const dayOff = (n: number) =>
    new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000)
      .toISOString().slice(0, 10);
  const has = async (query: string) => {
    const r = await api(t, w.admin, `/api/search?site=${w.b}&${query}`);
    assert.equal(r.status, 200, `${query}: ${JSON.stringify(r.body)}`);
    return (r.body.hits as Hit[]).some((h) => h.message.conversationId === w.queued);
  };
  const iso = (ms: number) => encodeURIComponent(new Date(ms).toISOString());
  assert.equal(await has(`from=${day}&to=${day}`), true);
  assert.equal(await has(`from=${day}`), true);
  assert.equal(await has(`to=${day}`), true);
  assert.equal(await has(`from=${dayOff(1)}`), false);
  assert.equal(await has(`to=${dayOff(-1)}`), false);
  assert.equal(await has(`from=${dayOff(-3)}&to=${dayOff(-1)}`), false);
  // Date-times: from inclusive, to exclusive.
  assert.equal(await has(`from=${iso(at)}`), true);
  assert.equal(await has(`from=${iso(at + 1)}`), false);
  assert.equal(await has(`to=${iso(at)}`), false);
  assert.equal(await has(`to=${iso(at + 1)}`), true);
  // An offset is honoured; none means UTC.
  const local = new Date(at + 2 * 3_600_000).toISOString().slice(0, 23);
  assert.equal(await has(`to=${encodeURIComponent(`${local}+02:00`)}`), false);
  assert.equal(await has(`from=${encodeURIComponent(createdAt.slice(0, 23))}`), true);
  assert.equal(await has(`q=${w.word}&from=${day}&to=${day}&status=queued`), true);
});

Deno.test("an agent limited to a site finds nothing of another, whatever the filters", async () => {
  const t = server();
  const w = await world(t);
  const email = `limited-${uid()}@test.local`;
  const created = await api(t, w.admin, "/api/agents", {
    method: "POST",
    body: { email, name: "Limited", password: "agent-password-1", sites: [w.a] },
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const cookie = await signIn(t.url, email, "agent-password-1");
  const found = async (query: string) =>
    ((await api(t, cookie, `/api/search?${query}`)).body.hits as Hit[])
      .map((h) => h.message.conversationId).sort();
  assert.deepEqual(await found(`q=${w.word}`), [w.open, w.resolved].sort());
  assert.deepEqual(await found(`q=${w.word}&site=${w.b}`), []);
  assert.deepEqual(await found(`site=${w.b}`), []);
  assert.deepEqual(await found(`agent=none`), []);
  assert.deepEqual(await found(`status=queued`), []);
  assert.deepEqual(await found(`site=${w.a}`), [w.open, w.resolved].sort());
});

Deno.test("a bad search filter is 400 bad_frame naming the parameter", async () => {
  const t = server();
  const admin = await t.login(ADMIN.email, ADMIN.password);
  const agent = await t.createAgent();
  const cookie = await t.login(agent.email, agent.password);
  for (
    const [query, field] of [
      ["", "q"],
      ["q=", "q"],
      ["q=%20%20", "q"],
      [`q=${"x".repeat(201)}`, "q"],
      ["label=not%20an%20id", "label"],
      [`site=${"s".repeat(65)}`, "site"],
      ["agent=a%27%3B--", "agent"],
      ["status=closed", "status"],
      ["status=open,", "status"],
      ["from=2026-13-01", "from"],
      ["from=2026-02-30", "from"],
      ["from=yesterday", "from"],
      ["to=2026-01-01T25:00Z", "to"],
      ["to=1767225600", "to"],
      ["from=2026-03-02&to=2026-03-01", "to"],
      ["from=2026-03-01T10:00Z&to=2026-03-01T10:00Z", "to"],
    ] as const
  ) {
    for (const who of [admin, cookie]) {
      const r = await api(t, who, `/api/search?${query}`);
      assert.equal(r.status, 400, `${query}: ${JSON.stringify(r.body)}`);
      assert.equal(r.body.error.code, "bad_frame", query);
      assert.equal(r.body.error.field, field, query);
      assert.ok(r.body.error.message.length > 0);
    }
  }
  // Without a session it is 401 as before, filters or not.
  const anonymous = await fetch(`${t.url}/api/search?status=open`);
  await anonymous.body?.cancel();
  assert.equal(anonymous.status, 401);
});
