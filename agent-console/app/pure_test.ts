import assert from "node:assert/strict";
import { agoText, describeUserAgent, initials, isWebUrl, timeAgo, visitorLabel } from "./format.ts";
import { formatHash, parseHash } from "./router.ts";
import { mergeSummary, summaryAfterMessage } from "./summaries.ts";
import { message, summary } from "./test_fakes.ts";
import { matchCanned } from "./components/Composer.tsx";

Deno.test("mergeSummary() never moves readSeq backwards", () => {
  const prev = summary("c", { readSeq: 5 });
  assert.equal(mergeSummary(prev, summary("c", { readSeq: 0, status: "open" })).readSeq, 5);
  assert.equal(mergeSummary(prev, summary("c", { readSeq: 7 })).readSeq, 7);
});

Deno.test("summaryAfterMessage() updates the preview but not for notes, and own messages are read", () => {
  const c = summary("c", { lastSeq: 1 });
  const note = summaryAfterMessage(c, message("c", 2, { note: true, body: "secret" }), "me");
  assert.equal(note.lastSeq, 2);
  assert.equal(note.lastMessage?.body, "hi");
  const mine = summaryAfterMessage(
    c,
    message("c", 2, { authorKind: "agent", authorId: "me" }),
    "me",
  );
  assert.equal(mine.readSeq, 2);
  assert.equal(summaryAfterMessage(c, message("c", 1), "me"), c);
});

Deno.test("hash routes round-trip and reject odd ids", () => {
  assert.deepEqual(parseHash("#/mine/abc-1"), { view: "mine", conversationId: "abc-1" });
  assert.deepEqual(parseHash(""), { view: "queue", conversationId: null });
  assert.deepEqual(parseHash("#/nope/<script>"), { view: "queue", conversationId: null });
  assert.equal(formatHash({ view: "resolved", conversationId: "x" }), "#/resolved/x");
});

Deno.test("format helpers: relative times, initials, names, user agents, safe URLs", () => {
  const now = Date.parse("2024-05-01T12:00:00Z");
  assert.equal(timeAgo("2024-05-01T11:59:50Z", now), "now");
  assert.equal(timeAgo("2024-05-01T11:55:00Z", now), "5m");
  assert.equal(timeAgo("2024-05-01T09:00:00Z", now), "3h");
  assert.equal(agoText("2024-05-01T11:55:00Z", now), "5m ago");
  assert.equal(initials("ann  marie smith"), "AS");
  assert.equal(initials(""), "?");
  assert.equal(visitorLabel("Zoe", "v1"), "Zoe");
  assert.match(visitorLabel("", "v1"), /^\w+ \w+$/);
  assert.equal(
    describeUserAgent("Mozilla/5.0 (Windows NT 10.0; Win64; x64) Gecko/20100101 Firefox/125.0"),
    "Firefox 125 on Windows",
  );
  assert.equal(isWebUrl("javascript:alert(1)"), false);
  assert.equal(isWebUrl("https://shop.example.com/"), true);
});

Deno.test("matchCanned() filters by shortcut prefix, only for a leading slash", () => {
  const canned = [
    { id: "1", agentId: null, shortcut: "hello", body: "Hi there", createdAt: "" },
    { id: "2", agentId: "a", shortcut: "refund", body: "Refunds take 5 days", createdAt: "" },
  ];
  assert.deepEqual(matchCanned(canned, "/")?.map((c) => c.id), ["1", "2"]);
  assert.deepEqual(matchCanned(canned, "/ref")?.map((c) => c.id), ["2"]);
  assert.deepEqual(matchCanned(canned, "/days")?.map((c) => c.id), ["2"]);
  assert.equal(matchCanned(canned, "hello /ref"), null);
  assert.equal(matchCanned(canned, "/ref more"), null);
});

Deno.test("signInError() explains wrong credentials and rate limiting", async () => {
  const { signInError } = await import("./auth.ts");
  const { ApiError } = await import("./api.ts");
  assert.equal(signInError(new ApiError(401, "unauthorized", "x")), "Wrong email or password");
  assert.match(signInError(new ApiError(429, "rate_limited", "x")), /Too many sign-in attempts/);
});
