/**
 * The reports half of the console's scripted server (`console_fake_server.ts`): canned answers
 * of `GET /api/reports/*` shaped as `docs/http_api.md` fixes them (issue 17's contract), the
 * settings' first response target, and `GET /api/labels` (a 404 while `labels` is null, like a
 * server without labels). Like the real server, a non-admin asking about someone else gets 403
 * and a bad range 400 `bad_frame`.
 *
 * @module
 */

import type { AgentInfo, Label } from "../protocol/frames.ts";

/** The reports state of the fake server. */
export interface FakeReports {
  /** First response target in seconds (`/api/reports/settings`). */
  targetSeconds: number;
  /** Labels of `GET /api/labels`; null answers 404. */
  labels: Label[] | null;
}

/** Canned report state: a 5 min target and two labels. */
export function demoReports(): FakeReports {
  return {
    targetSeconds: 300,
    labels: [
      { id: "lb-billing", name: "Billing", color: "#b42828" },
      { id: "lb-bug", name: "Bug", color: "#4553d8" },
    ],
  };
}

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json" },
  });
const err = (status: number, code: string, message: string) =>
  json({ error: { code, message } }, status);

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** Every day from `from` to `to`, inclusive. */
function daysOf(from: string, to: string): string[] {
  const out: string[] = [];
  const d = new Date(`${from}T00:00:00Z`);
  while (d <= new Date(`${to}T00:00:00Z`)) {
    out.push(d.toISOString().slice(0, 10));
    d.setUTCDate(d.getUTCDate() + 1);
  }
  return out;
}

/** The canned summary (the contract's example figures). */
export const FAKE_SUMMARY = {
  conversations: { created: 120, resolved: 100, reopened: 7, missed: 3 },
  firstResponse: {
    count: 110,
    medianSeconds: 95,
    p90Seconds: 600,
    targetSeconds: 300,
    withinTargetShare: 0.82,
  },
  resolution: { count: 100, medianSeconds: 7800, p90Seconds: 86400 },
  repliesPerConversation: 3.4,
  csat: { count: 40, average: 4.3, distribution: { "1": 1, "2": 2, "3": 3, "4": 10, "5": 24 } },
};

/** A CSV answer with the contract's headers. */
function csv(report: string, from: string, to: string, rows: string[][]): Response {
  return new Response(rows.map((r) => r.join(",")).join("\r\n") + "\r\n", {
    headers: {
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": `attachment; filename="parley-${report}-${from}-${to}.csv"`,
    },
  });
}

/** Answers a reports or labels request, or returns null when `url` is neither. */
export async function reportRoutes(
  { req, url, me, agents, state }: {
    req: Request;
    url: URL;
    me: AgentInfo;
    agents: AgentInfo[];
    state: FakeReports;
  },
): Promise<Response | null> {
  const p = url.pathname;
  if (p === "/api/labels" && req.method === "GET") {
    return state.labels === null
      ? err(404, "not_found", "No such endpoint")
      : json({ labels: state.labels });
  }
  const m = /^\/api\/reports\/([a-z]+)$/.exec(p);
  if (!m) return null;
  const report = m[1];
  if (report === "settings") {
    if (req.method === "GET") return json({ firstResponseTargetSeconds: state.targetSeconds });
    if (me.role !== "admin") return err(403, "forbidden", "Admins only");
    const body = await req.json();
    const t = body?.firstResponseTargetSeconds;
    if (!Number.isInteger(t) || t < 10 || t > 86_400) {
      return err(400, "bad_frame", "firstResponseTargetSeconds: 10 to 86400");
    }
    state.targetSeconds = t;
    return json({ firstResponseTargetSeconds: t });
  }
  const q = url.searchParams;
  const from = q.get("from") ?? "";
  const to = q.get("to") ?? "";
  if (!DAY.test(from) || !DAY.test(to) || to < from) {
    return err(400, "bad_frame", "from, to: days YYYY-MM-DD, to not before from");
  }
  const agentId = q.get("agentId");
  if (me.role !== "admin" && agentId !== null && agentId !== me.id) {
    return err(403, "forbidden", "Agents see only their own figures");
  }
  const asCsv = q.get("format") === "csv";
  const days = daysOf(from, to).map((date, i) => ({
    date,
    created: (i * 7) % 11 + 2,
    resolved: (i * 5) % 9 + 1,
    firstResponseMedianSeconds: i % 4 === 3 ? null : 60 + (i * 37) % 120,
    firstResponseP90Seconds: i % 4 === 3 ? null : 300 + (i * 91) % 400,
    csatAverage: i % 3 === 2 ? null : 3.5 + (i % 3) * 0.6,
    csatCount: i % 3 === 2 ? 0 : 2,
  }));
  const rows = (me.role === "admin" ? agents : [me]).filter((a) =>
    agentId === null || a.id === agentId
  ).map((a, i) => ({
    agentId: a.id,
    name: a.name,
    conversations: 40 - i * 15,
    resolved: 35 - i * 14,
    replies: 120 - i * 50,
    firstResponseMedianSeconds: 70 + i * 60,
    resolutionMedianSeconds: 3000 + i * 1800,
    csatAverage: 4.6 - i * 0.5,
    csatCount: 12 - i * 5,
    openNow: 3 + i * 4,
  }));
  switch (report) {
    case "summary":
      if (asCsv) return csv(report, from, to, [["metric", "value"], ["created", "120"]]);
      return json({
        period: { from, to, tz: q.get("tz") ?? "UTC" },
        ...FAKE_SUMMARY,
        firstResponse: { ...FAKE_SUMMARY.firstResponse, targetSeconds: state.targetSeconds },
      });
    case "daily":
      if (asCsv) {
        return csv(report, from, to, [
          ["date", "created"],
          ...days.map((d) => [d.date, String(d.created)]),
        ]);
      }
      return json({ days });
    case "heatmap": {
      const cells = [];
      for (let weekday = 0; weekday < 7; weekday++) {
        for (let hour = 0; hour < 24; hour++) {
          // Busy on weekday office hours, peak Monday 10:00.
          const work = weekday < 5 && hour >= 8 && hour < 18;
          cells.push({
            weekday,
            hour,
            count: weekday === 0 && hour === 10
              ? 12
              : work
              ? 3 + (hour % 3)
              : hour % 5 === 0
              ? 1
              : 0,
          });
        }
      }
      if (asCsv) return csv(report, from, to, [["weekday", "hour", "count"]]);
      return json({ cells });
    }
    case "agents":
      if (asCsv) {
        return csv(report, from, to, [
          ["agent", "conversations"],
          ...rows.map((r) => [r.name, String(r.conversations)]),
        ]);
      }
      return json({ agents: rows });
    case "conversations":
      return csv(report, from, to, [["id", "site", "visitor"]]);
    default:
      return err(404, "not_found", "No such report");
  }
}
