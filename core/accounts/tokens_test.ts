import assert from "node:assert/strict";
import { createVisitorTokenSigner, hmacHex, safeEqual, sha256Hex } from "./tokens.ts";

Deno.test("visitor tokens verify for their own site only", async () => {
  const signer = createVisitorTokenSigner("s".repeat(32), 3600);
  const token = await signer.sign("visitor-1", "shop");
  assert.deepEqual(await signer.verify(token, "shop").then((r) => r.ok), true);
  assert.deepEqual(await signer.verify(token, "other"), { ok: false, reason: "wrong_site" });
});

Deno.test("visitor tokens signed with another secret or tampered with are refused", async () => {
  const mine = createVisitorTokenSigner("a".repeat(32), 3600);
  const theirs = createVisitorTokenSigner("b".repeat(32), 3600);
  const token = await theirs.sign("visitor-1", "shop");
  assert.deepEqual(await mine.verify(token, "shop"), { ok: false, reason: "bad_signature" });
  const good = await mine.sign("visitor-1", "shop");
  const [v, payload, sig] = good.split(".");
  const forged = btoa(JSON.stringify({ v: "visitor-2", s: "shop", t: 0 })).replace(/=+$/, "");
  assert.equal((await mine.verify(`${v}.${forged}.${sig}`, "shop")).ok, false);
  assert.equal((await mine.verify(`${v}.${payload}`, "shop")).ok, false);
  assert.deepEqual(await mine.verify("", "shop"), { ok: false, reason: "malformed" });
  assert.deepEqual(await mine.verify("v1.!!.??", "shop"), { ok: false, reason: "malformed" });
});

Deno.test("visitor tokens expire after their time to live", async () => {
  let now = Date.UTC(2026, 0, 1);
  const signer = createVisitorTokenSigner("s".repeat(32), 60, () => now);
  const token = await signer.sign("visitor-1", "shop");
  now += 59_000;
  assert.equal((await signer.verify(token, "shop")).ok, true);
  now += 2_000;
  assert.deepEqual(await signer.verify(token, "shop"), { ok: false, reason: "expired" });
});

Deno.test("hmacHex matches the identify hash a site computes", async () => {
  // HMAC-SHA256("key", "The quick brown fox jumps over the lazy dog"), a published test vector.
  assert.equal(
    await hmacHex("key", "The quick brown fox jumps over the lazy dog"),
    "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8",
  );
});

Deno.test("sha256Hex and safeEqual behave", async () => {
  assert.equal(
    await sha256Hex("abc"),
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
  );
  assert.equal(safeEqual("abc", "abc"), true);
  assert.equal(safeEqual("abc", "abd"), false);
  assert.equal(safeEqual("abc", "abcd"), false);
});
