/**
 * Nobody where they do not belong: a visitor reaches only their own conversation; visitor
 * tokens that are forged, expired or from another site are refused; agent sessions expire and
 * can be revoked everywhere (open sockets close); storefront origins are checked per site; CORS
 * is granted only to the embeddable assets; `identify` is trusted only with a valid HMAC; every
 * HTML page carries the security headers.
 */

import assert from "node:assert/strict";
import {
  createVisitorTokenSigner,
  hmacHex,
  randomToken,
  sha256Hex,
} from "../core/accounts/tokens.ts";
import { ADMIN, serverPerFile, startTestServer } from "./helpers/server.ts";
import { type Frame, TestSocket } from "./helpers/ws_client.ts";

const SECRET = "s".repeat(20) + randomToken(16);
const CSRF = { "content-type": "application/json", "x-parley-csrf": "1" };

async function hello(wsUrl: string, frame: Record<string, unknown>, headers = {}) {
  const s = await TestSocket.open(`${wsUrl}/ws/visitor`, headers);
  s.send({ type: "hello", site: "demo", ...frame });
  const first = await s.next((f) => f.type === "welcome" || f.type === "error");
  return { s, first };
}

/** One server for the file (booting one takes seconds); each test brings its own people. */
const server = serverPerFile();

Deno.test("a visitor reads and writes only their own conversation", async () => {
  const t = server();
  const agent = await t.adminSocket();
  const a = await t.visitorSocket();
  const b = await t.visitorSocket();
  a.send({ type: "message", clientId: "same-id", body: "A's private order 1111" });
  const ackA = await a.nextOf("ack");
  // The same client id from another visitor is another message, never A's.
  b.send({ type: "message", clientId: "same-id", body: "B says hi" });
  const ackB = await b.nextOf("ack");
  assert.notEqual(ackB.messageId, ackA.messageId);
  assert.notEqual(ackB.conversationId, ackA.conversationId);
  const convA = String(ackA.conversationId);
  const convB = String(ackB.conversationId);
  agent.send({ type: "message", conversationId: convA, clientId: "r1", body: "Reply to A" });
  agent.send({
    type: "message",
    conversationId: convA,
    clientId: "n1",
    body: "note: A is VIP",
    note: true,
  });
  await agent.nextOf("ack", (f) => f.clientId === "n1");
  await a.nextOf("message", (f) => (f.message as { body: string }).body === "Reply to A");

  // Frames naming another conversation are read as the sender's own.
  b.send({ type: "message", clientId: "b2", body: "into A?", conversationId: convA });
  assert.equal((await b.nextOf("ack", (f) => f.clientId === "b2")).conversationId, convB);
  b.send({ type: "sync", afterSeq: 0, conversationId: convA });
  const history = await b.nextOf("history");
  assert.deepEqual((history.messages as { body: string }[]).map((m) => m.body), [
    "B says hi",
    "into A?",
  ]);
  b.send({ type: "read", seq: 99, conversationId: convA });
  a.send({ type: "sync", afterSeq: 0 });
  const mine = await a.nextOf("history");
  assert.deepEqual((mine.messages as { body: string }[]).map((m) => m.body), [
    "A's private order 1111",
    "Reply to A",
  ], "no notes, nothing of B's");
  assert.equal((await t.store.getConversation(convA))?.visitorReadSeq, 0, "B's read missed A");

  // Whatever the server sent B before answering these pings has arrived.
  await a.roundTrip();
  await b.roundTrip();
  const seenByB = JSON.stringify(b.frames);
  for (
    const secret of [convA, "A's private order", "Reply to A", "VIP", String(ackA.messageId)]
  ) {
    assert.ok(!seenByB.includes(secret), `B received ${secret}`);
  }
  assert.ok(!JSON.stringify(a.frames).includes("VIP"), "a note reached the visitor");
  await Promise.all([a.close(), b.close(), agent.close()]);
});

