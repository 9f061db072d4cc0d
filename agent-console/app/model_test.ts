import { manualClock } from "../../protocol/client/testing/clock.ts";
import assert from "node:assert/strict";
import type { AgentServerFrame, VisitorInfo } from "../../protocol/frames.ts";
import { type ConsoleEvent, createConsoleModel } from "./model.ts";
import { agent, FrameRecorder, message, summary } from "./test_fakes.ts";

const ME = agent("me");

function setup() {
  const timers = manualClock();
  const socket = new FrameRecorder();
  const events: ConsoleEvent[] = [];
  let n = 0;
  const model = createConsoleModel({
    me: ME,
    send: socket.send,
    timers,
    now: () => timers.now(),
    random: () => 0,
    newClientId: () => `client-${++n}`,
    onEvent: (e) => events.push(e),
  });
  model.setConnection("connected");
  const welcome = (conversations = [
    summary("q1", { createdAt: "2024-01-01T00:00:01.000Z" }),
    summary("q2", { createdAt: "2024-01-01T00:00:00.000Z" }),
    summary("m1", { status: "open", assigneeId: "me", readSeq: 1 }),
    summary("o1", { status: "open", assigneeId: "other", readSeq: 1 }),
    summary("r1", { status: "resolved", assigneeId: "me", readSeq: 1 }),
  ]): AgentServerFrame => ({
    type: "welcome",
    agent: ME,
    agents: [ME, agent("other")],
    conversations,
    heartbeatMs: 25_000,
  });
  model.receive(welcome());
  return { model, socket, timers, events, welcome };
}

/** A page of `conversationId`'s history holding the messages numbered `seqs`. */
function history(
  conversationId: string,
  seqs: number[],
  { hasMore }: { hasMore: boolean },
): AgentServerFrame {
  return {
    type: "history",
    conversationId,
    messages: seqs.map((seq) => message(conversationId, seq)),
    hasMore,
  };
}

Deno.test("views split the inbox into Queue, Mine, All open and Resolved with counts", () => {
  const { model } = setup();
  assert.deepEqual(model.counts.value, { queue: 2, mine: 1, open: 4, resolved: 1, snoozed: 0 });
  // The queue is first come, first served.
  assert.deepEqual(model.lists.value.queue.map((c) => c.id), ["q2", "q1"]);
  assert.deepEqual(model.lists.value.mine.map((c) => c.id), ["m1"]);
  assert.deepEqual(model.lists.value.resolved.map((c) => c.id), ["r1"]);
  model.setView("mine");
  assert.deepEqual(model.currentList.value.map((c) => c.id), ["m1"]);
});

Deno.test("conversation frames move a conversation between views live", () => {
  const { model } = setup();
  model.receive({
    type: "conversation",
    conversation: summary("q1", { status: "open", assigneeId: "me" }),
  });
  assert.equal(model.counts.value.queue, 1);
  assert.equal(model.counts.value.mine, 2);
  model.receive({ type: "conversation", conversation: summary("new", { lastSeq: 1 }) });
  assert.equal(model.counts.value.queue, 2);
  assert.equal(model.counts.value.open, 5);
});

Deno.test("unread count covers queue and mine, and opening a conversation marks it read", () => {
  const { model, socket } = setup();
  assert.equal(model.unreadCount.value, 2); // q1, q2 (m1 is read)
  model.receive({ type: "message", message: message("m1", 2) });
  assert.equal(model.unreadCount.value, 3);
  model.select("m1");
  // Not read until the history is on screen.
  assert.equal(socket.of("read").length, 0);
  model.receive(history("m1", [1, 2], { hasMore: false }));
  assert.deepEqual(socket.of("read"), [{ type: "read", conversationId: "m1", seq: 2 }]);
  assert.equal(model.unreadCount.value, 2);
});

Deno.test("a hidden page does not mark messages read", () => {
  const { model, socket } = setup();
  model.setVisible(false);
  model.select("q1");
  model.receive(history("q1", [1], { hasMore: false }));
  assert.equal(socket.of("read").length, 0);
  model.setVisible(true);
  assert.equal(socket.of("read").length, 1);
});

