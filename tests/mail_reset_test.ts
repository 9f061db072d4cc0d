/**
 * Password reset by email against a real SMTP server: the same answer for every address, an
 * email with a one-time link only for an existing agent, the link working once and ending the
 * agent's other sessions, an expired link refused, the limits, and the whole path in Chromium.
 * Without SMTP the link is not offered and the endpoint answers 503.
 */

import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { EmailStore } from "../db/sql_email.ts";
import { browserAvailable, launchBrowser } from "./helpers/browser.ts";
import { ADMIN, startTestServer, type TestServer } from "./helpers/server.ts";
import { startSmtpServer, type TestSmtpServer } from "./helpers/smtp_server.ts";

const SHOTS = "/work/wt/shots/mail";

function mailEnv(smtp: TestSmtpServer): Record<string, string> {
  return {
    PARLEY_SMTP_URL: smtp.url,
    PARLEY_MAIL_FROM: "Parley <support@example.com>",
    PARLEY_MAIL_RETRY_BASE_MS: "50",
  };
}

function post(srv: TestServer, path: string, body: unknown, cookie?: string) {
  return fetch(`${srv.url}${path}`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-parley-csrf": "1",
      ...(cookie ? { cookie } : {}),
    },
    body: JSON.stringify(body),
  });
}

/** The link of the reset email sent to `to` (the `n`-th one, from 1). */
async function resetLink(smtp: TestSmtpServer, to: string, n = 1): Promise<string> {
  const mails = () => smtp.received.filter((m) => m.to.includes(to));
  await smtp.waitFor(() => mails().length >= n, `reset email ${n} to ${to} arrives`);
  const m = mails()[n - 1];
  assert.equal(m.subject, "Reset your Parley password");
  const link = /https?:\/\/\S+#token=[A-Za-z0-9_-]+/.exec(m.text)?.[0];
  assert.ok(link, "the email carries the link");
  assert.ok(m.html?.includes(link), "the HTML part carries the same link");
  assert.doesNotMatch(m.html ?? "", /<img/i, "no tracking pixel");
  return link;
}

Deno.test("without SMTP, reset is not offered and its endpoint answers 503 unavailable", async () => {
  await using srv = await startTestServer();
  const offered = await (await fetch(`${srv.url}/api/agent/password-reset`)).json();
  assert.deepEqual(offered, { available: false });
  const res = await post(srv, "/api/agent/password-reset", { email: "admin@test.local" });
  assert.equal(res.status, 503);
  assert.equal((await res.json()).error.code, "unavailable");
});

Deno.test({
  name: "reset: same answer for every address, one email with a link that works once",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await using smtp = await startSmtpServer();
    await using srv = await startTestServer({ env: mailEnv(smtp) });
    const links = srv.server.app.mail!.links;
    const outbox = new EmailStore(srv.store.db);
    const bob = await srv.createAgent({ name: "Bob", email: "bob@example.com" });
    const oldSession = await srv.login(bob.email, bob.password);

    const unknown = await post(srv, "/api/agent/password-reset", { email: "nobody@example.com" });
    const known = await post(srv, "/api/agent/password-reset", { email: "BOB@example.com" });
    assert.equal(unknown.status, 202);
    assert.equal(known.status, 202);
    assert.equal(await unknown.text(), await known.text());
    await links.settled();
    assert.deepEqual((await outbox.list()).map((e) => [e.kind, e.to]), [
      ["password_reset", "bob@example.com"],
    ]);

    const link = await resetLink(smtp, bob.email);
    assert.ok(link.startsWith(`${srv.url}/console/reset-password#token=`));
    const token = new URL(link).hash.slice("#token=".length);
    assert.deepEqual(await (await post(srv, "/api/agent/links/check", { token })).json(), {
      state: "valid",
      purpose: "reset",
    });
    const short = await post(srv, "/api/agent/links/use", { token, password: "short" });
    assert.equal(short.status, 400);
    const used = await post(srv, "/api/agent/links/use", { token, password: "a-new-password" });
    assert.equal(used.status, 204);
    // The old password is gone, the new one works, the other sessions ended.
    await assert.rejects(srv.login(bob.email, bob.password));
    await srv.login(bob.email, "a-new-password");
    const me = await fetch(`${srv.url}/api/agent/me`, { headers: { cookie: oldSession } });
    assert.equal(me.status, 401);
    await me.body?.cancel();
    // Once only.
    const again = await post(srv, "/api/agent/links/use", { token, password: "another-one-1" });
    assert.equal(again.status, 409);
    assert.match((await again.json()).error.message, /already used/);
    assert.deepEqual(await (await post(srv, "/api/agent/links/check", { token })).json(), {
      state: "used",
    });
    assert.equal(smtp.received.filter((m) => m.to.includes("nobody@example.com")).length, 0);
  },
});

