/**
 * API tokens (docs/api.md) against a real server: admins create, list and revoke them through
 * the console API; the secret is shown once and never listed; a token works on `/api/v1` only
 * (never on the console's API or `/ws/agent`) and the console session never works on
 * `/api/v1`; a missing, bad or revoked token is 401 with `WWW-Authenticate: Bearer`; the last
 * use is recorded.
 */

import assert from "node:assert/strict";
import { serverPerFile } from "./helpers/server.ts";
import { adminCookie, call, makeSite, makeToken } from "./api_helpers.ts";

const server = serverPerFile();

Deno.test("admins create a token shown once, list it without secret, and revoke it", async () => {
  const t = server();
  const cookie = await adminCookie(t);
  const site = await makeSite(t);
  const made = await call(t, "POST", "/api/tokens", {
    cookie,
    body: { name: "  Warehouse sync ", scope: "read", sites: [site] },
  });
  assert.equal(made.status, 201, made.text);
  assert.equal(made.headers.get("cache-control"), "no-store");
  assert.match(made.body.secret, /^parley_[0-9a-f]{32}_[A-Za-z0-9_-]{43}$/);
  assert.equal(made.body.token.name, "Warehouse sync");
  assert.equal(made.body.token.scope, "read");
  assert.deepEqual(made.body.token.sites, [site]);
  assert.equal(made.body.token.lastUsedAt, null);

  const listed = await call(t, "GET", "/api/tokens", { cookie });
  assert.equal(listed.status, 200);
  const row = listed.body.tokens.find((x: { id: string }) => x.id === made.body.token.id);
  assert.deepEqual(row, made.body.token);
  const secretPart = made.body.secret.split("_").at(-1);
  assert.equal(listed.text.includes(secretPart), false);
  assert.equal(listed.text.includes("secret"), false);

  // In use: the last use is recorded.
  const used = await call(t, "GET", "/api/v1/agents", { token: made.body.secret });
  assert.equal(used.status, 200);
  const after = await call(t, "GET", "/api/tokens", { cookie });
  const usedRow = after.body.tokens.find((x: { id: string }) => x.id === made.body.token.id);
  assert.ok(usedRow.lastUsedAt !== null);

  const revoked = await call(t, "DELETE", `/api/tokens/${made.body.token.id}`, { cookie });
  assert.equal(revoked.status, 204);
  const again = await call(t, "DELETE", `/api/tokens/${made.body.token.id}`, { cookie });
  assert.equal(again.status, 404);
  const refused = await call(t, "GET", "/api/v1/agents", { token: made.body.secret });
  assert.equal(refused.status, 401);
  assert.equal(refused.body.error.code, "unauthorized");
  assert.match(refused.headers.get("www-authenticate") ?? "", /^Bearer realm="parley"/);
  const gone = await call(t, "GET", "/api/tokens", { cookie });
  assert.equal(gone.body.tokens.some((x: { id: string }) => x.id === made.body.token.id), false);
});

Deno.test("token management is for admins, with CSRF, and validates every field", async () => {
  const t = server();
  const agent = await t.createAgent();
  const agentCookie = await t.login(agent.email, agent.password);
  for (
    const [method, path] of [["GET", "/api/tokens"], ["POST", "/api/tokens"], [
      "DELETE",
      `/api/tokens/${crypto.randomUUID()}`,
    ]]
  ) {
    const res = await call(t, method, path, {
      cookie: agentCookie,
      ...(method === "POST" ? { body: { name: "x", scope: "read" } } : {}),
    });
    assert.equal(res.status, 403, `${method} ${path}`);
  }
  const cookie = await adminCookie(t);
  const noCsrf = await fetch(`${t.url}/api/tokens`, {
    method: "POST",
    headers: { cookie, "content-type": "application/json" },
    body: JSON.stringify({ name: "x", scope: "read" }),
  });
  await noCsrf.body?.cancel();
  assert.equal(noCsrf.status, 403);
  const bad: [unknown, string][] = [
    [{ name: "", scope: "read" }, "name"],
    [{ name: "x", scope: "admin" }, "scope"],
    [{ name: "x", scope: "read", sites: ["no-such-site"] }, "no-such-site"],
    [{ name: "x", scope: "read", colour: 1 }, "colour"],
  ];
  for (const [body, word] of bad) {
    const res = await call(t, "POST", "/api/tokens", { cookie, body });
    assert.equal(res.status, 400, JSON.stringify(body));
    assert.ok(res.body.error.message.includes(word), res.text);
  }
});

Deno.test("a token works on /api/v1 only, and the console session never does", async () => {
  const t = server();
  const { secret } = await makeToken(t);
  const cookie = await adminCookie(t);
  // The console's own API ignores bearer tokens.
  for (const path of ["/api/conversations", "/api/agent/me", "/api/tokens", "/api/sites"]) {
    const res = await call(t, "GET", path, { token: secret });
    assert.equal(res.status, 401, path);
  }
  // The agent socket too: the upgrade is refused without a session.
  const ws = await fetch(`${t.url}/ws/agent`, {
    headers: {
      authorization: `Bearer ${secret}`,
      upgrade: "websocket",
      connection: "Upgrade",
      "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
      "sec-websocket-version": "13",
    },
  });
  await ws.body?.cancel();
  assert.equal(ws.status, 401);
  // The session cookie is not a token.
  const session = await call(t, "GET", "/api/v1/agents", { cookie });
  assert.equal(session.status, 401);
  assert.equal(session.headers.get("www-authenticate"), 'Bearer realm="parley"');

  for (
    const authorization of [
      "Bearer parley_0123",
      `Bearer ${secret.slice(0, -1)}x`,
      `Basic ${btoa("admin:pw")}`,
      `Bearer ${secret.replace(/^parley_[0-9a-f]{4}/, "parley_ffff")}`,
    ]
  ) {
    const res = await call(t, "GET", "/api/v1/agents", { headers: { authorization } });
    assert.equal(res.status, 401, authorization);
    assert.equal(res.body.error.code, "unauthorized");
    assert.ok(res.headers.get("www-authenticate")?.startsWith("Bearer"));
  }
  assert.equal((await call(t, "GET", "/api/v1/agents", { token: secret })).status, 200);
});

Deno.test("creating and revoking a token are in the audit log, without the secret", async () => {
  const t = server();
  const cookie = await adminCookie(t);
  const made = await call(t, "POST", "/api/tokens", {
    cookie,
    body: { name: "Audit me", scope: "write", sites: [] },
  });
  assert.equal(made.status, 201, made.text);
  const id = made.body.token.id;
  const revoked = await call(t, "DELETE", `/api/tokens/${id}`, { cookie });
  assert.equal(revoked.status, 204);
  const audit = await call(t, "GET", "/api/audit?limit=100", { cookie });
  assert.equal(audit.status, 200, audit.text);
  const mine = (audit.body.entries as { action: string; targetId: string }[])
    .filter((e) => e.targetId === id).map((e) => e.action);
  assert.deepEqual(mine.sort(), ["token.create", "token.revoke"]);
  // The random part whole: base64url may itself hold "_", so splitting on it could leave a few
  // characters that any audit text might contain by chance.
  const random = String(made.body.secret).replace(/^parley_[0-9a-f]{32}_/, "");
  assert.ok(random.length >= 40, made.body.secret);
  assert.equal(audit.text.includes(random), false);
});
