import assert from "node:assert/strict";
import { MemoryStorage, storageEvent } from "./_testing.ts";
import { conv, KEY, msg, setupChat, T0, welcome } from "./_model_testing.ts";
import { TYPING_TTL_MS, VISITOR_TYPING_IDLE_MS } from "../../protocol/timing.ts";

Deno.test("createChatModel() writes nothing to storage before the chat is opened", () => {
  const { model, storage, connect } = setupChat();
  connect();
  assert.equal(storage.writes, 0);
  model.setOpen(true);
  assert.equal(JSON.parse(storage.getItem(KEY)!).token, "tok");
  model.dispose();
});

Deno.test("a relayed copy of the visitor's own message never shows twice", () => {
  const { model, connect, received } = setupChat();
  const s = connect();
  model.send("once");
  const own = msg(1, { authorKind: "visitor", clientId: "k1", body: "once", authorName: null });
  s.receive({ type: "message", message: own }); // relay first
  s.receive({
    type: "ack",
    clientId: "k1",
    messageId: "m1",
    conversationId: "c1",
    seq: 1,
    createdAt: T0,
  });
  s.receive({ type: "message", message: own }); // and again (another tab's resend)
  assert.deepEqual(model.items.value.map((i) => [i.body, i.delivery]), [["once", "sent"]]);
  assert.deepEqual(received, []);
  model.dispose();
});

Deno.test("reconnect resumes with hello.lastSeq and merges without duplicates", () => {
  const { model, connect, sockets, clock } = setupChat();
  connect(welcome([msg(1), msg(2)]));
  sockets.last().serverClose(1012);
  clock.advance(1);
  const s = sockets.last();
  s.open();
  assert.equal(s.sentOf("hello")[0].lastSeq, 2);
  assert.equal(s.sentOf("hello")[0].token, "tok");
  s.receive(welcome([msg(2), msg(3)]));
  assert.deepEqual(model.items.value.map((i) => i.seq), [1, 2, 3]);
  model.dispose();
});

Deno.test("a fresh page asks for the latest page (no lastSeq) and shows history", () => {
  const storage = new MemoryStorage();
  const first = setupChat({ storage });
  first.model.setOpen(true);
  first.connect(welcome([msg(1)]));
  first.model.dispose();
  const second = setupChat({ storage });
  second.model.start();
  second.sockets.last().open();
  const hello = second.sockets.last().sentOf("hello")[0];
  assert.equal(hello.token, "tok");
  assert.equal(hello.lastSeq, undefined);
  second.sockets.last().receive(welcome([msg(1), msg(2)]));
  assert.deepEqual(second.model.items.value.map((i) => i.body), ["agent 1", "agent 2"]);
  second.model.dispose();
});

Deno.test("typing is throttled to every 1.5 s with a preview and stops on idle and send", () => {
  const { model, connect, clock } = setupChat();
  const s = connect(welcome([msg(1)]));
  model.draft("H");
  model.draft("He");
  model.draft("Hel");
  assert.deepEqual(s.sentOf("typing"), [{ type: "typing", active: true, preview: "H" }]);
  clock.advance(1500);
  assert.deepEqual(s.sentOf("typing").at(-1), { type: "typing", active: true, preview: "Hel" });
  clock.advance(VISITOR_TYPING_IDLE_MS);
  assert.deepEqual(s.sentOf("typing").at(-1), { type: "typing", active: false });
  model.draft("Hello");
  model.send("Hello");
  const types = s.sent.slice(-2).map((f) => f.type === "typing" ? `typing:${f.active}` : f.type);
  assert.deepEqual(types, ["typing:false", "message"]);
  model.draft("x");
  model.blur();
  assert.deepEqual(s.sentOf("typing").at(-1), { type: "typing", active: false });
  model.dispose();
});

Deno.test("the agent typing indicator expires by itself without a refresh", () => {
  const { model, connect, clock } = setupChat();
  const s = connect();
  s.receive({ type: "typing", active: true, name: "Ana" });
  assert.equal(model.agentTyping.value, "Ana");
  clock.advance(TYPING_TTL_MS - 1);
  s.receive({ type: "typing", active: true, name: "Ana" }); // refresh
  clock.advance(TYPING_TTL_MS - 1);
  assert.equal(model.agentTyping.value, "Ana");
  clock.advance(1);
  assert.equal(model.agentTyping.value, null);
  s.receive({ type: "typing", active: true, name: "Ana" });
  s.receive({ type: "message", message: msg(1) });
  assert.equal(model.agentTyping.value, null);
  model.dispose();
});

