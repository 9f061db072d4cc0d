import assert from "node:assert/strict";
import { signatureHeader, verifySignature } from "./signature.ts";

const SECRET = "whsec_test-secret";
const BODY = '{"id":"e1","type":"ping"}';

Deno.test("signatureHeader() is t=<unix>,v1=<hex HMAC-SHA256 of t.body>", async () => {
  const header = await signatureHeader(SECRET, BODY, 1_700_000_000);
  const key = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(SECRET),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const mac = new Uint8Array(
    await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(`1700000000.${BODY}`)),
  );
  const hex = Array.from(mac, (b) => b.toString(16).padStart(2, "0")).join("");
  assert.equal(header, `t=1700000000,v1=${hex}`);
});

Deno.test("verifySignature() accepts the body it signs and refuses any change, key or replay", async () => {
  const now = 1_700_000_000;
  const header = await signatureHeader(SECRET, BODY, now);
  assert.equal(await verifySignature(header, BODY, SECRET, { nowSeconds: now + 10 }), true);
  assert.equal(await verifySignature(header, BODY + " ", SECRET, { nowSeconds: now }), false);
  assert.equal(await verifySignature(header, BODY, "whsec_other", { nowSeconds: now }), false);
  assert.equal(await verifySignature(header, BODY, SECRET, { nowSeconds: now + 301 }), false);
  const forged = header.replace(/t=\d+/, `t=${now + 100}`);
  assert.equal(await verifySignature(forged, BODY, SECRET, { nowSeconds: now + 100 }), false);
  assert.equal(await verifySignature("v1=abc", BODY, SECRET), false);
});
