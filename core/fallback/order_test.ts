import assert from "node:assert/strict";
import { FrameOrder, MAX_HELD_FRAMES } from "./order.ts";

Deno.test("frames in order are applied at once, a retried post is dropped", () => {
  const o = new FrameOrder();
  assert.deepEqual(o.accept(0, ["a", "b"]), { apply: ["a", "b"], overflow: false });
  assert.equal(o.next, 2);
  // The same post again (its answer was lost), then one overlapping it.
  assert.deepEqual(o.accept(0, ["a", "b"]), { apply: [], overflow: false });
  assert.deepEqual(o.accept(1, ["b", "c"]), { apply: ["c"], overflow: false });
  assert.equal(o.next, 3);
  assert.equal(o.held, 0);
});

Deno.test("a post ahead of a gap is held until the gap fills, then applied in index order", () => {
  const o = new FrameOrder();
  assert.deepEqual(o.accept(3, ["d", "e"]), { apply: [], overflow: false });
  assert.deepEqual(o.accept(1, ["b"]), { apply: [], overflow: false });
  assert.equal(o.held, 3);
  // The same held post again changes nothing.
  assert.deepEqual(o.accept(3, ["d", "e"]), { apply: [], overflow: false });
  assert.deepEqual(o.accept(0, ["a"]), { apply: ["a", "b"], overflow: false });
  assert.equal(o.next, 2);
  assert.deepEqual(o.accept(2, ["c"]), { apply: ["c", "d", "e"], overflow: false });
  assert.equal(o.next, 5);
  assert.equal(o.held, 0);
});

Deno.test("more frames held than the limit is an overflow", () => {
  const o = new FrameOrder();
  const frames = Array.from({ length: MAX_HELD_FRAMES }, (_, i) => `f${i + 1}`);
  assert.deepEqual(o.accept(1, frames), { apply: [], overflow: false });
  assert.equal(o.held, MAX_HELD_FRAMES);
  assert.equal(o.accept(MAX_HELD_FRAMES + 1, ["x"]).overflow, true);
  // The gap filling still releases everything held.
  const { apply } = o.accept(0, ["f0"]);
  assert.equal(apply.length, MAX_HELD_FRAMES + 1);
  assert.equal(o.next, MAX_HELD_FRAMES + 1);
});

Deno.test("any interleaving of retried and reordered posts applies each frame once, in order", () => {
  // Posts of 1 to 3 frames, delivered in a shuffled order with duplicates.
  for (let round = 0; round < 200; round++) {
    const total = 20;
    const posts: [number, string[]][] = [];
    for (let i = 0; i < total;) {
      const size = Math.min(total - i, 1 + Math.floor(Math.random() * 3));
      posts.push([i, Array.from({ length: size }, (_, k) => `f${i + k}`)]);
      i += size;
    }
    const delivered = [...posts, ...posts.filter(() => Math.random() < 0.3)];
    for (let i = delivered.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      [delivered[i], delivered[j]] = [delivered[j], delivered[i]];
    }
    const o = new FrameOrder();
    const applied: string[] = [];
    for (const [n, frames] of delivered) {
      const r = o.accept(n, frames);
      assert.equal(r.overflow, false);
      applied.push(...r.apply);
    }
    assert.deepEqual(applied, Array.from({ length: total }, (_, i) => `f${i}`));
  }
});
