/**
 * Malformed requests at every HTTP endpoint of a real server process: bodies (invalid JSON,
 * wrong content types, wrong field types, oversized and streamed bodies, `__proto__` keys, deep
 * nesting), query strings, path parameters and methods. Every answer is a JSON error with a
 * documented code and a 4xx status, never a 5xx; the process stays up and memory bounded.
 */

import assert from "node:assert/strict";
import { ErrorCode } from "../protocol/codes.ts";
import { adminCookie, figure, rssOf, startServerProcess } from "./helpers/faults.ts";
import { fuzzBodies, fuzzQueryValue, Rng } from "./helpers/fuzz.ts";

const SEED = Number(Deno.env.get("PARLEY_FUZZ_SEED") ?? Date.now() % 1e9);
const CODES = new Set<string>(Object.values(ErrorCode));
const INBOUND_SECRET = "fuzz-inbound-secret-0123456789";

type FieldKind = "string" | "int" | "bool";

/** Every route of `routes/mod.ts`, with what it reads. */
interface Endpoint {
  method: string;
  path: string;
  /** Needs the session cookie. */
  agent: boolean;
  /** JSON body fields it reads. */
  body?: Record<string, FieldKind>;
  /** Query parameters it reads. */
  query?: string[];
  /** Takes no input at all (fuzzed only for its guards). */
  noInput?: boolean;
}

/** The reports' common query parameters (docs/http_api.md "Reports"). */
const REPORT_QUERY = ["from", "to", "tz", "siteId", "agentId", "labelId", "format"];

