import assert from "node:assert/strict";
import { mergeMessages } from "./merge.ts";

const m = (seq: number, conversationId = "c", body = `m${seq}`) => ({ conversationId, seq, body });

Deno.test("mergeMessages() keeps seq order, drops duplicates and reuses unchanged arrays", () => {
  const a = [m(2), m(3)];
  assert.equal(mergeMessages(a, [m(3)]), a);
  const merged = mergeMessages(a, [m(5), m(1), m(4)]);
  assert.deepEqual(merged.map((x) => x.seq), [1, 2, 3, 4, 5]);
});

Deno.test("mergeMessages() keeps the first copy of a seq", () => {
  const merged = mergeMessages([m(1, "c", "from the ack")], [m(1, "c", "relayed"), m(2)]);
  assert.deepEqual(merged.map((x) => x.body), ["from the ack", "m2"]);
});

Deno.test("mergeMessages() dedupes a seq within its conversation only", () => {
  const merged = mergeMessages([m(1, "old")], [m(1, "new"), m(1, "new")]);
  assert.deepEqual(merged.map((x) => x.conversationId), ["old", "new"]);
});
