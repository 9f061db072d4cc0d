/**
 * Snooze (issue 17) over real sockets: an agent snoozes a conversation until a time, every
 * console sees `snoozedUntil` (the console keeps it out of "Mine"), and it comes back when the
 * time comes (the wake-up runner) or when the visitor writes; with two instances on one
 * Postgres, the wake reaches the assignee connected to the other instance.
 *
 * The cluster test needs Postgres (`DATABASE_URL`, default
 * `postgres://postgres@127.0.0.1:5432/test`): skipped when unreachable, a failure under `CI=true`.
 */

import assert from "node:assert/strict";
import { serverPerFile } from "./helpers/server.ts";
import { freshDatabase, IN_CI, postgresReachable, SERVER_URL } from "./helpers/database.ts";
import { startClusterInstance } from "./helpers/cluster_instance.ts";
import { signIn } from "./helpers/parley_process.ts";
import { type Frame, TestSocket } from "./helpers/ws_client.ts";
import { ADMIN } from "./helpers/server.ts";

const server = serverPerFile();

const conv = (f: Frame) => f.conversation as { id: string; snoozedUntil?: string | null };
const about = (id: string) => (f: Frame) => f.type === "conversation" && conv(f).id === id;

/** The next `conversation` frame about `id` that arrived after the first `since` frames. */
/**
 * Where to look for what follows frame `f`: a change published before `f` (the accept's, say)
 * may still arrive after a later command's `done`, so "since the command" is not enough.
 */
function after(s: TestSocket, f: Frame): number {
  return s.frames.indexOf(f) + 1;
}

function nextChange(s: TestSocket, id: string, since: number, pred: (f: Frame) => boolean) {
  return s.next((f) => about(id)(f) && s.frames.indexOf(f) >= since && pred(f));
}

/** A visitor who wrote once, and the conversation it opened (seen by `agent`). */
async function visitorConversation(agent: TestSocket) {
  const visitor = await server().visitorSocket();
  visitor.send({ type: "message", clientId: "c1", body: "Hello" });
  const id = (await agent.nextOf("message", (f) => {
    const m = f.message as { body: string };
    return m.body === "Hello";
  })).message as { conversationId: string };
  return { visitor, id: id.conversationId };
}

Deno.test("a snoozed conversation carries snoozedUntil and wakes when its time comes", async () => {
  const agent = await server().adminSocket();
  const { visitor, id } = await visitorConversation(agent);
  try {
    agent.send({ type: "accept", conversationId: id, requestId: "a1" });
    await agent.nextOf("done", (f) => f.requestId === "a1");
    const until = new Date(Date.now() + 1500).toISOString();
    const since = agent.frames.length;
    agent.send({ type: "snooze", conversationId: id, until, requestId: "s1" });
    await agent.nextOf("done", (f) => f.requestId === "s1");
    const snoozed = await nextChange(agent, id, since, (f) => conv(f).snoozedUntil === until);
    assert.equal(conv(snoozed).snoozedUntil, until);
    // The welcome of a console opened now lists it snoozed too.
    const other = await server().adminSocket();
    const listed = (other.all("welcome")[0].conversations as { id: string; snoozedUntil: string }[])
      .find((c) => c.id === id);
    assert.equal(listed?.snoozedUntil, until);
    await other.close();
    // The runner clears it at the time: no sleep here, the frame is the event. Looked for after
    // the snoozed frame: the accept's own change can arrive after its `done`, unsnoozed.
    await nextChange(agent, id, after(agent, snoozed), (f) => conv(f).snoozedUntil === null);
    assert.ok(Date.now() >= Date.parse(until) - 50, "not woken before its time");
    assert.equal((await server().store.getConversation(id))?.snoozedUntil, null);
  } finally {
    await visitor.close();
    await agent.close();
  }
});

Deno.test("the visitor writing wakes a snoozed conversation at once", async () => {
  const agent = await server().adminSocket();
  const { visitor, id } = await visitorConversation(agent);
  try {
    const until = new Date(Date.now() + 3_600_000).toISOString();
    const since = agent.frames.length;
    agent.send({ type: "snooze", conversationId: id, until, requestId: "s1" });
    const snoozed = await nextChange(agent, id, since, (f) => conv(f).snoozedUntil === until);
    visitor.send({ type: "message", clientId: "c2", body: "Anyone there?" });
    await nextChange(agent, id, after(agent, snoozed), (f) => conv(f).snoozedUntil === null);
    assert.equal((await server().store.getConversation(id))?.snoozedUntil, null);
  } finally {
    await visitor.close();
    await agent.close();
  }
});

