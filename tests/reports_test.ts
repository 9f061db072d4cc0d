/**
 * Reports (docs/http_api.md "Reports") against a small fixed dataset inserted through SQL with
 * explicit timestamps, on both backends. Every expected figure is computed by hand below; the
 * timings (first response, replies, reopenings) come from migration 0016's triggers, fed by the
 * same inserts.
 *
 * The week: Monday 2025-03-03 … Sunday 2025-03-09 (Paris is UTC+1 that week). Site `s1` has no
 * hours; `s2` is open Mon-Fri 09:00-17:00 Paris. Times below are UTC.
 *
 * | conv | site | assignee | created          | first response                        | resolution       | rating |
 * |------|------|----------|------------------|---------------------------------------|------------------|--------|
 * | C1   | s1   | Ann      | Mon 03 10:00     | Ann 10:01:40 → 100 s (2 replies+note) | 11:00 → 3,600 s  | 5      |
 * | C2   | s1   | Bob      | Tue 04 14:30     | Bob 14:40 → 600 s                     | reopened, open   | 3      |
 * | C3   | s2   | Ann      | Fri 07 15:30     | Ann Mon 10 08:45 → 4,500 s (hours)    | Mon 09:30 → 237,600 s | 4 |
 * | C4   | s1   | —        | Sat 08 23:30     | none, queued → missed                 | —                | —      |
 * | C5   | s2   | Bob      | Sun 09 12:00     | Bob 12:02, Sunday closed → 0 s        | 12:10 → 600 s    | —      |
 * | C6   | s1   | —        | Sun 09 22:00     | none, resolved → missed               | 22:30 → 1,800 s  | 1      |
 * | C7   | s1   | —        | Sun 02 23:30     | none (in the Paris week only: Mon 00:30) | —             | —      |
 *
 * C3's first response spans a night and a weekend: Fri 16:30-17:00 Paris (1,800 s) + Mon
 * 09:00-09:45 Paris (2,700 s) = 4,500 s, where the wall clock says 234,900 s.
 * C1 and C5 have the label "billing".
 *
 * @module
 */

import assert from "node:assert/strict";
import { ADMIN, startTestServer, type TestServer } from "./helpers/server.ts";
import { call } from "./api_helpers.ts";
import { conversationsCsv } from "../core/reports/mod.ts";
import { ReportStore } from "../db/sql_reports.ts";

const HOURS = {
  timezone: "Europe/Paris",
  days: Object.fromEntries(
    ["mon", "tue", "wed", "thu", "fri"].map((d) => [d, [["09:00", "17:00"]]]),
  ),
};

interface Fixture {
  ann: string;
  bob: string;
  annCookie: string;
  adminCookie: string;
  billing: string;
}

type Msg = [kind: "visitor" | "agent", author: string | null, at: string, note?: boolean];

