import assert from "node:assert/strict";
import { ApiError, createApi } from "./api.ts";
import { agent } from "./test_fakes.ts";

function recorder(respond: (url: string, init: RequestInit) => Response) {
  const calls: { url: string; init: RequestInit }[] = [];
  const api = createApi("http://x", (url, init = {}) => {
    calls.push({ url, init });
    return Promise.resolve(respond(url, init));
  });
  return { api, calls };
}

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

Deno.test("createApi() sends X-Parley-CSRF on state changes only", async () => {
  const { api, calls } = recorder(() => json({ agent: agent("a") }));
  await api.me();
  await api.login("a@example.com", "pw");
  await api.updateMe({ name: "A" });
  const csrf = calls.map((c) => new Headers(c.init.headers).get("X-Parley-CSRF"));
  assert.deepEqual(csrf, [null, "1", "1"]);
  assert.deepEqual(calls.map((c) => c.init.method), ["GET", "POST", "PATCH"]);
});

Deno.test("createApi() me() answers null on 401 and login() throws the server's error", async () => {
  const { api } = recorder((url) =>
    url.endsWith("/me")
      ? json({ error: { code: "unauthorized", message: "Sign in" } }, 401)
      : json({ error: { code: "rate_limited", message: "Too many attempts" } }, 429)
  );
  assert.equal(await api.me(), null);
  await assert.rejects(() => api.login("a", "b"), (err) => {
    assert.ok(err instanceof ApiError);
    assert.equal(err.status, 429);
    assert.equal(err.code, "rate_limited");
    assert.equal(err.message, "Too many attempts");
    return true;
  });
});

Deno.test("createApi() rejects malformed bodies instead of trusting them", async () => {
  const { api } = recorder(() => json({ agents: [{ id: 42 }] }));
  await assert.rejects(() => api.agents());
});

Deno.test("createApi() changeConversationLabels() sends PATCH with only the label it changes", async () => {
  const { api, calls } = recorder(() => json({ labels: ["l1"], added: ["l1"], removed: [] }));
  await api.changeConversationLabels("c 1", { add: ["l1"] });
  await api.changeConversationLabels("c 1", { remove: ["l2"] });
  assert.deepEqual(calls.map((c) => [c.init.method, c.url, c.init.body]), [
    ["PATCH", "http://x/api/conversations/c%201/labels", JSON.stringify({ add: ["l1"] })],
    ["PATCH", "http://x/api/conversations/c%201/labels", JSON.stringify({ remove: ["l2"] })],
  ]);
});
