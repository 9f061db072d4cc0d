import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { bulkNotices, createBulkSelection } from "./bulk.ts";
import { matchShortcut } from "./shortcuts.ts";

const ORDER = ["a", "b", "c", "d", "e"];
const ticked = (s: ReturnType<typeof createBulkSelection>) => [...s.ids.value].sort();

Deno.test("toggle() ticks and unticks one row; a range ticks every row from the last clicked", () => {
  const s = createBulkSelection();
  s.toggle("b", ORDER);
  s.toggle("d", ORDER, true);
  assertEquals(ticked(s), ["b", "c", "d"]);
  // A range takes the clicked row's new state, backwards too.
  s.toggle("a", ORDER);
  s.toggle("c", ORDER);
  s.toggle("a", ORDER, true);
  assertEquals(ticked(s), ["d"]);
});

Deno.test("all(), keep() and clear(): the view, rows leaving it, and a fresh start", () => {
  const s = createBulkSelection();
  s.all(ORDER, true);
  assertEquals(ticked(s), ORDER);
  s.keep(["a", "c", "z"]);
  assertEquals(ticked(s), ["a", "c"]);
  s.clear();
  assertEquals(ticked(s), []);
  // After clear() a shift-click has no anchor: it ticks the one row.
  s.toggle("e", ORDER, true);
  assertEquals(ticked(s), ["e"]);
});

Deno.test("bulkNotices() counts what worked and gives the first reason of what did not", () => {
  assertEquals(bulkNotices([{ id: "a", error: null }], "resolved"), [
    { text: "1 conversation resolved", tone: "info" },
  ]);
  assertEquals(
    bulkNotices([
      { id: "a", error: null },
      { id: "b", error: null },
      { id: "c", error: "Conversation is already resolved" },
    ], "resolved"),
    [
      { text: "2 conversations resolved", tone: "info" },
      { text: "1 could not be changed: Conversation is already resolved", tone: "error" },
    ],
  );
});

Deno.test("x ticks the focused row, never while typing", () => {
  const key = { ctrlKey: false, metaKey: false, altKey: false, dialogOpen: false };
  assertEquals(matchShortcut({ ...key, key: "x", inField: false }), "tick");
  assertEquals(matchShortcut({ ...key, key: "x", inField: true }), null);
});
