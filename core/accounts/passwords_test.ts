import assert from "node:assert/strict";
import { DEFAULT_PBKDF2_ITERATIONS, hashPassword, verifyPassword } from "./passwords.ts";

Deno.test("hashPassword uses OWASP's 600,000 PBKDF2-SHA256 iterations by default", async () => {
  assert.equal(DEFAULT_PBKDF2_ITERATIONS, 600_000);
  const hash = await hashPassword("correct horse battery staple");
  assert.match(hash, /^pbkdf2-sha256\$600000\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
  assert.equal(await verifyPassword("correct horse battery staple", hash), true);
});

Deno.test("verifyPassword refuses wrong passwords and malformed hashes", async () => {
  const hash = await hashPassword("secret-one", 1000);
  assert.equal(await verifyPassword("secret-one", hash), true);
  assert.equal(await verifyPassword("secret-two", hash), false);
  assert.equal(await verifyPassword("secret-one", "plain"), false);
  assert.equal(await verifyPassword("secret-one", "pbkdf2-sha256$x$y$z"), false);
  assert.equal(await verifyPassword("secret-one", "pbkdf2-sha256$1000$!!!$z"), false);
});

Deno.test("the same password hashes differently each time (random salt)", async () => {
  assert.notEqual(await hashPassword("same", 1000), await hashPassword("same", 1000));
});
