/**
 * Agent accounts against attackers (issue 10, security items 3 to 5): guessing passwords never
 * locks the owner out; a password change ends the agent's other sessions and their sockets; the
 * current password cannot be guessed through the password change.
 */

import assert from "node:assert/strict";
import { hmacHex } from "../core/accounts/tokens.ts";
import { serverPerFile } from "./helpers/server.ts";
import type { TestSocket } from "./helpers/ws_client.ts";
import { waitUntil } from "./helpers/wait.ts";

const CSRF = { "content-type": "application/json", "x-parley-csrf": "1" };

/**
 * One server for the file (booting one takes seconds); each test brings its own agents. Behind a
 * trusted proxy, so a test can sign in from several addresses with `X-Forwarded-For`; the
 * per-address limit is the default again (test servers raise it).
 */
const server = serverPerFile({
  env: { PARLEY_TRUST_PROXY: "true", PARLEY_LOGIN_ATTEMPTS_PER_IP: "30" },
});

const ATTACKER = "203.0.113.66";
const ELSEWHERE = "198.51.100.7";
/** An address shared by an owner and a guesser. */
const OFFICE = "192.0.2.10";

/** Signs in from `ip`; the status and the known-browser cookie it set, if any. */
async function tryLogin(
  url: string,
  email: string,
  password: string,
  ip: string,
  knownBrowser: string | null = null,
): Promise<{ status: number; knownBrowser: string | null }> {
  const res = await fetch(`${url}/api/agent/login`, {
    method: "POST",
    headers: {
      ...CSRF,
      "x-forwarded-for": ip,
      ...(knownBrowser ? { cookie: knownBrowser } : {}),
    },
    body: JSON.stringify({ email, password }),
  });
  await res.body?.cancel();
  const known = res.headers.getSetCookie().find((c) => c.startsWith("parley_known_browser="));
  return { status: res.status, knownBrowser: known ? known.split(";")[0] : null };
}

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

Deno.test(
  "wrong passwords from one address never lock the owners of six accounts out from another",
  async () => {
    const t = server();
    const owners = [];
    for (let i = 0; i < 6; i++) owners.push(await t.createAgent());
    for (const owner of owners) {
      for (let i = 0; i < 5; i++) {
        assert.equal((await tryLogin(t.url, owner.email, `wrong-${i}`, ATTACKER)).status, 401);
      }
    }
    // The guessing address has spent its attempts on these accounts...
    const attacker = await tryLogin(t.url, owners[0].email, owners[0].password, ATTACKER);
    assert.equal(attacker.status, 429);
    // ...but each owner, from their own address, gets in (after a bounded delay).
    for (const owner of owners) {
      const started = performance.now();
      const { status } = await tryLogin(t.url, owner.email, owner.password, ELSEWHERE);
      assert.equal(status, 200, `${owner.email} signs in from another address`);
      console.log(`owner sign-in after 5 failures: ${Math.round(performance.now() - started)} ms`);
    }
  },
);

Deno.test(
  "a known browser signs in even when guessers on its own address spent the attempts",
  async () => {
    const t = server();
    const ann = await t.createAgent({ name: "Ann" });
    const first = await tryLogin(t.url, ann.email, ann.password, OFFICE);
    assert.equal(first.status, 200);
    assert.ok(first.knownBrowser, "a sign-in marks the browser as known");
    for (let i = 0; i < 5; i++) {
      assert.equal((await tryLogin(t.url, ann.email, `wrong-${i}`, OFFICE)).status, 401);
    }
    assert.equal((await tryLogin(t.url, ann.email, ann.password, OFFICE)).status, 429);
    const known = await tryLogin(t.url, ann.email, ann.password, OFFICE, first.knownBrowser);
    assert.equal(known.status, 200, "the owner's own browser is never locked out");
  },
);

Deno.test(
  "identify shows as verified only the fields the site's signature covers",
  async () => {
    const t = server();
    const agent = await t.adminSocket();
    const secret = (await t.store.getSite("demo"))!.identitySecret;
    const v = await t.visitorSocket();
    const visitorId = String((v.all("welcome")[0].visitor as { id: string }).id);
    let round = 0;
    /** Sends `frame` and returns what agents see of the visitor afterwards. */
    const identify = async (frame: Record<string, unknown>) => {
      const marker = `page-${++round}`;
      v.send(frame);
      // A page view after it marks which visitor update answers this step.
      v.send({ type: "page", page: { url: `https://shop.example/${marker}`, title: marker } });
      const f = await agent.nextOf("visitor", (x) => {
        const info = x.visitor as { id: string; page: { title: string } | null };
        return info.id === visitorId && info.page?.title === marker;
      });
      const { verified, emailVerified, nameVerified, email, name } = f.visitor as Record<
        string,
        unknown
      >;
      return { verified, emailVerified, nameVerified, email, name };
    };

    // The original id-only signature proves the id, not the email or name sent beside it.
    const idOnly = await hmacHex(secret, "user-7");
    assert.deepEqual(
      await identify({
        type: "identify",
        id: "user-7",
        email: "ceo@victim.example",
        name: "The CEO",
        hash: idOnly,
      }),
      {
        verified: true,
        emailVerified: false,
        nameVerified: false,
        email: "ceo@victim.example",
        name: "The CEO",
      },
    );

    // Signing id, email and name proves all three.
    const all = { type: "identify", id: "user-7", email: "ann@example.com", name: "Ann Lee" };
    const full = await hmacHex(secret, "id=user-7\nemail=ann@example.com\nname=Ann Lee");
    assert.deepEqual(await identify({ ...all, hash: full }), {
      verified: true,
      emailVerified: true,
      nameVerified: true,
      email: "ann@example.com",
      name: "Ann Lee",
    });

    // The same signature with another email proves nothing.
    assert.deepEqual(
      await identify({ ...all, email: "ceo@victim.example", hash: full }),
      {
        verified: false,
        emailVerified: false,
        nameVerified: false,
        email: "ceo@victim.example",
        name: "Ann Lee",
      },
    );

    // Signing id and email leaves a name the browser chose unverified.
    const idEmail = await hmacHex(secret, "id=user-7\nemail=ann@example.com");
    assert.deepEqual(
      await identify({ ...all, name: "Mallory", hash: idEmail }),
      {
        verified: true,
        emailVerified: true,
        nameVerified: false,
        email: "ann@example.com",
        name: "Mallory",
      },
    );

    // A later contact email is the visitor's word: the id stays verified, the email does not.
    v.send({ type: "contact", email: "ceo@victim.example" });
    await v.nextOf("identity", (f) => f.email === "ceo@victim.example");
    assert.deepEqual(await identify({ type: "ping" }), {
      verified: true,
      emailVerified: false,
      nameVerified: false,
      email: "ceo@victim.example",
      name: "Mallory",
    });
    await Promise.all([v.close(), agent.close()]);
  },
);
