/**
 * Shared pieces of the fault tests: whether Postgres is there (skip outside CI, fail in CI),
 * reading back what was stored, a built `dist/` of their own, and printing measured figures.
 *
 * @module
 */

import assert from "node:assert/strict";
import { rssOf, signIn } from "./parley_process.ts";
import { createPostgresDb } from "../../db/postgres_driver.ts";
import { freshDatabase, IN_CI, postgresReachable } from "./database.ts";
import { freePort } from "./pg_instance.ts";
import { type ServerProcess, spawnServer } from "./process.ts";
import { ADMIN } from "./server.ts";

/**
 * The long fault tests (server and database restarts, a thousand sockets) run under
 * `deno task test:faults`, which sets `PARLEY_FAULT_TESTS=1`; `deno task test` lists them as
 * ignored so the two tasks never run them twice.
 */
export const FAULT_TESTS = Deno.env.get("PARLEY_FAULT_TESTS") === "1";

/** Whether a fault test module runs; prints how to run it when it does not. */
export function faultTestsEnabled(module: string): boolean {
  if (!FAULT_TESTS) console.warn(`${module}: ignored here; run \`deno task test:faults\``);
  return FAULT_TESTS;
}

/**
 * True when the shared Postgres answers. Under `CI=true` it is always true so a missing
 * database fails the test instead of skipping it; elsewhere the reason is printed once.
 */
export async function requirePostgres(what: string): Promise<boolean> {
  if (IN_CI) return true;
  if (await postgresReachable()) return true;
  console.warn(`${what}: skipped, Postgres is not reachable (set CI=true to fail instead)`);
  return false;
}

/** A stored visitor or agent message, as read straight from the database. */
export interface StoredRow {
  conversationId: string;
  seq: number;
  id: string;
  clientId: string | null;
  body: string;
  authorKind: string;
}

/** One writer's side of a fault test: the bodies it wrote, in order, and the acks it got. */
export interface Writer {
  written: readonly string[];
  acks: readonly { clientId: string; messageId: string; seq: number }[];
}

/**
 * What the fault tests promise of what was stored: each writer's messages once, in writing order,
 * in one conversation, and every ack it got naming the stored row of its client id (never a false
 * ack). Returns each writer's conversation id, in order.
 */
export function assertStoredOnceInOrder(rows: StoredRow[], writers: Writer[]): string[] {
  const byId = new Map(rows.map((r) => [r.id, r]));
  return writers.map(({ written, acks }, k) => {
    const mine = rows.filter((r) => r.authorKind === "visitor" && written.includes(r.body));
    const conversations = new Set(mine.map((r) => r.conversationId));
    assert.equal(conversations.size, 1, `writer ${k}: all messages in one conversation`);
    assert.deepEqual(mine.map((r) => r.body), written, `writer ${k}: stored once, in order`);
    for (const ack of acks) {
      const row = byId.get(ack.messageId);
      assert.ok(row, `writer ${k}: ack ${ack.clientId} names a stored message`);
      assert.equal(row.clientId, ack.clientId);
      assert.equal(row.seq, ack.seq);
    }
    return [...conversations][0];
  });
}

/** Every message of the database, ordered by conversation and seq. */
export async function storedMessages(databaseUrl: string): Promise<StoredRow[]> {
  const db = createPostgresDb(databaseUrl, { max: 1 });
  try {
    const rows = await db.query(
      `SELECT conversation_id, seq, id, client_id, body, author_kind FROM messages
       ORDER BY conversation_id, seq`,
    );
    return rows.map((r) => ({
      conversationId: String(r.conversation_id),
      seq: Number(r.seq),
      id: String(r.id),
      clientId: r.client_id === null ? null : String(r.client_id),
      body: String(r.body),
      authorKind: String(r.author_kind),
    }));
  } finally {
    await db.close();
  }
}

/** Builds the widget and console into a temporary directory; `remove` deletes it. */
export async function buildDist(): Promise<{ dir: string; remove(): Promise<void> }> {
  const { buildAll } = await import("../../tools/build.ts");
  const dir = await Deno.makeTempDir({ prefix: "parley_dist_" });
  await buildAll(dir);
  const { stop } = await import("esbuild");
  await stop();
  return { dir, remove: () => Deno.remove(dir, { recursive: true }).catch(() => {}) };
}

/** Prints a measured figure in one greppable line (`[figure] name: value`). */
export function figure(name: string, value: unknown): void {
  console.log(`[figure] ${name}: ${typeof value === "string" ? value : JSON.stringify(value)}`);
}

/**
 * Resolves after `ms`. For the fault suites' scenario timing only, never to wait for an
 * outcome: traffic paced at a rate, a stretch of traffic before a fault, an outage that lasts
 * a while, a reader that stays stalled. Those durations are what the tests put real processes
 * through, where no fake clock reaches. Outcomes are awaited with readiness polls, `waitFor`
 * and frame waits; `sleep(0)` races only ask whether a process has exited yet.
 */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * Starts `main.ts` as a child process on a fresh Postgres database when one is reachable (always
 * under CI), else on PGlite in a temporary directory. `close` kills it and removes the data.
 */
export async function startServerProcess(
  env: Record<string, string> = {},
): Promise<{ proc: ServerProcess; databaseUrl: string | null; close(): Promise<void> }> {
  const usePostgres = IN_CI || await postgresReachable();
  const db = usePostgres ? await freshDatabase() : null;
  const dataDir = usePostgres ? null : await Deno.makeTempDir({ prefix: "parley_proc_" });
  const proc = spawnServer(freePort(), {
    // Empty, not absent: the child inherits this process's DATABASE_URL otherwise.
    ...(db ? { DATABASE_URL: db.url } : { DATABASE_URL: "", DATA_DIR: dataDir! }),
    ...env,
  });
  try {
    await proc.waitReady();
  } catch (err) {
    await proc.dispose();
    await db?.drop();
    throw err;
  }
  return {
    proc,
    databaseUrl: db?.url ?? null,
    async close() {
      await proc.dispose();
      await db?.drop();
      if (dataDir) await Deno.remove(dataDir, { recursive: true }).catch(() => {});
    },
  };
}

/** Signs in the process's admin over HTTP and returns the `Cookie` header value. */
export function adminCookie(url: string): Promise<string> {
  return signIn(url, ADMIN.email, ADMIN.password);
}

export { rssOf };
