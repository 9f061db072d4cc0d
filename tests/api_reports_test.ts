/**
 * Reports and labels in the public API (`/api/v1`, docs/api.md "Reports", "Labels and priority")
 * against a real server on Postgres: a token gets the very answers the console gets for the same
 * query; a token limited to a site gets only that site's figures (another `siteId` is 403); a bad
 * period is 400 naming the field; no token is 401; the CSV export streams `text/csv`. A label
 * change through the API reaches an agent's socket live and webhooks name the token; a read-only
 * token may not change labels or priority (403).
 *
 * The reports' dataset is inserted through SQL with explicit timestamps (as `reports_test.ts`
 * does), in the week of Monday 2025-03-03, far from the conversations the label tests open now.
 *
 * @module
 */

import assert from "node:assert/strict";
import { serverPerFile, type TestServer } from "./helpers/server.ts";
import type { Frame } from "./helpers/ws_client.ts";
import { waitUntil } from "./helpers/wait.ts";
import { WebhookReceiver } from "./helpers/webhook_receiver.ts";
import { adminCookie, call, makeToken } from "./api_helpers.ts";

const server = serverPerFile({
  backend: "postgres",
  env: { PARLEY_WEBHOOK_ALLOW_PRIVATE: "true", PARLEY_WEBHOOK_RETRY_BASE_MS: "50" },
});

const WEEK = "from=2025-03-03&to=2025-03-09";

interface Dataset {
  siteA: string;
  siteB: string;
  ann: string;
  label: string;
}

let seeded: Promise<Dataset> | null = null;
/** Five conversations of the week, three on site A and two on site B; seeded once per file. */
function dataset(t: TestServer): Promise<Dataset> {
  seeded ??= seed(t);
  return seeded;
}

