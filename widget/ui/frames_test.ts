import assert from "node:assert/strict";
import { FATAL_CLOSE_CODES } from "../../protocol/codes.ts";
import { FATAL_CODES } from "./connection.ts";
import { parseServerFrame } from "./frames.ts";

const message = {
  id: "m1",
  conversationId: "c1",
  seq: 1,
  authorKind: "agent",
  authorId: "a1",
  authorName: "Ana",
  clientId: null,
  body: "Hello <b>there</b>",
  note: false,
  createdAt: "2025-01-01T10:00:00.000Z",
};

Deno.test("parseServerFrame() reads a welcome into a typed frame", () => {
  const frame = parseServerFrame(JSON.stringify({
    type: "welcome",
    token: "tok",
    visitor: { id: "v1", name: "Visitor 12", email: null, verified: false },
    conversation: {
      id: "c1",
      status: "open",
      assignee: { id: "a1", name: "Ana", avatar: null },
      lastSeq: 1,
      readSeq: 0,
      rating: null,
    },
    messages: [message],
    agentsOnline: 2,
    team: { name: "Support", replyTime: "Minutes" },
    heartbeatMs: 25000,
  }));
  assert.equal(frame?.type, "welcome");
  if (frame?.type !== "welcome") return;
  assert.equal(frame.messages[0].body, "Hello <b>there</b>");
  assert.equal(frame.conversation?.assignee?.name, "Ana");
});

Deno.test("parseServerFrame() rejects malformed known frames", () => {
  assert.throws(() => parseServerFrame("{"), SyntaxError);
  assert.throws(() => parseServerFrame("[]"), TypeError);
  assert.throws(
    () => parseServerFrame(JSON.stringify({ type: "message", message: {} })),
    TypeError,
  );
  assert.throws(
    () => parseServerFrame(JSON.stringify({ type: "message", message: { ...message, seq: -1 } })),
    TypeError,
  );
  assert.throws(
    () =>
      parseServerFrame(
        JSON.stringify({ type: "message", message: { ...message, authorKind: "admin" } }),
      ),
    TypeError,
  );
  assert.throws(() => parseServerFrame(JSON.stringify({ type: "agents", online: "3" })), TypeError);
});

Deno.test("parseServerFrame() ignores frame types it does not know", () => {
  assert.equal(parseServerFrame(JSON.stringify({ type: "future_feature", x: 1 })), null);
});

Deno.test("parseServerFrame() keeps unknown error codes and the clientId", () => {
  assert.deepEqual(
    parseServerFrame(JSON.stringify({
      type: "error",
      code: "brand_new",
      message: "x",
      retryable: true,
      clientId: "k1",
    })),
    { type: "error", code: "brand_new", message: "x", retryable: true, clientId: "k1" },
  );
});

Deno.test("FATAL_CODES matches core FATAL_CLOSE_CODES", () => {
  assert.deepEqual(new Set(FATAL_CODES), new Set(FATAL_CLOSE_CODES));
});