Deno.test(
  "visitor tokens: forged, re-signed for another visitor, expired or from another site are refused",
  async () => {
    await using t = await startTestServer({
      env: { PARLEY_SECRET: SECRET, PARLEY_VISITOR_TOKEN_TTL_DAYS: "30" },
    });
    await t.store.upsertSite({ id: "other", name: "Other shop" });
    const a = await t.visitorSocket();
    const b = await t.visitorSocket();
    const tokenA = String(a.all("welcome")[0].token);
    const idB = String((b.all("welcome")[0].visitor as { id: string }).id);
    await Promise.all([a.close(), b.close()]);

    // A's signature on a payload naming B.
    const [v, , sig] = tokenA.split(".");
    const payloadB = btoa(JSON.stringify({ v: idB, s: "demo", t: Math.floor(Date.now() / 1000) }))
      .replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
    const signedElsewhere = await createVisitorTokenSigner("x".repeat(40), 3600).sign(
      idB,
      "demo",
    );
    const day = 86_400_000;
    const expired = await createVisitorTokenSigner(
      SECRET,
      30 * 86_400,
      () => Date.now() - 31 * day,
    )
      .sign(idB, "demo");
    const fresh = await createVisitorTokenSigner(SECRET, 30 * 86_400, () => Date.now() - 29 * day)
      .sign(idB, "demo");
    const otherSite = await createVisitorTokenSigner(SECRET, 3600).sign(idB, "other");
    for (
      const [token, reason] of [
        [`${v}.${payloadB}.${sig}`, "bad_signature"],
        [signedElsewhere, "bad_signature"],
        [expired, "expired"],
        [otherSite, "wrong_site"],
        ["v1..", "bad_signature|malformed"],
        ["v2.e30.AAAA", "malformed"],
      ]
    ) {
      const { s, first } = await hello(t.wsUrl, { token });
      assert.equal(first.code, "invalid_token", token);
      assert.match(String(first.message), new RegExp(reason));
      assert.equal((await s.closed).code, 4001);
      assert.ok(!s.frames.some((f) => f.type === "welcome"));
    }
    // A token within its lifetime still works, and is renewed.
    const { s, first } = await hello(t.wsUrl, { token: fresh });
    assert.equal(first.type, "welcome");
    assert.equal((first.visitor as { id: string }).id, idB);
    assert.notEqual(first.token, fresh);
    await s.close();
  },
);

async function get(url: string, cookie: string): Promise<number> {
  const res = await fetch(url, { headers: { cookie } });
  await res.body?.cancel();
  return res.status;
}

Deno.test(
  "agent sessions expire, and the cookie is HttpOnly, SameSite and time-limited",
  async () => {
    await using t = await startTestServer({ env: { PARLEY_SESSION_TTL_HOURS: "8" } });
    const res = await fetch(`${t.url}/api/agent/login`, {
      method: "POST",
      headers: CSRF,
      body: JSON.stringify({ email: ADMIN.email, password: ADMIN.password }),
    });
    await res.body?.cancel();
    const setCookie = res.headers.get("set-cookie") ?? "";
    assert.match(setCookie, /HttpOnly/);
    assert.match(setCookie, /SameSite=Lax/);
    const maxAge = Number(/Max-Age=(\d+)/.exec(setCookie)?.[1]);
    assert.ok(maxAge > 8 * 3600 - 60 && maxAge <= 8 * 3600, `Max-Age ${maxAge}`);

    // A session past its expiry is refused everywhere, though the token is genuine.
    const admin = await t.store.getAgentByEmail(ADMIN.email);
    const token = randomToken();
    await t.store.createSession({
      tokenHash: await sha256Hex(token),
      agentId: admin!.id,
      expiresAt: new Date(Date.now() - 1000),
    });
    const cookie = `parley_session=${token}`;
    assert.equal(await get(`${t.url}/api/agent/me`, cookie), 401);
    assert.equal(await get(`${t.url}/api/conversations`, cookie), 401);
    await assert.rejects(TestSocket.open(`${t.wsUrl}/ws/agent`, { cookie }));
  },
);

Deno.test(
  "signing out everywhere revokes every session and closes every open console socket",
  async () => {
    const t = server();
    const bob = await t.createAgent({ name: "Bob" });
    const laptop = await t.login(bob.email, bob.password);
    const phone = await t.login(bob.email, bob.password);
    const tabs = [
      await t.agentSocket(laptop),
      await t.agentSocket(laptop),
      await t.agentSocket(phone),
    ];
    const res = await fetch(`${t.url}/api/agent/logout-all`, {
      method: "POST",
      headers: { ...CSRF, cookie: phone },
    });
    assert.equal(res.status, 204);
    await res.body?.cancel();
    for (const tab of tabs) assert.equal((await tab.closed).code, 4001);
    assert.equal(await get(`${t.url}/api/agent/me`, laptop), 401);
    assert.equal(await get(`${t.url}/api/agent/me`, phone), 401);
    await assert.rejects(TestSocket.open(`${t.wsUrl}/ws/agent`, { cookie: laptop }));

    // Disabling an agent does the same.
    const fresh = await t.login(bob.email, bob.password);
    const tab = await t.agentSocket(fresh);
    const admin = await t.login(ADMIN.email, ADMIN.password);
    const disable = await fetch(`${t.url}/api/agents/${bob.id}`, {
      method: "PATCH",
      headers: { ...CSRF, cookie: admin },
      body: JSON.stringify({ disabled: true }),
    });
    assert.equal(disable.status, 200);
    await disable.body?.cancel();
    assert.equal((await tab.closed).code, 4001);
    assert.equal(await get(`${t.url}/api/agent/me`, fresh), 401);
  },
);