Deno.test("unread counts agent messages while closed; opening marks them read", () => {
  const { model, connect, received } = setupChat();
  const s = connect(welcome([msg(1)], { conversation: conv({ lastSeq: 1, readSeq: 1 }) }));
  assert.equal(model.unread.value, 0);
  s.receive({ type: "message", message: msg(2) });
  s.receive({ type: "message", message: msg(3) });
  assert.equal(model.unread.value, 2);
  assert.deepEqual(received.map((m) => m.seq), [2, 3]);
  assert.equal(s.sentOf("read").length, 0);
  model.setOpen(true);
  assert.equal(model.unread.value, 0);
  assert.deepEqual(s.sentOf("read"), [{ type: "read", seq: 3 }]);
  model.setVisible(false);
  s.receive({ type: "message", message: msg(4) });
  assert.equal(model.unread.value, 1);
  model.dispose();
});

Deno.test("an expired token (close 4001) is dropped and the visitor reconnects once as new", () => {
  const storage = new MemoryStorage();
  storage.setItem(KEY, JSON.stringify({ token: "old", outbox: [] }));
  const { model, sockets } = setupChat({ storage });
  model.start();
  sockets.last().open();
  assert.equal(sockets.last().sentOf("hello")[0].token, "old");
  sockets.last().receive({ type: "error", code: "invalid_token", message: "expired" });
  sockets.last().serverClose(4001);
  assert.equal(sockets.all.length, 2);
  sockets.last().open();
  assert.equal(sockets.last().sentOf("hello")[0].token, undefined);
  sockets.last().serverClose(4001);
  assert.equal(sockets.all.length, 2);
  assert.equal(model.unavailable.value, true);
  model.dispose();
});

Deno.test("a resolved conversation can be rated and started over", () => {
  const { model, connect } = setupChat();
  const s = connect(welcome([msg(1)]));
  s.receive({ type: "conversation", conversation: conv({ status: "resolved", lastSeq: 1 }) });
  model.rate(5);
  assert.deepEqual(s.sentOf("rate"), [{ type: "rate", rating: 5 }]);
  assert.equal(model.conversation.value?.rating, 5);
  model.startOver();
  assert.deepEqual(s.sentOf("start_over"), [{ type: "start_over" }]);
  assert.equal(model.conversation.value, null);
  assert.deepEqual(model.items.value, []);
  s.receive({ type: "conversation", conversation: null });
  model.send("new question");
  assert.equal(model.items.value.length, 1);
  model.dispose();
});

Deno.test("a new conversation id replaces the old conversation's messages", () => {
  const { model, connect } = setupChat();
  const s = connect(welcome([msg(1), msg(2)]));
  s.receive({ type: "conversation", conversation: conv({ id: "c2" }) });
  assert.equal(model.items.value.length, 0);
  s.receive({ type: "message", message: msg(1, { id: "n1", conversationId: "c2" }) });
  assert.deepEqual(model.items.value.map((i) => i.id), ["n1"]);
  model.dispose();
});

Deno.test("contact() sends the email while nobody is online", () => {
  const { model, connect } = setupChat();
  const s = connect(welcome([], { agentsOnline: 0 }));
  assert.equal(model.agentsOnline.value, 0);
  assert.equal(model.contact("not an email"), false);
  assert.equal(model.contact(" me@shop.test "), true);
  assert.deepEqual(s.sentOf("contact"), [{ type: "contact", email: "me@shop.test" }]);
  assert.equal(model.contactEmail.value, "me@shop.test");
  s.receive({ type: "agents", online: 2 });
  assert.equal(model.agentsOnline.value, 2);
  model.dispose();
});

