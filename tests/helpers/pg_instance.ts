/**
 * A throwaway Postgres cluster for fault tests that stop, restart or kill the database. The
 * shared cluster at 127.0.0.1:5432 is never touched: each instance lives in its own temporary
 * directory on its own port and is removed afterwards. As root, the server binaries run as the
 * `postgres` user (initdb refuses root).
 *
 * @module
 */

import { IN_CI } from "./database.ts";

/** A running (or stopped) private Postgres cluster. */
export interface PgInstance {
  /** The TCP port it listens on (127.0.0.1 only). */
  readonly port: number;
  /** URL of the `postgres` database as the `postgres` superuser (trust auth). */
  readonly url: string;
  /** The data directory (also holds the Unix socket and the server log). */
  readonly dir: string;
  /** Starts the server and waits until it accepts connections. */
  start(): Promise<void>;
  /** Stops the server (`fast`: disconnects clients, clean shutdown). */
  stop(mode?: "smart" | "fast" | "immediate"): Promise<void>;
  /** Stops then starts again. */
  restart(): Promise<void>;
  /** SIGKILLs the postmaster (a crash; Postgres recovers from WAL on the next start). */
  kill(): Promise<void>;
  /** Stops the server if running and deletes the directory. */
  remove(): Promise<void>;
}

/** Directory of the newest installed Postgres server binaries, or null. */
export function pgBinDir(): string | null {
  try {
    const versions = [...Deno.readDirSync("/usr/lib/postgresql")]
      .map((e) => e.name)
      .filter((n) => /^\d+$/.test(n))
      .sort((a, b) => Number(b) - Number(a));
    for (const v of versions) {
      const bin = `/usr/lib/postgresql/${v}/bin`;
      try {
        if (Deno.statSync(`${bin}/initdb`).isFile) return bin;
      } catch {
        // Client-only package; try the next version.
      }
    }
  } catch {
    // No Postgres installed.
  }
  return null;
}

/**
 * True when a private cluster can be created here. Under `CI=true` this is always true, so a
 * missing installation fails loudly instead of skipping.
 */
export function pgInstanceAvailable(): boolean {
  return IN_CI || pgBinDir() !== null;
}

/** Why private-cluster tests are skipped here (printed by tests that skip). */
export const PG_SKIP_REASON =
  "skipped: no Postgres server binaries under /usr/lib/postgresql (set CI=true to fail instead)";

const isRoot = Deno.uid() === 0;

async function run(bin: string, args: string[], allowFail = false): Promise<string> {
  const cmd = isRoot
    ? new Deno.Command("runuser", { args: ["-u", "postgres", "--", bin, ...args] })
    : new Deno.Command(bin, { args });
  const out = await cmd.output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  if (!out.success && !allowFail) {
    throw new Error(
      `${bin.split("/").pop()} ${args[0] ?? ""} failed (${out.code}): ${text.trim()}`,
    );
  }
  return text;
}

/** A TCP port that was free a moment ago. */
export function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

async function waitReady(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port });
      conn.close();
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error(`Postgres on port ${port} did not start within ${timeoutMs} ms`);
}

/** Options for {@link startPgInstance}. */
export interface PgInstanceOptions {
  /**
   * Require this password over TCP (scram-sha-256) for the `postgres` superuser, as a managed
   * Postgres does; the `url` carries it. Absent: trust auth.
   */
  password?: string;
}

/** Creates and starts a private cluster on a free port. */
export async function startPgInstance(opts: PgInstanceOptions = {}): Promise<PgInstance> {
  const bin = pgBinDir();
  if (!bin) throw new Error("No Postgres server binaries under /usr/lib/postgresql");
  const dir = await Deno.makeTempDir({ prefix: "parley_pg_" });
  if (isRoot) {
    // initdb and the server run as `postgres`, which must own the directory.
    const pw = await new Deno.Command("id", { args: ["-u", "postgres"] }).output();
    const gid = await new Deno.Command("id", { args: ["-g", "postgres"] }).output();
    await Deno.chown(
      dir,
      Number(new TextDecoder().decode(pw.stdout).trim()),
      Number(new TextDecoder().decode(gid.stdout).trim()),
    );
  }
  const data = `${dir}/data`;
  const auth = ["-A", "trust"];
  if (opts.password !== undefined) {
    // The file sits in the directory the server's user owns; initdb reads it once.
    const pwfile = `${dir}/pwfile`;
    await Deno.writeTextFile(pwfile, opts.password + "\n");
    await Deno.chmod(pwfile, 0o644);
    auth.splice(0, 2, "--auth-local=trust", "--auth-host=scram-sha-256", `--pwfile=${pwfile}`);
  }
  await run(`${bin}/initdb`, [
    "-D",
    data,
    ...auth,
    "-U",
    "postgres",
    "--no-sync",
    "-E",
    "UTF8",
  ]);
  const port = freePort();
  const options = [
    `-p ${port}`,
    `-k ${dir}`,
    "-c listen_addresses=127.0.0.1",
    "-c fsync=off",
    "-c full_page_writes=off",
    "-c max_connections=200",
  ].join(" ");
  let running = false;
  const inst: PgInstance = {
    port,
    url: opts.password === undefined
      ? `postgres://postgres@127.0.0.1:${port}/postgres`
      : `postgres://postgres:${encodeURIComponent(opts.password)}@127.0.0.1:${port}/postgres`,
    dir,
    async start() {
      await run(`${bin}/pg_ctl`, [
        "-D",
        data,
        "-o",
        options,
        "-l",
        `${dir}/server.log`,
        "-w",
        "start",
      ]);
      running = true;
      await waitReady(port, 15_000);
    },
    async stop(mode = "fast") {
      await run(`${bin}/pg_ctl`, ["-D", data, "-m", mode, "-w", "stop"], !running);
      running = false;
    },
    async restart() {
      await inst.stop("fast");
      await inst.start();
    },
    async kill() {
      const pid = Number((await Deno.readTextFile(`${data}/postmaster.pid`)).split("\n")[0]);
      Deno.kill(pid, "SIGKILL");
      // Backends exit when they notice the postmaster is gone.
      for (let i = 0; i < 100; i++) {
        try {
          Deno.kill(pid, "SIGCONT");
          await new Promise((r) => setTimeout(r, 50));
        } catch {
          break;
        }
      }
      running = false;
      await new Promise((r) => setTimeout(r, 200));
    },
    async remove() {
      if (running) await inst.stop("immediate").catch(() => {});
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
  await inst.start();
  return inst;
}