async function seed(t: TestServer): Promise<Fixture> {
  const db = t.store.db;
  await t.store.upsertSite({ id: "s1", name: "Shop" });
  await t.store.upsertSite({ id: "s2", name: "Office" });
  await db.query("UPDATE sites SET settings = $1::text::jsonb WHERE id = 's2'", [
    JSON.stringify({ businessHours: HOURS }),
  ]);
  const ann = await t.createAgent({ name: "Ann", email: "ann@test.local", role: "agent" });
  const bob = await t.createAgent({ name: "Bob", email: "bob@test.local", role: "agent" });
  const [label] = await db.query(
    "INSERT INTO labels (name, color) VALUES ('billing', '#aa0000') RETURNING id",
  );
  const billing = String(label.id);
  let n = 0;
  async function conv(
    site: string,
    visitorName: string,
    created: string,
    o: { assignee?: string; status?: string; resolved?: string; rating?: number; msgs: Msg[] },
  ): Promise<string> {
    const id = `c${++n}`;
    await db.query("INSERT INTO visitors (id, site_id, name, created_at) VALUES ($1, $2, $3, $4)", [
      `v${n}`,
      site,
      visitorName,
      created,
    ]);
    await db.query(
      `INSERT INTO conversations (id, site_id, visitor_id, status, assignee_id, rating, created_at,
         resolved_at, last_seq) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [
        id,
        site,
        `v${n}`,
        o.status ?? "open",
        o.assignee ?? null,
        o.rating ?? null,
        created,
        o.resolved ?? null,
        o.msgs.length,
      ],
    );
    // One statement per conversation: the trigger sees the visitor message and the replies together.
    const values = o.msgs.map((_, i) =>
      `($1, ${i + 1}, $${4 * i + 2}, $${4 * i + 3}, 'x', $${4 * i + 4}::timestamptz, $${
        4 * i + 5
      }::boolean)`
    );
    await db.query(
      `INSERT INTO messages (conversation_id, seq, author_kind, author_id, body, created_at, note)
       VALUES ${values.join(", ")}`,
      [id, ...o.msgs.flatMap(([kind, author, at, note]) => [kind, author, at, note ?? false])],
    );
    return id;
  }
  const c1 = await conv("s1", '=HYPERLINK("x"),y', "2025-03-03T10:00:00Z", {
    assignee: ann.id,
    status: "resolved",
    resolved: "2025-03-03T11:00:00Z",
    rating: 5,
    msgs: [
      ["visitor", "v1", "2025-03-03T10:00:00Z"],
      ["agent", ann.id, "2025-03-03T10:01:40Z"],
      ["agent", ann.id, "2025-03-03T10:05:00Z"],
      ["agent", ann.id, "2025-03-03T10:06:00Z", true],
      ["visitor", "v1", "2025-03-03T10:07:00Z"],
    ],
  });
  const c2 = await conv("s1", "Carl", "2025-03-04T14:30:00Z", {
    assignee: bob.id,
    status: "resolved",
    resolved: "2025-03-04T16:30:00Z",
    rating: 3,
    msgs: [["visitor", "v2", "2025-03-04T14:30:00Z"], ["agent", bob.id, "2025-03-04T14:40:00Z"]],
  });
  // Reopened: the trigger counts it; it is open now, so not resolved.
  await db.query("UPDATE conversations SET status = 'open', resolved_at = NULL WHERE id = $1", [
    c2,
  ]);
  // Sent by the visitor in a statement of its own, then the reply in another (the usual path).
  const c3 = await conv("s2", "Dora", "2025-03-07T15:30:00Z", {
    assignee: ann.id,
    status: "resolved",
    resolved: "2025-03-10T09:30:00Z",
    rating: 4,
    msgs: [["visitor", "v3", "2025-03-07T15:30:00Z"]],
  });
  await db.query(
    `INSERT INTO messages (conversation_id, seq, author_kind, author_id, body, created_at)
     VALUES ($1, 2, 'agent', $2, 'hello', '2025-03-10T08:45:00Z')`,
    [c3, ann.id],
  );
  await conv("s1", "-Eve", "2025-03-08T23:30:00Z", {
    status: "queued",
    msgs: [["visitor", "v4", "2025-03-08T23:30:00Z"]],
  });
  const c5 = await conv("s2", "Finn", "2025-03-09T12:00:00Z", {
    assignee: bob.id,
    status: "resolved",
    resolved: "2025-03-09T12:10:00Z",
    msgs: [["visitor", "v5", "2025-03-09T12:00:00Z"], ["agent", bob.id, "2025-03-09T12:02:00Z"]],
  });
  await conv("s1", "Gus", "2025-03-09T22:00:00Z", {
    status: "resolved",
    resolved: "2025-03-09T22:30:00Z",
    rating: 1,
    msgs: [["visitor", "v6", "2025-03-09T22:00:00Z"]],
  });
  await conv("s1", "Hal", "2025-03-02T23:30:00Z", {
    status: "queued",
    msgs: [["visitor", "v7", "2025-03-02T23:30:00Z"]],
  });
  for (const c of [c1, c5]) {
    await db.query("INSERT INTO conversation_labels (conversation_id, label_id) VALUES ($1, $2)", [
      c,
      billing,
    ]);
  }
  return {
    ann: ann.id,
    bob: bob.id,
    billing,
    annCookie: await t.login(ann.email, ann.password),
    adminCookie: await t.login(ADMIN.email, ADMIN.password),
  };
}

const WEEK = "from=2025-03-03&to=2025-03-09";

async function reportsOn(backend: "pglite" | "postgres") {
  const t = await startTestServer({ backend });
  try {
    const f = await seed(t);
    const admin = { cookie: f.adminCookie };
    const get = async (path: string, opts = admin) => {
      const res = await call(t, "GET", path, opts);
      assert.equal(res.status, 200, res.text);
      return res.body;
    };

    // The summary in UTC: C1-C6.
    assert.deepEqual(await get(`/api/reports/summary?${WEEK}`), {
      period: { from: "2025-03-03", to: "2025-03-09", tz: "UTC" },
      // resolved now: C1 C3 C5 C6; reopened: C2; missed: C4 (queued, old) and C6 (resolved).
      conversations: { created: 6, resolved: 4, reopened: 1, missed: 2 },
      // 0, 100, 600, 4500: median (100+600)/2; p90 at rank 2.7: 600 + 0.7 × 3900 = 3330;
      // within 300 s: 0 and 100.
      firstResponse: {
        count: 4,
        medianSeconds: 350,
        p90Seconds: 3330,
        targetSeconds: 300,
        withinTargetShare: 0.5,
      },
      // 600, 1800, 3600, 237600: median 2700; p90 3600 + 0.7 × 234000 = 167400.
      resolution: { count: 4, medianSeconds: 2700, p90Seconds: 167400 },
      // C1 2 (the note does not count), C2 1, C3 1, C5 1: 5 / 4.
      repliesPerConversation: 1.25,
      // 5, 3, 4, 1.
      csat: { count: 4, average: 3.25, distribution: { "1": 1, "2": 0, "3": 1, "4": 1, "5": 1 } },
    });

    // Every day, in order, empty ones included.
    const empty = {
      created: 0,
      resolved: 0,
      firstResponseMedianSeconds: null,
      firstResponseP90Seconds: null,
      csatAverage: null,
      csatCount: 0,
    };
    const day = (fr: number | null, csat: number | null, created = 1, resolved = 1) => ({
      created,
      resolved,
      firstResponseMedianSeconds: fr,
      firstResponseP90Seconds: fr,
      csatAverage: csat,
      csatCount: csat === null ? 0 : 1,
    });
    assert.deepEqual((await get(`/api/reports/daily?${WEEK}`)).days, [
      { date: "2025-03-03", ...day(100, 5) },
      { date: "2025-03-04", ...day(600, 3, 1, 0) },
      { date: "2025-03-05", ...empty },
      { date: "2025-03-06", ...empty },
      { date: "2025-03-07", ...day(4500, 4) },
      { date: "2025-03-08", ...day(null, null, 1, 0) },
      // C5 (0 s) and C6 (rated 1).
      { date: "2025-03-09", ...day(0, 1, 2, 2) },
    ]);

    // Heat map in UTC: Mon 10h, Tue 14h, Fri 15h, Sat 23h, Sun 12h and 22h.
    const heat = async (q: string) => {
      const cells = (await get(`/api/reports/heatmap?${q}`)).cells;
      assert.equal(cells.length, 168);
      return cells.filter((c: { count: number }) => c.count > 0)
        .map((c: { weekday: number; hour: number; count: number }) =>
          `${c.weekday}:${c.hour}=${c.count}`
        );
    };
    assert.deepEqual(await heat(WEEK), [
      "0:10=1",
      "1:14=1",
      "4:15=1",
      "5:23=1",
      "6:12=1",
      "6:22=1",
    ]);

    // Paris: the week starts at 23:00 UTC on Sunday 2: C7 (Mon 00:30) is in, C4 moves to Sunday.
    const paris = `${WEEK}&tz=Europe/Paris`;
    const ps = await get(`/api/reports/summary?${paris}`);
    assert.deepEqual(ps.conversations, { created: 7, resolved: 4, reopened: 1, missed: 3 });
    const pdays = (await get(`/api/reports/daily?${paris}`)).days;
    assert.deepEqual(pdays.map((d: { created: number }) => d.created), [2, 1, 0, 0, 1, 0, 3]);
    assert.deepEqual(await heat(paris), [
      "0:0=1",
      "0:11=1",
      "1:15=1",
      "4:16=1",
      "6:0=1",
      "6:13=1",
      "6:23=1",
    ]);

    // Filters. Site s2: C3 and C5, first responses 0 and 4500.
    const s2 = await get(`/api/reports/summary?${WEEK}&siteId=s2`);
    assert.equal(s2.conversations.created, 2);
    assert.equal(s2.firstResponse.medianSeconds, 2250);
    // Label billing: C1 and C5, first responses 100 and 0.
    const lb = await get(`/api/reports/summary?${WEEK}&labelId=${f.billing}`);
    assert.equal(lb.conversations.created, 2);
    assert.equal(lb.firstResponse.medianSeconds, 50);
    // Agent Ann (asked by the admin): C1 and C3.
    const annByAdmin = await get(`/api/reports/summary?${WEEK}&agentId=${f.ann}`);
    assert.deepEqual(annByAdmin.conversations, { created: 2, resolved: 2, reopened: 0, missed: 0 });
    assert.equal(annByAdmin.firstResponse.medianSeconds, 2300);

    // Per agent, by name. Ann: C1 C3, replies 2 + 1, first responses 100 and 4500, resolutions
    // 3600 and 237600, ratings 5 and 4. Bob: C2 C5, C2 open now, first responses 600 and 0.
    const annRow = {
      agentId: f.ann,
      name: "Ann",
      conversations: 2,
      resolved: 2,
      replies: 3,
      firstResponseMedianSeconds: 2300,
      resolutionMedianSeconds: 120600,
      csatAverage: 4.5,
      csatCount: 2,
      openNow: 0,
    };
    assert.deepEqual((await get(`/api/reports/agents?${WEEK}`)).agents, [annRow, {
      agentId: f.bob,
      name: "Bob",
      conversations: 2,
      resolved: 1,
      replies: 2,
      firstResponseMedianSeconds: 300,
      resolutionMedianSeconds: 600,
      csatAverage: 3,
      csatCount: 1,
      openNow: 1,
    }]);

    // An agent gets their own figures, whatever they ask for, and 403 for someone else's.
    const ann = { cookie: f.annCookie };
    assert.deepEqual((await get(`/api/reports/summary?${WEEK}`, ann)).conversations, {
      created: 2,
      resolved: 2,
      reopened: 0,
      missed: 0,
    });
    assert.deepEqual((await get(`/api/reports/agents?${WEEK}`, ann)).agents, [annRow]);
    const other = await call(t, "GET", `/api/reports/summary?${WEEK}&agentId=${f.bob}`, ann);
    assert.equal(other.status, 403);
    assert.equal(other.body.error.code, "forbidden");
    assert.equal((await call(t, "GET", `/api/reports/daily?${WEEK}`)).status, 401);

    // Sites stored on an admin do not limit them (core/chat/site_access.ts): still C1-C6.
    await t.store.db.query("UPDATE agents SET sites = '{s2}' WHERE lower(email) = lower($1)", [
      ADMIN.email,
    ]);
    assert.equal((await get(`/api/reports/summary?${WEEK}`)).conversations.created, 6);
    assert.equal((await get(`/api/reports/summary?${WEEK}&siteId=s1`)).conversations.created, 4);
    await t.store.db.query("UPDATE agents SET sites = '{}' WHERE lower(email) = lower($1)", [
      ADMIN.email,
    ]);

    // CSV: the conversations with their timings, guarded and quoted.
    const csv = await call(t, "GET", `/api/reports/conversations?${WEEK}&siteId=s1`, admin);
    assert.equal(csv.status, 200);
    assert.equal(csv.headers.get("content-type"), "text/csv; charset=utf-8");
    assert.equal(
      csv.headers.get("content-disposition"),
      'attachment; filename="parley-conversations-2025-03-03-2025-03-09.csv"',
    );
    const lines = csv.text.split("\r\n");
    assert.equal(
      lines[0],
      "id,site,visitor,created_at,first_response_seconds,resolved_at,resolution_seconds,assignee,replies,rating,labels,status",
    );
    assert.equal(
      lines[1],
      `c1,Shop,"'=HYPERLINK(""x""),y",2025-03-03T10:00:00.000Z,100,2025-03-03T11:00:00.000Z,3600,Ann,2,5,billing,resolved`,
    );
    assert.equal(lines[2], "c2,Shop,Carl,2025-03-04T14:30:00.000Z,600,,,Bob,1,3,,open");
    assert.equal(lines[3], "c4,Shop,'-Eve,2025-03-08T23:30:00.000Z,,,,,0,,,queued");
    assert.equal(lines.length, 6); // c1 c2 c4 c6, and the empty string after the last CRLF
    // The export is read in pages, each after the last row of the one before: pages of 2 make
    // the same file as one page, and the cap ends it mid-page.
    const reports = new ReportStore(t.store.db);
    const week = {
      from: "2025-03-03",
      to: "2025-03-09",
      tz: "Europe/Paris",
      sites: null,
      agentId: null,
      labelId: null,
    };
    const exported = async (o: { pageRows?: number; maxRows?: number }) => {
      let text = "";
      for await (const chunk of await conversationsCsv(reports, week, o)) text += chunk;
      return text;
    };
    const whole = await exported({});
    assert.equal(whole.split("\r\n").length, 9); // the header, C1-C7, and "" after the last CRLF
    assert.equal(await exported({ pageRows: 2 }), whole);
    assert.equal(await exported({ pageRows: 3 }), whole);
    assert.equal(
      await exported({ pageRows: 2, maxRows: 3 }),
      whole.split("\r\n").slice(0, 4).join("\r\n") + "\r\n",
    );
    const sumCsv = await call(t, "GET", `/api/reports/summary?${WEEK}&format=csv`, admin);
    assert.match(sumCsv.text, /^metric,value\r\nconversations_created,6\r\n/);
    assert.match(sumCsv.text, /\r\nfirst_response_within_target_share,0.5\r\n/);

    // Settings: the target changes the share (within 600 s: 0, 100, 600).
    const put = await call(t, "PUT", "/api/reports/settings", {
      ...admin,
      body: { firstResponseTargetSeconds: 600 },
    });
    assert.equal(put.status, 200, put.text);
    assert.deepEqual(await get("/api/reports/settings", ann), { firstResponseTargetSeconds: 600 });
    assert.equal((await get(`/api/reports/summary?${WEEK}`)).firstResponse.withinTargetShare, 0.75);
    const byAgent = await call(t, "PUT", "/api/reports/settings", {
      ...ann,
      body: { firstResponseTargetSeconds: 60 },
    });
    assert.equal(byAgent.status, 403);
    const [audit] = await t.store.db.query(
      "SELECT count(*)::int AS n FROM audit_log WHERE action = 'reports.settings'",
    );
    assert.equal(audit.n, 1);

    // Bad parameters: 400 naming the field.
    for (
      const [q, field] of [
        ["from=2025-03-03", "to"],
        ["from=2025-02-30&to=2025-03-01", "from"],
        ["from=2025-03-09&to=2025-03-03", "to"],
        ["from=2024-01-01&to=2025-03-03", "to"],
        [`${WEEK}&tz=Mars/Olympus`, "tz"],
        [`${WEEK}&format=xml`, "format"],
      ]
    ) {
      const res = await call(t, "GET", `/api/reports/summary?${q}`, admin);
      assert.equal(res.status, 400, q);
      assert.equal(res.body.error.code, "bad_frame");
      assert.equal(res.body.error.field, field, q);
    }
    const badTarget = await call(t, "PUT", "/api/reports/settings", {
      ...admin,
      body: { firstResponseTargetSeconds: 5 },
    });
    assert.equal(badTarget.status, 400);
    assert.equal(badTarget.body.error.field, "firstResponseTargetSeconds");
  } finally {
    await t.close();
  }
}

Deno.test("reports answer the hand-computed figures on Postgres", () => reportsOn("postgres"));
Deno.test("reports answer the hand-computed figures on PGlite", () => reportsOn("pglite"));
