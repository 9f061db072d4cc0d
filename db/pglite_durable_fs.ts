/**
 * PGlite's Node filesystem with `fsync` forwarded to the disk, and the start-up settings that make
 * Postgres use it.
 *
 * Out of the box PGlite cannot survive a power cut: it starts Postgres with `-F` (fsync off), its
 * Emscripten `fdatasync` is a no-op, and the Node filesystem it mounts has no `fsync` at all, so
 * the WAL only ever reaches the page cache. Here Postgres runs with `fsync=on` and
 * `wal_sync_method=fsync` (the one sync call Emscripten routes to the filesystem), and the mounted
 * filesystem answers it with a real `fsync(2)` of the file. Postgres then syncs the WAL once per
 * commit (one transaction per acknowledged batch, so one sync per batch), and data files, the
 * control file and directories at checkpoints, exactly as it does on a native install.
 *
 * Files written while fsync was off (an older Parley, or `initdb`, which PGlite runs without
 * syncing) are made durable once, at start-up, by {@link syncTree}.
 *
 * @module
 */

import { NodeFS } from "@electric-sql/pglite/nodefs";
import { PGlite, type PGliteOptions } from "@electric-sql/pglite";
import { fsyncSync } from "node:fs";
import { join } from "node:path";

/** Called after each successful sync, with the real path of the file or directory synced. */
export type SyncObserver = (path: string) => void;

/**
 * The start parameters PGlite uses by default, minus `-F` (which turns fsync off), plus the WAL
 * sync method Emscripten forwards (its `fdatasync` does nothing).
 */
export function durableStartParams(): string[] {
  const defaults = PGlite.defaultStartParams.filter((p) => p !== "-F");
  return [...defaults, "-c", "fsync=on", "-c", "wal_sync_method=fsync"];
}

/** The slice of Emscripten's module this filesystem touches. */
interface EmscriptenNodefsModule {
  NODEFS: {
    stream_ops: Record<string, unknown>;
    realPath(node: unknown): string;
    tryFSOperation<T>(f: () => T): T;
  };
}

/** One of Emscripten's pre-run steps, as PGlite types them. */
type PreRun = NonNullable<Parameters<NodeFS["init"]>[1]["preRun"]>[number];

/** A stream as Emscripten's NODEFS keeps it: `nfd` is the real descriptor. */
interface NodefsStream {
  nfd: number;
  node: unknown;
}

/** {@link NodeFS} whose `fsync` reaches the disk. */
export class DurableNodeFS extends NodeFS {
  readonly #onSync: SyncObserver | undefined;

  /** Mounts `dataDir` (created when missing); `onSync` observes each sync (for tests). */
  constructor(dataDir: string, onSync?: SyncObserver) {
    super(dataDir);
    this.#onSync = onSync;
  }

  /** Adds, to PGlite's own mount step, the forwarding of `fsync` to the real file. */
  override async init(pg: PGlite, opts: Parameters<NodeFS["init"]>[1]) {
    const { emscriptenOpts } = await super.init(pg, opts);
    const onSync = this.#onSync;
    const forwardFsync: PreRun = (module) => {
      const mod = module as unknown as EmscriptenNodefsModule;
      // Each PGlite instance has its own Emscripten module, so this changes only this database.
      mod.NODEFS.stream_ops.fsync = (stream: NodefsStream) => {
        // Errors (EIO, ENOSPC) become errno values Postgres sees as a failed fsync: it PANICs
        // rather than acknowledge a commit the disk may not hold.
        mod.NODEFS.tryFSOperation(() => fsyncSync(stream.nfd));
        onSync?.(mod.NODEFS.realPath(stream.node));
        return 0;
      };
    };
    const preRun = emscriptenOpts.preRun ?? [];
    return { emscriptenOpts: { ...emscriptenOpts, preRun: [...preRun, forwardFsync] } };
  }
}

/**
 * Syncs every file and directory under `dir` (depth first, so a directory is synced after what
 * it lists). Used once at start-up for what was written while fsync was off.
 */
export async function syncTree(dir: string): Promise<number> {
  let count = 0;
  for await (const entry of Deno.readDir(dir)) {
    const path = join(dir, entry.name);
    if (entry.isDirectory) count += await syncTree(path);
    else if (entry.isFile) {
      using file = await Deno.open(path, { read: true });
      await file.sync();
      count++;
    }
  }
  using self = await Deno.open(dir, { read: true });
  await self.sync();
  return count + 1;
}

/** Options for a durable PGlite: the filesystem and start parameters to pass to `PGlite.create`. */
export function durablePgliteOptions(
  pgdata: string,
  onSync?: SyncObserver,
): Pick<PGliteOptions, "fs" | "startParams"> {
  return { fs: new DurableNodeFS(pgdata, onSync), startParams: durableStartParams() };
}
