/**
 * Command-line options the benchmark scripts share.
 *
 * @module
 */

/** Reads `--name=N` from `Deno.args` as a whole number, or `fallback` when absent. */
export function count(name: string, fallback: number): number {
  const arg = Deno.args.find((a) => a.startsWith(`--${name}=`));
  if (arg === undefined) return fallback;
  const n = Number(arg.slice(name.length + 3));
  if (!Number.isInteger(n) || n < 0) throw new TypeError(`--${name} must be a whole number`);
  return n;
}
