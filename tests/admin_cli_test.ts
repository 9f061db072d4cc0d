/**
 * The admin CLI as an operator runs it: `cli/admin.ts` as a subprocess with the `admin` task's
 * permissions, against a real server on the same database (a `main.ts` process). On Postgres
 * the CLI runs beside the server and its changes reach it at once (ended sessions close their
 * console sockets); on the embedded database it refuses to run while the server holds the
 * directory, and works between runs.
 *
 * @module
 */

import assert from "node:assert/strict";
import { createPostgresDb } from "../db/postgres_driver.ts";
import { createPgliteDb } from "../db/pglite_driver.ts";
import { freshDatabase, IN_CI, postgresReachable } from "./helpers/database.ts";
import { type ParleyProcess, signIn, startParley } from "./helpers/parley_process.ts";
import { type Frame, TestSocket } from "./helpers/ws_client.ts";

const ADMIN_TS = new URL("../cli/admin.ts", import.meta.url).pathname;
const ROOT = new URL("../", import.meta.url).pathname;
/** The permissions of the `admin` and `migrate` tasks in deno.json. */
const TASK_PERMISSIONS = ["--allow-net", "--allow-env", "--allow-read", "--allow-write"];

/** Close code of a console socket whose session ended (protocol/codes.ts `Unauthorized`). */
const SESSION_ENDED = 4001;

const postgresUp = await postgresReachable();

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Where a CLI run and a server find their database. */
type DbEnv = { DATABASE_URL: string; DATA_DIR: string };

/** Runs `deno task admin <args>` (the same command line) with `env`; stdin is not a terminal. */
async function cli(env: DbEnv, ...args: string[]): Promise<CliResult> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", ...TASK_PERMISSIONS, ADMIN_TS, ...args],
    cwd: ROOT,
    env: { ...env, PARLEY_PBKDF2_ITERATIONS: "1000", NO_COLOR: "1", DENO_DEPLOY: "" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/** Runs the CLI and asserts the exit code, showing its output when it differs. */
async function expectCli(env: DbEnv, code: number, ...args: string[]): Promise<CliResult> {
  const r = await cli(env, ...args);
  assert.equal(r.code, code, `admin ${args.join(" ")}: exit ${r.code}\n${r.stdout}\n${r.stderr}`);
  return r;
}

/** The password a command printed once. */
function printedPassword(r: CliResult): string {
  const m = /Password \(shown once\): (\S+)/.exec(r.stdout);
  assert.ok(m, `no password in: ${r.stdout}`);
  return m[1];
}

/** Starts `main.ts` on the database, with a session check slower than any test step. */
function server(env: DbEnv): Promise<ParleyProcess> {
  return startParley({
    env: {
      ...env,
      PARLEY_PBKDF2_ITERATIONS: "1000",
      PARLEY_LOGIN_ATTEMPTS_PER_IP: "1000",
      // Ended sessions must close sockets through the bus, not the periodic re-check.
      PARLEY_SESSION_CHECK_MS: "3600000",
      DENO_DEPLOY: "",
    },
  });
}

/** Signs in and opens a console socket; resolves once welcomed. */
async function consoleSocket(p: ParleyProcess, email: string, password: string) {
  const cookie = await signIn(p.url, email, password);
  const ws = await TestSocket.open(`${p.wsUrl}/ws/agent`, { cookie, origin: p.url });
  await ws.nextOf("welcome");
  return { cookie, ws };
}

/** The status of `GET /api/agent/me` with a session cookie. */
async function meStatus(p: ParleyProcess, cookie: string): Promise<number> {
  const res = await fetch(`${p.url}/api/agent/me`, { headers: { cookie } });
  await res.body?.cancel();
  return res.status;
}

/** The status of a sign-in attempt. */
async function loginStatus(p: ParleyProcess, email: string, password: string): Promise<number> {
  const res = await fetch(`${p.url}/api/agent/login`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-parley-csrf": "1" },
    body: JSON.stringify({ email, password }),
  });
  await res.body?.cancel();
  return res.status;
}

/** A visitor of `site` (from `origin`, for a site that limits origins) sends `body`; returns ids. */
async function visitorSays(p: ParleyProcess, site: string, body: string, origin?: string) {
  const ws = await TestSocket.open(`${p.wsUrl}/ws/visitor`, origin ? { origin } : {});
  ws.send({ type: "hello", site });
  const welcome = await ws.nextOf("welcome");
  const visitorId = String((welcome.visitor as { id: string }).id);
  ws.send({ type: "message", clientId: "m1", body });
  const ack = await ws.nextOf("ack", (f: Frame) => f.clientId === "m1");
  await ws.close();
  return { visitorId, conversationId: String(ack.conversationId) };
}

