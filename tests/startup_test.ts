/**
 * Start-up failures: what the operator must fix ends the process at once with exit 78 and one
 * JSON error line naming the cause and the variable; a database that is not reachable yet is
 * retried, and given up with exit 69 once PARLEY_DB_CONNECT_RETRY_MS has passed. Each case runs
 * the real `main.ts` against a real database (the shared one, or a private cluster with password
 * authentication for the wrong-password case).
 */

import assert from "node:assert/strict";
import { freshDatabase, SERVER_URL } from "./helpers/database.ts";
import { requirePostgres } from "./helpers/faults.ts";
import { readOutput, spawnMain, startParley } from "./helpers/parley_process.ts";
import {
  freePort,
  PG_SKIP_REASON,
  pgInstanceAvailable,
  startPgInstance,
} from "./helpers/pg_instance.ts";
import { BASE_ENV, jsonLines } from "./helpers/process.ts";

const pgOk = await requirePostgres("startup_test");
const clusterOk = pgInstanceAvailable();
if (!clusterOk) console.warn(`startup_test (wrong password): ${PG_SKIP_REASON}`);

/** How long any failing start may take before the test calls it hung. */
const EXIT_WITHIN_MS = 30_000;

interface Exit {
  code: number;
  /** From spawn to exit. */
  ms: number;
  lines: string[];
  logs: Record<string, unknown>[];
}

/** Runs `main.ts` with `env` until it exits (killed after {@link EXIT_WITHIN_MS}). */
async function runToExit(env: Record<string, string>, permissions?: string[]): Promise<Exit> {
  const started = Date.now();
  // Unset in the child whatever the test runner's environment holds (an empty value is unset).
  const child = spawnMain({ ...BASE_ENV, PORT: "0", DATABASE_URL: "", ...env }, [], permissions);
  const lines: string[] = [];
  const output = readOutput(child, (l) => lines.push(l));
  const timer = setTimeout(() => child.kill("SIGKILL"), EXIT_WITHIN_MS);
  const status = await child.status;
  clearTimeout(timer);
  await output;
  return { code: status.code, ms: Date.now() - started, lines, logs: jsonLines(lines) };
}

/** The one error line of a failed start; asserts there is exactly one and nothing but JSON. */
function failureLine(exit: Exit): Record<string, unknown> {
  const text = exit.lines.join("\n");
  assert.equal(exit.logs.length, exit.lines.filter((l) => l.trim()).length, `JSON only:\n${text}`);
  const errors = exit.logs.filter((l) => l.level === "error");
  assert.equal(errors.length, 1, `one error line:\n${text}`);
  assert.ok(!/\n\s+at /.test(text), "no stack trace");
  return errors[0];
}

/** A shared-server URL for `database` as `user`. */
function sharedUrl(user: string, database: string): string {
  const u = new URL(SERVER_URL);
  u.username = user;
  u.password = "";
  u.pathname = `/${database}`;
  return u.href;
}

Deno.test({
  name: "a wrong database password exits 78 at once, naming the user and DATABASE_URL",
  ignore: !clusterOk,
  async fn() {
    const pg = await startPgInstance({ password: "the-right-password" });
    try {
      const url = pg.url.replace("the-right-password", "a-wrong-secret");
      const exit = await runToExit({ DATABASE_URL: url });
      assert.equal(exit.code, 78, exit.lines.join("\n"));
      assert.ok(exit.ms < EXIT_WITHIN_MS);
      const line = failureLine(exit);
      assert.equal(line.cause, "auth_failed");
      assert.equal(line.variable, "DATABASE_URL");
      assert.match(String(line.msg), /password for user "postgres".*DATABASE_URL/);
      assert.ok(!exit.logs.some((l) => l.msg === "database unavailable, retrying"), "no retry");
      assert.ok(!exit.lines.join("\n").includes("a-wrong-secret"), "the password is not logged");
    } finally {
      await pg.remove();
    }
  },
});

