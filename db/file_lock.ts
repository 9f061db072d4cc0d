/**
 * A non-blocking exclusive lock on an open file, on every Deno Parley supports. `FsFile.tryLock`
 * arrived after Deno 2.5, which Deno Deploy runs; there the blocking `lock` is raced against a
 * short wait instead: a lock another process holds is not granted within it.
 *
 * @module
 */

/** How long the fallback waits for a lock it could be granted at once. */
const FALLBACK_WAIT_MS = 500;

/** Takes an exclusive lock on `file` if no other process holds one; true when taken. */
export async function tryLockExclusive(file: Deno.FsFile): Promise<boolean> {
  const withTry = file as Deno.FsFile & { tryLock?: (exclusive?: boolean) => Promise<boolean> };
  if (typeof withTry.tryLock === "function") return await withTry.tryLock(true);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const waited = new Promise<false>((resolve) =>
    timer = setTimeout(() => resolve(false), FALLBACK_WAIT_MS)
  );
  // When the wait wins, the blocking call stays pending until the other process lets go; the
  // caller closes the file and gives up (start-up fails), so it is never relied on.
  const locked = file.lock(true).then(() => true as const, () => false as const);
  try {
    return await Promise.race([locked, waited]);
  } finally {
    clearTimeout(timer);
  }
}
