/**
 * The public REST API (`/api/v1`, docs/api.md) against a real server: a script holding only a
 * token and the OpenAPI document answers a visitor, whose real socket gets the reply; sends as
 * an agent or a named bot are relayed live and idempotent; tokens limited to sites see nothing
 * else (404, as if absent); read tokens cannot write; conversations are assigned, put back in
 * the queue, resolved, reopened and noted; visitors are read and updated; agents are listed
 * with presence; listings page with cursors; errors have one shape.
 */

import assert from "node:assert/strict";
import { serverPerFile, type TestServer } from "./helpers/server.ts";
import { TestSocket } from "./helpers/ws_client.ts";
import { adminCookie, call, makeSite, makeToken } from "./api_helpers.ts";

const server = serverPerFile();

/** A visitor of `site` who wrote `body`; returns the socket and the conversation id. */
async function visitorWrote(t: TestServer, body: string, site = "demo") {
  const v = await t.visitorSocket({ site });
  const clientId = crypto.randomUUID();
  v.send({ type: "message", clientId, body });
  const ack = await v.nextOf("ack", (f) => f.clientId === clientId);
  const welcome = v.all("welcome")[0] as unknown as { visitor: { id: string } };
  const visitorId = welcome.visitor.id;
  return { v, conversationId: String(ack.conversationId), visitorId };
}

Deno.test("a script with only a token and the OpenAPI document answers a visitor live", async () => {
  const t = server();
  const { secret } = await makeToken(t, { name: "Helpdesk script" });
  const words = `Where is order ${crypto.randomUUID().slice(0, 6)}?`;
  const { v, conversationId } = await visitorWrote(t, words);
  const admin = await t.agentSocket(await adminCookie(t));
  try {
    // What the script knows: the server's URL and a token. Everything else, from the document.
    const doc = (await call(t, "GET", "/api/v1/openapi.json")).body;
    const pathOf = (operationId: string): { method: string; path: string } => {
      for (const [path, ops] of Object.entries(doc.paths as Record<string, object>)) {
        for (const [method, op] of Object.entries(ops as Record<string, { operationId: string }>)) {
          if (op.operationId === operationId) return { method: method.toUpperCase(), path };
        }
      }
      throw new Error(`No operation ${operationId}`);
    };
    const list = pathOf("listConversations");
    const found = await call(t, list.method, `${list.path}?status=queued&limit=100`, {
      token: secret,
    });
    assert.equal(found.status, 200, found.text);
    const conv = found.body.data.find((c: { lastMessage: { body: string } | null }) =>
      c.lastMessage?.body === words
    );
    assert.ok(conv, "the visitor's conversation is listed");
    assert.equal(conv.id, conversationId);

    const read = pathOf("listMessages");
    const history = await call(t, read.method, read.path.replace("{id}", conv.id), {
      token: secret,
    });
    assert.deepEqual(history.body.data.map((m: { body: string }) => m.body), [words]);

    const send = pathOf("sendMessage");
    const clientId = crypto.randomUUID();
    const sent = await call(t, send.method, send.path.replace("{id}", conv.id), {
      token: secret,
      body: { clientId, body: "It ships today.", author: { kind: "bot", name: "Order bot" } },
    });
    assert.equal(sent.status, 201, sent.text);
    assert.equal(sent.body.authorKind, "bot");

    // The visitor's real socket gets the reply, under the bot's name.
    const got = await v.nextOf(
      "message",
      (f) => (f.message as { body: string }).body === "It ships today.",
    );
    const m = got.message as { authorKind: string; authorName: string; seq: number };
    assert.equal(m.authorKind, "bot");
    assert.equal(m.authorName, "Order bot");
    assert.equal(m.seq, 2);
    // And so does the console.
    await admin.nextOf(
      "message",
      (f) => (f.message as { body: string }).body === "It ships today.",
    );

    // A resend is the same message, 200, and nothing new reaches the visitor.
    const again = await call(t, send.method, send.path.replace("{id}", conv.id), {
      token: secret,
      body: { clientId, body: "It ships today.", author: { kind: "bot", name: "Order bot" } },
    });
    assert.equal(again.status, 200);
    assert.equal(again.body.id, sent.body.id);
    assert.equal((await t.store.getConversation(conv.id))?.lastSeq, 2);
  } finally {
    await v.close();
    await admin.close();
  }
});

