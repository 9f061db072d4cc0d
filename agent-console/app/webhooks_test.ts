import assert from "node:assert/strict";
import { createWebhookAdmin } from "./webhooks.ts";

const WEBHOOK = {
  id: "w1",
  siteId: "shop",
  url: "https://hooks.example.com/in",
  events: ["message.created", "no.such.event"],
  includeNotes: false,
  enabled: true,
  createdAt: "2026-12-01T10:00:00.000Z",
};

/** A fetch that answers from `routes` ("METHOD path" → [status, body]) and records calls. */
function fakeFetch(routes: Record<string, [number, unknown]>) {
  const calls: { key: string; headers: Record<string, string>; body: unknown }[] = [];
  const fetchFn = (input: string, init?: RequestInit) => {
    const key = `${init?.method ?? "GET"} ${input}`;
    calls.push({
      key,
      headers: (init?.headers ?? {}) as Record<string, string>,
      body: init?.body ? JSON.parse(String(init.body)) : undefined,
    });
    const [status, body] = routes[key] ?? [404, { error: { code: "not_found", message: "nope" } }];
    return Promise.resolve(
      new Response(status === 204 ? null : JSON.stringify(body), { status }),
    );
  };
  return { calls, fetchFn };
}

Deno.test("webhook admin lists a site's endpoints and keeps a new one's secret to show once", async () => {
  const notices: string[] = [];
  const { calls, fetchFn } = fakeFetch({
    "GET /api/sites/shop/webhooks": [200, { webhooks: [WEBHOOK] }],
    "POST /api/sites/shop/webhooks": [201, {
      webhook: { ...WEBHOOK, id: "w2", url: "https://crm.example.com/hook" },
      secret: "whsec_abc",
    }],
  });
  const admin = createWebhookAdmin({ notify: (t) => notices.push(t), fetchFn });
  await admin.selectSite("shop");
  assert.deepEqual(admin.webhooks.value.map((w) => [w.id, w.events]), [["w1", [
    "message.created",
  ]]]);
  const ok = await admin.create({
    url: "https://crm.example.com/hook",
    events: ["message.created"],
    includeNotes: true,
  });
  assert.ok(ok);
  assert.deepEqual(admin.secret.value, {
    url: "https://crm.example.com/hook",
    secret: "whsec_abc",
  });
  assert.equal(admin.webhooks.value.length, 2);
  const post = calls.find((c) => c.key.startsWith("POST"))!;
  assert.equal(post.headers["X-Parley-CSRF"], "1");
  assert.deepEqual(post.body, {
    url: "https://crm.example.com/hook",
    events: ["message.created"],
    includeNotes: true,
  });
  admin.dismissSecret();
  assert.equal(admin.secret.value, null);
  assert.deepEqual(notices, []);
});

Deno.test("webhook admin shows the server's refusal as a notice and changes nothing", async () => {
  const notices: string[] = [];
  const { fetchFn } = fakeFetch({
    "GET /api/sites/shop/webhooks": [200, { webhooks: [] }],
    "POST /api/sites/shop/webhooks": [400, {
      error: { code: "bad_frame", message: "url must use https" },
    }],
  });
  const admin = createWebhookAdmin({ notify: (t) => notices.push(t), fetchFn });
  await admin.selectSite("shop");
  const ok = await admin.create({ url: "http://x.example", events: [], includeNotes: false });
  assert.equal(ok, false);
  assert.deepEqual(notices, ["url must use https"]);
  assert.deepEqual(admin.webhooks.value, []);
  assert.equal(admin.secret.value, null);
});

Deno.test("webhook admin loads, resends and hides an endpoint's deliveries", async () => {
  const delivery = {
    id: "d1",
    eventId: "e1",
    type: "ping",
    status: "failed",
    attempts: 30,
    lastStatus: null,
    lastError: "Could not connect to hooks.example.com",
    lastAttemptAt: "2026-12-01T10:00:00.000Z",
    nextAttemptAt: null,
    createdAt: "2026-11-30T10:00:00.000Z",
  };
  const notices: string[] = [];
  const { calls, fetchFn } = fakeFetch({
    "GET /api/webhooks/w1/deliveries": [200, { deliveries: [delivery] }],
    "POST /api/webhooks/w1/deliveries/d1/resend": [202, { delivery }],
    "PATCH /api/webhooks/w1": [200, { webhook: { ...WEBHOOK, enabled: false } }],
    "GET /api/sites/shop/webhooks": [200, { webhooks: [WEBHOOK] }],
  });
  const admin = createWebhookAdmin({ notify: (t) => notices.push(t), fetchFn });
  await admin.selectSite("shop");
  await admin.loadDeliveries("w1");
  assert.equal(admin.deliveries.value.get("w1")?.[0].status, "failed");
  assert.ok(await admin.resend("w1", "d1"));
  assert.deepEqual(notices, ["Event queued again"]);
  assert.equal(calls.filter((c) => c.key === "GET /api/webhooks/w1/deliveries").length, 2);
  assert.ok(await admin.setEnabled("w1", false));
  assert.equal(admin.webhooks.value[0].enabled, false);
  admin.hideDeliveries("w1");
  assert.equal(admin.deliveries.value.has("w1"), false);
});
