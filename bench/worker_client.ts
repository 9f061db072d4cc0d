/**
 * Starts a load worker (`bench/load_worker.ts`) as its own Deno process and talks to it.
 *
 * @module
 */

import type { Command, Reply } from "./worker_protocol.ts";

const WORKER = new URL("./load_worker.ts", import.meta.url).pathname;

/** A running load worker. */
export class Worker {
  readonly #child: Deno.ChildProcess;
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
  readonly #waiting = new Map<number, (r: Reply) => void>();
  #next = 1;

  private constructor(child: Deno.ChildProcess) {
    this.#child = child;
    this.#writer = child.stdin.getWriter();
    this.#read();
  }

  /** Spawns a worker. */
  static start(): Worker {
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-net", "--allow-read", "--v8-flags=--max-old-space-size=4096", WORKER],
      stdin: "piped",
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    return new Worker(child);
  }

  /** The worker's process id. */
  get pid(): number {
    return this.#child.pid;
  }

  /** Sends a command and resolves with its reply; rejects when the worker reports an error. */
  async send(cmd: Command): Promise<Reply> {
    const id = this.#next++;
    const reply = new Promise<Reply>((resolve) => this.#waiting.set(id, resolve));
    await this.#writer.write(new TextEncoder().encode(JSON.stringify({ ...cmd, id }) + "\n"));
    const r = await reply;
    if (!r.ok) throw new Error(`Worker ${cmd.cmd} failed: ${r.error}`);
    return r;
  }

  /** Asks the worker to close its sockets and exit. */
  async stop(): Promise<void> {
    try {
      await Promise.race([this.send({ cmd: "close" }), new Promise((r) => setTimeout(r, 3000))]);
    } catch {
      // Already gone.
    }
    try {
      this.#child.kill("SIGKILL");
    } catch {
      // Exited.
    }
    await this.#child.status;
  }

  async #read(): Promise<void> {
    const decoder = new TextDecoder();
    let rest = "";
    for await (const chunk of this.#child.stdout) {
      rest += decoder.decode(chunk, { stream: true });
      let nl: number;
      while ((nl = rest.indexOf("\n")) >= 0) {
        const line = rest.slice(0, nl);
        rest = rest.slice(nl + 1);
        // The worker is our own process writing replies we defined.
        const reply = JSON.parse(line) as Reply;
        const done = reply.id === undefined ? undefined : this.#waiting.get(reply.id);
        if (done && reply.id !== undefined) {
          this.#waiting.delete(reply.id);
          done(reply);
        }
      }
    }
  }
}
