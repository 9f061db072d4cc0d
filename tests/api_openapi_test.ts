/**
 * The OpenAPI 3.1 document of `/api/v1` (docs/api.md) cannot drift from the API: it is public;
 * every declared route is in it and every documented operation answers (never 404 or 405);
 * real answers of every operation, errors included, validate against the schemas the
 * document gives for their status.
 */

import assert from "node:assert/strict";
import { serverPerFile } from "./helpers/server.ts";
import { API_V1_ROUTES } from "../routes/api_v1_routes.ts";
import { adminCookie, type Answer, call, makeToken, schemaErrors } from "./api_helpers.ts";

const server = serverPerFile();

type Doc = {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown> };
};
type Operation = {
  operationId: string;
  responses: Record<string, { content?: Record<string, { schema: unknown }> }>;
};

async function documentOf(): Promise<Doc> {
  const res = await call(server(), "GET", "/api/v1/openapi.json");
  assert.equal(res.status, 200);
  return res.body as Doc;
}

/** Asserts the answer's status is documented for the operation and its body fits the schema. */
function conforms(doc: Doc, op: Operation, res: Answer): void {
  const documented = op.responses[String(res.status)];
  assert.ok(documented, `${op.operationId}: status ${res.status} is not documented: ${res.text}`);
  // The answer's media type must be the documented one (JSON, or CSV for the export).
  const mediaType = (res.headers.get("content-type") ?? "").split(";")[0].trim();
  const content = documented.content ?? {};
  assert.ok(
    mediaType in content || (res.status === 204 && mediaType === ""),
    `${op.operationId} ${res.status}: ${mediaType} is not documented`,
  );
  const schema = content[mediaType]?.schema;
  const value = mediaType === "application/json" ? res.body : res.text;
  const errors = schemaErrors(doc as unknown as Record<string, unknown>, schema, value);
  assert.deepEqual(errors, [], `${op.operationId} ${res.status}: ${res.text.slice(0, 400)}`);
}

