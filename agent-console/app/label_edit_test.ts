import assert from "node:assert/strict";
import { labelToggle } from "./label_edit.ts";

Deno.test("labelToggle() adds a label the conversation lacks and removes one it has", () => {
  assert.deepEqual(labelToggle(["a", "b"], "c"), { add: ["c"] });
  assert.deepEqual(labelToggle(["a", "b"], "a"), { remove: ["a"] });
  assert.deepEqual(labelToggle(undefined, "a"), { add: ["a"] });
});

Deno.test("labelToggle() names only the toggled label, so two quick toggles both apply", () => {
  // Both toggles start from the same (stale) set, as when the first answer has not come back.
  const seen = ["a"];
  const first = labelToggle(seen, "b");
  const second = labelToggle(seen, "c");
  // Applied in either order on the server, the result keeps both.
  const apply = (set: Set<string>, e: ReturnType<typeof labelToggle>) => {
    if ("add" in e) e.add.forEach((id) => set.add(id));
    else e.remove.forEach((id) => set.delete(id));
    return set;
  };
  assert.deepEqual([...apply(apply(new Set(seen), first), second)].sort(), ["a", "b", "c"]);
  assert.deepEqual([...apply(apply(new Set(seen), second), first)].sort(), ["a", "b", "c"]);
});