/** An admin's console resolves a conversation and waits until it is. */
async function resolveConversation(ws: TestSocket, conversationId: string): Promise<void> {
  ws.send({ type: "accept", conversationId });
  ws.send({ type: "resolve", conversationId });
  await ws.nextOf("conversation", (f) => {
    const c = f.conversation as { id: string; status: string };
    return c.id === conversationId && c.status === "resolved";
  });
}

/** The checks both backends share: usage errors and a bad environment, before any database. */
async function usageChecks(env: DbEnv): Promise<void> {
  const none = await expectCli(env, 64);
  assert.match(none.stderr, /Usage: deno task admin <command>/);
  assert.match((await expectCli(env, 64, "frobnicate")).stderr, /Unknown command: frobnicate/);
  assert.match((await expectCli(env, 64, "agent")).stderr, /Missing agent command/);
  const missing = await expectCli(env, 64, "agent", "add", "--name", "Ann");
  assert.match(missing.stderr, /^error: --email is required/);
  assert.equal(missing.stderr.trim().split("\n").length, 1, "one line, no stack");
  await expectCli(env, 64, "agent", "add", "--email", "a@b.c", "--name", "A", "--bogus");
  await expectCli(env, 64, "agent", "disable");
  await expectCli(env, 64, "purge", "--older-than", "soon");
  const help = await expectCli(env, 0, "agent", "add", "--help");
  assert.match(help.stdout, /--email E/);
  const bad = await cli({ ...env, PORT: "not-a-port" } as DbEnv, "agent", "list");
  assert.equal(bad.code, 78, bad.stderr);
  assert.match(bad.stderr, /PORT/);
}

