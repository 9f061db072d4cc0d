import assert from "node:assert/strict";
import { decodeVisitorFrame } from "./decode.ts";
import { decodeAgentFrame } from "./decode_agent.ts";

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

Deno.test("decodeVisitorFrame() reads a welcome into a typed frame", () => {
  const frame = decodeVisitorFrame(JSON.stringify({
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
  assert.deepEqual(frame.hours, { open: true, nextOpen: null }, "no hours reads as open");
  // From a server before they existed: nobody has read, never resolved, no email.
  assert.equal(frame.conversation?.agentReadSeq, 0);
  assert.equal(frame.conversation?.resolvedSeq, null);
  assert.equal(frame.emailReplies, false);
});

Deno.test("decodeVisitorFrame() reads agentReadSeq, resolvedSeq and emailReplies", () => {
  const frame = decodeVisitorFrame(JSON.stringify({
    type: "welcome",
    token: "tok",
    visitor: { id: "v1", name: "Visitor 12", email: null, verified: false },
    conversation: {
      id: "c1",
      status: "open",
      assignee: null,
      lastSeq: 5,
      readSeq: 5,
      agentReadSeq: 4,
      resolvedSeq: 3,
      rating: null,
    },
    messages: [],
    agentsOnline: 0,
    team: { name: "", replyTime: "" },
    emailReplies: true,
    heartbeatMs: 25000,
  }));
  assert.equal(frame?.type, "welcome");
  if (frame?.type !== "welcome") return;
  assert.equal(frame.conversation?.agentReadSeq, 4);
  assert.equal(frame.conversation?.resolvedSeq, 3);
  assert.equal(frame.emailReplies, true);
  assert.throws(
    () =>
      decodeVisitorFrame(JSON.stringify({
        type: "conversation",
        conversation: { ...frame.conversation, agentReadSeq: "4" },
      })),
    TypeError,
  );
});

Deno.test("decodeVisitorFrame() reads a welcome's business hours", () => {
  const welcome = {
    type: "welcome",
    token: "tok",
    visitor: { id: "v1", name: "Visitor 12", email: null, verified: false },
    conversation: null,
    messages: [],
    agentsOnline: 0,
    team: { name: "", replyTime: "" },
    heartbeatMs: 25000,
  };
  const closed = { open: false, nextOpen: "2026-03-30T07:00:00.000Z" };
  const frame = decodeVisitorFrame(JSON.stringify({ ...welcome, hours: closed }));
  assert.deepEqual(frame?.type === "welcome" ? frame.hours : null, closed);
  assert.throws(
    () => decodeVisitorFrame(JSON.stringify({ ...welcome, hours: { open: "no" } })),
    TypeError,
  );
});

Deno.test("decodeVisitorFrame() rejects malformed known frames", () => {
  assert.throws(() => decodeVisitorFrame("{"), SyntaxError);
  assert.throws(() => decodeVisitorFrame("[]"), TypeError);
  assert.throws(
    () => decodeVisitorFrame(JSON.stringify({ type: "message", message: {} })),
    TypeError,
  );
  assert.throws(
    () => decodeVisitorFrame(JSON.stringify({ type: "message", message: { ...message, seq: -1 } })),
    TypeError,
  );
  assert.throws(
    () =>
      decodeVisitorFrame(
        JSON.stringify({ type: "message", message: { ...message, authorKind: "admin" } }),
      ),
    TypeError,
  );
  assert.throws(
    () => decodeVisitorFrame(JSON.stringify({ type: "agents", online: "3" })),
    TypeError,
  );
});

Deno.test("decodeVisitorFrame() ignores frame types it does not know", () => {
  assert.equal(decodeVisitorFrame(JSON.stringify({ type: "future_feature", x: 1 })), null);
});

Deno.test("decodeVisitorFrame() keeps unknown error codes and the clientId", () => {
  assert.deepEqual(
    decodeVisitorFrame(JSON.stringify({
      type: "error",
      code: "brand_new",
      message: "x",
      retryable: true,
      clientId: "k1",
    })),
    { type: "error", code: "brand_new", message: "x", retryable: true, clientId: "k1" },
  );
});

const agentMessage = (seq: unknown) => ({ ...message, seq });

Deno.test("decodeAgentFrame() accepts protocol frames, ignores unknown types and rejects malformed ones", () => {
  const f = decodeAgentFrame(JSON.stringify({ type: "message", message: agentMessage(1) }));
  assert.equal(f?.type === "message" && f.message.seq, 1);
  assert.throws(() => decodeAgentFrame("{"), SyntaxError);
  assert.equal(decodeAgentFrame(JSON.stringify({ type: "bogus" })), null);
  assert.throws(
    () =>
      decodeAgentFrame(
        JSON.stringify({ type: "message", message: agentMessage("1") }),
      ),
    TypeError,
  );
  const err = decodeAgentFrame(JSON.stringify({ type: "error", code: "made_up", message: "x" }));
  assert.equal(err?.type === "error" && err.code, "internal");
});

Deno.test("decodeAgentFrame() reads done and the request ids that replies echo", () => {
  assert.deepEqual(decodeAgentFrame(JSON.stringify({ type: "done", requestId: "r1" })), {
    type: "done",
    requestId: "r1",
  });
  const err = decodeAgentFrame(JSON.stringify({
    type: "error",
    code: "conflict",
    message: "taken",
    requestId: "r2",
    conversationId: "c1",
  }));
  assert.equal(err?.type === "error" && err.requestId, "r2");
  assert.equal(err?.type === "error" && err.conversationId, "c1");
  const page = decodeAgentFrame(JSON.stringify({
    type: "history",
    conversationId: "c1",
    messages: [agentMessage(1)],
    hasMore: false,
    requestId: "r3",
  }));
  assert.equal(page?.type === "history" && page.requestId, "r3");
  // A reply from a server that does not echo ids carries none.
  const old = decodeAgentFrame(JSON.stringify({ type: "history", conversationId: "c1" }));
  assert.equal(old?.type === "history" && "requestId" in old, false);
});

Deno.test("decodeAgentFrame() reads visitor_attributes, keeping scalar values only", () => {
  const f = decodeAgentFrame(JSON.stringify({
    type: "visitor_attributes",
    visitorId: "v-1",
    attributes: { plan: "pro", seats: 4, vip: true, note: null, nested: { a: 1 } },
  }));
  assert.deepEqual(f, {
    type: "visitor_attributes",
    visitorId: "v-1",
    attributes: { plan: "pro", seats: 4, vip: true, note: null },
  });
  assert.throws(
    () => decodeAgentFrame(JSON.stringify({ type: "visitor_attributes", attributes: {} })),
    TypeError,
  );
});

Deno.test("decodeVisitorFrame() reads the assignee's presence when the server sends it", () => {
  const frame = (online: unknown) =>
    decodeVisitorFrame(JSON.stringify({
      type: "conversation",
      conversation: {
        id: "c1",
        status: "open",
        assignee: { id: "a1", name: "Bob", avatar: null, online },
        lastSeq: 1,
        readSeq: 0,
        rating: null,
      },
    }));
  const assigneeOf = (f: ReturnType<typeof frame>) =>
    f?.type === "conversation" ? f.conversation?.assignee : undefined;
  assert.equal(assigneeOf(frame(false))?.online, false);
  assert.equal(assigneeOf(frame(true))?.online, true);
  assert.equal(assigneeOf(frame(undefined))?.online, undefined, "older servers: unknown");
});
