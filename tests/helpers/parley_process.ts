/**
 * Runs Parley (`main.ts`) as a child process for the benchmark and the multi-instance tests:
 * it binds port 0 and the port is read from its "listening" log line; its memory is read from
 * `/proc/<pid>/status`. The spawning, line reading, memory reading and sign-in are exported for the
 * tests' helpers too.
 *
 * @module
 */

const MAIN = new URL("../../main.ts", import.meta.url).pathname;
const ROOT = new URL("../../", import.meta.url).pathname;

/**
 * The V8 flags Parley runs with (`deno task start`, the Dockerfile, the systemd unit): a young
 * generation of 4 MiB semi-spaces instead of 16, which idle sockets' memory shows (see
 * `docs/operations.md`, "Memory"). Tests and the bench run the server the same way.
 */
export const SERVER_V8_FLAGS: readonly string[] = ["--max-semi-space-size=4"];

/** Where {@link spawnMain} runs Parley from, and with which V8 flags. */
export interface ServerBuild {
  /**
   * The checkout whose `main.ts` runs (default: this one). The bench's `--compare` runs an older
   * build from its own worktree this way.
   */
  root?: string;
  /** V8 flags (default {@link SERVER_V8_FLAGS}); a `--v8-flags=…` in the Deno flags adds to them. */
  v8Flags?: readonly string[];
}

/** A running Parley process. */
export interface ParleyProcess {
  readonly pid: number;
  readonly port: number;
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** `ws://127.0.0.1:<port>` */
  readonly wsUrl: string;
  /** The cluster instance id (Postgres), or null. */
  readonly instanceId: string | null;
  /** The latest log lines (stdout and stderr, up to 2,000). */
  readonly lines: string[];
  /** Resolves with the exit status. */
  readonly status: Promise<Deno.CommandStatus>;
  /** The exit status once the process has exited, else null. */
  exited(): Deno.CommandStatus | null;
  /** Sends a signal. */
  kill(signal: Deno.Signal): void;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once exited. */
  stop(graceMs?: number): Promise<void>;
  /** Resident memory in bytes (VmRSS). */
  rss(): Promise<number>;
}

/** Options for {@link startParley}. */
export interface StartOptions {
  /** Environment added to the process's (PORT and HOST are set unless given). */
  env: Record<string, string>;
  /** How long to wait for "listening" (default 60 s). */
  timeoutMs?: number;
  /** Echo the server's lines to stderr. */
  echo?: boolean;
  /** Extra `deno run` flags (e.g. `--inspect=127.0.0.1:9229` to profile the server). */
  denoFlags?: string[];
  /** The permission flags, in place of `--allow-all` (e.g. `["--allow-net", "--allow-env"]`). */
  permissions?: string[];
  /** The checkout and V8 flags (default: this checkout, {@link SERVER_V8_FLAGS}). */
  build?: ServerBuild;
}

/**
 * Spawns `deno run <permissions> <V8 flags> <denoFlags> main.ts` from the repository root, or
 * `build.root` (permissions: `--allow-all` unless given), with `env` added to the inherited
 * environment; stdin is closed, stdout and stderr are piped.
 */
export function spawnMain(
  env: Record<string, string>,
  denoFlags: string[] = [],
  permissions: string[] = ["--allow-all"],
  { root, v8Flags = SERVER_V8_FLAGS }: ServerBuild = {},
): Deno.ChildProcess {
  // Deno takes one --v8-flags: the build's and any given among the flags go in it together.
  const V8 = "--v8-flags=";
  const v8 = [
    ...v8Flags,
    ...denoFlags.filter((f) => f.startsWith(V8)).flatMap((f) => f.slice(V8.length).split(",")),
  ];
  return new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      ...permissions,
      ...(v8.length > 0 ? [`${V8}${v8.join(",")}`] : []),
      ...denoFlags.filter((f) => !f.startsWith(V8)),
      root ? `${root}/main.ts` : MAIN,
    ],
    cwd: root ?? ROOT,
    env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