Deno.test("identify and attributes are sent on every welcome and when set", () => {
  const { model, connect, sockets, clock } = setupChat();
  model.identify({ id: "u1", name: "Kim", hash: "abc" });
  const s = connect();
  assert.deepEqual(s.sentOf("identify"), [{
    type: "identify",
    id: "u1",
    name: "Kim",
    hash: "abc",
  }]);
  model.setAttributes({ plan: "pro" });
  assert.deepEqual(s.sentOf("attributes"), [{ type: "attributes", attributes: { plan: "pro" } }]);
  s.serverClose(1006);
  clock.advance(1);
  const again = connect();
  assert.equal(again.sentOf("identify").length, 1);
  assert.deepEqual(again.sentOf("attributes"), [{
    type: "attributes",
    attributes: { plan: "pro" },
  }]);
  assert.equal(sockets.all.length, 2);
  model.dispose();
});

Deno.test("another tab's outbox entries appear here as pending", () => {
  const storage = new MemoryStorage();
  const events = new EventTarget();
  const { model, connect } = setupChat({ storage, events });
  model.setOpen(true);
  connect();
  storage.setItem(
    KEY,
    JSON.stringify({
      token: "tok",
      outbox: [{ clientId: "other", body: "from tab B", createdAt: T0 }],
    }),
  );
  events.dispatchEvent(storageEvent(KEY));
  assert.deepEqual(model.items.value.map((i) => [i.body, i.delivery]), [["from tab B", "sending"]]);
  model.dispose();
});

Deno.test("private notes are never shown", () => {
  const { model, connect } = setupChat();
  const s = connect(welcome([msg(1, { note: true })]));
  s.receive({ type: "message", message: msg(2, { note: true }) });
  assert.deepEqual(model.items.value, []);
  model.dispose();
});

Deno.test("shutdown() forgets the token and outbox and closes the socket", () => {
  const { model, connect, storage } = setupChat();
  model.setOpen(true);
  const s = connect();
  model.shutdown();
  assert.equal(storage.getItem(KEY), null);
  assert.equal(s.closedWith, 1000);
  assert.equal(model.status.value, "disconnected");
});

Deno.test("emailReplies follows the welcome, false when the server leaves it out", () => {
  const { model, connect, sockets, clock } = setupChat();
  connect(welcome());
  assert.equal(model.emailReplies.value, false);
  sockets.last().serverClose(1012);
  clock.advance(1);
  connect(welcome([], { emailReplies: true }));
  assert.equal(model.emailReplies.value, true);
  model.dispose();
});

Deno.test("the conversation carries agentReadSeq and resolvedSeq from the server", () => {
  const { model, connect } = setupChat();
  const s = connect(welcome([msg(1)]));
  assert.equal(model.conversation.value?.agentReadSeq, 0);
  assert.equal(model.conversation.value?.resolvedSeq, null);
  s.receive({ type: "conversation", conversation: conv({ lastSeq: 2, agentReadSeq: 2 }) });
  assert.equal(model.conversation.value?.agentReadSeq, 2);
  s.receive({
    type: "conversation",
    conversation: conv({ status: "resolved", lastSeq: 3, agentReadSeq: 2, resolvedSeq: 3 }),
  });
  assert.equal(model.conversation.value?.resolvedSeq, 3);
  model.rate(5);
  assert.deepEqual(s.sentOf("rate"), [{ type: "rate", rating: 5 }]);
  assert.equal(model.conversation.value?.rating, 5);
  model.dispose();
});

Deno.test("sendTranscript() asks for an address first, then sends; a refusal shows", () => {
  const { model, connect } = setupChat();
  const s = connect(welcome([msg(1)], { emailReplies: true }));
  model.sendTranscript();
  assert.equal(model.transcript.value, 1);
  assert.deepEqual(s.sentOf("transcript"), []);
  model.sendTranscript(" me@shop.test ");
  assert.deepEqual(s.sentOf("transcript"), [{ type: "transcript", email: "me@shop.test" }]);
  assert.equal(model.transcript.value, 2);
  s.receive({ type: "error", code: "rate_limited", message: "Too many" });
  assert.equal(model.transcript.value, 3);
  model.dispose();
});

Deno.test("sendTranscript() uses the address the visitor already left", () => {
  const { model, connect } = setupChat();
  const s = connect(welcome([msg(1)], { emailReplies: true }));
  model.contact("me@shop.test");
  model.sendTranscript();
  assert.deepEqual(s.sentOf("transcript"), [{ type: "transcript", email: "me@shop.test" }]);
  model.dispose();
});