Deno.test("selecting a conversation syncs its latest page and asks for the visitor", () => {
  const { model, socket } = setup();
  model.select("q1");
  assert.deepEqual(socket.of("sync"), [{ type: "sync", conversationId: "q1", limit: 50 }]);
  assert.deepEqual(socket.of("visitor"), [{ type: "visitor", visitorId: "v-q1" }]);
  assert.equal(model.threads.value.get("q1")?.loaded, false);
  model.receive(history("q1", [51, 52], { hasMore: true }));
  const t = model.threads.value.get("q1");
  assert.equal(t?.loaded, true);
  assert.equal(t?.hasMore, true);
  model.loadOlder("q1");
  assert.deepEqual(socket.of("sync").at(-1), {
    type: "sync",
    conversationId: "q1",
    beforeSeq: 51,
    limit: 50,
  });
  assert.equal(model.threads.value.get("q1")?.loadingOlder, true);
  model.loadOlder("q1"); // ignored while loading
  assert.equal(socket.of("sync").length, 2);
  model.receive(history("q1", [49, 50], { hasMore: false }));
  const after = model.threads.value.get("q1");
  assert.deepEqual(after?.messages.map((m) => m.seq), [49, 50, 51, 52]);
  assert.equal(after?.hasMore, false);
  assert.equal(after?.loadingOlder, false);
});

Deno.test("live messages append in seq order and duplicates are dropped", () => {
  const { model } = setup();
  model.select("q1");
  model.receive(history("q1", [1], { hasMore: false }));
  model.receive({ type: "message", message: message("q1", 3) });
  model.receive({ type: "message", message: message("q1", 2) });
  model.receive({ type: "message", message: message("q1", 3) });
  assert.deepEqual(model.threads.value.get("q1")?.messages.map((m) => m.seq), [1, 2, 3]);
  assert.equal(model.conversations.value.get("q1")?.lastSeq, 3);
  assert.equal(model.conversations.value.get("q1")?.lastMessage?.body, "message 3");
});

Deno.test("an acked message shows once whether the ack or the relayed copy comes first", () => {
  for (const order of ["ack-first", "relay-first"]) {
    const { model, socket } = setup();
    model.select("m1");
    model.receive(history("m1", [1], { hasMore: false }));
    assert.equal(model.sendMessage("m1", "Hello there", false), true);
    assert.equal(model.selectedPending.value.length, 1);
    assert.equal(model.selectedPending.value[0].state, "sending");
    const sent = socket.of("message")[0];
    assert.deepEqual(sent, {
      type: "message",
      conversationId: "m1",
      clientId: "client-1",
      body: "Hello there",
    });
    const ack: AgentServerFrame = {
      type: "ack",
      clientId: "client-1",
      messageId: "srv-2",
      conversationId: "m1",
      seq: 2,
      createdAt: "2024-01-01T00:01:00.000Z",
    };
    const relay: AgentServerFrame = {
      type: "message",
      message: message("m1", 2, {
        id: "srv-2",
        authorKind: "agent",
        authorId: "me",
        clientId: "client-1",
        body: "Hello there",
      }),
    };
    for (const f of order === "ack-first" ? [ack, relay] : [relay, ack]) model.receive(f);
    const t = model.threads.value.get("m1");
    assert.deepEqual(t?.messages.map((m) => [m.seq, m.body]), [[1, "message 1"], [
      2,
      "Hello there",
    ]], order);
    assert.equal(model.outbox.value.size, 0, order);
    // Own messages never count as unread.
    assert.equal(model.conversations.value.get("m1")?.readSeq, 2, order);
  }
});

Deno.test("notes are sent with note: true and never announce typing", () => {
  const { model, socket } = setup();
  model.select("m1");
  model.setNoteMode(true);
  model.setDraft("m1", "internal");
  assert.equal(socket.of("typing").length, 0);
  model.sendMessage("m1", "internal", true);
  assert.equal(socket.of("message")[0].note, true);
  assert.equal(socket.of("typing").length, 0);
});

Deno.test("composer typing is throttled and stops after idle or send", () => {
  const { model, socket, timers } = setup();
  model.select("m1");
  model.setDraft("m1", "h");
  model.setDraft("m1", "he");
  assert.deepEqual(socket.of("typing"), [{ type: "typing", conversationId: "m1", active: true }]);
  timers.advance(3100);
  model.setDraft("m1", "hel");
  assert.equal(socket.of("typing").length, 2);
  timers.advance(4100);
  assert.deepEqual(socket.of("typing").at(-1), {
    type: "typing",
    conversationId: "m1",
    active: false,
  });
  model.setDraft("m1", "hello");
  model.sendMessage("m1", "hello", false);
  assert.deepEqual(socket.of("typing").at(-1), {
    type: "typing",
    conversationId: "m1",
    active: false,
  });
  assert.equal(model.drafts.value.get("m1"), undefined);
});

