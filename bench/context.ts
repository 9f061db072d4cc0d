/**
 * What every scenario needs: fresh Parley servers on the chosen backend (a new PGlite directory
 * or a new Postgres database each time), agent sign-in, load workers, and cleanup.
 *
 * @module
 */

import { freshDatabase } from "../tests/helpers/database.ts";
import {
  type ParleyProcess,
  type ServerBuild,
  signIn,
  startParley,
} from "../tests/helpers/parley_process.ts";
import { Worker } from "./worker_client.ts";

/** A backend under test. */
export type Backend = "pglite" | "postgres";

/** The admin every bench server starts with. */
export const ADMIN = { email: "bench@parley.local", password: "bench-password-1" };

/** Limits raised so the bench measures the server, not its abuse protection. */
const BENCH_ENV: Record<string, string> = {
  PARLEY_ADMIN_EMAIL: ADMIN.email,
  PARLEY_ADMIN_PASSWORD: ADMIN.password,
  PARLEY_PBKDF2_ITERATIONS: "1000",
  PARLEY_SOCKETS_PER_IP: "1000000",
  PARLEY_NEW_CONVERSATIONS_PER_HOUR: "1000000",
  PARLEY_MESSAGES_PER_SECOND: "10000",
  PARLEY_MESSAGE_BURST: "100000",
  PARLEY_FRAMES_PER_SECOND: "100000",
  PARLEY_FRAME_BURST: "100000",
  PARLEY_LOGIN_ATTEMPTS_PER_IP: "100000",
  PARLEY_HEARTBEAT_MS: "5000",
  PARLEY_DRAIN_TIMEOUT_MS: "1000",
};

/** Servers sharing one database (one for most scenarios, two for cross-instance). */
export interface Deployment {
  servers: ParleyProcess[];
  /** A session cookie for the admin, signed in on `servers[i]`. */
  login(i?: number): Promise<string>;
  /** Creates agent number `n` (an agent, not an admin) and returns its session cookie. */
  agentLogin(n: number): Promise<string>;
  close(): Promise<void>;
}

/** Scenario context: the backend and helpers that clean up after themselves. */
export class BenchContext {
  readonly #cleanups: (() => Promise<void>)[] = [];

  /** Creates a context for `backend`. */
  constructor(
    readonly backend: Backend,
    readonly echo = false,
    readonly denoFlags: string[] = [],
    /** The checkout whose server runs and its V8 flags; see `--compare` in `mod.ts`. */
    readonly build?: ServerBuild,
  ) {}

  /** Starts `count` servers on one fresh database. */
  async deploy(count = 1): Promise<Deployment> {
    let env: Record<string, string>;
    let dropDb = async () => {};
    if (this.backend === "postgres") {
      const db = await freshDatabase();
      env = { ...BENCH_ENV, DATABASE_URL: db.url };
      dropDb = db.drop;
    } else {
      if (count !== 1) throw new RangeError("PGlite belongs to one process");
      const dir = await Deno.makeTempDir({ prefix: "parley_bench_" });
      // The server inherits this process's environment: an exported DATABASE_URL would
      // silently put the "pglite" run on Postgres. Empty means the embedded database.
      env = { ...BENCH_ENV, DATABASE_URL: "", DATA_DIR: dir };
      dropDb = () => Deno.remove(dir, { recursive: true });
    }
    const servers: ParleyProcess[] = [];
    for (let i = 0; i < count; i++) {
      servers.push(
        await startParley({ env, echo: this.echo, denoFlags: this.denoFlags, build: this.build }),
      );
    }
    let closed = false;
    const close = async () => {
      if (closed) return;
      closed = true;
      for (const s of servers) {
        const st = s.exited();
        if (!st) continue;
        console.error(
          `  server ${s.pid} had exited by itself (code ${st.code}, signal ${st.signal}); ` +
            `last lines:\n${s.lines.slice(-15).join("\n")}`,
        );
      }
      await Promise.all(servers.map((s) => s.stop(5000)));
      await dropDb().catch(() => {});
    };
    this.#cleanups.push(close);
    const login = (i = 0) => signIn(servers[i].url, ADMIN.email, ADMIN.password);
    return {
      servers,
      login,
      async agentLogin(n) {
        const email = `agent${n}@parley.local`;
        const res = await fetch(`${servers[0].url}/api/agents`, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            "x-parley-csrf": "1",
            cookie: await login(),
          },
          body: JSON.stringify({ email, name: `Agent ${n}`, password: ADMIN.password }),
        });
        if (res.status !== 201) throw new Error(`agent ${n}: ${res.status} ${await res.text()}`);
        await res.body?.cancel();
        return signIn(servers[0].url, email, ADMIN.password);
      },
      close,
    };
  }

  /** Starts `count` load workers. */
  workers(count: number): Worker[] {
    const ws = Array.from({ length: count }, () => Worker.start());
    this.#cleanups.push(async () => {
      await Promise.all(ws.map((w) => w.stop()));
    });
    return ws;
  }

  /** Stops every server and worker started through this context. */
  async cleanup(): Promise<void> {
    for (const c of this.#cleanups.splice(0).reverse()) await c().catch(() => {});
  }
}

/** Resolves after `ms`. */
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
