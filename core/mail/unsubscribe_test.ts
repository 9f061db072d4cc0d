import assert from "node:assert/strict";
import { createUnsubscribeTokens } from "./unsubscribe.ts";

Deno.test("unsubscribe tokens name their visitor", async () => {
  const tokens = createUnsubscribeTokens("s".repeat(32));
  const id = crypto.randomUUID();
  assert.equal(await tokens.verify(await tokens.sign(id)), id);
});

Deno.test("unsubscribe tokens forged or of another server are refused", async () => {
  const mine = createUnsubscribeTokens("a".repeat(32));
  const theirs = createUnsubscribeTokens("b".repeat(32));
  const id = crypto.randomUUID();
  assert.equal(await mine.verify(await theirs.sign(id)), null);
  const [, sig] = (await mine.sign(id)).split(".");
  assert.equal(await mine.verify(`${crypto.randomUUID()}.${sig}`), null);
  assert.equal(await mine.verify(id), null);
  assert.equal(await mine.verify(""), null);
  assert.equal(await mine.verify(`../x.${sig}`), null);
});