async function readLines(stream: ReadableStream<Uint8Array>, onLine: (line: string) => void) {
  const decoder = new TextDecoder();
  let rest = "";
  for await (const chunk of stream) {
    rest += decoder.decode(chunk, { stream: true });
    let nl: number;
    while ((nl = rest.indexOf("\n")) >= 0) {
      onLine(rest.slice(0, nl));
      rest = rest.slice(nl + 1);
    }
  }
  if (rest) onLine(rest);
}

/**
 * Calls `onLine` for every line a child writes, stdout and stderr interleaved in arrival order;
 * resolves once both streams have ended.
 */
export async function readOutput(
  child: Deno.ChildProcess,
  onLine: (line: string) => void,
): Promise<void> {
  await Promise.all([readLines(child.stdout, onLine), readLines(child.stderr, onLine)]);
}

/** Reads VmRSS of a process, in bytes (0 when it is gone). */
export async function rssOf(pid: number): Promise<number> {
  try {
    const status = await Deno.readTextFile(`/proc/${pid}/status`);
    const m = status.match(/^VmRSS:\s+(\d+)\s+kB/m);
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Signs an agent in over HTTP at `baseUrl` and returns the `Cookie` header value. */
export async function signIn(baseUrl: string, email: string, password: string): Promise<string> {
  const res = await fetch(`${baseUrl}/api/agent/login`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-parley-csrf": "1" },
    body: JSON.stringify({ email, password }),
  });
  if (res.status !== 200) throw new Error(`login failed: ${res.status} ${await res.text()}`);
  await res.body?.cancel();
  return (res.headers.get("set-cookie") ?? "").split(";")[0];
}

/** Starts `deno run -A main.ts` and resolves once it is listening. */
export async function startParley(opts: StartOptions): Promise<ParleyProcess> {
  const child = spawnMain(
    // Tests and benchmarks write to the `demo` site on either database (seeded by default on
    // PGlite only).
    {
      PORT: "0",
      HOST: "127.0.0.1",
      NO_COLOR: "1",
      PARLEY_DEMO: "true",
      PARLEY_DEMO_HISTORY: "false",
      ...opts.env,
    },
    opts.denoFlags,
    opts.permissions,
    opts.build,
  );
  const lines: string[] = [];
  let onListening: (fields: Record<string, unknown>) => void = () => {};
  const listening = new Promise<Record<string, unknown>>((r) => onListening = r);
  const onLine = (line: string) => {
    // The latest lines: the ones that explain an exit.
    lines.push(line);
    if (lines.length > 2000) lines.splice(0, 1000);
    if (opts.echo) console.error(`[parley ${child.pid}] ${line}`);
    if (line.includes('"msg":"listening"')) {
      try {
        onListening(JSON.parse(line));
      } catch {
        // Not our JSON line.
      }
    }
  };
  const done = readOutput(child, onLine);
  let exitStatus: Deno.CommandStatus | null = null;
  const status = child.status.then(async (s) => {
    exitStatus = s;
    await done.catch(() => {});
    return s;
  });
  const timeoutMs = opts.timeoutMs ?? 60_000;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const fields = await Promise.race([
    listening,
    status.then((s) => {
      throw new Error(`Parley exited with ${s.code} before listening:\n${lines.join("\n")}`);
    }),
    new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`Parley did not listen within ${timeoutMs} ms`)),
        timeoutMs,
      );
    }),
  ]).finally(() => clearTimeout(timer));
  const port = Number(fields.port);
  const instanceId = typeof fields.instance === "string" ? fields.instance : null;
  const kill = (signal: Deno.Signal) => {
    try {
      child.kill(signal);
    } catch {
      // Already exited.
    }
  };
  return {
    pid: child.pid,
    port,
    url: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}`,
    instanceId,
    lines,
    status,
    exited: () => exitStatus,
    kill,
    async stop(graceMs = 10_000) {
      kill("SIGTERM");
      const t = setTimeout(() => kill("SIGKILL"), graceMs);
      await status;
      clearTimeout(t);
    },
    rss: () => rssOf(child.pid),
  };
}