const ENDPOINTS: Endpoint[] = [
  { method: "GET", path: "/healthz", agent: false, noInput: true },
  { method: "GET", path: "/readyz", agent: false, noInput: true },
  { method: "GET", path: "/metrics", agent: false, noInput: true },
  { method: "GET", path: "/ws/visitor", agent: false, noInput: true },
  { method: "GET", path: "/ws/agent", agent: true, noInput: true },
  // The HTTP fallback: opening a stream takes no input, and posts take bodies of up to 64 KiB
  // (past the streamed-body probe below): their bad bodies are in tests/fallback_test.ts.
  { method: "POST", path: "/fallback/visitor/stream", agent: false, noInput: true },
  { method: "OPTIONS", path: "/fallback/visitor/stream", agent: false, noInput: true },
  { method: "POST", path: "/fallback/visitor/frames", agent: false, noInput: true },
  { method: "OPTIONS", path: "/fallback/visitor/frames", agent: false, noInput: true },
  {
    method: "POST",
    path: "/api/agent/login",
    agent: false,
    body: { email: "string", password: "string" },
  },
  { method: "POST", path: "/api/agent/logout", agent: false, noInput: true },
  { method: "POST", path: "/api/agent/logout-all", agent: true, noInput: true },
  { method: "GET", path: "/api/agent/me", agent: true },
  { method: "GET", path: "/api/agent/sites", agent: true },
  { method: "GET", path: "/api/agent/preferences", agent: true },
  { method: "PUT", path: "/api/agent/preferences", agent: true, body: { emailAssigned: "bool" } },
  {
    method: "PATCH",
    path: "/api/agent/me",
    agent: true,
    body: { name: "string", avatar: "string" },
  },
  {
    method: "POST",
    path: "/api/agent/me/password",
    agent: true,
    body: { currentPassword: "string", newPassword: "string" },
  },
  { method: "GET", path: "/api/agents", agent: true },
  { method: "GET", path: "/api/agent/password-reset", agent: false, noInput: true },
  { method: "POST", path: "/api/agent/password-reset", agent: false, body: { email: "string" } },
  { method: "POST", path: "/api/agent/links/check", agent: false, body: { token: "string" } },
  {
    method: "POST",
    path: "/api/agent/links/use",
    agent: false,
    body: { token: "string", password: "string" },
  },
  { method: "GET", path: "/api/email", agent: true },
  // Raw MIME with the inbound secret: fuzzed below the table ("Raw emails").
  { method: "POST", path: "/api/inbound/email", agent: false, noInput: true },
  { method: "GET", path: "/api/email/unsubscribe", agent: false, query: ["t"] },
  { method: "POST", path: "/api/email/unsubscribe", agent: false, query: ["t"] },
  { method: "GET", path: "/api/agents/invitations", agent: true },
  {
    method: "POST",
    path: "/api/agents/invitations",
    agent: true,
    body: { email: "string", name: "string", role: "string", capacity: "int" },
  },
  { method: "POST", path: "/api/agents/:id/invitation", agent: true, noInput: true },
  { method: "DELETE", path: "/api/agents/:id/invitation", agent: true, noInput: true },
  {
    method: "POST",
    path: "/api/agents",
    agent: true,
    body: { email: "string", name: "string", password: "string", role: "string", capacity: "int" },
  },
  {
    method: "PATCH",
    path: "/api/agents/:id",
    agent: true,
    body: { name: "string", avatar: "string", role: "string", disabled: "bool", capacity: "int" },
  },
  { method: "POST", path: "/api/agents/:id/password", agent: true, body: { password: "string" } },
  {
    method: "GET",
    path: "/api/conversations",
    agent: true,
    query: ["status", "assignee", "site", "before", "limit"],
  },
  {
    method: "POST",
    path: "/api/conversations/bulk",
    agent: true,
    body: { ids: "string", action: "string", agentId: "string", labelId: "string" },
  },
  { method: "GET", path: "/api/conversations/:id", agent: true },
  {
    method: "GET",
    path: "/api/conversations/:id/messages",
    agent: true,
    query: ["beforeSeq", "afterSeq", "limit"],
  },
  {
    method: "POST",
    path: "/api/conversations/:id/transcript",
    agent: true,
    body: { email: "string" },
  },
  { method: "GET", path: "/api/visitors/:id", agent: true },
  { method: "DELETE", path: "/api/visitors/:id", agent: true },
  { method: "GET", path: "/api/visitors/:id/export", agent: true },
  { method: "GET", path: "/api/audit", agent: true, query: ["before", "limit"] },
  { method: "GET", path: "/api/reports/summary", agent: true, query: REPORT_QUERY },
  { method: "GET", path: "/api/reports/daily", agent: true, query: REPORT_QUERY },
  { method: "GET", path: "/api/reports/heatmap", agent: true, query: REPORT_QUERY },
  { method: "GET", path: "/api/reports/agents", agent: true, query: REPORT_QUERY },
  { method: "GET", path: "/api/reports/conversations", agent: true, query: REPORT_QUERY },
  { method: "GET", path: "/api/reports/settings", agent: true },
  {
    method: "PUT",
    path: "/api/reports/settings",
    agent: true,
    body: { firstResponseTargetSeconds: "int" },
  },
  {
    method: "GET",
    path: "/api/search",
    agent: true,
    query: ["q", "limit", "label", "site", "agent", "status", "from", "to"],
  },
  { method: "GET", path: "/api/canned", agent: true },
  {
    method: "POST",
    path: "/api/canned",
    agent: true,
    body: { shortcut: "string", body: "string", shared: "bool" },
  },
  { method: "DELETE", path: "/api/canned/:id", agent: true },
  { method: "GET", path: "/api/labels", agent: true },
  { method: "POST", path: "/api/labels", agent: true, body: { name: "string", color: "string" } },
  {
    method: "PATCH",
    path: "/api/labels/:id",
    agent: true,
    body: { name: "string", color: "string" },
  },
  { method: "DELETE", path: "/api/labels/:id", agent: true },
  {
    method: "PUT",
    path: "/api/conversations/:id/labels",
    agent: true,
    body: { labelIds: "string" },
  },
  { method: "PATCH", path: "/api/conversations/:id/labels", agent: true, body: { add: "string" } },
  {
    method: "PUT",
    path: "/api/conversations/:id/priority",
    agent: true,
    body: { priority: "string" },
  },
  { method: "GET", path: "/api/tokens", agent: true },
  { method: "POST", path: "/api/tokens", agent: true, body: { name: "string", scope: "string" } },
  { method: "DELETE", path: "/api/tokens/:id", agent: true },
  { method: "GET", path: "/api/sites/:siteId/webhooks", agent: true },
  {
    method: "POST",
    path: "/api/sites/:siteId/webhooks",
    agent: true,
    body: { url: "string", includeNotes: "bool", enabled: "bool" },
  },
  {
    method: "PATCH",
    path: "/api/webhooks/:id",
    agent: true,
    body: { url: "string", includeNotes: "bool", enabled: "bool" },
  },
  { method: "DELETE", path: "/api/webhooks/:id", agent: true },
  { method: "POST", path: "/api/webhooks/:id/secret", agent: true, noInput: true },
  { method: "GET", path: "/api/webhooks/:id/deliveries", agent: true },
  {
    method: "POST",
    path: "/api/webhooks/:id/deliveries/:deliveryId/resend",
    agent: true,
    noInput: true,
  },
  { method: "POST", path: "/api/webhooks/:id/test", agent: true, noInput: true },
  { method: "GET", path: "/api/sites", agent: true },
  {
    method: "POST",
    path: "/api/sites",
    agent: true,
    body: { id: "string", name: "string", color: "string", greeting: "string", askEmail: "bool" },
  },
  { method: "GET", path: "/api/sites/:id", agent: true },
  {
    method: "PATCH",
    path: "/api/sites/:id",
    agent: true,
    body: {
      name: "string",
      teamName: "string",
      locale: "string",
      autoAssign: "bool",
      senderName: "string",
      replyTo: "string",
      notificationEmail: "string",
    },
  },
  { method: "DELETE", path: "/api/sites/:id", agent: true },
  { method: "POST", path: "/api/sites/:id/identity-secret", agent: true, noInput: true },
  { method: "GET", path: "/api/widget/sites/:id", agent: false, query: ["locale", "languages"] },
  // Attachments: raw file bodies (fuzzed for their guards here; bodies in attachments_test and
  // upload_parts_test). The visitor routes read a Bearer token before anything else.
  { method: "GET", path: "/api/agent/upload-limits", agent: true },
  { method: "POST", path: "/api/conversations/:id/attachments", agent: true, noInput: true },
  {
    method: "POST",
    path: "/api/conversations/:id/uploads",
    agent: true,
    body: { name: "string", size: "int" },
  },
  { method: "POST", path: "/api/widget/attachments", agent: false, noInput: true },
  { method: "OPTIONS", path: "/api/widget/attachments", agent: false, noInput: true },
  { method: "POST", path: "/api/widget/uploads", agent: false, noInput: true },
  { method: "OPTIONS", path: "/api/widget/uploads", agent: false, noInput: true },
  { method: "GET", path: "/api/attachments/:id", agent: true },
  { method: "OPTIONS", path: "/api/attachments/:id", agent: false, noInput: true },
  { method: "GET", path: "/api/uploads/:id", agent: true },
  { method: "PUT", path: "/api/uploads/:id", agent: true, query: ["offset"] },
  { method: "DELETE", path: "/api/uploads/:id", agent: true, noInput: true },
  { method: "OPTIONS", path: "/api/uploads/:id", agent: false, noInput: true },
  { method: "GET", path: "/", agent: false, noInput: true },
  { method: "GET", path: "/widget.js", agent: false, noInput: true },
  { method: "GET", path: "/assets/:path+", agent: false, noInput: true },
  { method: "GET", path: "/console", agent: false, noInput: true },
  { method: "GET", path: "/console/*", agent: false, noInput: true },
];

