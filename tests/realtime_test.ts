/**
 * Typing indicators and presence over real sockets.
 */

import assert from "node:assert/strict";
import { ADMIN, serverPerFile, startTestServer } from "./helpers/server.ts";
import { waitUntil } from "./helpers/wait.ts";

/** One server for the file (booting one takes seconds); each test brings its own people. */
const server = serverPerFile();

Deno.test(
  "typing travels both ways, with the visitor's live preview, and expires",
  async () => {
    const t = server();
    const agentWs = await t.adminSocket();
    const visitor = await t.visitorSocket();
    visitor.send({ type: "message", clientId: "m1", body: "hi" });
    const { conversationId } = await visitor.nextOf("ack");

    visitor.send({ type: "typing", active: true, preview: "where is my ord" });
    const vt = await agentWs.nextOf("typing", (f) => f.active === true);
    assert.equal(vt.author, "visitor");
    assert.equal(vt.preview, "where is my ord");
    assert.equal(vt.conversationId, conversationId);

    agentWs.send({ type: "typing", conversationId, active: true });
    const at = await visitor.nextOf("typing", (f) => f.active === true);
    assert.equal(at.name, "Admin");

    // Sending a message clears the sender's typing indicator.
    agentWs.send({ type: "message", conversationId, clientId: "a1", body: "Let me check" });
    await visitor.nextOf("typing", (f) => f.active === false);

    // The visitor stops typing without sending: the server expires the indicator by itself.
    const expired = await agentWs.nextOf("typing", (f) => f.active === false, 9000);
    assert.equal(expired.author, "visitor");
    await Promise.all([visitor.close(), agentWs.close()]);
  },
);

Deno.test(
  "agent presence follows tabs and choice; visitors get the online count",
  async () => {
    const t = server();
    const visitor = await t.visitorSocket();
    assert.equal(visitor.all("welcome")[0].agentsOnline, 0);
    const cookie = await t.login(ADMIN.email, ADMIN.password);
    const tab1 = await t.agentSocket(cookie);
    assert.equal((await visitor.nextOf("agents")).online, 1);
    const tab2 = await t.agentSocket(cookie);

    tab1.send({ type: "presence", status: "away" });
    const away = await tab2.nextOf(
      "agent",
      (f) => (f.agent as { status: string }).status === "away",
    );
    assert.ok(away);
    assert.equal((await visitor.nextOf("agents")).online, 0);

    tab1.send({ type: "presence", status: "online" });
    assert.equal((await visitor.nextOf("agents")).online, 1);

    // Closing one of two tabs keeps the agent online; closing both takes them offline.
    await tab1.close();
    const observer = await t.adminSocket();
    await tab2.close();
    await observer.close();
    assert.equal((await visitor.nextOf("agents")).online, 0);
    await visitor.close();
  },
);

Deno.test("agents see visitors come online with their page and go offline", async () => {
  const t = server();
  const agentWs = await t.adminSocket();
  const visitor = await t.visitorSocket({
    page: { url: "https://shop.test/cart", title: "Cart" },
  });
  const online = await agentWs.nextOf("visitor");
  const info = online.visitor as { online: boolean; page: { url: string }; id: string };
  assert.equal(info.online, true);
  assert.equal(info.page.url, "https://shop.test/cart");

  visitor.send({ type: "page", page: { url: "https://shop.test/checkout", title: "Checkout" } });
  const moved = await agentWs.nextOf(
    "visitor",
    (f) => (f.visitor as { page: { url: string } }).page.url.endsWith("/checkout"),
  );
  assert.ok(moved);
  await visitor.close();
  const offline = await agentWs.nextOf(
    "visitor",
    (f) => (f.visitor as { online: boolean }).online === false,
  );
  assert.equal((offline.visitor as { id: string }).id, info.id);
  await agentWs.close();
});

Deno.test("a silent socket is closed by the heartbeat sweep", async () => {
  await using t = await startTestServer({
    env: { PARLEY_HEARTBEAT_MS: "300", PARLEY_HEARTBEAT_TIMEOUT_MS: "1200" },
  });
  const { TestSocket } = await import("./helpers/ws_client.ts");
  // A raw WebSocket that never answers pings.
  const ws = new WebSocket(`${t.wsUrl}/ws/visitor`);
  await new Promise((r) => ws.onopen = r);
  ws.send(JSON.stringify({ type: "hello", site: "demo" }));
  const code = await new Promise<number>((r) => ws.onclose = (e) => r(e.code));
  assert.equal(code, 4008);
  // A client that answers pings stays connected past the timeout.
  const live = await TestSocket.open(`${t.wsUrl}/ws/visitor`);
  live.send({ type: "hello", site: "demo" });
  await live.nextOf("welcome");
  // Pings go out on sweep ticks at least a second apart: three of them span two seconds or
  // more, well past the 1.2 s timeout, however slow the machine is.
  await waitUntil(() => live.all("ping").length >= 3, "three heartbeats pass");
  assert.equal(live.ws.readyState, WebSocket.OPEN);
  await live.close();
});

Deno.test("visitor typing carries the visitor's name", async () => {
  const t = server();
  const agentWs = await t.adminSocket();
  const visitor = await t.visitorSocket();
  const name = (visitor.all("welcome")[0].visitor as { name: string }).name;
  visitor.send({ type: "message", clientId: "m1", body: "hi" });
  await visitor.nextOf("ack");
  visitor.send({ type: "typing", active: true, preview: "h" });
  const typing = await agentWs.nextOf("typing", (f) => f.active === true);
  assert.equal(typing.name, name);
  await Promise.all([visitor.close(), agentWs.close()]);
});

Deno.test(
  "a burst of visitor typing previews reaches an agent coalesced, the latest text last",
  async () => {
    // Frame limits raised so the burst is not refused for the frame budget.
    await using t = await startTestServer({
      env: { PARLEY_FRAME_BURST: "1000", PARLEY_FRAMES_PER_SECOND: "1000" },
    });
    const agentWs = await t.adminSocket();
    const visitor = await t.visitorSocket();
    visitor.send({ type: "message", clientId: "m1", body: "hi" });
    const { conversationId } = await visitor.nextOf("ack");
    const burst = 60;
    for (let i = 1; i <= burst; i++) {
      visitor.send({ type: "typing", active: true, preview: `draft ${i}` });
    }
    // The last preview is always delivered.
    await agentWs.nextOf("typing", (f) => f.preview === `draft ${burst}`);
    const previews = agentWs.all("typing")
      .filter((f) => f.conversationId === conversationId && f.active === true)
      .map((f) => String(f.preview));
    console.log(
      `[figure] typing frames an agent received for a ${burst}-frame burst: ${previews.length}`,
    );
    assert.ok(previews.length <= burst / 6, `coalesced: ${previews.length} of ${burst}`);
    assert.equal(previews.at(-1), `draft ${burst}`);
    // In writing order: a coalesced preview never goes back to older text.
    const numbers = previews.map((p) => Number(p.slice("draft ".length)));
    assert.deepEqual(numbers, [...numbers].sort((a, b) => a - b));
    // A stop is relayed at once and no stale preview follows it.
    visitor.send({ type: "typing", active: true, preview: "late" });
    visitor.send({ type: "typing", active: false });
    await agentWs.nextOf("typing", (f) => f.active === false);
    await visitor.roundTrip();
    await agentWs.roundTrip();
    const after = agentWs.all("typing");
    assert.equal(after.at(-1)?.active, false);
    await Promise.all([visitor.close(), agentWs.close()]);
  },
);