Deno.test("visitor typing shows a live preview and expires after 6 s without refresh", () => {
  const { model, timers } = setup();
  const typing = (active: boolean, preview?: string): AgentServerFrame => ({
    type: "typing",
    conversationId: "q1",
    author: "visitor",
    agentId: null,
    name: "Visitor q1",
    active,
    ...(preview === undefined ? {} : { preview }),
  });
  model.receive(typing(true, "Where is my ord"));
  assert.deepEqual(model.typing.value.get("q1")?.visitor, {
    name: "Visitor q1",
    preview: "Where is my ord",
  });
  timers.advance(5000);
  model.receive(typing(true, "Where is my order"));
  timers.advance(5000);
  assert.equal(model.typing.value.get("q1")?.visitor?.preview, "Where is my order");
  timers.advance(1100);
  assert.equal(model.typing.value.get("q1"), undefined);
  model.receive(typing(true, "x"));
  model.receive(typing(false));
  assert.equal(model.typing.value.get("q1"), undefined);
  // A visitor message clears the indicator at once.
  model.receive(typing(true, "bye"));
  model.receive({ type: "message", message: message("q1", 2) });
  assert.equal(model.typing.value.get("q1"), undefined);
});

Deno.test("other agents' typing is shown; this agent's own other tabs are not", () => {
  const { model } = setup();
  const frame = (agentId: string, active = true): AgentServerFrame => ({
    type: "typing",
    conversationId: "o1",
    author: "agent",
    agentId,
    name: agentId,
    active,
  });
  model.receive(frame("me"));
  assert.equal(model.typing.value.get("o1"), undefined);
  model.receive(frame("other"));
  assert.deepEqual(model.typing.value.get("o1")?.agents, [{ agentId: "other", name: "other" }]);
  model.receive(frame("other", false));
  assert.equal(model.typing.value.get("o1"), undefined);
});

/** The ack of this agent's message `clientId`, stored as `seq` of `conversationId`. */
function ack(clientId: string, conversationId: string, seq: number): AgentServerFrame {
  return {
    type: "ack",
    clientId,
    messageId: `${conversationId}-m${seq}`,
    conversationId,
    seq,
    createdAt: "2024-01-01T00:01:00.000Z",
  };
}

Deno.test("after a reconnect, pending messages are resent oldest first with the same client ids", () => {
  const { model, socket, welcome } = setup();
  model.select("m1");
  model.receive(history("m1", [1], { hasMore: false }));
  socket.connected = false;
  model.setConnection("disconnected");
  model.sendMessage("m1", "while offline", false);
  model.sendMessage("m1", "and this", false);
  assert.equal(socket.of("message").length, 0);
  assert.equal(model.selectedPending.value[0].state, "sending");
  socket.connected = true;
  model.setConnection("connected");
  model.receive(welcome());
  assert.deepEqual(socket.of("message").map((f) => f.clientId), ["client-1"]);
  model.receive(ack("client-1", "m1", 2));
  assert.deepEqual(socket.of("message").map((f) => f.clientId), ["client-1", "client-2"]);
  // The open conversation catches up from the last seq seen.
  assert.deepEqual(socket.of("sync").at(-1), {
    type: "sync",
    conversationId: "m1",
    afterSeq: 1,
    limit: 200,
  });
});

Deno.test("a welcome replaces the inbox snapshot", () => {
  const { model, welcome } = setup();
  model.receive(welcome([summary("fresh")]));
  assert.deepEqual([...model.conversations.value.keys()], ["fresh"]);
  assert.equal(model.counts.value.queue, 1);
});

Deno.test("an error naming a client id marks that message failed; retry resends it", () => {
  const { model, socket } = setup();
  model.sendMessage("r1", "too late", false);
  model.receive({
    type: "error",
    code: "conflict",
    message: "Conversation is resolved",
    clientId: "client-1",
  });
  const p = model.outbox.value.get("client-1");
  assert.equal(p?.state, "failed");
  assert.equal(p?.error, "Conversation is resolved");
  assert.equal(model.notices.value.length, 0);
  model.retry("client-1");
  assert.equal(socket.of("message").length, 2);
  assert.equal(socket.of("message")[1].clientId, "client-1");
});