Deno.test("an agent's reply through the API is theirs: relayed, claims, idempotent, 409 on reuse", async () => {
  const t = server();
  const { secret } = await makeToken(t);
  const ann = await t.createAgent({ name: "Ann API" });
  const { v, conversationId } = await visitorWrote(t, "hello there");
  try {
    const path = `/api/v1/conversations/${conversationId}/messages`;
    const clientId = crypto.randomUUID();
    const body = { clientId, body: "Hi, Ann here", author: { kind: "agent", agentId: ann.id } };
    const sent = await call(t, "POST", path, { token: secret, body });
    assert.equal(sent.status, 201, sent.text);
    assert.equal(sent.body.authorKind, "agent");
    assert.equal(sent.body.authorId, ann.id);
    const got = await v.nextOf(
      "message",
      (f) => (f.message as { body: string }).body === "Hi, Ann here",
    );
    assert.equal((got.message as { authorName: string }).authorName, "Ann API");
    const conv = await call(t, "GET", `/api/v1/conversations/${conversationId}`, { token: secret });
    assert.equal(conv.body.status, "open");
    assert.equal(conv.body.assigneeId, ann.id);
    assert.equal("readSeq" in conv.body, false);

    assert.equal((await call(t, "POST", path, { token: secret, body })).status, 200);
    const reuse = await call(t, "POST", path, { token: secret, body: { ...body, body: "Other" } });
    assert.equal(reuse.status, 409);
    assert.equal(reuse.body.error.code, "conflict");

    const nobody = await call(t, "POST", path, {
      token: secret,
      body: { ...body, clientId: "x1", author: { kind: "agent", agentId: "no-such-agent" } },
    });
    assert.equal(nobody.status, 400);
    assert.deepEqual(nobody.body.error.field, "author.agentId");
  } finally {
    await v.close();
  }
});

Deno.test("a token limited to a site sees only that site: the others answer 404", async () => {
  const t = server();
  const siteA = await makeSite(t);
  const siteB = await makeSite(t);
  const { secret } = await makeToken(t, { sites: [siteA] });
  const a = await visitorWrote(t, "from A", siteA);
  const b = await visitorWrote(t, "from B", siteB);
  try {
    const listed = await call(t, "GET", "/api/v1/conversations?limit=100", { token: secret });
    assert.equal(listed.status, 200);
    const sites = new Set(listed.body.data.map((c: { siteId: string }) => c.siteId));
    assert.deepEqual([...sites], [siteA]);
    const other = await call(t, "GET", `/api/v1/conversations?site=${siteB}`, { token: secret });
    assert.deepEqual(other.body.data, []);

    const hidden = [
      ["GET", `/api/v1/conversations/${b.conversationId}`],
      ["GET", `/api/v1/conversations/${b.conversationId}/messages`],
      ["POST", `/api/v1/conversations/${b.conversationId}/resolve`],
      ["GET", `/api/v1/visitors/${b.visitorId}`],
    ];
    for (const [method, path] of hidden) {
      const res = await call(t, method, path, { token: secret });
      assert.equal(res.status, 404, `${method} ${path}: ${res.text}`);
      assert.equal(res.body.error.code, "not_found");
    }
    const send = await call(t, "POST", `/api/v1/conversations/${b.conversationId}/messages`, {
      token: secret,
      body: { clientId: "c1", body: "hi", author: { kind: "bot", name: "Bot" } },
    });
    assert.equal(send.status, 404);
    const open = await call(t, "POST", "/api/v1/conversations", {
      token: secret,
      body: { visitorId: b.visitorId },
    });
    assert.equal(open.status, 404);
    const mine = await call(t, "GET", `/api/v1/conversations/${a.conversationId}`, {
      token: secret,
    });
    assert.equal(mine.status, 200);
  } finally {
    await a.v.close();
    await b.v.close();
  }
});