Deno.test(
  "an open console socket closes once its session expires or is signed out, without a bus event",
  async () => {
    await using t = await startTestServer({ env: { PARLEY_SESSION_CHECK_MS: "200" } });
    const bob = await t.createAgent({ name: "Bob" });
    const laptop = await t.login(bob.email, bob.password);
    const phone = await t.login(bob.email, bob.password);
    const desk = await t.login(bob.email, bob.password);
    const laptopTab = await t.agentSocket(laptop);
    const phoneTab = await t.agentSocket(phone);
    const deskTab = await t.agentSocket(desk);

    // Signing out one session ends only that session's sockets.
    const res = await fetch(`${t.url}/api/agent/logout`, {
      method: "POST",
      headers: { ...CSRF, cookie: laptop },
    });
    assert.equal(res.status, 204);
    await res.body?.cancel();
    assert.deepEqual(await laptopTab.closed, { code: 4001, reason: "Session expired" });

    // Expiry is announced by nobody: the periodic check finds it.
    await t.store.db.query(
      "UPDATE agent_sessions SET expires_at = now() - interval '1 second' WHERE token_hash = $1",
      [await sha256Hex(decodeURIComponent(phone.split("=")[1]))],
    );
    assert.equal((await phoneTab.closed).code, 4001);

    // The valid session's socket stays open and keeps working.
    deskTab.send({ type: "ping" });
    await deskTab.nextOf("pong");
    await deskTab.close();
  },
);

Deno.test("a site's storefront allow-list is enforced at hello (4003)", async () => {
  const t = server();
  await t.store.upsertSite({
    id: "shop",
    name: "Shop",
    allowedOrigins: ["https://shop.example", "https://www.shop.example"],
  });
  for (const origin of ["https://evil.example", "https://shop.example.evil.test", "null"]) {
    const { s, first } = await hello(t.wsUrl, { site: "shop" }, { origin });
    assert.equal(first.code, "forbidden", origin);
    assert.equal((await s.closed).code, 4003);
  }
  // No Origin at all (not a browser) is refused too.
  const { s: bare, first: bareFirst } = await hello(t.wsUrl, { site: "shop" });
  assert.equal(bareFirst.code, "forbidden");
  assert.equal((await bare.closed).code, 4003);
  const { s: ok, first } = await hello(t.wsUrl, { site: "shop" }, {
    origin: "https://www.shop.example",
  });
  assert.equal(first.type, "welcome");
  // A token from the allowed storefront does not open the site from elsewhere.
  const { s: replay, first: refused } = await hello(t.wsUrl, {
    site: "shop",
    token: first.token,
  }, { origin: "https://evil.example" });
  assert.equal(refused.code, "forbidden");
  assert.equal((await replay.closed).code, 4003);
  await ok.close();
});

Deno.test("CORS is granted to the embeddable assets only, never to the API", async () => {
  const t = server();
  const origin = { origin: "https://shop.example" };
  const loader = await fetch(`${t.url}/widget.js`, { headers: origin });
  assert.equal(loader.headers.get("access-control-allow-origin"), "*");
  assert.equal(loader.headers.get("access-control-allow-credentials"), null);
  await loader.body?.cancel();
  const cookie = await t.login(ADMIN.email, ADMIN.password);
  for (const path of ["/api/agent/me", "/api/conversations", "/api/agents", "/api/canned"]) {
    const res = await fetch(`${t.url}${path}`, { headers: { ...origin, cookie } });
    assert.equal(res.headers.get("access-control-allow-origin"), null, path);
    assert.equal(res.headers.get("access-control-allow-credentials"), null, path);
    await res.body?.cancel();
  }
  const preflight = await fetch(`${t.url}/api/agent/login`, {
    method: "OPTIONS",
    headers: {
      ...origin,
      "access-control-request-method": "POST",
      "access-control-request-headers": "x-parley-csrf, content-type",
    },
  });
  assert.ok(preflight.status >= 400);
  assert.equal(preflight.headers.get("access-control-allow-origin"), null);
  assert.equal(preflight.headers.get("access-control-allow-headers"), null);
  await preflight.body?.cancel();
});