Deno.test({
  name: "admin CLI on Postgres: changes reach the running server at once",
  ignore: !postgresUp && !IN_CI,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    const fresh = await freshDatabase();
    const env: DbEnv = { DATABASE_URL: fresh.url, DATA_DIR: "/nonexistent-unused" };
    let p: ParleyProcess | null = null;
    try {
      await t.step("usage errors exit 64 and a bad environment 78", () => usageChecks(env));

      await t.step("a missing database exits 78 naming DATABASE_URL", async () => {
        const url = new URL(fresh.url);
        url.pathname = "/parley_no_such_database";
        const r = await expectCli({ ...env, DATABASE_URL: url.href }, 78, "agent", "list");
        assert.match(r.stderr, /parley_no_such_database" does not exist.*DATABASE_URL/);
      });

      await t.step("migrate --status lists pending migrations; migrate applies them", async () => {
        const before = await expectCli(env, 0, "migrate", "--status");
        assert.match(before.stdout, /pending +0001_init\.sql/);
        assert.match(before.stdout, /^0 applied, \d+ pending$/m);
        const applied = await expectCli(env, 0, "migrate");
        assert.match(applied.stdout, /Applied 0001_init\.sql/);
        const after = await expectCli(env, 0, "migrate", "--status");
        assert.match(after.stdout, /applied +0001_init\.sql/);
        assert.match(after.stdout, /^\d+ applied, 0 pending$/m);
        assert.match((await expectCli(env, 0, "migrate")).stdout, /up to date/);
      });

      let annPassword = "";
      await t.step("agent add and site create before the server starts", async () => {
        const ann = await expectCli(
          env,
          0,
          "agent",
          "add",
          "--email",
          "Ann@Example.com",
          "--name",
          "Ann",
          "--admin",
        );
        annPassword = printedPassword(ann);
        const site = await expectCli(env, 0, "site", "create", "--id", "cli-shop", "--name", "CLI");
        assert.match(site.stdout, /Identity secret \(shown once\): [0-9a-f]{64}/);
        const dup = await expectCli(
          env,
          1,
          "agent",
          "add",
          "--email",
          "ann@example.com",
          "--name",
          "X",
        );
        assert.match(dup.stderr, /exists already/);
        const short = await expectCli(
          env,
          1,
          "agent",
          "add",
          "--email",
          "c@example.com",
          "--name",
          "C",
          "--password",
          "short",
        );
        assert.match(short.stderr, /8 to 200 characters/);
      });

      p = await server(env);
      const srv = p;
      await t.step("the new agent signs in and opens the console socket", async () => {
        const { ws } = await consoleSocket(srv, "ann@example.com", annPassword);
        await ws.close();
      });

      await t.step(
        "site list shows the site and the widget settings endpoint answers",
        async () => {
          const list = await expectCli(env, 0, "site", "list", "--json");
          const sites = JSON.parse(list.stdout) as { id: string; identitySecret?: string }[];
          const site = sites.find((s) => s.id === "cli-shop");
          assert.ok(site);
          assert.equal(site.identitySecret, undefined, "the secret is never listed");
          const res = await fetch(`${srv.url}/api/widget/sites/cli-shop`);
          assert.equal(res.status, 200);
          await res.body?.cancel();
        },
      );

      await t.step("agent disable ends the sessions of a signed-in agent", async () => {
        await expectCli(
          env,
          0,
          "agent",
          "add",
          "--email",
          "bob@example.com",
          "--name",
          "Bob",
          "--password",
          "bob-password-1",
          "--sites",
          "cli-shop",
        );
        const bob = await consoleSocket(srv, "bob@example.com", "bob-password-1");
        await expectCli(env, 0, "agent", "disable", "bob@example.com");
        assert.equal((await bob.ws.closed).code, SESSION_ENDED);
        assert.equal(await meStatus(srv, bob.cookie), 401);
        assert.equal(await loginStatus(srv, "bob@example.com", "bob-password-1"), 401);
        const list = JSON.parse((await expectCli(env, 0, "agent", "list", "--json")).stdout);
        const listed = (list as { email: string; disabled: boolean; sites: string[] }[])
          .find((a) => a.email === "bob@example.com");
        assert.deepEqual(listed && [listed.disabled, listed.sites], [true, ["cli-shop"]]);
        assert.ok(!JSON.stringify(list).includes("passwordHash"));
        const missing = await expectCli(env, 1, "agent", "disable", "nobody@example.com");
        assert.equal(missing.stderr.trim(), "error: No agent with the email nobody@example.com");
      });

      await t.step("reset-password closes the old session's console at once", async () => {
        const old = await consoleSocket(srv, "ann@example.com", annPassword);
        const r = await expectCli(env, 0, "agent", "reset-password", "ann@example.com");
        const next = printedPassword(r);
        assert.equal((await old.ws.closed).code, SESSION_ENDED);
        assert.equal(await meStatus(srv, old.cookie), 401);
        assert.equal(await loginStatus(srv, "ann@example.com", annPassword), 401);
        const again = await consoleSocket(srv, "ann@example.com", next);
        annPassword = next;
        await again.ws.close();
      });

      await t.step("visitor export and delete", async () => {
        const { visitorId, conversationId } = await visitorSays(srv, "cli-shop", "export me");
        const out = await expectCli(env, 0, "visitor", "export", visitorId);
        const data = JSON.parse(out.stdout);
        assert.equal(data.visitor.id, visitorId);
        assert.deepEqual(data.conversations.map((c: { id: string }) => c.id), [conversationId]);
        assert.deepEqual(data.messages.map((m: { body: string }) => m.body), ["export me"]);
        const refused = await expectCli(env, 64, "visitor", "delete", visitorId);
        assert.match(refused.stderr, /--yes/);
        const deleted = await expectCli(env, 0, "visitor", "delete", visitorId, "--yes");
        assert.match(deleted.stdout, /1 conversation\(s\) and 1 message\(s\)/);
        await expectCli(env, 1, "visitor", "export", visitorId);
      });

      await t.step("purge --dry-run counts, purge deletes old resolved conversations", async () => {
        const admin = await consoleSocket(srv, "ann@example.com", annPassword);
        const old = await visitorSays(srv, "cli-shop", "old question");
        const recent = await visitorSays(srv, "cli-shop", "recent question");
        await resolveConversation(admin.ws, old.conversationId);
        await resolveConversation(admin.ws, recent.conversationId);
        await admin.ws.close();
        const db = createPostgresDb(fresh.url, { max: 1 });
        try {
          await db.query(
            "UPDATE conversations SET updated_at = now() - interval '40 days' WHERE id = $1",
            [old.conversationId],
          );
        } finally {
          await db.close();
        }
        const dry = await expectCli(env, 0, "purge", "--older-than", "30d", "--dry-run");
        assert.match(dry.stdout, /^Would delete 1 resolved conversation\(s\)/);
        const real = await expectCli(env, 0, "purge", "--older-than", "30d");
        assert.match(real.stdout, /^Deleted 1 resolved conversation\(s\)/);
        await expectCli(env, 0, "visitor", "export", old.visitorId).then((r) => {
          assert.deepEqual(JSON.parse(r.stdout).conversations, []);
        });
        const kept = JSON.parse(
          (await expectCli(env, 0, "visitor", "export", recent.visitorId)).stdout,
        );
        assert.equal(kept.conversations.length, 1);
        const again = await expectCli(env, 0, "purge", "--older-than", "30d");
        assert.match(again.stdout, /^Deleted 0 resolved/);
      });
    } finally {
      await p?.stop();
      await fresh.drop();
    }
  },
});