Deno.test("a read token reads but every write is 403 forbidden", async () => {
  const t = server();
  const { secret } = await makeToken(t, { scope: "read" });
  const { v, conversationId, visitorId } = await visitorWrote(t, "read me");
  try {
    assert.equal(
      (await call(t, "GET", `/api/v1/conversations/${conversationId}`, { token: secret })).status,
      200,
    );
    const writes: [string, string, unknown][] = [
      ["POST", `/api/v1/conversations/${conversationId}/messages`, {
        clientId: "r1",
        body: "no",
        author: { kind: "bot", name: "B" },
      }],
      ["POST", `/api/v1/conversations/${conversationId}/resolve`, undefined],
      ["PATCH", `/api/v1/visitors/${visitorId}`, { name: "X" }],
      ["POST", "/api/v1/conversations", { visitorId }],
    ];
    for (const [method, path, body] of writes) {
      const res = await call(t, method, path, { token: secret, body });
      assert.equal(res.status, 403, `${method} ${path}`);
      assert.equal(res.body.error.code, "forbidden");
    }
    assert.equal((await t.store.getConversation(conversationId))?.status, "queued");
  } finally {
    await v.close();
  }
});

Deno.test("assign, back to the queue, resolve, reopen and notes, seen live by consoles", async () => {
  const t = server();
  const { secret } = await makeToken(t, { name: "Router" });
  const ann = await t.createAgent({ name: "Ann Router" });
  const { v, conversationId } = await visitorWrote(t, "route me");
  const admin = await t.agentSocket(await adminCookie(t));
  const base = `/api/v1/conversations/${conversationId}`;
  try {
    const assigned = await call(t, "POST", `${base}/assign`, {
      token: secret,
      body: { agentId: ann.id },
    });
    assert.equal(assigned.status, 200, assigned.text);
    assert.equal(assigned.body.assigneeId, ann.id);
    assert.equal(assigned.body.status, "open");
    await admin.nextOf(
      "conversation",
      (f) =>
        (f.conversation as { id: string; assigneeId: string }).id === conversationId &&
        (f.conversation as { assigneeId: string }).assigneeId === ann.id,
    );
    const queued = await call(t, "POST", `${base}/assign`, {
      token: secret,
      body: { agentId: null },
    });
    assert.equal(queued.body.status, "queued");
    assert.equal(queued.body.assigneeId, null);
    assert.equal(
      (await call(t, "POST", `${base}/assign`, { token: secret, body: { agentId: null } })).status,
      409,
    );
    const note = await call(t, "POST", `${base}/notes`, {
      token: secret,
      body: { clientId: "n1", body: "VIP customer", author: { kind: "bot", name: "CRM" } },
    });
    assert.equal(note.status, 201);
    assert.equal(note.body.note, true);
    await admin.nextOf("message", (f) => (f.message as { body: string }).body === "VIP customer");

    const resolved = await call(t, "POST", `${base}/resolve`, { token: secret });
    assert.equal(resolved.body.status, "resolved");
    assert.equal((await call(t, "POST", `${base}/resolve`, { token: secret })).status, 409);
    await v.nextOf(
      "conversation",
      (f) => (f.conversation as { status: string }).status === "resolved",
    );
    const reopened = await call(t, "POST", `${base}/reopen`, { token: secret });
    assert.equal(reopened.body.status, "queued");

    const messages = await call(t, "GET", `${base}/messages?limit=200`, { token: secret });
    const bodies = messages.body.data.map((m: { body: string }) => m.body);
    assert.ok(bodies.includes("VIP customer"), "notes are included");
    assert.ok(bodies.includes("Router resolved the conversation"), bodies.join(" | "));
    // The visitor never sees the note.
    await v.roundTrip();
    assert.equal(
      v.all("message").some((f) => (f.message as { body: string }).body === "VIP customer"),
      false,
    );
  } finally {
    await v.close();
    await admin.close();
  }
});

