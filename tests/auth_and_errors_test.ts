/**
 * Authentication refusals and malformed input over HTTP and WebSockets: typed errors and
 * documented close codes, never a crash.
 */

import assert from "node:assert/strict";
import { ADMIN, serverPerFile } from "./helpers/server.ts";
import { TestSocket } from "./helpers/ws_client.ts";

const CSRF = { "content-type": "application/json", "x-parley-csrf": "1" };

/** One server for the file: each test signs in and opens its own sockets. */
const server = serverPerFile();

Deno.test("health, readiness and placeholder pages answer", async () => {
  const t = server();
  const health = await fetch(`${t.url}/healthz`);
  assert.equal(health.status, 200);
  await health.body?.cancel();
  const ready = await fetch(`${t.url}/readyz`);
  assert.equal(ready.status, 200);
  assert.equal((await ready.json()).status, "ready");
  const missing = await fetch(`${t.url}/nope`);
  assert.equal(missing.status, 404);
  assert.equal((await missing.json()).error.code, "not_found");
});

Deno.test("sign-in refuses wrong passwords and sets an HttpOnly session cookie", async () => {
  const t = server();
  const wrong = await fetch(`${t.url}/api/agent/login`, {
    method: "POST",
    headers: CSRF,
    body: JSON.stringify({ email: ADMIN.email, password: "not-the-password" }),
  });
  assert.equal(wrong.status, 401);
  assert.equal((await wrong.json()).error.code, "unauthorized");

  const ok = await fetch(`${t.url}/api/agent/login`, {
    method: "POST",
    headers: CSRF,
    body: JSON.stringify({ email: ADMIN.email.toUpperCase(), password: ADMIN.password }),
  });
  assert.equal(ok.status, 200);
  const cookie = ok.headers.get("set-cookie") ?? "";
  assert.match(cookie, /parley_session=[^;]+; Path=\/; HttpOnly; SameSite=Lax/);
  const body = await ok.json();
  assert.equal(body.agent.email, ADMIN.email);
  assert.equal(body.agent.passwordHash, undefined);

  const me = await fetch(`${t.url}/api/agent/me`, { headers: { cookie: cookie.split(";")[0] } });
  assert.equal(me.status, 200);
  assert.equal((await me.json()).agent.role, "admin");

  const logout = await fetch(`${t.url}/api/agent/logout`, {
    method: "POST",
    headers: { ...CSRF, cookie: cookie.split(";")[0] },
  });
  assert.equal(logout.status, 204);
  const after = await fetch(`${t.url}/api/agent/me`, {
    headers: { cookie: cookie.split(";")[0] },
  });
  assert.equal(after.status, 401);
  await after.body?.cancel();
});

Deno.test(
  "state-changing requests without the CSRF header or from another origin are refused",
  async () => {
    const t = server();
    const cookie = await t.login(ADMIN.email, ADMIN.password);
    const noHeader = await fetch(`${t.url}/api/canned`, {
      method: "POST",
      headers: { "content-type": "application/json", cookie },
      body: JSON.stringify({ shortcut: "hi", body: "Hello!" }),
    });
    assert.equal(noHeader.status, 403);
    await noHeader.body?.cancel();
    const crossSite = await fetch(`${t.url}/api/canned`, {
      method: "POST",
      headers: { ...CSRF, cookie, origin: "https://evil.example" },
      body: JSON.stringify({ shortcut: "hi", body: "Hello!" }),
    });
    assert.equal(crossSite.status, 403);
    await crossSite.body?.cancel();
    const ok = await fetch(`${t.url}/api/canned`, {
      method: "POST",
      headers: { ...CSRF, cookie, origin: t.url },
      body: JSON.stringify({ shortcut: "hi", body: "Hello!" }),
    });
    assert.equal(ok.status, 201);
    await ok.body?.cancel();
  },
);

Deno.test(
  "agent endpoints and the agent socket refuse requests without a session",
  async () => {
    const t = server();
    for (const path of ["/api/agents", "/api/conversations", "/api/search?q=x", "/api/canned"]) {
      const res = await fetch(`${t.url}${path}`);
      assert.equal(res.status, 401, path);
      await res.body?.cancel();
    }
    const forged = await fetch(`${t.url}/api/agents`, {
      headers: { cookie: "parley_session=forged-token" },
    });
    assert.equal(forged.status, 401);
    await forged.body?.cancel();
    await assert.rejects(TestSocket.open(`${t.wsUrl}/ws/agent`));
    const res = await fetch(`${t.url}/ws/agent`, {
      headers: { upgrade: "websocket", connection: "upgrade" },
    });
    assert.equal(res.status, 401);
    await res.body?.cancel();
  },
);

Deno.test(
  "the console socket refuses a foreign origin even with a valid session",
  async () => {
    const t = server();
    const cookie = await t.login(ADMIN.email, ADMIN.password);
    await assert.rejects(
      TestSocket.open(`${t.wsUrl}/ws/agent`, { cookie, origin: "https://evil.example" }),
    );
    const ok = await TestSocket.open(`${t.wsUrl}/ws/agent`, { cookie, origin: t.url });
    await ok.nextOf("welcome");
    await ok.close();
  },
);