Deno.test(
  "identify is trusted only with a valid HMAC; a site can require verified identities",
  async () => {
    const t = server();
    const agent = await t.adminSocket();
    const demo = await t.store.getSite("demo");
    const good = await hmacHex(demo!.identitySecret, "user-42");
    const v = await t.visitorSocket();
    const visitorId = String((v.all("welcome")[0].visitor as { id: string }).id);
    const agentSees = (verified: boolean) =>
      agent.nextOf("visitor", (f: Frame) => {
        const info = f.visitor as { id: string; verified: boolean; externalId: string | null };
        return info.id === visitorId && info.externalId === "user-42" &&
          info.verified === verified;
      });

    for (
      const hash of [
        undefined,
        "0".repeat(64),
        good.slice(0, 63) + "x",
        good.toUpperCase().slice(1),
      ]
    ) {
      v.send({ type: "identify", id: "user-42", name: "Mallory", ...(hash ? { hash } : {}) });
      const identity = await v.nextOf("identity");
      assert.equal(identity.verified, false, `hash ${hash}`);
      await agentSees(false);
    }
    // The hash of another user id does not verify this one.
    v.send({ type: "identify", id: "user-43", hash: good });
    assert.equal((await v.nextOf("identity")).verified, false);
    v.send({ type: "identify", id: "user-42", name: "Alice", hash: good });
    assert.equal((await v.nextOf("identity", (f) => f.verified === true)).name, "Alice");
    await agentSees(true);

    await t.store.upsertSite({ id: "strict", name: "Strict", requireVerified: true });
    const strict = await t.store.getSite("strict");
    const s = await t.visitorSocket({ site: "strict" });
    for (const hash of [undefined, "f".repeat(64)]) {
      s.send({ type: "identify", id: "user-42", name: "Mallory", ...(hash ? { hash } : {}) });
      assert.equal((await s.nextOf("error")).code, "forbidden");
    }
    const record = await t.store.getVisitor(
      String((s.all("welcome")[0].visitor as { id: string }).id),
    );
    assert.equal(record?.externalId, null, "a refused identity is not stored");
    assert.notEqual(record?.name, "Mallory");
    s.send({
      type: "identify",
      id: "user-42",
      name: "Alice",
      hash: await hmacHex(strict!.identitySecret, "user-42"),
    });
    assert.equal((await s.nextOf("identity")).verified, true);
    await Promise.all([v.close(), s.close(), agent.close()]);
  },
);

Deno.test(
  "every HTML response carries CSP, nosniff, a referrer policy; the console is never framed",
  async () => {
    const t = server();
    for (const path of ["/", "/console", "/console/inbox", "/console/c/123?x=1"]) {
      for (const method of ["GET", "HEAD"]) {
        const res = await fetch(`${t.url}${path}`, { method });
        await res.body?.cancel();
        const what = `${method} ${path}`;
        assert.equal(res.status, 200, what);
        assert.match(res.headers.get("content-type") ?? "", /^text\/html/, what);
        const csp = res.headers.get("content-security-policy") ?? "";
        for (
          const d of [
            "default-src 'self'",
            "script-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
          ]
        ) {
          assert.ok(csp.includes(d), `${what}: ${d} in ${csp}`);
        }
        assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|\*/, what);
        assert.equal(res.headers.get("x-content-type-options"), "nosniff", what);
        assert.ok(
          ["no-referrer", "strict-origin-when-cross-origin", "same-origin", "strict-origin"]
            .includes(res.headers.get("referrer-policy") ?? ""),
          what,
        );
        if (path.startsWith("/console")) {
          assert.ok(csp.includes("frame-ancestors 'none'"), what);
          assert.equal(res.headers.get("x-frame-options"), "DENY", what);
        }
        // A revalidation answer keeps the headers.
        const etag = res.headers.get("etag");
        if (etag && method === "GET") {
          const again = await fetch(`${t.url}${path}`, { headers: { "if-none-match": etag } });
          await again.body?.cancel();
          assert.equal(again.status, 304);
          assert.ok(again.headers.get("content-security-policy"), `304 ${path}`);
        }
      }
    }
  },
);
