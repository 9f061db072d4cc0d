/**
 * Agent accounts in-process: sign-in and its limits, sessions, and what signing out everywhere or
 * disabling an agent does to their open sockets.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { DbStore } from "../../db/mod.ts";
import { CloseCode } from "../../protocol/codes.ts";
import { StoreError } from "../../db/store.ts";
import { ParleyError, toParleyError } from "../errors.ts";
import { KeyedLimiter } from "../rate_limit.ts";
import { openTestStore, startTestCore, type TestCore } from "../testing/test_core.ts";
import { AccountDelay } from "./account_delay.ts";
import { AgentService } from "./agents.ts";
import { createKnownBrowsers } from "./known_browser.ts";
import { hashPassword } from "./passwords.ts";

const store = await openTestStore();
// Cheap hashes: these tests are about sessions, not the key derivation.
const ITERATIONS = 1_000;
const PASSWORD = "correct horse battery";

function agentService(
  t: TestCore,
  store: DbStore,
  attemptsPerAccount = 10,
  waits: number[] = [],
): AgentService {
  return new AgentService({
    store,
    bus: t.bus,
    sessionTtlMs: 3_600_000,
    passwordIterations: ITERATIONS,
    loginPerAccount: new KeyedLimiter(attemptsPerAccount, 15 * 60_000),
    loginPerIp: new KeyedLimiter(100, 15 * 60_000),
    loginDelay: new AccountDelay({ freeFailures: 3, baseMs: 250, maxMs: 4000, windowMs: 900_000 }),
    knownBrowsers: createKnownBrowsers("k".repeat(32), 86_400),
    // The delays are recorded, not waited.
    sleep: (ms) => {
      waits.push(ms);
      return Promise.resolve();
    },
    passwordChecks: new KeyedLimiter(attemptsPerAccount, 15 * 60_000),
  });
}

/** The client-facing code of the refusal `promise` rejects with (a store error's included). */
async function refusal(promise: Promise<unknown>): Promise<string> {
  const err = await promise.then(() => null, (e: unknown) => e);
  assert.ok(err instanceof ParleyError || err instanceof StoreError, `expected a refusal: ${err}`);
  return toParleyError(err).code;
}

Deno.test("sign-in opens a session only for the right password of an enabled agent", async () => {
  await using t = await startTestCore(store);
  const agents = agentService(t, store);
  await using ann = await t.agent("Ann", {
    passwordHash: await hashPassword(PASSWORD, ITERATIONS),
  });
  const { token, agent } = await agents.login(ann.agent.email.toUpperCase(), PASSWORD, "ip");
  assert.equal(agent.id, ann.agent.id);
  assert.equal((await agents.authenticate(token))?.agent.id, ann.agent.id);
  assert.equal(
    await refusal(agents.login(ann.agent.email, "wrong password", "ip")),
    "unauthorized",
  );
  await store.updateAgent(ann.agent.id, { disabled: true });
  assert.equal(await refusal(agents.login(ann.agent.email, PASSWORD, "ip")), "unauthorized");
  assert.equal(await agents.authenticate(token), null);
});

Deno.test(
  "sign-in attempts are limited per account and address; other addresses still get in",
  async () => {
    await using t = await startTestCore(store);
    const agents = agentService(t, store, 2);
    await using ann = await t.agent("Ann", {
      passwordHash: await hashPassword(PASSWORD, ITERATIONS),
    });
    await refusal(agents.login(ann.agent.email, "wrong 1", "ip-a"));
    await refusal(agents.login(ann.agent.email, "wrong 2", "ip-a"));
    assert.equal(await refusal(agents.login(ann.agent.email, PASSWORD, "ip-a")), "rate_limited");
    const { agent } = await agents.login(ann.agent.email, PASSWORD, "ip-c");
    assert.equal(agent.id, ann.agent.id);
  },
);

Deno.test(
  "an account's failures make later attempts wait a doubling, capped delay, never a refusal",
  async () => {
    await using t = await startTestCore(store);
    const waits: number[] = [];
    const agents = agentService(t, store, 100, waits);
    await using ann = await t.agent("Ann", {
      passwordHash: await hashPassword(PASSWORD, ITERATIONS),
    });
    for (let i = 0; i < 9; i++) {
      assert.equal(
        await refusal(agents.login(ann.agent.email, "wrong", `ip-${i}`)),
        "unauthorized",
      );
    }
    // Three failures cost nothing; from the fourth on, 250 ms doubling, capped at 4 s.
    assert.deepEqual(waits, [250, 500, 1000, 2000, 4000]);
    const { knownBrowser } = await agents.login(ann.agent.email, PASSWORD, "ip-new");
    assert.equal(waits.at(-1), 4000, "the right password waits, and gets in");

    // A success resets the delay; a known browser never waits.
    for (let i = 0; i < 9; i++) await refusal(agents.login(ann.agent.email, "wrong", "ip-x"));
    waits.length = 0;
    await agents.login(ann.agent.email, PASSWORD, "ip-x", knownBrowser);
    assert.deepEqual(waits, []);
  },
);

