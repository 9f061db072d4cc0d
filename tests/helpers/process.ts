/**
 * Runs Parley as a real `deno run main.ts` child process, for tests that send it signals
 * (SIGKILL, SIGTERM) or start it against an unreachable database. Every stdout/stderr line is
 * kept so tests can assert on the structured logs.
 *
 * @module
 */

import { readOutput, spawnMain } from "./parley_process.ts";
import { ADMIN } from "./server.ts";

/** A Parley child process. */
export interface ServerProcess {
  readonly pid: number;
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  /** Every line written so far, stdout and stderr interleaved in arrival order. */
  readonly lines: string[];
  /** Resolves with the exit status. */
  readonly status: Promise<Deno.CommandStatus>;
  /** Waits until a line matches `pred` (checks earlier lines too). */
  waitForLine(pred: (line: string) => boolean, timeoutMs?: number): Promise<string>;
  /** Waits until `GET /readyz` answers 200. */
  waitReady(timeoutMs?: number): Promise<void>;
  /** Sends a signal. */
  kill(signal: Deno.Signal): void;
  /** Kills it (SIGKILL) if still running and waits for the exit. */
  dispose(): Promise<void>;
}

/** Environment every test process starts with (fast hashing, no demo admin prompt). */
export const BASE_ENV: Record<string, string> = {
  HOST: "127.0.0.1",
  PARLEY_PBKDF2_ITERATIONS: "1000",
  PARLEY_ADMIN_EMAIL: ADMIN.email,
  PARLEY_ADMIN_PASSWORD: ADMIN.password,
  PARLEY_LOGIN_ATTEMPTS_PER_IP: "1000",
  PARLEY_SOCKETS_PER_IP: "10000",
  PARLEY_NEW_CONVERSATIONS_PER_HOUR: "10000",
  // Tests write to the `demo` site on either database (it is seeded by default on PGlite only).
  PARLEY_DEMO: "true",
  PARLEY_DEMO_HISTORY: "false",
  NO_COLOR: "1",
};

/**
 * Rate limits loose enough for scripted visitors that write faster than any person (the limits
 * themselves are tested elsewhere).
 */
export const FAST_WRITERS_ENV: Record<string, string> = {
  PARLEY_MESSAGES_PER_SECOND: "200",
  PARLEY_MESSAGE_BURST: "400",
  PARLEY_FRAMES_PER_SECOND: "400",
  PARLEY_FRAME_BURST: "800",
};

/** Starts `deno run main.ts` on `port` with `env` added to {@link BASE_ENV}. */
export function spawnServer(port: number, env: Record<string, string>): ServerProcess {
  const child = spawnMain({ ...BASE_ENV, PORT: String(port), ...env });
  const lines: string[] = [];
  let waiters: (() => void)[] = [];
  const onLine = (line: string) => {
    lines.push(line);
    for (const w of waiters.splice(0)) w();
  };
  const pumps = readOutput(child, onLine);
  let exited = false;
  const status = child.status.then(async (s) => {
    await pumps.catch(() => {});
    exited = true;
    for (const w of waiters.splice(0)) w();
    return s;
  });
  const url = `http://127.0.0.1:${port}`;

  const proc: ServerProcess = {
    pid: child.pid,
    url,
    port,
    lines,
    status,
    async waitForLine(pred, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      let seen = 0;
      for (;;) {
        for (; seen < lines.length; seen++) if (pred(lines[seen])) return lines[seen];
        if (exited) throw new Error(`Process exited; last lines:\n${lines.slice(-10).join("\n")}`);
        const left = deadline - Date.now();
        if (left <= 0) {
          throw new Error(
            `Timed out waiting for a log line; last:\n${lines.slice(-10).join("\n")}`,
          );
        }
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, Math.min(left, 250));
          waiters.push(() => {
            clearTimeout(t);
            resolve();
          });
        });
      }
    },
    async waitReady(timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        if (exited) throw new Error(`Process exited; last lines:\n${lines.slice(-10).join("\n")}`);
        try {
          const res = await fetch(`${url}/readyz`);
          await res.body?.cancel();
          if (res.status === 200) return;
        } catch {
          // Not listening yet.
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(
        `Not ready within ${timeoutMs} ms; last lines:\n${lines.slice(-10).join("\n")}`,
      );
    },
    kill(signal) {
      try {
        child.kill(signal);
      } catch {
        // Already exited.
      }
    },
    async dispose() {
      if (!exited) proc.kill("SIGKILL");
      await status;
      waiters = [];
    },
  };
  return proc;
}

/** Parses the JSON log lines of a process, skipping anything that is not JSON. */
export function jsonLines(lines: readonly string[]): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const line of lines) {
    try {
      const v: unknown = JSON.parse(line);
      if (v && typeof v === "object" && !Array.isArray(v)) out.push(v as Record<string, unknown>);
    } catch {
      // Not a log line.
    }
  }
  return out;
}
