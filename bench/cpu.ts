/**
 * CPU time of processes, from `/proc/<pid>/stat` (Linux): used to show that the load generator
 * is not the bottleneck, and how busy the server and Postgres were.
 *
 * @module
 */

/** Clock ticks per second of `/proc` times (`getconf CLK_TCK`, 100 on Linux). */
const TICKS = 100;

/** User + system CPU seconds used so far by `pid` (0 when it is gone). */
export async function cpuSeconds(pid: number): Promise<number> {
  try {
    const stat = await Deno.readTextFile(`/proc/${pid}/stat`);
    // Fields after the command name (which may contain spaces) start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / TICKS;
  } catch {
    return 0;
  }
}

/** CPU seconds of every `postgres` process on this host (server, backends, WAL writer). */
export async function postgresCpuSeconds(): Promise<number> {
  let total = 0;
  for await (const e of Deno.readDir("/proc")) {
    if (!/^\d+$/.test(e.name)) continue;
    try {
      const comm = (await Deno.readTextFile(`/proc/${e.name}/comm`)).trim();
      if (comm === "postgres") total += await cpuSeconds(Number(e.name));
    } catch {
      // Exited meanwhile.
    }
  }
  return total;
}

/** Measures CPU used by some processes over an interval, as % of one core. */
export class CpuMeter {
  #start = 0;
  #before = new Map<string, number>();

  /** Creates a meter over named pid groups (a function so pids may change). */
  constructor(
    private readonly groups: Record<string, () => number[]>,
    private readonly pg = false,
  ) {}

  /** Starts (or restarts) the interval. */
  async begin(): Promise<void> {
    this.#start = performance.now();
    this.#before = await this.#read();
  }

  /** CPU % of one core per group since {@link CpuMeter.begin}. */
  async end(): Promise<Record<string, number>> {
    const after = await this.#read();
    const seconds = (performance.now() - this.#start) / 1000;
    const out: Record<string, number> = {};
    for (const [k, v] of after) {
      out[k] = Math.round(((v - (this.#before.get(k) ?? 0)) / seconds) * 1000) / 10;
    }
    return out;
  }

  async #read(): Promise<Map<string, number>> {
    const m = new Map<string, number>();
    for (const [name, pids] of Object.entries(this.groups)) {
      let total = 0;
      for (const pid of pids()) total += await cpuSeconds(pid);
      m.set(name, total);
    }
    if (this.pg) m.set("postgres", await postgresCpuSeconds());
    return m;
  }
}
