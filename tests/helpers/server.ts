/**
 * Starts a real Parley server on a random port for integration and end-to-end tests, on PGlite
 * (in a temporary directory) or on a fresh Postgres database when `DATABASE_URL` is set or
 * `backend: "postgres"` is asked for.
 *
 * @module
 */

import { createStore, type DbStore } from "../../db/mod.ts";
import { silentLogger } from "../../core/log.ts";
import { type Config, loadConfig } from "../../server/config.ts";
import { type RunningServer, startServer } from "../../server/app.ts";
import { createLogger } from "../../server/logger.ts";
import { signIn } from "./parley_process.ts";
import { freshDatabase } from "./database.ts";
import { TestSocket } from "./ws_client.ts";

/** Credentials of the admin every test server starts with. */
export const ADMIN = { email: "admin@test.local", password: "admin-password-1" };

/** A running test server with helpers. */
export interface TestServer {
  url: string;
  port: number;
  /** `ws://127.0.0.1:<port>` */
  wsUrl: string;
  store: DbStore;
  server: RunningServer;
  backend: "pglite" | "postgres";
  /** The Postgres URL of this server's database (postgres backend only). */
  databaseUrl: string | null;
  /** Creates an agent through the store and returns its credentials. */
  createAgent(
    opts?: { name?: string; email?: string; password?: string; role?: "admin" | "agent" },
  ): Promise<{ id: string; name: string; email: string; password: string }>;
  /** Signs in over HTTP; returns the `Cookie` header value. */
  login(email: string, password: string): Promise<string>;
  /** Opens an agent socket with the cookie and waits for `welcome`. */
  agentSocket(cookie: string): Promise<TestSocket>;
  /** Signs in as {@link ADMIN} and opens an agent socket with that session. */
  adminSocket(): Promise<TestSocket>;
  /** Opens a visitor socket, sends `hello` (site `demo` by default) and waits for `welcome`. */
  visitorSocket(hello?: Record<string, unknown>): Promise<TestSocket>;
  /** Stops the server and removes its database. */
  close(): Promise<void>;
  /** The same as `close()`, so a test can hold the server with `await using`. */
  [Symbol.asyncDispose](): Promise<void>;
}

/** Which backend tests use by default: Postgres when `DATABASE_URL` is set, else PGlite. */
export function defaultBackend(): "pglite" | "postgres" {
  const forced = Deno.env.get("PARLEY_TEST_BACKEND");
  if (forced === "pglite" || forced === "postgres") return forced;
  return Deno.env.get("DATABASE_URL") ? "postgres" : "pglite";
}

/**
 * The configuration every in-process test server starts from: a random port on loopback, data in
 * `dataDir`, fast password hashing, the known {@link ADMIN}, and login and socket limits no test
 * trips by accident.
 */
export function testServerEnv(dataDir: string): Record<string, string> {
  return {
    PORT: "0",
    HOST: "127.0.0.1",
    DATA_DIR: dataDir,
    PARLEY_PBKDF2_ITERATIONS: "1000",
    PARLEY_ADMIN_EMAIL: ADMIN.email,
    PARLEY_ADMIN_PASSWORD: ADMIN.password,
    PARLEY_LOGIN_ATTEMPTS_PER_IP: "1000",
    PARLEY_SOCKETS_PER_IP: "10000",
    PARLEY_DRAIN_TIMEOUT_MS: "2000",
    // Tests write to the `demo` site on either database (seeded by default on PGlite only).
    PARLEY_DEMO: "true",
    PARLEY_DEMO_HISTORY: "false",
  };
}

/** Starts a server; `env` overrides configuration variables. */
export async function startTestServer(
  opts: {
    env?: Record<string, string>;
    backend?: "pglite" | "postgres";
    logs?: boolean;
    /** Changes the loaded configuration (a setting no variable sets yet, such as `emailReplies`). */
    adjust?: (config: Config) => Config;
  } = {},
): Promise<TestServer> {
  const backend = opts.backend ?? defaultBackend();
  const dataDir = await Deno.makeTempDir({ prefix: "parley_test_" });
  const db = backend === "postgres" ? await freshDatabase() : null;
  const loaded = loadConfig({
    ...testServerEnv(dataDir),
    PARLEY_NEW_CONVERSATIONS_PER_HOUR: "10000",
    ...(db ? { DATABASE_URL: db.url } : {}),
    ...opts.env,
  });
  const config = opts.adjust ? opts.adjust(loaded) : loaded;
  const store = await createStore({
    databaseUrl: config.databaseUrl ?? undefined,
    dataDir,
    timeoutMs: config.dbTimeoutMs,
  });
  const log = opts.logs ? createLogger("info") : silentLogger;
  const server = await startServer(config, { store, log });
  const { url, port } = server;
  const wsUrl = `ws://127.0.0.1:${port}`;

  const t: TestServer = {
    url,
    port,
    wsUrl,
    store,
    server,
    backend,
    databaseUrl: db?.url ?? null,
    async createAgent(o = {}) {
      const suffix = crypto.randomUUID().slice(0, 8);
      const name = o.name ?? `Agent ${suffix}`;
      const email = o.email ?? `agent-${suffix}@test.local`;
      const password = o.password ?? "agent-password-1";
      const { hashPassword } = await import("../../core/accounts/passwords.ts");
      const agent = await store.createAgent({
        email,
        name,
        role: o.role ?? "agent",
        passwordHash: await hashPassword(password, 1000),
      });
      return { id: agent.id, name, email, password };
    },
    login: (email, password) => signIn(url, email, password),
    async agentSocket(cookie) {
      const s = await TestSocket.open(`${wsUrl}/ws/agent`, { cookie });
      await s.nextOf("welcome");
      return s;
    },
    async adminSocket() {
      return await t.agentSocket(await t.login(ADMIN.email, ADMIN.password));
    },
    async visitorSocket(hello = {}) {
      const s = await TestSocket.open(`${wsUrl}/ws/visitor`);
      s.send({ type: "hello", site: "demo", ...hello });
      await s.nextOf("welcome");
      return s;
    },
    async close() {
      await server.shutdown();
      await store.close();
      await db?.drop();
      await Deno.remove(dataDir, { recursive: true }).catch(() => {});
    },
    [Symbol.asyncDispose]() {
      return t.close();
    },
  };
  return t;
}

/**
 * One test server for every test of the calling file: started before the first test runs,
 * closed after the last. Booting a server (a PGlite database, migrations) takes seconds, so a
 * file whose tests do not conflict shares one; each test keeps to its own visitors, agents and
 * conversations. Call at module level; the returned function gives the running server.
 */
export function serverPerFile(
  opts: Parameters<typeof startTestServer>[0] = {},
): () => TestServer {
  let running: TestServer | null = null;
  Deno.test.beforeAll(async () => {
    running = await startTestServer(opts);
  });
  Deno.test.afterAll(async () => {
    await running?.close();
  });
  return () => {
    if (!running) throw new Error("The file's test server is not running");
    return running;
  };
}
