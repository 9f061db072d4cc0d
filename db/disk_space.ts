/**
 * Watching the disk under the embedded database. PGlite fails a write on a full disk with a
 * retryable error, which alone tells nobody why: this module names the condition, for
 * `/readyz`, for the start-up log and for the operator's log, and notices when space is back.
 *
 * @module
 */

import { statfsSync } from "node:fs";
import { DiskFullError } from "./store.ts";

/**
 * Below this many free bytes the disk counts as full: Postgres needs room for a whole new WAL
 * segment (16 MiB) to go on accepting writes, and PANICs when it cannot write its WAL.
 */
export const MIN_FREE_BYTES = 16 * 1024 * 1024;

/** A change of the disk's state, as reported to {@link DiskWatch}'s observer. */
export interface DiskState {
  full: boolean;
  path: string;
  freeBytes: number | null;
}

/** Bytes the server's user may still write on the filesystem holding `path`, or null. */
export function freeBytes(path: string): number | null {
  try {
    const s = statfsSync(path);
    // Root may use the blocks reserved for it; anyone else only the available ones.
    return (Deno.uid() === 0 ? s.bfree : s.bavail) * s.bsize;
  } catch {
    return null;
  }
}

/** True when `err` (or any of its causes) is the operating system's or Postgres's "disk full". */
export function isDiskFull(err: unknown): boolean {
  for (let e = err, depth = 0; e instanceof Error && depth < 8; e = e.cause, depth++) {
    if (/No space left on device|ENOSPC|os error 28/i.test(e.message)) return true;
    if ((e as { code?: unknown }).code === "53100") return true; // SQLSTATE disk_full
  }
  return false;
}

/** Tracks whether the disk under `path` is full, reporting each change once. */
export class DiskWatch {
  #full = false;
  #free: number | null = null;

  /** Watches `path`; `onChange` hears each transition between full and not full. */
  constructor(readonly path: string, private readonly onChange?: (state: DiskState) => void) {}

  /** Notes a failed write: a disk-full error marks the disk full. Returns the error to throw. */
  noteError(err: unknown): unknown {
    if (!isDiskFull(err)) return err;
    this.#set(true, freeBytes(this.path));
    return new DiskFullError(this.path, this.#free, { cause: err });
  }

  /** Measures the free space; returns a {@link DiskFullError} while the disk is full, else null. */
  check(): DiskFullError | null {
    const free = freeBytes(this.path);
    if (free !== null) this.#set(free < MIN_FREE_BYTES, free);
    return this.#full ? new DiskFullError(this.path, this.#free) : null;
  }

  #set(full: boolean, free: number | null): void {
    this.#free = free;
    if (full === this.#full) return;
    this.#full = full;
    this.onChange?.({ full, path: this.path, freeBytes: free });
  }
}
