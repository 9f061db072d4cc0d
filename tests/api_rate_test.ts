/**
 * The per-token request limit of the public API (`PARLEY_API_RATE_PER_MINUTE`, docs/api.md):
 * past it, 429 `rate_limited` with `Retry-After`; every answer says the limit and what is
 * left; each token has its own budget.
 */

import assert from "node:assert/strict";
import { serverPerFile } from "./helpers/server.ts";
import { call, makeToken } from "./api_helpers.ts";

const server = serverPerFile({ env: { PARLEY_API_RATE_PER_MINUTE: "3" } });

Deno.test("a token past its requests per minute gets 429 with Retry-After", async () => {
  const t = server();
  const { secret } = await makeToken(t);
  const left: string[] = [];
  for (let i = 0; i < 3; i++) {
    const res = await call(t, "GET", "/api/v1/agents", { token: secret });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("x-ratelimit-limit"), "3");
    left.push(res.headers.get("x-ratelimit-remaining") ?? "");
  }
  assert.deepEqual(left, ["2", "1", "0"]);
  const refused = await call(t, "GET", "/api/v1/agents", { token: secret });
  assert.equal(refused.status, 429);
  assert.equal(refused.body.error.code, "rate_limited");
  const wait = Number(refused.headers.get("retry-after"));
  assert.ok(wait >= 1 && wait <= 20, `Retry-After ${wait}`);
  assert.equal(refused.headers.get("x-ratelimit-remaining"), "0");

  // Another token is not held back by this one; the public document is not counted.
  const other = await makeToken(t);
  assert.equal((await call(t, "GET", "/api/v1/agents", { token: other.secret })).status, 200);
  assert.equal((await call(t, "GET", "/api/v1/openapi.json")).status, 200);
});