Deno.test("a retryable refusal keeps replies sending and resends them by themselves, in order", () => {
  const { model, socket, timers } = setup();
  const sentIds = () => socket.of("message").map((f) => f.clientId);
  model.sendMessage("m1", "first", false);
  model.sendMessage("m1", "second", false);
  model.sendMessage("o1", "elsewhere", true);
  assert.deepEqual(sentIds(), ["client-1"]);
  model.receive({
    type: "error",
    code: "unavailable",
    message: "Database unavailable",
    retryable: true,
    clientId: "client-1",
  });
  assert.deepEqual([...model.outbox.value.values()].map((p) => p.state), [
    "sending",
    "sending",
    "sending",
  ]);
  assert.equal(model.notices.value.length, 0);
  timers.advance(249);
  assert.deepEqual(sentIds(), ["client-1"]);
  timers.advance(1);
  assert.deepEqual(sentIds(), ["client-1", "client-1"]);
  model.receive(ack("client-1", "m1", 2));
  model.receive({
    type: "error",
    code: "rate_limited",
    message: "Sending too fast",
    retryable: true,
    clientId: "client-2",
  });
  timers.advance(250);
  model.receive(ack("client-2", "m1", 3));
  // The relayed copy can come before the ack: it settles the message just the same.
  model.receive({
    type: "message",
    message: message("o1", 2, {
      authorKind: "agent",
      authorId: "me",
      clientId: "client-3",
      body: "elsewhere",
      note: true,
    }),
  });
  assert.deepEqual(sentIds(), ["client-1", "client-1", "client-2", "client-2", "client-3"]);
  assert.deepEqual(socket.of("message")[4], {
    type: "message",
    conversationId: "o1",
    clientId: "client-3",
    body: "elsewhere",
    note: true,
  });
  assert.equal(model.outbox.value.size, 0);
  assert.equal(timers.pending(), 1); // only the clock tick
});

Deno.test("a final refusal lets the next reply go; Retry queues the failed one in its place", () => {
  const { model, socket } = setup();
  const sentIds = () => socket.of("message").map((f) => f.clientId);
  model.sendMessage("r1", "too late", false);
  model.sendMessage("m1", "next", false);
  model.receive({
    type: "error",
    code: "conflict",
    message: "Conversation is resolved",
    retryable: false,
    clientId: "client-1",
  });
  assert.equal(model.outbox.value.get("client-1")?.state, "failed");
  assert.deepEqual(sentIds(), ["client-1", "client-2"]);
  model.retry("client-1"); // waits: client-2 is on the wire
  assert.deepEqual(sentIds(), ["client-1", "client-2"]);
  model.receive(ack("client-2", "m1", 2));
  assert.deepEqual(sentIds(), ["client-1", "client-2", "client-1"]);
  model.receive({
    type: "error",
    code: "conflict",
    message: "Conversation is resolved",
    clientId: "client-1",
  });
  model.discard("client-1");
  assert.equal(model.outbox.value.size, 0);
});

Deno.test("a lost accept race shows a conflict notice that goes away", () => {
  const { model, socket, timers } = setup();
  model.accept("q1");
  assert.deepEqual(socket.of("accept"), [{ type: "accept", conversationId: "q1" }]);
  model.receive({
    type: "error",
    code: "conflict",
    message: "Already assigned to OTHER",
    conversationId: "q1",
  });
  assert.equal(model.notices.value[0].text, "Conflict: Already assigned to OTHER");
  timers.advance(9000);
  assert.equal(model.notices.value.length, 0);
});

Deno.test("j/k move through the current view", () => {
  const { model } = setup();
  model.move(1);
  assert.equal(model.selectedId.value, "q2");
  model.move(1);
  assert.equal(model.selectedId.value, "q1");
  model.move(1);
  assert.equal(model.selectedId.value, "q1");
  model.move(-1);
  assert.equal(model.selectedId.value, "q2");
});

Deno.test("visitor messages raise an event for sound and notifications", () => {
  const { model, events } = setup();
  model.receive({ type: "message", message: message("q1", 2) });
  model.receive({
    type: "message",
    message: message("q1", 3, { authorKind: "agent", authorId: "other" }),
  });
  assert.equal(events.length, 1);
  assert.equal(events[0].conversation.id, "q1");
  assert.equal(events[0].selected, false);
});

Deno.test("a brand-new conversation's first message is announced once its summary arrives", () => {
  const { model, events } = setup();
  // The server relays the first message before the new conversation's summary.
  model.receive({ type: "message", message: message("fresh", 1) });
  assert.equal(events.length, 0);
  model.receive({ type: "conversation", conversation: summary("fresh", { lastSeq: 1 }) });
  assert.equal(events.length, 1);
  assert.equal(events[0].conversation.id, "fresh");
  assert.equal(events[0].message.seq, 1);
  // Announced once: later summaries of it raise nothing more.
  model.receive({ type: "conversation", conversation: summary("fresh", { lastSeq: 1 }) });
  assert.equal(events.length, 1);
});

