/**
 * Reports benchmark (issue 17): seeds a fresh Postgres database with 100,000 conversations and
 * 1,000,000 messages over 120 days (set-based `INSERT … SELECT generate_series`, so the
 * migration-0016 triggers run once per statement), ratings, labels and sites with business
 * hours, then times every report for a 90-day range (median of 5 runs after a warm-up) and prints
 * the key lines of `EXPLAIN (ANALYZE, BUFFERS)`. Target: each under 300 ms.
 *
 * `deno run -A bench/reports.ts` (needs the local Postgres of tests/helpers/database.ts).
 *
 * @module
 */

import { openDatabase } from "../db/mod.ts";
import { ReportStore } from "../db/sql_reports.ts";
import type { ReportFilter } from "../db/sql_reports.ts";
import { freshDatabase } from "../tests/helpers/database.ts";

const CONVERSATIONS = 100_000;
const MESSAGES_PER = 10;

const SEED = [
  `INSERT INTO sites (id, name, identity_secret, settings)
   SELECT 'site' || i, 'Site ' || i, 'x', CASE WHEN i <= 2 THEN jsonb_build_object('businessHours',
     jsonb_build_object('timezone', 'Europe/Paris', 'days', jsonb_build_object(
       'mon', '[["09:00","17:00"]]'::jsonb, 'tue', '[["09:00","17:00"]]'::jsonb,
       'wed', '[["09:00","17:00"]]'::jsonb, 'thu', '[["09:00","17:00"]]'::jsonb,
       'fri', '[["09:00","17:00"]]'::jsonb))) ELSE '{}'::jsonb END
   FROM generate_series(1, 5) i`,
  `INSERT INTO agents (id, email, name, role, password_hash)
   SELECT 'agent' || i, 'a' || i || '@bench', 'Agent ' || i, 'agent', 'x' FROM generate_series(1, 20) i`,
  `INSERT INTO labels (id, name, color) SELECT 'label' || i, 'Label ' || i, '#112233'
   FROM generate_series(1, 5) i`,
  `INSERT INTO visitors (id, site_id, name, created_at)
   SELECT 'v' || i, 'site' || (1 + i % 5), 'Visitor ' || i, now() - interval '120 days'
   FROM generate_series(1, ${CONVERSATIONS}) i`,
  // Spread over 120 days; a third resolved an hour later, some rated.
  `INSERT INTO conversations (id, site_id, visitor_id, status, assignee_id, rating, created_at,
     resolved_at, last_seq)
   SELECT 'c' || i, 'site' || (1 + i % 5), 'v' || i,
     CASE WHEN i % 10 < 7 THEN 'resolved' WHEN i % 10 < 9 THEN 'open' ELSE 'queued' END,
     CASE WHEN i % 10 < 9 THEN 'agent' || (1 + i % 20) END,
     CASE WHEN i % 3 = 0 THEN 1 + i % 5 END,
     t, CASE WHEN i % 10 < 7 THEN t + (i % 7200) * interval '1 second' END, ${MESSAGES_PER}
   FROM generate_series(1, ${CONVERSATIONS}) i,
     LATERAL (SELECT now() - interval '120 days' + i * (interval '120 days' / ${CONVERSATIONS}) AS t) x`,
  `INSERT INTO conversation_labels (conversation_id, label_id)
   SELECT 'c' || i, 'label' || (1 + i % 5) FROM generate_series(1, ${CONVERSATIONS}, 3) i`,
];

/** Messages in chunks of 100,000 (one statement each: the trigger's aggregate per chunk). */
function messages(from: number, to: number): string {
  return `INSERT INTO messages (conversation_id, seq, author_kind, author_id, body, note, created_at)
   SELECT 'c' || i, s, CASE WHEN s % 2 = 1 THEN 'visitor' ELSE 'agent' END,
     CASE WHEN s % 2 = 1 THEN 'v' || i ELSE 'agent' || (1 + i % 20) END, 'message ' || s,
     s = 10, c.created_at + (s * (30 + i % 600)) * interval '1 second'
   FROM generate_series(${from}, ${to}) i
   JOIN conversations c ON c.id = 'c' || i
   CROSS JOIN generate_series(1, ${MESSAGES_PER}) s
   WHERE i % 10 <> 9 OR s = 1`;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

const pg = await freshDatabase();
try {
  const db = await openDatabase({ databaseUrl: pg.url, dataDir: "" });
  const t0 = performance.now();
  for (const q of SEED) await db.query(q);
  for (let i = 1; i <= CONVERSATIONS; i += 10_000) {
    await db.query(messages(i, Math.min(CONVERSATIONS, i + 9_999)));
  }
  await db.query("ANALYZE");
  const [{ n }] = await db.query("SELECT count(*)::int AS n FROM messages");
  console.log(
    `seeded ${CONVERSATIONS} conversations, ${n} messages in ${
      Math.round(performance.now() - t0)
    } ms`,
  );

  const store = new ReportStore(db);
  const day = (d: number) => new Date(Date.now() - d * 86_400_000).toISOString().slice(0, 10);
  const base: ReportFilter = {
    from: day(95),
    to: day(6),
    tz: "Europe/Paris",
    sites: null,
    agentId: null,
    labelId: null,
  };
  const runs: [string, () => Promise<unknown>][] = [
    ["summary", () => store.summary(base, 300)],
    ["daily", () => store.daily(base)],
    ["heatmap", () => store.heatmap(base)],
    ["agents", () => store.agents(base)],
    ["conversations (CSV rows)", () => store.conversations(base, 200_000)],
    ["summary, one agent", () => store.summary({ ...base, agentId: "agent3" }, 300)],
    ["summary, one label", () => store.summary({ ...base, labelId: "label2" }, 300)],
  ];
  console.log(`\n90 days (${base.from} … ${base.to}, Europe/Paris), median of 5 after a warm-up:`);
  for (const [name, run] of runs) {
    await run();
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      const s = performance.now();
      await run();
      times.push(performance.now() - s);
    }
    console.log(`${name.padEnd(28)} ${median(times).toFixed(1).padStart(8)} ms`);
  }
  const [{ fr }] = await db.query(
    "SELECT count(*) FILTER (WHERE first_response_seconds IS NOT NULL)::int AS fr FROM conversations",
  );
  console.log(`(conversations with a first response: ${fr})`);
  const explain = await db.query(
    `EXPLAIN (ANALYZE, BUFFERS) SELECT count(*), percentile_cont(0.5) WITHIN GROUP
       (ORDER BY first_response_seconds) FROM conversations c
     WHERE c.created_at >= ($1::date::timestamp AT TIME ZONE 'Europe/Paris')
       AND c.created_at < (($2::date + 1)::timestamp AT TIME ZONE 'Europe/Paris')`,
    [base.from, base.to],
  );
  console.log("\nEXPLAIN (ANALYZE, BUFFERS) of the summary's scan:");
  for (const r of explain) console.log(`  ${String(r["QUERY PLAN"])}`);
  await db.close();
} finally {
  await pg.drop();
}