async function seed(t: TestServer): Promise<Dataset> {
  const db = t.store.db;
  const siteA = `ra-${crypto.randomUUID().slice(0, 6)}`;
  const siteB = `rb-${crypto.randomUUID().slice(0, 6)}`;
  await t.store.upsertSite({ id: siteA, name: "Shop A" });
  await t.store.upsertSite({ id: siteB, name: "Shop B" });
  const ann = await t.createAgent({ name: "Ann Reports", role: "agent" });
  const bob = await t.createAgent({ name: "Bob Reports", role: "agent" });
  const [row] = await db.query(
    "INSERT INTO labels (name, color) VALUES ('reports-vip', '#aa0000') RETURNING id",
  );
  const label = String(row.id);
  // [site, assignee, created, first reply after (s) or null, resolved after (s) or null, rating]
  const rows: [string, string | null, string, number | null, number | null, number | null][] = [
    [siteA, ann.id, "2025-03-03T10:00:00Z", 100, 3600, 5],
    [siteA, bob.id, "2025-03-04T14:30:00Z", 600, null, null],
    [siteA, null, "2025-03-08T23:30:00Z", null, null, null],
    [siteB, ann.id, "2025-03-06T09:00:00Z", 30, 600, 2],
    [siteB, bob.id, "2025-03-09T12:00:00Z", 1200, 1800, 4],
  ];
  for (const [i, [site, assignee, created, reply, resolved, rating]] of rows.entries()) {
    const id = `rc-${siteA}-${i}`;
    const at = (s: number) => new Date(Date.parse(created) + s * 1000).toISOString();
    await db.query("INSERT INTO visitors (id, site_id, name, created_at) VALUES ($1, $2, $3, $4)", [
      `rv-${siteA}-${i}`,
      site,
      `Visitor ${i}`,
      created,
    ]);
    await db.query(
      `INSERT INTO conversations (id, site_id, visitor_id, status, assignee_id, rating,
         created_at, resolved_at, last_seq) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [
        id,
        site,
        `rv-${siteA}-${i}`,
        resolved !== null ? "resolved" : assignee !== null ? "open" : "queued",
        assignee,
        rating,
        created,
        resolved !== null ? at(resolved) : null,
        reply !== null ? 2 : 1,
      ],
    );
    // One statement per conversation: the timing trigger sees the message and the reply together.
    await db.query(
      `INSERT INTO messages (conversation_id, seq, author_kind, author_id, body, created_at)
       SELECT $1, 1, 'visitor', $2, 'x', $3::timestamptz
       UNION ALL SELECT $1, 2, 'agent', $4, 'y', $5::timestamptz WHERE $5::text IS NOT NULL`,
      [id, `rv-${siteA}-${i}`, created, assignee, reply !== null ? at(reply) : null],
    );
    if (i % 2 === 0) {
      await db.query(
        "INSERT INTO conversation_labels (conversation_id, label_id) VALUES ($1, $2)",
        [id, label],
      );
    }
  }
  return { siteA, siteB, ann: ann.id, label };
}

/** A conversation a visitor opened on `siteId` now. */
async function conversation(t: TestServer, siteId = "demo"): Promise<string> {
  const visitor = await t.visitorSocket({ site: siteId });
  const clientId = crypto.randomUUID();
  visitor.send({ type: "message", clientId, body: "hello" });
  const ack = await visitor.nextOf("ack", (f) => f.clientId === clientId);
  await visitor.close();
  return String(ack.conversationId);
}

async function newLabel(t: TestServer, name: string): Promise<{ id: string; name: string }> {
  const res = await call(t, "POST", "/api/labels", {
    cookie: await adminCookie(t),
    body: { name: `${name} ${crypto.randomUUID().slice(0, 6)}`, color: "#336699" },
  });
  assert.equal(res.status, 201, res.text);
  return res.body.label;
}

Deno.test("a token gets the console's answers for the same report query", async () => {
  const t = server();
  const d = await dataset(t);
  const { secret } = await makeToken(t, { scope: "read" });
  const cookie = await adminCookie(t);
  const queries = [
    `?${WEEK}`,
    `?${WEEK}&tz=Europe/Paris`,
    `?${WEEK}&siteId=${d.siteA}`,
    `?${WEEK}&agentId=${d.ann}`,
    `?${WEEK}&labelId=${d.label}`,
  ];
  for (const report of ["summary", "daily", "heatmap", "agents"]) {
    for (const q of queries) {
      const console = await call(t, "GET", `/api/reports/${report}${q}`, { cookie });
      const api = await call(t, "GET", `/api/v1/reports/${report}${q}`, { token: secret });
      assert.equal(api.status, 200, `${report}${q}: ${api.text}`);
      assert.equal(console.status, 200, console.text);
      assert.deepEqual(api.body, console.body, `${report}${q}`);
    }
  }
  // The dataset does count: five conversations, two of them with the label.
  const all = await call(t, "GET", `/api/v1/reports/summary?${WEEK}`, { token: secret });
  assert.equal(all.body.conversations.created, 5);
  assert.equal(all.body.conversations.resolved, 3);
  assert.equal(all.body.csat.count, 3);
  const labelled = await call(t, "GET", `/api/v1/reports/summary?${WEEK}&labelId=${d.label}`, {
    token: secret,
  });
  assert.equal(labelled.body.conversations.created, 3);
});

Deno.test("a token limited to a site gets only that site's figures; another site is 403", async () => {
  const t = server();
  const d = await dataset(t);
  const { secret } = await makeToken(t, { scope: "read", sites: [d.siteA] });
  const cookie = await adminCookie(t);
  const mine = await call(t, "GET", `/api/v1/reports/summary?${WEEK}`, { token: secret });
  assert.equal(mine.status, 200, mine.text);
  assert.equal(mine.body.conversations.created, 3, "site A's three conversations only");
  const consoleA = await call(t, "GET", `/api/reports/summary?${WEEK}&siteId=${d.siteA}`, {
    cookie,
  });
  assert.deepEqual(mine.body, consoleA.body);
  // Every agent's figures (a token acts as an admin over its sites), on site A only.
  const agents = await call(t, "GET", `/api/v1/reports/agents?${WEEK}`, { token: secret });
  const consoleAgents = await call(t, "GET", `/api/reports/agents?${WEEK}&siteId=${d.siteA}`, {
    cookie,
  });
  assert.deepEqual(agents.body, consoleAgents.body);
  const ann = agents.body.agents.find((a: { agentId: string }) => a.agentId === d.ann);
  assert.equal(ann.conversations, 1, "Ann's site B conversation is left out");
  const heat = await call(t, "GET", `/api/v1/reports/heatmap?${WEEK}`, { token: secret });
  const cells = heat.body.cells as { count: number }[];
  assert.equal(cells.reduce((n, c) => n + c.count, 0), 3);

  const other = await call(t, "GET", `/api/v1/reports/summary?${WEEK}&siteId=${d.siteB}`, {
    token: secret,
  });
  assert.equal(other.status, 403, other.text);
  assert.equal(other.body.error.code, "forbidden");
  assert.equal(other.body.error.field, "siteId");

  // The export: text/csv, streamed, site A's rows only.
  const res = await fetch(`${t.url}/api/v1/reports/conversations?${WEEK}`, {
    headers: { authorization: `Bearer ${secret}` },
  });
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type") ?? "", /^text\/csv/);
  assert.match(res.headers.get("content-disposition") ?? "", /parley-conversations-2025-03-03/);
  assert.ok(res.headers.has("x-ratelimit-remaining"));
  const text = await res.text();
  const lines = text.trimEnd().split("\r\n");
  assert.match(lines[0], /^id,site,visitor,created_at,/);
  assert.equal(lines.length, 4, text);
  assert.ok(lines.slice(1).every((l) => l.split(",")[1] === "Shop A"), text);
  const consoleCsv = await call(t, "GET", `/api/reports/conversations?${WEEK}&siteId=${d.siteA}`, {
    cookie,
  });
  assert.equal(text, consoleCsv.text, "the console's export of site A, byte for byte");
});

Deno.test("report queries are validated as the console's: 400 naming the field; 401 without a token", async () => {
  const t = server();
  const { secret } = await makeToken(t, { scope: "read" });
  const bad = async (q: string, field: string) => {
    const res = await call(t, "GET", `/api/v1/reports/summary${q}`, { token: secret });
    assert.equal(res.status, 400, `${q}: ${res.text}`);
    assert.equal(res.body.error.code, "bad_frame");
    assert.equal(res.body.error.field, field, q);
  };
  await bad("?from=yesterday&to=2025-03-09", "from");
  await bad("?from=2025-02-30&to=2025-03-09", "from");
  await bad("?to=2025-03-09", "from");
  await bad("?from=2025-03-09&to=2025-03-03", "to");
  await bad("?from=2024-01-01&to=2025-03-09", "to");
  await bad(`?${WEEK}&tz=Mars/Olympus`, "tz");
  await bad(`?${WEEK}&format=csv`, "format");
  const none = await call(t, "GET", `/api/v1/reports/summary?${WEEK}`);
  assert.equal(none.status, 401);
  assert.equal(none.body.error.code, "unauthorized");
  const csv = await call(t, "GET", `/api/v1/reports/conversations?${WEEK}`);
  assert.equal(csv.status, 401);
  assert.equal((await call(t, "GET", "/api/v1/labels")).status, 401);
});

Deno.test("labels changed through the API reach an agent's socket live and webhooks name the token", async () => {
  const t = server();
  const siteId = `rl-${crypto.randomUUID().slice(0, 8)}`;
  await t.store.upsertSite({ id: siteId, name: siteId });
  await using receiver = WebhookReceiver.start();
  const hook = await call(t, "POST", `/api/sites/${siteId}/webhooks`, {
    cookie: await adminCookie(t),
    body: { url: receiver.url, events: ["conversation.labeled"] },
  });
  assert.equal(hook.status, 201, hook.text);
  receiver.secret = hook.body.secret;
  const vip = await newLabel(t, "VIP");
  const bug = await newLabel(t, "Bug");
  const { secret, id: tokenId } = await makeToken(t, { name: "CRM sync", sites: [siteId] });
  const id = await conversation(t, siteId);
  const agent = await t.agentSocket(await adminCookie(t));
  try {
    const listed = await call(t, "GET", "/api/v1/labels", { token: secret });
    assert.equal(listed.status, 200, listed.text);
    assert.deepEqual(
      listed.body.data.filter((l: { id: string }) => [vip.id, bug.id].includes(l.id)),
      [bug, vip],
      "by name",
    );
    assert.equal(listed.body.nextCursor, null);

    const labelsOf = (f: Frame) => (f.conversation as { id: string; labels?: string[] });
    const put = await call(t, "PUT", `/api/v1/conversations/${id}/labels`, {
      token: secret,
      body: { labelIds: [vip.id, vip.id] },
    });
    assert.equal(put.status, 200, put.text);
    assert.deepEqual(put.body, { labels: [vip.id], added: [vip.id], removed: [] });
    await agent.nextOf("conversation", (f) => {
      const c = labelsOf(f);
      return c.id === id && c.labels?.length === 1 && c.labels[0] === vip.id;
    });

    const patch = await call(t, "PATCH", `/api/v1/conversations/${id}/labels`, {
      token: secret,
      body: { add: [bug.id], remove: [vip.id] },
    });
    assert.equal(patch.status, 200, patch.text);
    assert.deepEqual(patch.body, { labels: [bug.id], added: [bug.id], removed: [vip.id] });
    await agent.nextOf("conversation", (f) => {
      const c = labelsOf(f);
      return c.id === id && c.labels?.length === 1 && c.labels[0] === bug.id;
    });

    const priority = await call(t, "PUT", `/api/v1/conversations/${id}/priority`, {
      token: secret,
      body: { priority: "urgent" },
    });
    assert.equal(priority.status, 200, priority.text);
    assert.deepEqual(priority.body, { priority: "urgent" });
    await agent.nextOf("conversation", (f) => {
      const c = f.conversation as { id: string; priority?: string };
      return c.id === id && c.priority === "urgent";
    });
    const read = await call(t, "GET", `/api/v1/conversations/${id}`, { token: secret });
    assert.deepEqual(read.body.labels, [bug.id]);
    assert.equal(read.body.priority, "urgent");

    const events = () => [...new Map(receiver.delivered.map((d) => [d.delivery, d])).values()];
    await waitUntil(() => events().length >= 2, "two conversation.labeled arrive");
    const [first, second] = events();
    assert.ok(first.verified && second.verified);
    assert.deepEqual(first.payload.data.by, { kind: "token", id: tokenId, name: "CRM sync" });
    assert.deepEqual(second.payload.data.added, [bug.id]);
    assert.deepEqual(second.payload.data.removed, [vip.id]);

    // Refusals: the both-ways label, an unknown label, another site's conversation.
    const both = await call(t, "PATCH", `/api/v1/conversations/${id}/labels`, {
      token: secret,
      body: { add: [vip.id], remove: [vip.id] },
    });
    assert.equal(both.status, 400);
    assert.equal(both.body.error.field, "remove");
    const unknown = await call(t, "PUT", `/api/v1/conversations/${id}/labels`, {
      token: secret,
      body: { labelIds: ["no-such-label"] },
    });
    assert.equal(unknown.status, 404, unknown.text);
    const elsewhere = await conversation(t);
    for (
      const [method, path, body] of [
        ["PUT", "labels", { labelIds: [vip.id] }],
        ["PATCH", "labels", { add: [vip.id] }],
        ["PUT", "priority", { priority: "low" }],
      ] as const
    ) {
      const res = await call(t, method, `/api/v1/conversations/${elsewhere}/${path}`, {
        token: secret,
        body,
      });
      assert.equal(res.status, 404, `${method} ${path}: ${res.text}`);
    }
    assert.deepEqual((await t.store.getConversationSummary(elsewhere))?.labels ?? [], []);
  } finally {
    await agent.close();
  }
});

Deno.test("a read-only token may list labels but not change a conversation's labels or priority", async () => {
  const t = server();
  const vip = await newLabel(t, "Read");
  const { secret } = await makeToken(t, { scope: "read" });
  const id = await conversation(t);
  assert.equal((await call(t, "GET", "/api/v1/labels", { token: secret })).status, 200);
  for (
    const [method, path, body] of [
      ["PUT", "labels", { labelIds: [vip.id] }],
      ["PATCH", "labels", { add: [vip.id] }],
      ["PUT", "priority", { priority: "high" }],
    ] as const
  ) {
    const res = await call(t, method, `/api/v1/conversations/${id}/${path}`, {
      token: secret,
      body,
    });
    assert.equal(res.status, 403, `${method} ${path}: ${res.text}`);
    assert.equal(res.body.error.code, "forbidden");
  }
  const after = await t.store.getConversationSummary(id);
  assert.deepEqual(after?.labels ?? [], []);
  assert.equal(after?.priority ?? "none", "none");
});
