import assert from "node:assert/strict";
import { identityMessage, verifyIdentity } from "./identity_signature.ts";
import { hmacHex } from "./tokens.ts";

// The test vector of docs/security.md, "Verified identity".
const SECRET = "your-site-identity-secret";
const ID_ONLY = "cce606a5b1e31c9d325cf0f8345d4dd51d5f3f8b3e726d430b13365595ecac94";
const ALL = "75da947364f198c6895bb7bfd6af9909bd4e0d79685560730a42ccf6958ff113";

Deno.test("identityMessage() is the id alone, or one field=value line per signed field", () => {
  assert.equal(identityMessage({ id: "42" }), "42");
  assert.equal(
    identityMessage({ id: "42", email: "ann@example.com", name: "Ann Lee" }),
    "id=42\nemail=ann@example.com\nname=Ann Lee",
  );
  assert.equal(identityMessage({ id: "42", name: "Ann Lee" }), "id=42\nname=Ann Lee");
});

Deno.test("the documented test vector verifies, and is printed in docs/security.md", async () => {
  const doc = await Deno.readTextFile(new URL("../../docs/security.md", import.meta.url));
  assert.ok(doc.includes(ID_ONLY) && doc.includes(ALL));
  const claim = { id: "42", email: "ann@example.com", name: "Ann Lee" };
  assert.equal(await hmacHex(SECRET, "42"), ID_ONLY);
  assert.deepEqual(await verifyIdentity(SECRET, { ...claim, hash: ALL }), {
    id: true,
    email: true,
    name: true,
  });
  assert.deepEqual(await verifyIdentity(SECRET, { ...claim, hash: ID_ONLY.toUpperCase() }), {
    id: true,
    email: false,
    name: false,
  });
});

Deno.test("verifyIdentity() proves only the signed fields, never a line break", async () => {
  const idEmail = await hmacHex(SECRET, "id=42\nemail=ann@example.com");
  assert.deepEqual(
    await verifyIdentity(SECRET, {
      id: "42",
      email: "ann@example.com",
      name: "Eve",
      hash: idEmail,
    }),
    { id: true, email: true, name: false },
  );
  assert.deepEqual(
    await verifyIdentity(SECRET, { id: "42", email: "eve@example.com", hash: ALL }),
    { id: false, email: false, name: false },
  );
  const newline = await hmacHex(SECRET, "4\n2");
  assert.deepEqual(await verifyIdentity(SECRET, { id: "4\n2", hash: newline }), {
    id: false,
    email: false,
    name: false,
  });
  assert.deepEqual(await verifyIdentity(SECRET, { id: "42" }), {
    id: false,
    email: false,
    name: false,
  });
});