Deno.test({
  name: "reset: an expired link is refused, and requests are limited per address",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await using smtp = await startSmtpServer();
    await using srv = await startTestServer({ env: mailEnv(smtp) });
    const carol = await srv.createAgent({ name: "Carol", email: "carol@example.com" });
    assert.equal(
      (await post(srv, "/api/agent/password-reset", { email: carol.email })).status,
      202,
    );
    const token = new URL(await resetLink(smtp, carol.email)).hash.slice("#token=".length);
    // The clock of the database moves past the link's 30 minutes.
    await srv.store.db.query(
      "UPDATE agent_links SET expires_at = now() - interval '1 second'",
    );
    assert.deepEqual(await (await post(srv, "/api/agent/links/check", { token })).json(), {
      state: "expired",
    });
    const late = await post(srv, "/api/agent/links/use", { token, password: "a-new-password" });
    assert.equal(late.status, 409);
    assert.match((await late.json()).error.message, /expired/);
    await srv.login(carol.email, carol.password);
    // Three requests per address in 15 minutes (the first above), whatever the address is.
    const ghost = "ghost@example.com";
    for (const email of [carol.email, carol.email, ghost, ghost, ghost]) {
      const res = await post(srv, "/api/agent/password-reset", { email });
      assert.equal(res.status, 202);
      await res.body?.cancel();
    }
    for (const email of [carol.email, ghost]) {
      const res = await post(srv, "/api/agent/password-reset", { email });
      assert.equal(res.status, 429);
      assert.equal((await res.json()).error.code, "rate_limited");
    }
  },
});

async function shot(page: Page, name: string) {
  await page.screenshot({ path: `${SHOTS}/${name}.png` });
}

Deno.test({
  name: "reset in Chromium: forgot password, the emailed link, a new password, signed in",
  ignore: !browserAvailable(),
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await using smtp = await startSmtpServer();
    await using srv = await startTestServer({ env: mailEnv(smtp) });
    await using browser = await launchBrowser();
    const dana = await srv.createAgent({ name: "Dana", email: "dana@example.com" });
    for (
      const [label, viewport] of [
        ["desktop", { width: 1280, height: 800 }],
        ["phone", { width: 390, height: 844 }],
      ] as const
    ) {
      const context = await browser.newContext({ viewport });
      const page = await context.newPage();
      page.setDefaultTimeout(30_000);
      try {
        await page.goto(`${srv.url}/console`);
        await page.getByRole("button", { name: "Forgot password?" }).click();
        await page.getByLabel("Email").fill(dana.email);
        await page.getByRole("button", { name: "Send reset link" }).click();
        await page.getByRole("status").getByText("If an account exists for that address")
          .waitFor();
        await shot(page, `forgot-password-${label}`);
        const n = label === "desktop" ? 1 : 2;
        const link = await resetLink(smtp, dana.email, n);
        await page.goto(link);
        await page.getByLabel("New password", { exact: true }).fill(`new-password-${label}`);
        await shot(page, `reset-password-${label}`);
        await page.getByRole("button", { name: "Set password" }).click();
        await page.getByRole("status").getByText("Your password is set").waitFor();
        assert.equal(new URL(page.url()).hash, "", "the token leaves the address bar");
        await page.getByRole("link", { name: "Sign in" }).click();
        await page.getByLabel("Email").fill(dana.email);
        await page.getByLabel("Password").fill(`new-password-${label}`);
        await page.getByRole("button", { name: "Sign in" }).click();
        await page.getByRole("tab", { name: /^Queue/ }).waitFor();
        // The same link again says it was used.
        await page.goto(link);
        await page.getByRole("alert").getByText("This link was already used").waitFor();
        await shot(page, `reset-link-used-${label}`);
      } finally {
        await context.close();
      }
    }
  },
});

Deno.test({
  name: "Settings → Team tells admins whether email is on, and from which address",
  ignore: !browserAvailable(),
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await using smtp = await startSmtpServer();
    await using browser = await launchBrowser();
    for (
      const [env, expected] of [
        [mailEnv(smtp), `Email is on (from Parley <support@example.com>)`],
        [{}, "Email is off: set PARLEY_SMTP_URL"],
      ] as const
    ) {
      await using srv = await startTestServer({ env });
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      page.setDefaultTimeout(30_000);
      try {
        await page.goto(`${srv.url}/console`);
        if (Object.keys(env).length === 0) {
          // No email: the sign-in page offers no reset.
          await page.getByRole("button", { name: "Sign in" }).waitFor();
          assert.equal(await page.getByRole("button", { name: "Forgot password?" }).count(), 0);
        }
        await page.getByLabel("Email").fill(ADMIN.email);
        await page.getByLabel("Password").fill(ADMIN.password);
        await page.getByRole("button", { name: "Sign in" }).click();
        await page.getByRole("button", { name: "Settings" }).click();
        const dialog = page.getByRole("dialog", { name: "Settings" });
        await dialog.getByRole("button", { name: "Team" }).click();
        await dialog.getByRole("status").filter({ hasText: expected }).waitFor();
        if (Object.keys(env).length > 0) await shot(page, "team-email-on-desktop");
      } finally {
        await page.close();
      }
    }
  },
});
