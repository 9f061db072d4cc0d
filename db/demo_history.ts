/**
 * Six weeks of made-up support history for the demo site, so that the zero-setup start
 * (`deno task start`) has something for Reports to show: three demo agents, four labels, and a few
 * hundred resolved conversations ending yesterday, with first responses, replies, ratings, missed
 * chats and reopenings. The figures tell a story a lead can read in the Reports view: Sam answers
 * half of everything and got slower last week, Jonas is the slowest and the least liked, Monday
 * mornings are the busiest.
 *
 * Generated from a fixed seed, so two fresh starts show the same figures, and inserted in one
 * statement per table (the report triggers of migration 0016 run once, over all the messages).
 * Only run when the demo site is first created (`server/app.ts`), never on an existing database.
 *
 * @module
 */

import type { Queryable } from "./driver.ts";

/** What to seed and relative to when. */
export interface DemoHistoryOptions {
  /** The site the conversations belong to (the demo site). */
  siteId: string;
  /** "Now": the history ends the day before (default: the current time). */
  now?: Date;
  /** How many days back it starts (default 42). */
  days?: number;
}

/** What {@link seedDemoHistory} inserted. */
export interface DemoHistoryCounts {
  agents: number;
  conversations: number;
  messages: number;
}

/** mulberry32: a tiny deterministic PRNG, so the demo shows the same figures on every machine. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const AGENTS = [
  // `share`: of the conversations each answers (the first response times are set below).
  { id: "demo-agent-sam", name: "Sam Rivera", email: "sam@demo.parley.invalid", share: 0.5 },
  { id: "demo-agent-priya", name: "Priya Shah", email: "priya@demo.parley.invalid", share: 0.3 },
  { id: "demo-agent-jonas", name: "Jonas Weber", email: "jonas@demo.parley.invalid", share: 0.2 },
] as const;

const LABELS = [
  { id: "demo-label-shipping", name: "Shipping", color: "#2563eb" },
  { id: "demo-label-returns", name: "Returns", color: "#d97706" },
  { id: "demo-label-billing", name: "Billing", color: "#7c3aed" },
  { id: "demo-label-product", name: "Product question", color: "#059669" },
] as const;

/** Per topic: the visitor's opening, the agent's answer, a follow-up and the close. */
const TOPICS: readonly (readonly [string, readonly string[]])[] = [
  ["demo-label-shipping", [
    "Hi! My order hasn't arrived yet, it's been a week. Can you check?",
    "Sorry for the wait! It left our warehouse on Tuesday; here is the tracking link.",
    "Thanks, I see it now. Should be here tomorrow.",
    "Great. Anything else I can help with?",
  ]],
  ["demo-label-returns", [
    "The shoes are too small. How do I send them back?",
    "No problem: returns are free within 30 days. I've emailed you a prepaid label.",
    "Got it, thank you! Will the refund go to my card?",
    "Yes, within 3 to 5 days of the parcel reaching us.",
  ]],
  ["demo-label-billing", [
    "I was charged twice for order 10482.",
    "I'm sorry about that. I can see the duplicate and have refunded it just now.",
    "Perfect, thanks for the quick fix.",
    "You're welcome, have a good day!",
  ]],
  ["demo-label-product", [
    "Is the linen shirt true to size?",
    "It runs slightly large; most people take one size down.",
    "OK, I'll order a medium then.",
    "Good choice. Enjoy!",
  ]],
];

const VISITOR_NAMES = [
  "Ada",
  "Ben",
  "Chloé",
  "Dmitri",
  "Elif",
  "Farah",
  "Gustav",
  "Hana",
  "Ivo",
  "Jade",
  "Kofi",
  "Lena",
  "Mateo",
  "Nia",
  "Oskar",
  "Pia",
];

/** The hours of a UTC day conversations start in, weighted: a working day with a lunch dip. */
const HOUR_WEIGHTS = [0, 0, 0, 0, 0, 0, 1, 2, 5, 8, 9, 8, 5, 6, 8, 8, 7, 5, 4, 3, 2, 1, 1, 0];

