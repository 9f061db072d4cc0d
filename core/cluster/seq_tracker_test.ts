import assert from "node:assert/strict";
import { SeqTracker } from "./seq_tracker.ts";

Deno.test("SeqTracker.mark() reports each seq once, in any order", () => {
  const t = new SeqTracker();
  assert.equal(t.mark("c", 5), true);
  assert.equal(t.mark("c", 7), true);
  assert.equal(t.mark("c", 6), true, "a late seq inside the window is still new");
  assert.equal(t.mark("c", 6), false);
  assert.equal(t.mark("c", 7), false);
  assert.equal(t.has("c", 4), false, "seqs before the first one seen may still arrive");
  assert.equal(t.mark("c", 4), true);
  assert.equal(t.has("c", 4), true);
});

Deno.test("SeqTracker.missingAfter() starts a catch-up at the first undelivered seq", () => {
  const t = new SeqTracker();
  assert.equal(t.missingAfter("c", 10), undefined, "unknown conversation");
  t.mark("c", 3);
  t.mark("c", 4);
  assert.equal(t.missingAfter("c", 4), null, "nothing missing");
  assert.equal(t.missingAfter("c", 9), 4);
  t.mark("c", 7); // 5 and 6 were not delivered
  assert.equal(t.missingAfter("c", 7), 4);
  t.mark("c", 5);
  t.mark("c", 6);
  assert.equal(t.missingAfter("c", 7), null);
  assert.equal(t.missingAfter("c", 8), 7);
});

Deno.test("SeqTracker forgets the least recently active conversation past its limit", () => {
  const t = new SeqTracker(2);
  t.mark("a", 1);
  t.mark("b", 1);
  t.mark("a", 2); // a is now the most recent
  t.mark("c", 1);
  assert.equal(t.size, 2);
  assert.equal(t.has("b", 1), false);
  assert.equal(t.has("a", 2), true);
});

Deno.test("SeqTracker treats seqs far below the window as delivered only when marked", () => {
  const t = new SeqTracker();
  t.mark("c", 1);
  t.mark("c", 100);
  assert.equal(t.has("c", 1), false, "outside the window nothing is remembered");
  assert.equal(t.mark("c", 99), true);
  assert.equal(t.missingAfter("c", 100), 69);
});
