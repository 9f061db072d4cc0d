/**
 * Agent accounts against attackers (issue 10, security items 3 to 5): guessing passwords never
 * locks the owner out; a password change ends the agent's other sessions and their sockets; the
 * current password cannot be guessed through the password change.
 */

import assert from "node:assert/strict";
import { serverPerFile } from "./helpers/server.ts";
import type { TestSocket } from "./helpers/ws_client.ts";
import { waitUntil } from "./helpers/wait.ts";

const CSRF = { "content-type": "application/json", "x-parley-csrf": "1" };

/** One server for the file (booting one takes seconds); each test brings its own agents. */
const server = serverPerFile();

async function get(url: string, cookie: string): Promise<number> {
  const res = await fetch(url, { headers: { cookie } });
  await res.body?.cancel();
  return res.status;
}

/** The close code of `socket`, failing (not hanging) when it stays open. */
async function closeCode(socket: TestSocket): Promise<number> {
  let code: number | null = null;
  socket.closed.then((c) => code = c.code);
  await waitUntil(() => code !== null, "the socket closes");
  return code ?? 0;
}

async function changePassword(
  url: string,
  cookie: string,
  currentPassword: string,
  newPassword: string,
): Promise<{ status: number; code: string | null }> {
  const res = await fetch(`${url}/api/agent/me/password`, {
    method: "POST",
    headers: { ...CSRF, cookie },
    body: JSON.stringify({ currentPassword, newPassword }),
  });
  const text = await res.text();
  const code = text ? (JSON.parse(text) as { error?: { code?: string } }).error?.code : null;
  return { status: res.status, code: code ?? null };
}

Deno.test(
  "changing the password ends every other session and its sockets, and keeps the current one",
  async () => {
    const t = server();
    const bob = await t.createAgent({ name: "Bob" });
    const laptop = await t.login(bob.email, bob.password);
    const phone = await t.login(bob.email, bob.password);
    const laptopTab = await t.agentSocket(laptop);
    const phoneTab = await t.agentSocket(phone);

    const changed = await changePassword(t.url, laptop, bob.password, "a-brand-new-password");
    assert.equal(changed.status, 204);
    assert.equal(await closeCode(phoneTab), 4001, "the other session's socket closes");
    assert.equal(await get(`${t.url}/api/agent/me`, phone), 401, "the other session is gone");
    assert.equal(await get(`${t.url}/api/agent/me`, laptop), 200, "the current one stays");
    laptopTab.send({ type: "ping" });
    await laptopTab.nextOf("pong");
    await laptopTab.close();
  },
);

Deno.test(
  "guesses of the current password on a password change are limited per agent",
  async () => {
    const t = server();
    const eve = await t.createAgent({ name: "Eve" });
    const cookie = await t.login(eve.email, eve.password);
    // PARLEY_LOGIN_ATTEMPTS_PER_ACCOUNT (default 5) checks per 15 minutes.
    for (let i = 0; i < 5; i++) {
      const guess = await changePassword(t.url, cookie, `guess-${i}-wrong`, "new-password-1");
      assert.deepEqual(guess, { status: 403, code: "forbidden" });
    }
    const limited = await changePassword(t.url, cookie, eve.password, "new-password-1");
    assert.deepEqual(limited, { status: 429, code: "rate_limited" });
    // Nothing changed: the old password still signs in.
    assert.equal(await get(`${t.url}/api/agent/me`, await t.login(eve.email, eve.password)), 200);
  },
);