Deno.test({
  name: "admin CLI on the embedded database: refused while the server runs, works between runs",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    const dir = await Deno.makeTempDir({ prefix: "parley_cli_test_" });
    const env: DbEnv = { DATABASE_URL: "", DATA_DIR: `${dir}/data` };
    let p: ParleyProcess | null = null;
    try {
      await t.step("usage errors exit 64 and a bad environment 78", () => usageChecks(env));

      await t.step("a command on a missing DATA_DIR exits 78 naming it", async () => {
        const r = await expectCli(env, 78, "agent", "list");
        assert.match(r.stderr, /No embedded database at .*data: set DATA_DIR/);
      });

      let annPassword = "";
      await t.step("migrate creates the database; agent add and site create", async () => {
        await expectCli(env, 0, "migrate");
        assert.match((await expectCli(env, 0, "migrate", "--status")).stdout, / 0 pending$/m);
        annPassword = printedPassword(
          await expectCli(
            env,
            0,
            "agent",
            "add",
            "--email",
            "ann@example.com",
            "--name",
            "Ann",
            "--admin",
          ),
        );
        await expectCli(
          env,
          0,
          "agent",
          "add",
          "--email",
          "bob@example.com",
          "--name",
          "Bob",
          "--password",
          "bob-password-1",
        );
        await expectCli(
          env,
          0,
          "site",
          "create",
          "--id",
          "cli-shop",
          "--name",
          "CLI",
          "--origin",
          "https://shop.example",
        );
      });

      let annCookie = "";
      let conversation = { visitorId: "", conversationId: "" };
      p = await server(env);
      const first = p;
      await t.step("the server signs the new agents in and serves the new site", async () => {
        const ann = await consoleSocket(first, "ann@example.com", annPassword);
        annCookie = ann.cookie;
        assert.equal(await loginStatus(first, "bob@example.com", "bob-password-1"), 200);
        const res = await fetch(`${first.url}/api/widget/sites/cli-shop`, {
          headers: { origin: "https://shop.example" },
        });
        assert.equal(res.status, 200);
        await res.body?.cancel();
        conversation = await visitorSays(
          first,
          "cli-shop",
          "hello from the shop",
          "https://shop.example",
        );
        await resolveConversation(ann.ws, conversation.conversationId);
        await ann.ws.close();
      });

      await t.step("while the server runs, the CLI fails at once naming the lock", async () => {
        const started = Date.now();
        const r = await expectCli(env, 69, "agent", "list");
        assert.match(r.stderr, /in use by another process.*Stop the server/);
        assert.equal(r.stderr.trim().split("\n").length, 1);
        assert.ok(Date.now() - started < 30_000, "the CLI waited for the lock");
      });
      await p.stop();
      p = null;

      let annNext = "";
      await t.step("between runs: reset-password, disable, export, purge, delete", async () => {
        annNext = printedPassword(
          await expectCli(env, 0, "agent", "reset-password", "ann@example.com"),
        );
        await expectCli(env, 0, "agent", "disable", "bob@example.com");
        assert.match(
          (await expectCli(env, 0, "agent", "list")).stdout,
          /bob@example\.com +Bob +agent +disabled/,
        );
        const data = JSON.parse(
          (await expectCli(env, 0, "visitor", "export", conversation.visitorId)).stdout,
        );
        assert.equal(data.messages[0].body, "hello from the shop");
        // Age the conversation: the only way to make it old without waiting.
        const db = await createPgliteDb(env.DATA_DIR);
        try {
          await db.query(
            "UPDATE conversations SET updated_at = now() - interval '3 hours' WHERE id = $1",
            [conversation.conversationId],
          );
        } finally {
          await db.close();
        }
        assert.match(
          (await expectCli(env, 0, "purge", "--older-than", "2h", "--dry-run")).stdout,
          /^Would delete 1 /,
        );
        assert.match(
          (await expectCli(env, 0, "purge", "--older-than", "2h")).stdout,
          /^Deleted 1 /,
        );
        const after = JSON.parse(
          (await expectCli(env, 0, "visitor", "export", conversation.visitorId)).stdout,
        );
        assert.deepEqual(after.conversations, []);
        await expectCli(env, 0, "visitor", "delete", conversation.visitorId, "--yes");
        await expectCli(env, 1, "visitor", "export", conversation.visitorId);
      });

      p = await server(env);
      const second = p;
      await t.step("after a restart the old session and password are gone", async () => {
        assert.equal(await meStatus(second, annCookie), 401);
        assert.equal(await loginStatus(second, "ann@example.com", annPassword), 401);
        const ann = await consoleSocket(second, "ann@example.com", annNext);
        await ann.ws.close();
        assert.equal(await loginStatus(second, "bob@example.com", "bob-password-1"), 401);
      });
    } finally {
      await p?.stop();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  },
});
