import assert from "node:assert/strict";
import { Batcher, settle } from "./batcher.ts";

Deno.test("Batcher runs a lone call at once and groups calls that arrive while busy", async () => {
  const batches: number[][] = [];
  let release = () => {};
  const b = new Batcher<number, number>(async (items) => {
    batches.push(items);
    if (batches.length === 1) await new Promise<void>((r) => release = r);
    return items.map((x) => ({ ok: true, value: x * 10 }));
  }, { maxInFlight: 1, maxBatch: 3 });
  const first = b.submit(1);
  await new Promise((r) => setTimeout(r, 0));
  const rest = [2, 3, 4, 5].map((x) => b.submit(x));
  await new Promise((r) => setTimeout(r, 0));
  assert.deepEqual(batches, [[1]], "the others wait for the slot");
  release();
  assert.deepEqual(await Promise.all([first, ...rest]), [10, 20, 30, 40, 50]);
  assert.deepEqual(batches, [[1], [2, 3, 4], [5]], "queued calls share statements, capped");
});

Deno.test("Batcher fails only the item whose outcome is an error", async () => {
  const b = new Batcher<number, number>(
    (items) =>
      Promise.all(
        items.map((x) =>
          settle(() => x === 2 ? Promise.reject(new RangeError("two")) : Promise.resolve(x))
        ),
      ),
    { maxInFlight: 1, maxBatch: 10 },
  );
  const results = await Promise.allSettled([1, 2, 3].map((x) => b.submit(x)));
  assert.equal(results[0].status, "fulfilled");
  assert.equal(results[1].status, "rejected");
  assert.equal(results[2].status, "fulfilled");
});

Deno.test("Batcher rejects a whole batch when the run throws, then keeps working", async () => {
  let fail = true;
  const b = new Batcher<number, number>((items) => {
    if (fail) return Promise.reject(new Error("database down"));
    return Promise.resolve(items.map((x) => ({ ok: true, value: x })));
  }, { maxInFlight: 2, maxBatch: 10 });
  await assert.rejects(b.submit(1), /database down/);
  fail = false;
  assert.equal(await b.submit(2), 2);
});