Deno.test(
  "a known browser has its own attempts: guessers on the owner's address do not lock it out",
  async () => {
    await using t = await startTestCore(store);
    const agents = agentService(t, store, 3);
    await using ann = await t.agent("Ann", {
      passwordHash: await hashPassword(PASSWORD, ITERATIONS),
    });
    await using bob = await t.agent("Bob", {
      passwordHash: await hashPassword(PASSWORD, ITERATIONS),
    });
    const { knownBrowser } = await agents.login(ann.agent.email, PASSWORD, "office");
    for (let i = 0; i < 3; i++) await refusal(agents.login(ann.agent.email, "wrong", "office"));
    assert.equal(await refusal(agents.login(ann.agent.email, PASSWORD, "office")), "rate_limited");
    const again = await agents.login(ann.agent.email, PASSWORD, "office", knownBrowser);
    assert.equal(again.agent.id, ann.agent.id);
    // The token is Ann's: it does nothing for Bob, nor does a forged one.
    for (let i = 0; i < 3; i++) await refusal(agents.login(bob.agent.email, "wrong", "office"));
    assert.equal(
      await refusal(agents.login(bob.agent.email, PASSWORD, "office", knownBrowser)),
      "rate_limited",
    );
    const forged = knownBrowser.replace(/.$/, (c) => (c === "0" ? "1" : "0"));
    assert.equal(
      await refusal(agents.login(ann.agent.email, PASSWORD, "office", forged)),
      "rate_limited",
    );
  },
);

Deno.test("signing out everywhere ends the sessions and closes the agent's sockets", async () => {
  await using t = await startTestCore(store);
  const agents = agentService(t, store);
  await using ann = await t.agent("Ann", {
    passwordHash: await hashPassword(PASSWORD, ITERATIONS),
  });
  await using bob = await t.agent("Bob");
  const { token } = await agents.login(ann.agent.email, PASSWORD, "ip");
  await using secondTab = await t.connect(ann.agent);
  await agents.logoutEverywhere(ann.agent.id);
  assert.equal(await agents.authenticate(token), null);
  assert.equal((await ann.peer.whenClosed()).code, CloseCode.Unauthorized);
  assert.equal((await secondTab.peer.whenClosed()).code, CloseCode.Unauthorized);
  assert.equal(bob.peer.closed, null);
});

Deno.test("only admins manage agents; a disabled agent's sockets close", async () => {
  await using t = await startTestCore(store);
  const agents = agentService(t, store);
  await using admin = await t.agent("Admin", { role: "admin" });
  await using ann = await t.agent("Ann");
  assert.equal(
    await refusal(agents.update(ann.agent, ann.agent.id, { role: "admin" })),
    "forbidden",
  );
  assert.equal(
    await refusal(agents.create(ann.agent, {
      email: "new@example.com",
      name: "New",
      password: PASSWORD,
      role: "agent",
    })),
    "forbidden",
  );
  // Agents may rename themselves; everyone connected hears of it.
  await agents.update(ann.agent, ann.agent.id, { name: "Annie" });
  await admin.next("agent", (f) => (f.agent as { name: string }).name === "Annie");
  await agents.update(admin.agent, ann.agent.id, { disabled: true });
  assert.equal((await ann.peer.whenClosed()).code, CloseCode.Unauthorized);
  const disabled = await admin.next("agent", (f) => {
    const a = f.agent as { id: string; disabled: boolean };
    return a.id === ann.agent.id && a.disabled;
  });
  assert.equal((disabled.agent as { status: string }).status, "offline");
});

Deno.test("ensureAdmin creates the configured admin once and then leaves its password", async () => {
  await using t = await startTestCore(store);
  const agents = agentService(t, store);
  const email = `boss-${crypto.randomUUID().slice(0, 8)}@example.com`;
  const first = await agents.ensureAdmin({ email, password: PASSWORD, reset: false });
  assert.deepEqual(first, { action: "created", email });
  const boss = await store.getAgentByEmail(email);
  assert.ok(boss);
  assert.equal(boss.role, "admin");
  // Changed in the console; the next start with the same environment keeps it.
  await agents.update(boss, boss.id, { name: "Boss" });
  await store.updateAgent(boss.id, { passwordHash: await hashPassword("changed-1", ITERATIONS) });
  const again = await agents.ensureAdmin({ email, password: PASSWORD, reset: false });
  assert.deepEqual(again, { action: "kept", email });
  await agents.login(email, "changed-1", "ip");
  assert.equal(await refusal(agents.login(email, PASSWORD, "ip")), "unauthorized");
});

