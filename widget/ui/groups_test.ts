import assert from "node:assert/strict";
import { formatTime, groupItems } from "./groups.ts";
import type { ChatItem } from "./items.ts";

function item(key: string, authorKind: ChatItem["authorKind"], at: string, name = "Ana"): ChatItem {
  return {
    key,
    id: key,
    conversationId: "c1",
    seq: null,
    clientId: null,
    authorKind,
    authorName: authorKind === "agent" ? name : null,
    body: key,
    createdAt: at,
    delivery: "sent",
  };
}

Deno.test("groupItems() groups consecutive messages by author within five minutes", () => {
  const groups = groupItems([
    item("a", "visitor", "2025-01-01T10:00:00Z"),
    item("b", "visitor", "2025-01-01T10:01:00Z"),
    item("c", "agent", "2025-01-01T10:02:00Z"),
    item("d", "agent", "2025-01-01T10:02:30Z", "Bo"),
    item("e", "agent", "2025-01-01T10:20:00Z", "Bo"),
    item("f", "system", "2025-01-01T10:21:00Z"),
    item("g", "system", "2025-01-01T10:21:01Z"),
  ]);
  assert.deepEqual(groups.map((g) => g.items.map((i) => i.key).join("")), [
    "ab",
    "c",
    "d",
    "e",
    "f",
    "g",
  ]);
});

Deno.test("formatTime() shows the time today and adds the date on other days", () => {
  const now = new Date("2025-03-12T15:00:00");
  assert.equal(formatTime("2025-03-12T14:05:00", "en-GB", now), "14:05");
  assert.match(formatTime("2025-03-10T14:05:00", "en-GB", now), /10 Mar.*14:05/);
  assert.equal(formatTime("garbage", "en", now), "");
});
