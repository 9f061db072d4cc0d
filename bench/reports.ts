/**
 * Reports benchmark (issue 17): seeds a fresh Postgres database with 100,000 conversations and
 * 910,000 messages over 120 days (set-based `INSERT … SELECT generate_series`, so the
 * migration-0016 triggers run once per statement), ratings, labels and sites with business
 * hours, then `VACUUM ANALYZE` (what autovacuum leaves behind on a live database). It times every
 * report for a 90-day range, the median of several runs after a warm-up, and prints the key
 * lines of each one's `EXPLAIN (ANALYZE, BUFFERS)` (the scans, joins, sorts, spills to disk and
 * the execution time) run on the statement the report sends, with its settings. The export is
 * timed whole: every page read and written as CSV. Target: each under 300 ms.
 *
 * ```sh
 * deno run -A bench/reports.ts                   # seed, measure, drop the database
 * deno run -A bench/reports.ts --keep            # keep it and print its URL
 * deno run -A bench/reports.ts --database=URL    # measure on a kept database (no seeding)
 * deno run -A bench/reports.ts --runs=9 --full-plans
 * ```
 *
 * Needs the local Postgres of tests/helpers/database.ts. See docs/bench.md "Reports".
 *
 * @module
 */

import { conversationsCsv } from "../core/reports/export.ts";
import type { Db, Queryable } from "../db/driver.ts";
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

/** The lines of a plan worth quoting: nodes that read or sort, spills, and the totals. */
const KEY_LINE =
  /Scan|Join|Nested Loop|Aggregate|Sort \(|Sort Method|Disk:|temp (read|written)|JIT|Execution Time/;

/** A plan line without its cost estimate (the actual figures follow it). */
const shorten = (line: string) => line.replace(/ {2}\(cost=[^)]*\)/, "");

/** Thrown once the statement of interest has been explained. */
class Explained extends Error {}

/**
 * `db` where a report's statement runs as `EXPLAIN (ANALYZE, BUFFERS)` inside the report's own
 * transaction (so with its settings), keeping the plan and stopping the report.
 */
function explaining(db: Db, keep: (plan: string[]) => void): Db {
  const wrap = (q: Queryable): Queryable => ({
    exec: (script) => q.exec(script),
    query: async (sql, params) => {
      if (sql.includes("set_config(")) return await q.query(sql, params);
      const rows = await q.query(`EXPLAIN (ANALYZE, BUFFERS) ${sql}`, params);
      keep(rows.map((r) => String(r["QUERY PLAN"])));
      throw new Explained();
    },
  });
  return Object.assign(Object.create(db), {
    query: wrap(db).query,
    transaction: <T>(fn: (tx: Queryable) => Promise<T>) => db.transaction((tx) => fn(wrap(tx))),
  });
}

const args = Deno.args;
const flag = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const keepDb = args.includes("--keep");
const fullPlans = args.includes("--full-plans");
const RUNS = Number(flag("runs") ?? 7);
const given = flag("database");
const pg = given ? { url: given, drop: () => Promise.resolve() } : await freshDatabase();
try {
  const db = await openDatabase({ databaseUrl: pg.url, dataDir: "" });
  const [{ have }] = await db.query("SELECT count(*)::int AS have FROM conversations");
  if (have === 0) {
    const t0 = performance.now();
    for (const q of SEED) await db.query(q);
    for (let i = 1; i <= CONVERSATIONS; i += 10_000) {
      await db.query(messages(i, Math.min(CONVERSATIONS, i + 9_999)));
    }
    await db.query("VACUUM ANALYZE");
    const [{ n }] = await db.query("SELECT count(*)::int AS n FROM messages");
    console.log(
      `seeded ${CONVERSATIONS} conversations, ${n} messages in ${
        Math.round(performance.now() - t0)
      } ms`,
    );
  }
  if (keepDb) console.log(`database kept: --database=${pg.url}`);

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
  let exported = { rows: 0, bytes: 0, largestChunk: 0 };
  const exportAll = async (reports: ReportStore) => {
    const counts = { rows: 0, bytes: 0, largestChunk: 0 };
    for await (const chunk of await conversationsCsv(reports, base)) {
      counts.bytes += chunk.length;
      counts.largestChunk = Math.max(counts.largestChunk, chunk.length);
      for (let i = chunk.indexOf("\n"); i >= 0; i = chunk.indexOf("\n", i + 1)) counts.rows++;
    }
    exported = { ...counts, rows: counts.rows - 1 };
  };
  const runs: [string, (s: ReportStore) => Promise<unknown>][] = [
    ["summary", (s) => s.summary(base, 300)],
    ["daily", (s) => s.daily(base)],
    ["heatmap", (s) => s.heatmap(base)],
    ["agents", (s) => s.agents(base)],
    ["summary, one agent", (s) => s.summary({ ...base, agentId: "agent3" }, 300)],
    ["summary, one label", (s) => s.summary({ ...base, labelId: "label2" }, 300)],
    ["agents, one label", (s) => s.agents({ ...base, labelId: "label2" })],
    ["conversations export (CSV)", exportAll],
  ];
  console.log(
    `\n90 days (${base.from} … ${base.to}, Europe/Paris), median of ${RUNS} after a warm-up:`,
  );
  const results: { name: string; ms: number; min: number; max: number }[] = [];
  for (const [name, run] of runs) {
    await run(store);
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const s = performance.now();
      await run(store);
      times.push(performance.now() - s);
    }
    results.push({ name, ms: median(times), min: Math.min(...times), max: Math.max(...times) });
    const r = results[results.length - 1];
    console.log(
      `${name.padEnd(28)} ${r.ms.toFixed(1).padStart(8)} ms  (${r.min.toFixed(0)}-${
        r.max.toFixed(0)
      })`,
    );
  }
  console.log(
    `(export: ${exported.rows} rows, ${(exported.bytes / 1e6).toFixed(1)} MB of CSV, ` +
      `largest chunk ${(exported.largestChunk / 1e6).toFixed(2)} MB)`,
  );

  console.log("\nKey lines of EXPLAIN (ANALYZE, BUFFERS), costs left out (the export: a page):");
  for (const [name, run] of runs) {
    let plan: string[] = [];
    try {
      await run(new ReportStore(explaining(db, (p) => plan = p)));
    } catch (err) {
      if (!(err instanceof Explained)) throw err;
    }
    console.log(`\n${name}:`);
    for (const line of plan) {
      if (fullPlans || KEY_LINE.test(shorten(line))) console.log(`  ${shorten(line)}`);
    }
  }
  await db.close();
} finally {
  if (!keepDb) await pg.drop();
}