Deno.test("presence is sent and reflected at once", () => {
  const { model, socket } = setup();
  model.setPresence("away");
  assert.deepEqual(socket.of("presence"), [{ type: "presence", status: "away" }]);
  assert.equal(model.me.value.status, "away");
  model.receive({ type: "agent", agent: agent("me", { status: "online" }) });
  assert.equal(model.me.value.status, "online");
});

Deno.test("dispose cancels every timer", () => {
  const { model, timers } = setup();
  model.receive({
    type: "typing",
    conversationId: "q1",
    author: "visitor",
    agentId: null,
    name: "v",
    active: true,
  });
  model.notify("hello");
  assert.ok(timers.pending() > 0);
  model[Symbol.dispose]();
  assert.equal(timers.pending(), 0);
});

Deno.test("every command carries a unique request id", () => {
  const { model, socket } = setup();
  model.select("q1");
  model.accept("q1");
  model.setPresence("away");
  const ids = socket.requestIds.filter((id) => id !== undefined);
  assert.deepEqual(socket.sent.map((f) => f.type), ["sync", "visitor", "accept", "presence"]);
  assert.equal(ids.length, 4);
  assert.equal(new Set(ids).size, 4);
});

Deno.test("an accept conflict no longer fails a pending history load", () => {
  const { model, socket } = setup();
  model.select("q1");
  model.accept("q1");
  model.receive({
    type: "error",
    code: "conflict",
    message: "Already taken",
    conversationId: "q1",
    requestId: socket.lastRequestId("accept"),
  });
  assert.equal(model.threads.value.get("q1")?.loaded, false); // still loading its history
  assert.equal(model.notices.value.length, 1);
  const page = history("q1", [1], { hasMore: false });
  if (page.type !== "history") throw new TypeError("history() built another frame");
  model.receive({ ...page, requestId: socket.lastRequestId("sync") });
  assert.equal(model.threads.value.get("q1")?.loaded, true);
  assert.deepEqual(model.threads.value.get("q1")?.messages.map((m) => m.seq), [1]);
});

Deno.test("a refused sync ends its history load, matched by request id", () => {
  const { model, socket } = setup();
  model.select("q1");
  model.receive({
    type: "error",
    code: "unavailable",
    message: "Try again",
    requestId: socket.lastRequestId("sync"),
  });
  assert.equal(model.threads.value.get("q1")?.loaded, true);
});

Deno.test("replies without request ids (an older server) are still matched as before", () => {
  const { model } = setup();
  model.select("q1");
  model.receive({ type: "error", code: "not_found", message: "Gone", conversationId: "q1" });
  assert.equal(model.threads.value.get("q1")?.loaded, true);
  model.select("q2");
  model.receive(history("q2", [1, 2], { hasMore: false }));
  assert.deepEqual(model.threads.value.get("q2")?.messages.map((m) => m.seq), [1, 2]);
});

Deno.test("live attribute changes merge into the visitor shown, and a visitor not loaded waits", () => {
  const { model } = setup();
  const visitor: VisitorInfo = {
    id: "v-q1",
    siteId: "demo",
    name: "Visitor q1",
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
    attributes: { plan: "basic", seats: 3 },
    createdAt: "2024-01-01T00:00:00.000Z",
    lastSeenAt: "2024-01-01T00:00:00.000Z",
  };
  // Not loaded yet: nothing to merge into (loading it brings every attribute).
  model.receive({ type: "visitor_attributes", visitorId: "v-q1", attributes: { plan: "pro" } });
  assert.equal(model.visitors.value.get("v-q1"), undefined);
  model.receive({ type: "visitor", visitor });
  model.receive({
    type: "visitor_attributes",
    visitorId: "v-q1",
    attributes: { plan: "pro", vip: true },
  });
  const shown = model.visitors.value.get("v-q1");
  assert.deepEqual(shown?.attributes, { plan: "pro", seats: 3, vip: true });
  assert.equal(shown?.name, "Visitor q1");
  // A full visitor frame (a reload, or the visitor navigating) replaces what is shown.
  model.receive({ type: "visitor", visitor: { ...visitor, attributes: { plan: "team" } } });
  assert.deepEqual(model.visitors.value.get("v-q1")?.attributes, { plan: "team" });
});
