import assert from "node:assert/strict";
import { createResumeTokens, isResumeToken } from "./resume_tokens.ts";
import { createVisitorTokenSigner } from "./tokens.ts";

const SECRET = "s".repeat(32);

Deno.test("resume tokens name their visitor for their own site only", async () => {
  const tokens = createResumeTokens(SECRET, 3600);
  const token = await tokens.sign("visitor-1", "shop");
  assert.ok(isResumeToken(token));
  const ok = await tokens.verify(token, "shop");
  assert.equal(ok.ok && ok.claims.visitorId, "visitor-1");
  assert.deepEqual(await tokens.verify(token, "other"), { ok: false, reason: "wrong_site" });
});

Deno.test("resume tokens expire after their time to live", async () => {
  let now = Date.UTC(2026, 0, 1);
  const tokens = createResumeTokens(SECRET, 7 * 86_400, () => now);
  const token = await tokens.sign("visitor-1", "shop");
  now += 7 * 86_400_000 - 1000;
  assert.equal((await tokens.verify(token, "shop")).ok, true);
  now += 2000;
  assert.deepEqual(await tokens.verify(token, "shop"), { ok: false, reason: "expired" });
});

Deno.test("resume tokens forged, tampered with or of another purpose are refused", async () => {
  const tokens = createResumeTokens(SECRET, 3600);
  const theirs = createResumeTokens("t".repeat(32), 3600);
  assert.deepEqual(await tokens.verify(await theirs.sign("v", "shop"), "shop"), {
    ok: false,
    reason: "bad_signature",
  });
  const [r, , sig] = (await tokens.sign("visitor-1", "shop")).split(".");
  const forged = btoa(JSON.stringify({ v: "visitor-2", s: "shop", x: 9e9 })).replace(/=+$/, "");
  assert.deepEqual(await tokens.verify(`${r}.${forged}.${sig}`, "shop"), {
    ok: false,
    reason: "bad_signature",
  });
  // The same secret's visitor token is not a resume token, nor the reverse.
  const visitorToken = await createVisitorTokenSigner(SECRET, 3600).sign("visitor-1", "shop");
  assert.equal(isResumeToken(visitorToken), false);
  assert.deepEqual(await tokens.verify(visitorToken, "shop"), { ok: false, reason: "malformed" });
  const resume = await tokens.sign("visitor-1", "shop");
  const asVisitor = await createVisitorTokenSigner(SECRET, 3600).verify(resume, "shop");
  assert.equal(asVisitor.ok, false);
  assert.deepEqual(await tokens.verify("r1.!!.??", "shop"), { ok: false, reason: "malformed" });
});
