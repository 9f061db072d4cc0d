import assert from "node:assert/strict";
import { ConfigError, loadConfig } from "./config.ts";

Deno.test("loadConfig applies defaults for an empty environment", () => {
  const c = loadConfig({});
  assert.equal(c.port, 8000);
  assert.equal(c.databaseUrl, null);
  assert.equal(c.dataDir, "./.parley");
  assert.equal(c.admin, null);
  assert.equal(c.passwordIterations, 600_000);
  assert.equal(c.heartbeatTimeoutMs, 45_000);
});

Deno.test("loadConfig reports every bad variable at once", () => {
  try {
    loadConfig({
      PORT: "eighty",
      DATABASE_URL: "mysql://x",
      PARLEY_ADMIN_EMAIL: "admin@example.com",
      PARLEY_SECRET: "short",
      LOG_LEVEL: "loud",
    });
    assert.fail("expected ConfigError");
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    assert.equal(err.problems.length, 5);
    assert.match(err.message, /PORT/);
    assert.match(err.message, /PARLEY_ADMIN_PASSWORD/);
  }
});

Deno.test("loadConfig reads Postgres, admin and limits", () => {
  const c = loadConfig({
    DATABASE_URL: "postgres://u@h/db",
    PARLEY_ADMIN_EMAIL: "a@b.c",
    PARLEY_ADMIN_PASSWORD: "long-enough",
    PARLEY_SOCKETS_PER_IP: "7",
    PARLEY_TRUST_PROXY: "yes",
  });
  assert.equal(c.databaseUrl, "postgres://u@h/db");
  assert.deepEqual(c.admin, { email: "a@b.c", password: "long-enough", reset: false });
  assert.equal(c.limits.socketsPerIp, 7);
  assert.equal(c.trustProxy, true);
});

Deno.test("loadConfig bounds database calls at 5 s by default and refuses a bad bound", () => {
  assert.equal(loadConfig({}).dbTimeoutMs, 5000);
  assert.equal(loadConfig({ PARLEY_DB_TIMEOUT_MS: "1500" }).dbTimeoutMs, 1500);
  assert.throws(() => loadConfig({ PARLEY_DB_TIMEOUT_MS: "0" }), /PARLEY_DB_TIMEOUT_MS/);
});

Deno.test("loadConfig leaves the team texts empty unless PARLEY_TEAM_NAME / PARLEY_REPLY_TIME are set", () => {
  assert.deepEqual(loadConfig({}).team, { name: "", replyTime: "" });
  assert.deepEqual(
    loadConfig({ PARLEY_TEAM_NAME: " Fernhill ", PARLEY_REPLY_TIME: "Within a day" }).team,
    { name: "Fernhill", replyTime: "Within a day" },
  );
});

Deno.test("loadConfig seeds the demo site by default only on the embedded database", () => {
  assert.equal(loadConfig({}).demo, true);
  assert.equal(loadConfig({ DATABASE_URL: "postgres://u@h/db" }).demo, false);
  assert.equal(loadConfig({ DATABASE_URL: "postgres://u@h/db", PARLEY_DEMO: "true" }).demo, true);
  assert.equal(loadConfig({ PARLEY_DEMO: "false" }).demo, false);
});

Deno.test("loadConfig reads PARLEY_ADMIN_RESET and refuses it without an admin to reset", () => {
  const admin = { PARLEY_ADMIN_EMAIL: "a@b.c", PARLEY_ADMIN_PASSWORD: "long-enough" };
  assert.equal(loadConfig(admin).admin?.reset, false);
  assert.equal(loadConfig({ ...admin, PARLEY_ADMIN_RESET: "true" }).admin?.reset, true);
  assert.throws(
    () => loadConfig({ PARLEY_ADMIN_RESET: "true" }),
    /PARLEY_ADMIN_RESET needs PARLEY_ADMIN_EMAIL/,
  );
  assert.throws(() => loadConfig({ ...admin, PARLEY_ADMIN_RESET: "maybe" }), /PARLEY_ADMIN_RESET/);
});

Deno.test("loadConfig reads SMTP and the From, set together, and promises email only then", () => {
  assert.equal(loadConfig({}).mail, null);
  assert.equal(loadConfig({}).emailReplies, false);
  const c = loadConfig({
    PARLEY_SMTP_URL: "smtp://user:pass@mail.example.com:587",
    PARLEY_MAIL_FROM: "Parley <support@example.com>",
  });
  assert.equal(c.mail?.smtpUrl, "smtp://user:pass@mail.example.com:587");
  assert.equal(c.mail?.from, "Parley <support@example.com>");
  assert.equal(c.mail?.resetTtlMinutes, 30);
  // Missed replies are emailed with SMTP: the widget promises email.
  assert.equal(c.emailReplies, true);
  for (
    const [env, problem] of [
      [{ PARLEY_SMTP_URL: "http://mail.example.com" }, /PARLEY_SMTP_URL must be/],
      [{ PARLEY_SMTP_URL: "smtp://mail.example.com" }, /PARLEY_MAIL_FROM is not/],
      [{ PARLEY_MAIL_FROM: "support@example.com" }, /PARLEY_SMTP_URL is not/],
      [
        { PARLEY_SMTP_URL: "smtps://mail.example.com", PARLEY_MAIL_FROM: "not an address" },
        /PARLEY_MAIL_FROM must be/,
      ],
    ] as const
  ) {
    assert.throws(
      () => loadConfig(env),
      (err) => err instanceof ConfigError && problem.test(err.message),
    );
  }
});
