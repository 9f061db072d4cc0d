import assert from "node:assert/strict";
import { agoText, describeUserAgent, initials, isWebUrl, timeAgo, visitorLabel } from "./format.ts";
import { formatHash, parseHash } from "./router.ts";
import { mergeSummary, summaryAfterMessage } from "./summaries.ts";
import { message, summary } from "./test_fakes.ts";
import { matchCanned } from "./components/Composer.tsx";
import { fillCanned, unknownSlash } from "./canned.ts";
import type { VisitorInfo } from "../../protocol/frames.ts";

/** A visitor with the identity fields of `patch`. */
function visitorInfo(patch: Partial<VisitorInfo>): VisitorInfo {
  return {
    id: "v",
    siteId: "demo",
    name: "",
    email: null,
    verified: false,
    emailVerified: false,
    nameVerified: false,
    externalId: null,
    online: true,
    page: null,
    pagesVisited: [],
    referrer: null,
    userAgent: null,
    timezone: null,
    locale: null,
    attributes: {},
    createdAt: "",
    lastSeenAt: "",
    ...patch,
  };
}

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

Deno.test("fillCanned() fills known variables, keeps unknown ones, and falls back when missing", () => {
  const dmitri = visitorInfo({ name: "Dmitri Petrov", email: "d@example.org", externalId: "u1" });
  const agent = { name: "Ann Marie Agent" };
  const body = "Hi {{visitor.name}} ({{ visitor.email }}), {{agent.firstName}} here " +
    "({{agent.name}}). Order {{order.id}}.";
  assert.equal(
    fillCanned(body, { visitor: dmitri, agent }),
    "Hi Dmitri Petrov (d@example.org), Ann here (Ann Marie Agent). Order {{order.id}}.",
  );
  // A made-up name is not the visitor's: it counts as missing, like an email never given.
  const anon = visitorInfo({ name: "Amber Otter", email: null, externalId: null });
  assert.equal(
    fillCanned("Hi {{visitor.name|there}}, {{visitor.email}}!", { visitor: anon, agent }),
    "Hi there, !",
  );
  assert.equal(fillCanned("Hi {{visitor.name}}", { visitor: null, agent }), "Hi ");
  assert.equal(fillCanned("{{agent.firstName|x}}", { visitor: null, agent }), "Ann");
  assert.equal(fillCanned("{{visitor.name}", { visitor: dmitri, agent }), "{{visitor.name}");
});

Deno.test("unknownSlash() names a leading /word that is no canned shortcut", () => {
  const canned = [
    { id: "1", agentId: null, shortcut: "hello", body: "Hi!", createdAt: "" },
    { id: "2", agentId: "me", shortcut: "Refund", body: "Refunds take 5 days", createdAt: "" },
  ];
  assert.equal(unknownSlash(canned, "/refnd"), "/refnd");
  assert.equal(unknownSlash(canned, "  /oops please"), "/oops");
  assert.equal(unknownSlash(canned, "/"), "/");
  assert.equal(unknownSlash(canned, "/refund"), null);
  assert.equal(unknownSlash(canned, "/hello there"), null);
  assert.equal(unknownSlash(canned, "see /account"), null);
  assert.equal(unknownSlash(canned, "plain text"), null);
});