Deno.test("visitors are read and updated; agents are listed with presence", async () => {
  const t = server();
  const { secret } = await makeToken(t);
  const { v, visitorId } = await visitorWrote(t, "who am i");
  const admin = await t.agentSocket(await adminCookie(t));
  try {
    const read = await call(t, "GET", `/api/v1/visitors/${visitorId}`, { token: secret });
    assert.equal(read.status, 200);
    assert.equal(read.body.online, true);
    const updated = await call(t, "PATCH", `/api/v1/visitors/${visitorId}`, {
      token: secret,
      body: { name: "Dana <b>Scully</b>", email: "dana@example.com", attributes: { plan: "pro" } },
    });
    assert.equal(updated.status, 200, updated.text);
    assert.equal(updated.body.name, "Dana <b>Scully</b>");
    assert.equal(updated.body.email, "dana@example.com");
    assert.equal(updated.body.attributes.plan, "pro");
    await admin.nextOf("visitor", (f) => (f.visitor as { id: string }).id === visitorId);

    const bad = await call(t, "PATCH", `/api/v1/visitors/${visitorId}`, {
      token: secret,
      body: { email: "not an email" },
    });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.code, "bad_frame");
    assert.equal(bad.body.error.field, "email");
    const longKey = "k".repeat(65);
    const tooLong = await call(t, "PATCH", `/api/v1/visitors/${visitorId}`, {
      token: secret,
      body: { attributes: { [longKey]: 1 } },
    });
    assert.equal(tooLong.status, 400);
    assert.equal(tooLong.body.error.field, `attributes.${longKey}`);

    const agents = await call(t, "GET", "/api/v1/agents", { token: secret });
    assert.equal(agents.status, 200);
    const me = agents.body.data.find((a: { email: string }) => a.email === "admin@test.local");
    assert.equal(me.status, "online");
    assert.equal("passwordHash" in me, false);
  } finally {
    await v.close();
    await admin.close();
  }
});

Deno.test("a conversation opened for a visitor takes their next message", async () => {
  const t = server();
  const { secret } = await makeToken(t);
  const { v, conversationId, visitorId } = await visitorWrote(t, "first");
  try {
    const busy = await call(t, "POST", "/api/v1/conversations", {
      token: secret,
      body: { visitorId },
    });
    assert.equal(busy.status, 409);
    await call(t, "POST", `/api/v1/conversations/${conversationId}/resolve`, { token: secret });
    const opened = await call(t, "POST", "/api/v1/conversations", {
      token: secret,
      body: { visitorId },
    });
    assert.equal(opened.status, 201, opened.text);
    assert.notEqual(opened.body.id, conversationId);
    assert.equal(opened.body.status, "queued");
    const clientId = crypto.randomUUID();
    v.send({ type: "message", clientId, body: "second" });
    const ack = await v.nextOf("ack", (f) => f.clientId === clientId);
    assert.equal(ack.conversationId, opened.body.id);
  } finally {
    await v.close();
  }
});