Deno.test("unsnooze brings it back; bad snoozes are refused with typed errors", async () => {
  const agent = await server().adminSocket();
  const { visitor, id } = await visitorConversation(agent);
  try {
    const refused = async (frame: Record<string, unknown>, code: string) => {
      const requestId = crypto.randomUUID();
      agent.send({ ...frame, requestId });
      const f = await agent.next((f) => f.requestId === requestId);
      assert.equal(f.type, "error", JSON.stringify(f));
      assert.equal(f.code, code);
    };
    await refused({ type: "snooze", conversationId: id, until: "tomorrow" }, "bad_frame");
    await refused(
      { type: "snooze", conversationId: id, until: "2020-01-01T00:00:00Z" },
      "bad_frame",
    );
    await refused(
      { type: "snooze", conversationId: id, until: new Date(Date.now() + 400 * 86_400_000) },
      "bad_frame",
    );
    await refused({ type: "unsnooze", conversationId: id }, "conflict");
    // Ten days ahead at 09:00 in UTC+2: stored and sent back in UTC.
    const day = new Date(Date.now() + 10 * 86_400_000).toISOString().slice(0, 10);
    const until = `${day}T09:00:00+02:00`;
    await refused({ type: "snooze", conversationId: crypto.randomUUID(), until }, "not_found");
    const since = agent.frames.length;
    agent.send({ type: "snooze", conversationId: id, until, requestId: "s1" });
    await agent.nextOf("done", (f) => f.requestId === "s1");
    const snoozed = await nextChange(
      agent,
      id,
      since,
      (f) => conv(f).snoozedUntil === `${day}T07:00:00.000Z`,
    );
    agent.send({ type: "unsnooze", conversationId: id, requestId: "u1" });
    await agent.nextOf("done", (f) => f.requestId === "u1");
    await nextChange(agent, id, after(agent, snoozed), (f) => conv(f).snoozedUntil === null);
    // Resolving clears a snooze, and a resolved conversation cannot be snoozed.
    agent.send({ type: "snooze", conversationId: id, until, requestId: "s2" });
    await agent.nextOf("done", (f) => f.requestId === "s2");
    agent.send({ type: "resolve", conversationId: id, requestId: "r1" });
    await agent.nextOf("done", (f) => f.requestId === "r1");
    assert.equal((await server().store.getConversation(id))?.snoozedUntil, null);
    await refused({ type: "snooze", conversationId: id, until }, "conflict");
  } finally {
    await visitor.close();
    await agent.close();
  }
});

const postgresUp = await postgresReachable();
if (!postgresUp && !IN_CI) {
  console.warn(
    `Postgres is not reachable at ${new URL(SERVER_URL).host}: skipping the snooze cluster ` +
      "test (set DATABASE_URL, or CI=true to make this a failure)",
  );
}

Deno.test({
  name: "a snooze set through one instance wakes for the assignee connected to the other",
  ignore: !postgresUp && !IN_CI,
  async fn() {
    const db = await freshDatabase();
    const a = await startClusterInstance(db.url);
    const b = await startClusterInstance(db.url);
    const sockets: TestSocket[] = [];
    try {
      await a.store.upsertSite({ id: "shop", name: "Shop" });
      const cookieA = await signIn(a.server.url, ADMIN.email, ADMIN.password);
      const cookieB = await signIn(b.server.url, ADMIN.email, ADMIN.password);
      const onA = await TestSocket.open(`${a.server.url.replace("http", "ws")}/ws/agent`, {
        cookie: cookieA,
      });
      const onB = await TestSocket.open(`${b.server.url.replace("http", "ws")}/ws/agent`, {
        cookie: cookieB,
      });
      sockets.push(onA, onB);
      await Promise.all([onA.nextOf("welcome"), onB.nextOf("welcome")]);
      const v = await a.store.createVisitor({ siteId: "shop", name: "Vera" });
      const { conversation } = await a.store.appendVisitorMessage({
        visitorId: v.id,
        clientId: "m1",
        body: "Hi",
      });
      const id = conversation.id;
      // Snoozed through A, for a moment: A's runner (poked by the snooze) or B's wakes it.
      const until = new Date(Date.now() + 1000).toISOString();
      const since = onB.frames.length;
      onA.send({ type: "snooze", conversationId: id, until, requestId: "s1" });
      await onA.nextOf("done", (f) => f.requestId === "s1");
      const snoozed = await nextChange(onB, id, since, (f) => conv(f).snoozedUntil === until);
      await nextChange(onB, id, after(onB, snoozed), (f) => conv(f).snoozedUntil === null);
      assert.equal((await b.store.getConversation(id))?.snoozedUntil, null);
    } finally {
      await Promise.all(sockets.map((s) => s.close()));
      await Promise.all([a.close(), b.close()]);
      await db.drop();
    }
  },
});