/**
 * Inserts the demo agents, labels, visitors, conversations and messages (in `db`, which should be
 * a transaction). The ids are fixed, so running it twice fails on the agents' primary key rather
 * than doubling the history.
 */
export async function seedDemoHistory(
  db: Queryable,
  opts: DemoHistoryOptions,
): Promise<DemoHistoryCounts> {
  const rand = prng(17);
  const now = opts.now ?? new Date();
  const days = opts.days ?? 42;
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  const hourTotal = HOUR_WEIGHTS.reduce((a, b) => a + b, 0);
  const pickHour = () => {
    let r = rand() * hourTotal;
    for (let h = 0; h < 24; h++) if ((r -= HOUR_WEIGHTS[h]) < 0) return h;
    return 12;
  };
  // Last week Sam took more than their share (Jonas was away two days): the overload story.
  const pickAgent = (lastWeek: boolean) => {
    const r = rand();
    const sam = lastWeek ? 0.62 : AGENTS[0].share;
    return r < sam ? 0 : r < sam + AGENTS[1].share ? 1 : 2;
  };

  const visitors: Record<string, unknown>[] = [];
  const conversations: Record<string, unknown>[] = [];
  const messages: Record<string, unknown>[] = [];
  const labels: Record<string, unknown>[] = [];
  const iso = (ms: number) => new Date(ms).toISOString();

  for (let d = days; d >= 1; d--) {
    const dayStart = today - d * 86_400_000;
    const weekday = new Date(dayStart).getUTCDay(); // 0 Sunday
    const weekend = weekday === 0 || weekday === 6;
    // Busier on Mondays, quieter at weekends, growing slowly over the six weeks.
    const base = weekend ? 4 : weekday === 1 ? 16 : 11;
    const count = Math.round(base * (1 + (days - d) / (days * 3)) + (rand() - 0.5) * 6);
    const lastWeek = d <= 7;
    for (let i = 0; i < count; i++) {
      const n = conversations.length + 1;
      const id = `demo-c${n}`;
      const visitorId = `demo-v${n}`;
      const start = dayStart + pickHour() * 3_600_000 + Math.floor(rand() * 3_600_000);
      const [labelId, lines] = TOPICS[Math.floor(rand() * TOPICS.length)];
      const name = VISITOR_NAMES[Math.floor(rand() * VISITOR_NAMES.length)];
      visitors.push({
        id: visitorId,
        site_id: opts.siteId,
        name,
        email: rand() < 0.4 ? `${name.toLowerCase()}.${n}@example.com` : null,
        created_at: iso(start),
      });
      const missed = rand() < 0.06;
      const a = pickAgent(lastWeek);
      const agent = AGENTS[a];
      // Median first responses: Sam 70 s (4 min last week: overloaded), Priya 50 s, Jonas 150 s.
      const median = a === 0 ? (lastWeek ? 240 : 70) : a === 1 ? 50 : 150;
      const firstResponse = Math.round(median * Math.exp((rand() - 0.5) * 2.2));
      // 2–4 lines taking turns, or the visitor's opening alone for a missed one.
      const lineCount = missed ? 1 : 2 + Math.floor(rand() * 3);
      let t = start;
      let seq = 0;
      let lastBody = "";
      let lastKind = "visitor";
      for (let k = 0; k < lineCount; k++) {
        const fromVisitor = k % 2 === 0;
        t += k === 0 ? 0 : k === 1 ? firstResponse * 1000 : Math.round(20_000 + rand() * 180_000);
        seq++;
        lastBody = lines[k];
        lastKind = fromVisitor ? "visitor" : "agent";
        messages.push({
          conversation_id: id,
          seq,
          author_kind: lastKind,
          author_id: fromVisitor ? visitorId : agent.id,
          author_name: fromVisitor ? null : agent.name,
          body: lines[k],
          created_at: iso(t),
        });
      }
      const resolvedAt = t + Math.round(60_000 + rand() * 600_000);
      // Ratings: most happy; Jonas's a little less so.
      const r = rand() + (a === 2 ? 0.15 : 0);
      const rating = missed || rand() > 0.55
        ? null
        : r < 0.55
        ? 5
        : r < 0.82
        ? 4
        : r < 0.92
        ? 3
        : r < 0.97
        ? 2
        : 1;
      conversations.push({
        id,
        site_id: opts.siteId,
        visitor_id: visitorId,
        status: "resolved",
        assignee_id: missed ? null : agent.id,
        rating,
        last_seq: seq,
        visitor_read_seq: seq,
        resolved_seq: seq,
        last_message_body: lastBody,
        last_author_kind: lastKind,
        last_message_at: iso(t),
        created_at: iso(start),
        resolved_at: iso(resolvedAt),
        priority: rand() < 0.1 ? 3 : 0,
      });
      if (rand() < 0.7) labels.push({ conversation_id: id, label_id: labelId, created_at: iso(t) });
    }
  }

  await db.query(
    `INSERT INTO agents (id, email, name, role, password_hash, created_at)
     SELECT x.id, x.email, x.name, 'agent', 'demo-no-password', $2::timestamptz
     FROM jsonb_to_recordset($1::text::jsonb) AS x(id text, email text, name text)`,
    [JSON.stringify(AGENTS), iso(today - (days + 1) * 86_400_000)],
  );
  await db.query(
    `INSERT INTO labels (id, name, color)
     SELECT x.id, x.name, x.color FROM jsonb_to_recordset($1::text::jsonb) AS x(id text, name text,
       color text)
     ON CONFLICT DO NOTHING`,
    [JSON.stringify(LABELS)],
  );
  await db.query(
    `INSERT INTO visitors (id, site_id, name, email, created_at)
     SELECT * FROM jsonb_to_recordset($1::text::jsonb) AS x(id text, site_id text, name text,
       email text, created_at timestamptz)`,
    [JSON.stringify(visitors)],
  );
  await db.query(
    `INSERT INTO conversations (id, site_id, visitor_id, status, assignee_id, rating, last_seq,
       visitor_read_seq, resolved_seq, last_message_body, last_author_kind, last_message_at,
       created_at, resolved_at, priority)
     SELECT * FROM jsonb_to_recordset($1::text::jsonb) AS x(id text, site_id text, visitor_id text,
       status text, assignee_id text, rating smallint, last_seq integer, visitor_read_seq integer,
       resolved_seq integer, last_message_body text, last_author_kind text,
       last_message_at timestamptz, created_at timestamptz, resolved_at timestamptz,
       priority smallint)`,
    [JSON.stringify(conversations)],
  );
  // One statement: the report triggers (migration 0016) fill every first response at once.
  await db.query(
    `INSERT INTO messages (conversation_id, seq, author_kind, author_id, author_name, body,
       created_at)
     SELECT * FROM jsonb_to_recordset($1::text::jsonb) AS x(conversation_id text, seq integer,
       author_kind text, author_id text, author_name text, body text, created_at timestamptz)`,
    [JSON.stringify(messages)],
  );
  // Only labels that exist (a label of the same name made earlier keeps its own id).
  await db.query(
    `INSERT INTO conversation_labels (conversation_id, label_id, created_at)
     SELECT x.conversation_id, x.label_id, x.created_at
     FROM jsonb_to_recordset($1::text::jsonb) AS x(conversation_id text, label_id text,
       created_at timestamptz)
     JOIN labels l ON l.id = x.label_id`,
    [JSON.stringify(labels)],
  );
  // A few came back after being resolved (the reopen trigger counts live updates only).
  await db.query(
    `UPDATE conversations SET reopen_count = 1
     WHERE site_id = $1 AND id LIKE 'demo-c%' AND right(id, 1) = '7' AND assignee_id IS NOT NULL`,
    [opts.siteId],
  );
  return { agents: AGENTS.length, conversations: conversations.length, messages: messages.length };
}