Deno.test({
  name: "a missing database exits 78 at once with cause database_missing",
  ignore: !pgOk,
  async fn() {
    const exit = await runToExit({ DATABASE_URL: sharedUrl("postgres", "parley_no_such_db") });
    assert.equal(exit.code, 78, exit.lines.join("\n"));
    const line = failureLine(exit);
    assert.equal(line.cause, "database_missing");
    assert.equal(line.variable, "DATABASE_URL");
    assert.match(String(line.msg), /no database "parley_no_such_db"/);
  },
});

Deno.test({
  name: "a missing role exits 78 at once with cause role_missing",
  ignore: !pgOk,
  async fn() {
    const exit = await runToExit({ DATABASE_URL: sharedUrl("parley_no_such_role", "test") });
    assert.equal(exit.code, 78, exit.lines.join("\n"));
    const line = failureLine(exit);
    assert.equal(line.cause, "role_missing");
    assert.match(String(line.msg), /no role "parley_no_such_role".*DATABASE_URL/);
  },
});

Deno.test({
  name: "a role without the privileges the migrations need exits 78 with permission_denied",
  ignore: !pgOk,
  async fn() {
    const db = await freshDatabase();
    const role = `parley_weak_${crypto.randomUUID().slice(0, 8)}`;
    const { default: postgres } = await import("postgres");
    const admin = postgres(db.url, { max: 1, onnotice: () => {} });
    try {
      // Since Postgres 15 only the database owner may create in schema public.
      await admin.unsafe(`CREATE ROLE ${role} LOGIN; REVOKE CREATE ON SCHEMA public FROM PUBLIC`);
      const exit = await runToExit({
        DATABASE_URL: sharedUrl(role, new URL(db.url).pathname.slice(1)),
      });
      assert.equal(exit.code, 78, exit.lines.join("\n"));
      const line = failureLine(exit);
      assert.equal(line.cause, "permission_denied");
      assert.equal(line.variable, "DATABASE_URL");
    } finally {
      await admin.end();
      await db.drop();
      const cleanup = postgres(SERVER_URL, { max: 1, onnotice: () => {} });
      await cleanup.unsafe(`DROP ROLE IF EXISTS ${role}`).finally(() => cleanup.end());
    }
  },
});

Deno.test("a data directory that cannot be written exits 78 naming DATA_DIR", async () => {
  // Root writes through any mode bits, so as root the directory is one on a read-only file
  // system (sysfs) instead of one without write permission.
  let dataDir = "/sys/parley_startup_test";
  let parent: string | null = null;
  if (Deno.uid() !== 0) {
    parent = await Deno.makeTempDir({ prefix: "parley_readonly_" });
    await Deno.chmod(parent, 0o555);
    dataDir = `${parent}/data`;
  }
  try {
    const exit = await runToExit({ DATA_DIR: dataDir });
    assert.equal(exit.code, 78, exit.lines.join("\n"));
    const line = failureLine(exit);
    assert.equal(line.cause, "data_dir_not_writable");
    assert.equal(line.variable, "DATA_DIR");
    assert.ok(String(line.msg).includes(dataDir));
  } finally {
    if (parent) {
      await Deno.chmod(parent, 0o755);
      await Deno.remove(parent, { recursive: true });
    }
  }
});