Deno.test("listings page with cursors; errors have one shape naming the field", async () => {
  const t = server();
  const site = await makeSite(t);
  const { secret } = await makeToken(t, { sites: [site] });
  const sockets: TestSocket[] = [];
  try {
    for (let i = 0; i < 5; i++) sockets.push((await visitorWrote(t, `page ${i}`, site)).v);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const q: string = cursor === null ? "" : `&cursor=${encodeURIComponent(cursor)}`;
      const page: { body: { data: { id: string }[]; nextCursor: string | null } } = await call(
        t,
        "GET",
        `/api/v1/conversations?limit=2${q}`,
        { token: secret },
      );
      assert.ok(page.body.data.length <= 2);
      seen.push(...page.body.data.map((c) => c.id));
      cursor = page.body.nextCursor;
    } while (cursor !== null);
    assert.equal(seen.length, 5);
    assert.equal(new Set(seen).size, 5);

    const bad = await call(t, "GET", "/api/v1/conversations?limit=0", { token: secret });
    assert.equal(bad.status, 400);
    assert.deepEqual(Object.keys(bad.body.error).sort(), ["code", "field", "message"]);
    assert.equal(bad.body.error.field, "limit");
    const unknown = await call(t, "GET", "/api/v1/conversations?colour=red", { token: secret });
    assert.equal(unknown.status, 400);
    assert.equal(unknown.body.error.field, "colour");
    const cursorBad = await call(t, "GET", "/api/v1/conversations?cursor=zzz", { token: secret });
    assert.equal(cursorBad.body.error.field, "cursor");
    const noSuch = await call(t, "GET", "/api/v1/nothing-here", { token: secret });
    assert.equal(noSuch.status, 404);
    assert.equal(noSuch.body.error.code, "not_found");
  } finally {
    for (const s of sockets) await s.close();
  }
});

Deno.test("a visitor's data is exported and erased with a token, within its sites and scope", async () => {
  const t = server();
  const siteA = await makeSite(t);
  const siteB = await makeSite(t);
  const writer = await makeToken(t, { name: "Privacy desk", sites: [siteA] });
  const reader = await makeToken(t, { name: "Reader", scope: "read", sites: [siteA] });
  const a = await visitorWrote(t, "my words, to be forgotten", siteA);
  const b = await visitorWrote(t, "from B", siteB);
  try {
    const exported = await call(t, "GET", `/api/v1/visitors/${a.visitorId}/export`, {
      token: reader.secret,
    });
    assert.equal(exported.status, 200, exported.text);
    assert.equal(exported.body.format, "parley-visitor-export/1");
    assert.equal(exported.body.conversations[0].messages[0].body, "my words, to be forgotten");
    // Another site's visitor does not exist for this token; a read token cannot erase.
    for (const path of [`/api/v1/visitors/${b.visitorId}/export`]) {
      assert.equal((await call(t, "GET", path, { token: reader.secret })).status, 404);
    }
    const other = await call(t, "DELETE", `/api/v1/visitors/${b.visitorId}`, {
      token: writer.secret,
    });
    assert.equal(other.status, 404);
    const refused = await call(t, "DELETE", `/api/v1/visitors/${a.visitorId}`, {
      token: reader.secret,
    });
    assert.equal(refused.status, 403);
    assert.equal(refused.body.error.code, "forbidden");

    const erased = await call(t, "DELETE", `/api/v1/visitors/${a.visitorId}`, {
      token: writer.secret,
    });
    assert.equal(erased.status, 204);
    assert.equal((await a.v.closed).code, 4410);
    assert.equal(await t.store.getVisitor(a.visitorId), null);
    assert.equal(await t.store.getConversation(a.conversationId), null);
    const again = await call(t, "DELETE", `/api/v1/visitors/${a.visitorId}`, {
      token: writer.secret,
    });
    assert.equal(again.status, 404);
    assert.ok(await t.store.getVisitor(b.visitorId), "the other site's visitor is kept");

    // The audit log names the token (id and name, never its secret), not a person.
    const audit = await call(t, "GET", "/api/audit?limit=200", { cookie: await adminCookie(t) });
    const byToken = (audit.body.entries as { actorId: string; action: string }[])
      .filter((e) => e.actorId === `token:${writer.id}`).map((e) => e.action);
    assert.deepEqual(byToken, ["visitor.erase"]);
    assert.equal(JSON.stringify(audit.body).includes(writer.secret), false);
  } finally {
    await Promise.all([a.v.close(), b.v.close()]);
  }
});