Deno.test("the document is public OpenAPI 3.1 listing exactly the declared routes", async () => {
  const doc = await documentOf();
  assert.equal(doc.openapi, "3.1.0");
  const documented = Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`)
  ).sort();
  const declared = API_V1_ROUTES.map((r) => `${r.method} ${r.path}`).sort();
  assert.deepEqual(documented, declared);
  const ids = Object.values(doc.paths).flatMap((ops) =>
    Object.values(ops).map((o) => o.operationId)
  );
  assert.equal(new Set(ids).size, ids.length, "operationIds are unique");
  // The validator the next test relies on does refuse what does not fit.
  const root = doc as unknown as Record<string, unknown>;
  const conversation = { $ref: "#/components/schemas/Conversation" };
  assert.notDeepEqual(schemaErrors(root, conversation, { id: 1 }), []);
  // Every $ref resolves.
  const refs = JSON.stringify(doc).match(/"\$ref":"[^"]+"/g) ?? [];
  for (const ref of new Set(refs)) {
    const name = ref.slice(ref.lastIndexOf("/") + 1, -1);
    assert.ok(name in doc.components.schemas, ref);
  }
});

Deno.test("every documented operation answers, and its answers fit the document", async () => {
  const t = server();
  const doc = await documentOf();
  const { secret } = await makeToken(t, { name: "Conformance" });
  const agent = await t.createAgent({ name: "Conformance agent" });
  const v = await t.visitorSocket();
  const clientId = crypto.randomUUID();
  v.send({ type: "message", clientId, body: "hello from the visitor" });
  const ack = await v.nextOf("ack", (f) => f.clientId === clientId);
  const conversationId = String(ack.conversationId);
  const visitorId = (v.all("welcome")[0] as unknown as { visitor: { id: string } }).visitor.id;

  const ops = new Map<string, { method: string; path: string; op: Operation }>();
  for (const [path, byMethod] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(byMethod)) {
      ops.set(op.operationId, { method: method.toUpperCase(), path, op });
    }
  }
  const covered = new Set<string>();
  const run = async (
    operationId: string,
    opts: { id?: string; query?: string; body?: unknown; token?: string | null } = {},
  ): Promise<Answer> => {
    const found = ops.get(operationId);
    assert.ok(found, `no operation ${operationId} in the document`);
    const path = found.path.replace("{id}", opts.id ?? "");
    const res = await call(t, found.method, `${path}${opts.query ?? ""}`, {
      ...(opts.token === null ? {} : { token: opts.token ?? secret }),
      ...(opts.body !== undefined ? { body: opts.body } : {}),
    });
    assert.notEqual(res.status, 405, `${operationId}: ${res.text}`);
    conforms(doc, found.op, res);
    covered.add(operationId);
    return res;
  };
  const bot = { kind: "bot", name: "Conformance bot" };
  try {
    await run("getOpenApi", { token: null });
    assert.equal((await run("listConversations", { query: "?limit=5" })).status, 200);
    assert.equal((await run("getConversation", { id: conversationId })).status, 200);
    assert.equal((await run("listMessages", { id: conversationId })).status, 200);
    const send = { clientId: "conf-1", body: "a reply", author: bot };
    assert.equal((await run("sendMessage", { id: conversationId, body: send })).status, 201);
    assert.equal((await run("sendMessage", { id: conversationId, body: send })).status, 200);
    const note = {
      clientId: "conf-2",
      body: "a note",
      author: { kind: "agent", agentId: agent.id },
    };
    assert.equal((await run("addNote", { id: conversationId, body: note })).status, 201);
    const assign = { agentId: agent.id };
    assert.equal(
      (await run("assignConversation", { id: conversationId, body: assign })).status,
      200,
    );
    assert.equal((await run("resolveConversation", { id: conversationId })).status, 200);
    assert.equal((await run("createConversation", { body: { visitorId } })).status, 201);
    assert.equal((await run("reopenConversation", { id: conversationId })).status, 200);
    assert.equal((await run("getVisitor", { id: visitorId })).status, 200);
    const patch = { attributes: { plan: "pro", seats: 3, trial: false, note: null } };
    assert.equal((await run("updateVisitor", { id: visitorId, body: patch })).status, 200);
    assert.equal((await run("listAgents")).status, 200);
    const labelRes = await call(t, "POST", "/api/labels", {
      cookie: await adminCookie(t),
      body: { name: `Conformance ${crypto.randomUUID().slice(0, 6)}`, color: "#123456" },
    });
    const labelId = labelRes.body.label.id;
    const listed = await run("listLabels");
    assert.ok(listed.body.data.some((l: { id: string }) => l.id === labelId));
    const set = { labelIds: [labelId] };
    assert.equal(
      (await run("setConversationLabels", { id: conversationId, body: set })).status,
      200,
    );
    const change = { remove: [labelId] };
    assert.equal(
      (await run("changeConversationLabels", { id: conversationId, body: change })).status,
      200,
    );
    const priority = { priority: "high" };
    assert.equal(
      (await run("setConversationPriority", { id: conversationId, body: priority })).status,
      200,
    );
    const today = new Date().toISOString().slice(0, 10);
    const period = `?from=${today}&to=${today}`;
    for (
      const op of ["getReportSummary", "getReportDaily", "getReportHeatmap", "getReportAgents"]
    ) {
      assert.equal((await run(op, { query: period })).status, 200, op);
    }
    const csv = await run("exportReportConversations", { query: period });
    assert.equal(csv.status, 200);
    assert.match(csv.text, /^id,site,visitor,/);
    const exported = await run("exportVisitor", { id: visitorId });
    assert.equal(exported.status, 200);
    assert.equal(exported.body.visitor.id, visitorId);
    // Erase a visitor of their own (the one above is needed below).
    const gone = await t.visitorSocket();
    gone.send({ type: "message", clientId: "bye", body: "erase me" });
    await gone.nextOf("ack");
    const goneId = (gone.all("welcome")[0] as unknown as { visitor: { id: string } }).visitor.id;
    assert.equal((await run("eraseVisitor", { id: goneId })).status, 204);
    assert.equal((await gone.closed).code, 4410, "the erased visitor's socket is closed");
    assert.equal((await run("getVisitor", { id: goneId })).status, 404);
    assert.deepEqual([...covered].sort(), [...ops.keys()].sort(), "every operation was called");

    // Errors fit the document too.
    assert.equal((await run("getConversation", { id: "no-such-conversation" })).status, 404);
    assert.equal((await run("listAgents", { token: "parley_nope" })).status, 401);
    assert.equal((await run("listConversations", { query: "?status=later" })).status, 400);
    assert.equal((await run("getReportSummary", { query: "?from=x&to=y" })).status, 400);
    const limited = await makeToken(t, { scope: "read", sites: ["demo"] });
    const otherSite = await run("getReportAgents", {
      query: `${period}&siteId=elsewhere`,
      token: limited.secret,
    });
    assert.equal(otherSite.status, 403);
    const readOnly = await makeToken(t, { scope: "read" });
    const refused = await run("setConversationPriority", {
      id: conversationId,
      body: priority,
      token: readOnly.secret,
    });
    assert.equal(refused.status, 403);
    assert.equal((await run("resolveConversation", { id: conversationId })).status, 200);
    assert.equal((await run("resolveConversation", { id: conversationId })).status, 409);
  } finally {
    await v.close();
  }
});