const BAD_IDS = [
  "%00",
  "..%2F..%2Fetc%2Fpasswd",
  "x".repeat(300),
  "'%20OR%20'1'%3D'1",
  "%E2%80%AE",
  "a%20b",
  "nope",
];

/** Checks an error answer: 4xx, a JSON error body with a documented code. */
async function expectError(res: Response, what: string): Promise<number> {
  const text = await res.text();
  assert.ok(res.status >= 400 && res.status < 500, `${what}: status ${res.status} ${text}`);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    assert.fail(`${what}: not JSON: ${text.slice(0, 200)}`);
  }
  const error = (body as { error?: { code?: unknown; message?: unknown } }).error;
  assert.ok(error && CODES.has(String(error.code)), `${what}: documented code in ${text}`);
  assert.equal(typeof error.message, "string");
  return res.status;
}

Deno.test(
  "every HTTP endpoint answers malformed input with a documented 4xx error",
  async () => {
    console.log(`fuzz seed ${SEED} (replay with PARLEY_FUZZ_SEED=${SEED})`);
    const rng = new Rng(SEED);
    const srv = await startServerProcess({
      PARLEY_LOGIN_ATTEMPTS_PER_IP: "100000",
      // Email on (nothing listens there: the outbox just retries), so its endpoints validate.
      PARLEY_SMTP_URL: "smtp://127.0.0.1:9",
      PARLEY_MAIL_FROM: "fuzz@example.com",
      PARLEY_INBOUND_SECRET: INBOUND_SECRET,
      PARLEY_INBOUND_ADDRESS: "reply@in.example.com",
    });
    try {
      const base = srv.proc.url;
      const cookie = await adminCookie(base);
      const statuses = new Map<number, number>();
      let count = 0;
      const call = async (
        method: string,
        path: string,
        init: { body?: BodyInit; type?: string; agent?: boolean; csrf?: boolean } = {},
      ) => {
        const headers: Record<string, string> = {};
        if (init.type !== undefined) headers["content-type"] = init.type;
        if (init.agent) headers.cookie = cookie;
        if (init.csrf) headers["x-parley-csrf"] = "1";
        const res = await fetch(`${base}${path}`, {
          method,
          headers,
          body: init.body,
          ...(init.body instanceof ReadableStream ? { duplex: "half" } : {}),
        } as RequestInit);
        count++;
        return res;
      };
      const tally = (status: number) => statuses.set(status, (statuses.get(status) ?? 0) + 1);

      // The table covers every route the server has.
      const source = await Deno.readTextFile(new URL("../routes/mod.ts", import.meta.url));
      const routes = [...source.matchAll(/route\("(\w+)", "([^"]+)"/g)].map((m) =>
        `${m[1]} ${m[2]}`
      );
      assert.ok(routes.length > 10);
      assert.deepEqual(
        routes.filter((r) => !ENDPOINTS.some((e) => `${e.method} ${e.path}` === r)),
        [],
        "a route is missing from the fuzz table",
      );
      const rssStart = await rssOf(srv.proc.pid);

      const concrete = (e: Endpoint, id = "nope") =>
        e.path.replace(":path+", "nope.js").replace(/:[A-Za-z]+/g, id).replace("*", "x");
      for (const e of ENDPOINTS) {
        const path = concrete(e);
        // Agent endpoints refuse without a session (or, for writes, without the CSRF header).
        if (e.agent && e.path !== "/ws/agent") {
          tally(
            await expectError(await call(e.method, path, { csrf: true }), `${e.method} ${path}`),
          );
          if (e.method !== "GET") {
            tally(
              await expectError(await call(e.method, path, { agent: true }), `no CSRF ${path}`),
            );
          }
        }
        // A method the route does not have.
        const other = e.method === "GET" ? "PUT" : "GET";
        if (!routes.includes(`${other} ${e.path}`)) {
          tally(
            await expectError(
              await call(other, path, { agent: true, csrf: true }),
              `${other} ${path}`,
            ),
          );
        }
        // Malformed ids in the path. A CORS preflight carries no credentials and looks nothing
        // up: an unknown id is answered like a known one.
        if (e.path.includes(":id") && e.method !== "OPTIONS") {
          for (const id of BAD_IDS) {
            const init = {
              agent: true,
              csrf: true,
              type: "application/json",
              body: e.body ? "{}" : undefined,
            };
            tally(
              await expectError(await call(e.method, concrete(e, id), init), `${e.method} ${id}`),
            );
          }
        }
        // Bodies.
        if (e.body) {
          const target = e.path.includes(":id") ? concrete(e, "nope") : path;
          for (const b of fuzzBodies(rng, e.body, 250)) {
            const res = await call(e.method, target, {
              agent: e.agent,
              csrf: true,
              type: b.contentType,
              body: b.body,
            });
            tally(await expectError(res, `${e.method} ${target} ${b.kind} ${b.body.slice(0, 80)}`));
          }
          // A streamed body with no length that grows past the limit.
          const stream = new ReadableStream<Uint8Array>({
            start(c) {
              c.enqueue(new TextEncoder().encode('{"x":"'));
              for (let i = 0; i < 40; i++) c.enqueue(new Uint8Array(1024).fill(97));
              c.close();
            },
          });
          const res = await call(e.method, target, {
            agent: e.agent,
            csrf: true,
            type: "application/json",
            body: stream,
          });
          assert.equal(await expectError(res, `streamed ${target}`), 413);
        }
        // Query strings: never a server error; an error is a documented one.
        if (e.query) {
          for (let i = 0; i < 250; i++) {
            const q = new URLSearchParams();
            for (const name of e.query) if (rng.next() < 0.7) q.set(name, fuzzQueryValue(rng));
            q.set(rng.pick(["__proto__", "constructor", "x"]), fuzzQueryValue(rng));
            const target = `${concrete(e)}?${q}`;
            const res = await call("GET", target, { agent: true });
            if (res.status < 400) {
              tally(res.status);
              await res.body?.cancel();
            } else {
              tally(await expectError(res, `GET ${target}`));
            }
          }
        }
      }
      // Raw emails: without the secret 401; with it, garbage, JSON, truncated MIME and emails
      // that match nothing are refused (422, or 400 for another content type), never a 5xx.
      const inbound = (body: BodyInit, type: string, auth = `Bearer ${INBOUND_SECRET}`) =>
        fetch(`${base}/api/inbound/email`, {
          method: "POST",
          headers: { "content-type": type, authorization: auth },
          body,
        }).then((res) => (count++, res));
      tally(await expectError(await inbound("x", "message/rfc822", "Bearer no"), "inbound auth"));
      for (const b of fuzzBodies(rng, { from: "string", to: "string" }, 100)) {
        tally(await expectError(await inbound(b.body, b.contentType), `inbound ${b.kind}`));
        const mime = `From: ${b.body.slice(0, 200)}\r\nTo: reply+${b.body.slice(0, 60)}` +
          `@in.example.com\r\nIn-Reply-To: <${b.body.slice(0, 40)}>\r\n\r\n${b.body}`;
        tally(await expectError(await inbound(mime, "message/rfc822"), `inbound MIME ${b.kind}`));
      }
      // Paths that do not exist, including traversal attempts.
      for (
        const p of [
          "/nope",
          "/assets/..%2F..%2Fetc%2Fpasswd",
          "/assets/%2e%2e/deno.json",
          "/api",
          "/api/agents/",
          `/${"x".repeat(4000)}`,
          "/%00",
        ]
      ) {
        tally(await expectError(await call("GET", p, { agent: true }), `GET ${p}`));
      }

      const rssEnd = await rssOf(srv.proc.pid);
      figure("fuzz http: malformed requests survived", count);
      figure("fuzz http: statuses", Object.fromEntries([...statuses].sort((a, b) => a[0] - b[0])));
      figure("fuzz http: RSS MB before, after", [
        (rssStart / 1e6).toFixed(0),
        (rssEnd / 1e6).toFixed(0),
      ]);
      assert.ok(![...statuses.keys()].some((s) => s >= 500), "no server error");
      assert.ok(rssEnd - rssStart < 100e6, "memory stayed bounded");
      const health = await fetch(`${base}/healthz`);
      assert.equal(health.status, 200);
      await health.body?.cancel();
      // The session survived: nothing above signed the admin out or changed their account.
      const me = await call("GET", "/api/agent/me", { agent: true });
      assert.equal(me.status, 200);
      await me.body?.cancel();
    } finally {
      await srv.close();
    }
  },
);