Deno.test(
  "forged, foreign-site and garbage visitor tokens are refused with 4001",
  async () => {
    const t = server();
    await t.store.upsertSite({ id: "other", name: "Other shop" });
    const visitor = await t.visitorSocket();
    const token = String(visitor.all("welcome")[0].token);
    await visitor.close();

    const [head, payload, sig] = token.split(".");
    const tampered = `${head}.${payload.slice(0, -2)}xx.${sig}`;
    for (
      const [hello, reason] of [
        [{ token: tampered }, "bad_signature"],
        [{ token: "v1.abc.def" }, "bad_signature"],
        [{ token: "nonsense" }, "malformed"],
        [{ token, site: "other" }, "wrong_site"],
      ] as const
    ) {
      const s = await TestSocket.open(`${t.wsUrl}/ws/visitor`);
      s.send({ type: "hello", site: "demo", ...hello });
      const err = await s.nextOf("error");
      assert.equal(err.code, "invalid_token");
      assert.match(String(err.message), new RegExp(reason));
      assert.equal((await s.closed).code, 4001);
    }
    const unknownSite = await TestSocket.open(`${t.wsUrl}/ws/visitor`);
    unknownSite.send({ type: "hello", site: "no-such-site" });
    assert.equal((await unknownSite.nextOf("error")).code, "site_not_found");
    assert.equal((await unknownSite.closed).code, 4001);
  },
);

Deno.test("a visitor socket must start with hello", async () => {
  const t = server();
  const s = await TestSocket.open(`${t.wsUrl}/ws/visitor`);
  s.send({ type: "message", clientId: "x", body: "hi" });
  assert.equal((await s.nextOf("error")).code, "hello_required");
  assert.equal((await s.closed).code, 4400);
});

Deno.test("malformed frames get typed errors and the socket stays usable", async () => {
  const t = server();
  const s = await t.visitorSocket();
  const cases: [unknown, string][] = [
    ["{not json", "bad_frame"],
    [[1, 2, 3], "bad_frame"],
    [{ type: 42 }, "bad_frame"],
    [{ type: "launch_missiles" }, "unknown_type"],
    [{ type: "message", clientId: "c", body: 12 }, "bad_frame"],
    [{ type: "message", clientId: "c", body: "   " }, "bad_frame"],
    [{ type: "message", clientId: "c", body: "x".repeat(9000) }, "too_large"],
    [{ type: "message", clientId: "bad id!", body: "hi" }, "bad_frame"],
    [{ type: "rate", rating: 99 }, "bad_frame"],
    [{ type: "read", seq: -1 }, "bad_frame"],
    [
      JSON.stringify({ type: "typing", active: true, __proto__: { x: 1 } }).replace(
        "}",
        ',"__proto__":{"polluted":true}}',
      ),
      "bad_frame",
    ],
    ['{"type":"page","page":' + "[".repeat(50) + "]".repeat(50) + "}", "bad_frame"],
    ["x".repeat(40_000), "too_large"],
  ];
  for (const [frame, code] of cases) {
    s.send(frame);
    const err = await s.nextOf("error");
    assert.equal(err.code, code, `frame ${String(JSON.stringify(frame)).slice(0, 60)}`);
  }
  s.ws.send(new Uint8Array([1, 2, 3]));
  assert.equal((await s.nextOf("error")).code, "bad_frame");
  assert.equal(({} as Record<string, unknown>).polluted, undefined);

  s.send({ type: "message", clientId: "ok-1", body: "still works" });
  assert.equal((await s.nextOf("ack")).seq, 1);
  await s.close();

  const agentWs = await t.adminSocket();
  agentWs.send({ type: "accept", conversationId: "00000000-0000-0000-0000-000000000000" });
  assert.equal((await agentWs.nextOf("error")).code, "not_found");
  agentWs.send({ type: "accept" });
  assert.equal((await agentWs.nextOf("error")).code, "bad_frame");
  agentWs.send({ type: "resolve", conversationId: "not-a-uuid" });
  const e = await agentWs.nextOf("error");
  assert.ok(["not_found", "bad_frame"].includes(String(e.code)));
  await agentWs.close();
});

Deno.test("bad HTTP bodies get 400 or 413 with a typed error", async () => {
  const t = server();
  const post = (body: string, headers: Record<string, string> = CSRF) =>
    fetch(`${t.url}/api/agent/login`, { method: "POST", headers, body });
  const cases: [Response, number][] = [
    [await post("{oops"), 400],
    [await post("[]"), 400],
    [await post(JSON.stringify({ email: 1, password: "x" })), 400],
    [await post("x".repeat(20_000)), 413],
    [await post("{}", { "content-type": "text/plain", "x-parley-csrf": "1" }), 400],
  ];
  for (const [res, status] of cases) {
    assert.equal(res.status, status);
    const body = await res.json();
    assert.equal(typeof body.error.code, "string");
  }
});