Deno.test("a data directory Deno may not write exits 78 naming DATA_DIR and --allow-write", async () => {
  const dir = await Deno.makeTempDir({ prefix: "parley_notcapable_" });
  try {
    const exit = await runToExit(
      { DATA_DIR: `${dir}/data` },
      ["--allow-net", "--allow-env", "--allow-read", "--allow-sys"],
    );
    assert.equal(exit.code, 78, exit.lines.join("\n"));
    const line = failureLine(exit);
    assert.equal(line.cause, "data_dir_not_writable");
    assert.match(String(line.msg), /--allow-write/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a refused connection is retried, then exits 69 once PARLEY_DB_CONNECT_RETRY_MS ran out", async () => {
  const port = freePort(); // nothing listens there
  const exit = await runToExit({
    DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/parley`,
    PARLEY_DB_CONNECT_RETRY_MS: "2000",
  });
  assert.equal(exit.code, 69, exit.lines.join("\n"));
  assert.ok(exit.ms >= 2000, `gave up after ${exit.ms} ms, not before the budget`);
  const retries = exit.logs.filter((l) => l.msg === "database unavailable, retrying");
  assert.ok(retries.length >= 1, `retried (${retries.length} times)`);
  const line = failureLine(exit);
  assert.equal(line.cause, "database_unreachable");
  assert.equal(line.variable, "DATABASE_URL");
  assert.match(String(line.msg), new RegExp(`127\\.0\\.0\\.1:${port}.*PARLEY_DB_CONNECT_RETRY_MS`));
});

Deno.test("a SIGTERM while the database is still being retried exits 0 at once", async () => {
  const port = freePort(); // nothing listens there
  const child = spawnMain({
    ...BASE_ENV,
    PORT: "0",
    DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/parley`,
    PARLEY_DB_CONNECT_RETRY_MS: "600000",
  });
  const lines: string[] = [];
  let retrying: () => void = () => {};
  const sawRetry = new Promise<void>((r) => retrying = r);
  const output = readOutput(child, (l) => {
    lines.push(l);
    if (l.includes("database unavailable, retrying")) retrying();
  });
  const timer = setTimeout(() => child.kill("SIGKILL"), EXIT_WITHIN_MS);
  try {
    await sawRetry;
    child.kill("SIGTERM");
    const status = await child.status;
    await output;
    assert.equal(status.code, 0, lines.join("\n"));
    assert.ok(
      jsonLines(lines).some((l) => l.msg === "stopped before start-up finished"),
      lines.join("\n"),
    );
  } finally {
    clearTimeout(timer);
  }
});

Deno.test("on Deno Deploy without DATABASE_URL it exits 78 naming DATABASE_URL, writing nothing", async () => {
  const dir = await Deno.makeTempDir({ prefix: "parley_deploy_" });
  try {
    const exit = await runToExit({ DENO_DEPLOY: "true", DATA_DIR: `${dir}/data` });
    assert.equal(exit.code, 78, exit.lines.join("\n"));
    const line = failureLine(exit);
    assert.equal(line.variable, "DATABASE_URL");
    assert.match(String(line.msg), /DATABASE_URL is not set/);
    await assert.rejects(Deno.stat(`${dir}/data`), Deno.errors.NotFound, "no data directory");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("on Deno Deploy with PARLEY_EMBEDDED_DB=true it warns that data is per instance and prints no password", async () => {
  const dir = await Deno.makeTempDir({ prefix: "parley_deploy_embedded_" });
  const proc = await startParley({
    env: {
      DENO_DEPLOY: "true",
      PARLEY_EMBEDDED_DB: "true",
      DATABASE_URL: "",
      DATA_DIR: `${dir}/data`,
      PARLEY_ADMIN_EMAIL: "",
      PARLEY_ADMIN_PASSWORD: "",
      PARLEY_PBKDF2_ITERATIONS: "1000",
    },
    // A first start on the embedded database runs initdb: over 2 minutes when other suites load
    // both cores (seen in CI). The deadline only bounds a hang; a normal start ends the wait.
    timeoutMs: 300_000,
  });
  try {
    const logs = jsonLines(proc.lines);
    assert.ok(
      logs.some((l) =>
        l.level === "warn" && /PARLEY_EMBEDDED_DB=true on Deno Deploy/.test(String(l.msg))
      ),
    );
    const admin = logs.find((l) => /first admin/.test(String(l.msg)));
    assert.equal(admin?.level, "warn");
    assert.match(String(admin?.msg), /not printed on Deno Deploy.*PARLEY_ADMIN_PASSWORD/);
    assert.ok(!logs.some((l) => "password" in l), "no generated password in the logs");
  } finally {
    await proc.stop();
    await Deno.remove(dir, { recursive: true });
  }
  assert.equal((await proc.status).code, 0);
});