Deno.test("ensureAdmin with reset overwrites the password, re-enables and ends sessions", async () => {
  await using t = await startTestCore(store);
  const agents = agentService(t, store);
  await using ann = await t.agent("Ann", {
    passwordHash: await hashPassword("old-password", ITERATIONS),
  });
  const { token } = await agents.login(ann.agent.email, "old-password", "ip");
  await store.updateAgent(ann.agent.id, { disabled: true });
  const result = await agents.ensureAdmin({
    email: ann.agent.email.toUpperCase(),
    password: PASSWORD,
    reset: true,
  });
  assert.deepEqual(result, { action: "reset", email: ann.agent.email });
  const after = await store.getAgent(ann.agent.id);
  assert.equal(after?.role, "admin");
  assert.equal(after?.disabled, false);
  assert.equal(await agents.authenticate(token), null);
  assert.equal((await ann.peer.whenClosed()).code, CloseCode.Unauthorized);
  assert.equal(await refusal(agents.login(ann.agent.email, "old-password", "ip")), "unauthorized");
  await agents.login(ann.agent.email, PASSWORD, "ip");
});

Deno.test("an admin resets an agent's password and ends their sessions; agents may not", async () => {
  await using t = await startTestCore(store);
  const agents = agentService(t, store);
  await using admin = await t.agent("Admin", { role: "admin" });
  await using ann = await t.agent("Ann", {
    passwordHash: await hashPassword("old-password", ITERATIONS),
  });
  await using bob = await t.agent("Bob");
  const { token } = await agents.login(ann.agent.email, "old-password", "ip");
  assert.equal(await refusal(agents.resetPassword(bob.agent, ann.agent.id, PASSWORD)), "forbidden");
  assert.equal(
    await refusal(agents.resetPassword(admin.agent, ann.agent.id, "short")),
    "bad_frame",
  );
  assert.equal(
    await refusal(agents.resetPassword(admin.agent, crypto.randomUUID(), PASSWORD)),
    "not_found",
  );
  // Refusals changed nothing.
  assert.equal((await agents.authenticate(token))?.agent.id, ann.agent.id);
  await agents.resetPassword(admin.agent, ann.agent.id, PASSWORD);
  assert.equal(await agents.authenticate(token), null);
  assert.equal((await ann.peer.whenClosed()).code, CloseCode.Unauthorized);
  assert.equal(await refusal(agents.login(ann.agent.email, "old-password", "ip")), "unauthorized");
  await agents.login(ann.agent.email, PASSWORD, "ip");
  assert.equal(bob.peer.closed, null);
});

Deno.test("an agent's sites must exist, and only admins set them", async () => {
  await using t = await startTestCore(store);
  const agents = agentService(t, store);
  await using admin = await t.agent("Admin", { role: "admin" });
  await using ann = await t.agent("Ann");
  const missing = `gone-${crypto.randomUUID().slice(0, 8)}`;
  const err = await agents.update(admin.agent, ann.agent.id, { sites: [t.site.id, missing] })
    .then(() => null, (e: unknown) => e);
  assert.ok(err instanceof ParleyError);
  assert.equal(err.code, "bad_frame");
  assert.match(err.message, new RegExp(missing));
  assert.equal(
    await refusal(agents.update(ann.agent, ann.agent.id, { sites: [t.site.id] })),
    "forbidden",
  );
  const limited = await agents.update(admin.agent, ann.agent.id, { sites: [t.site.id] });
  assert.deepEqual(limited.sites, [t.site.id]);
  const created = await agents.create(admin.agent, {
    email: `new-${crypto.randomUUID().slice(0, 8)}@example.com`,
    name: "New",
    password: PASSWORD,
    role: "agent",
    sites: [t.site.id],
  });
  assert.deepEqual(created.sites, [t.site.id]);
  assert.equal(
    await refusal(agents.create(admin.agent, {
      email: `other-${crypto.randomUUID().slice(0, 8)}@example.com`,
      name: "Other",
      password: PASSWORD,
      role: "agent",
      sites: [missing],
    })),
    "bad_frame",
  );
});
