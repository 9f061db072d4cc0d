/**
 * A small command-line parser with the semantics of `@std/cli`'s `parseArgs` (not reachable
 * from here): `--flag`, `--key value`, `--key=value`, repeated keys collected, positional
 * arguments, and `--` ending the options. Unlike `parseArgs` it is strict, as an admin tool
 * should be: an unknown option, a missing value or a repeated single-valued option is a
 * {@link UsageError} instead of a silently different command.
 *
 * @module
 */

import { UsageError } from "./errors.ts";

/** Which options a command takes. `help` is always accepted as a boolean. */
export interface ArgSpec {
  /** Options without a value (`--admin`); `--admin=false` is accepted too. */
  boolean?: readonly string[];
  /** Options with one value (`--email a@b`, `--email=a@b`). */
  string?: readonly string[];
  /** Options that may repeat, each with a value, collected in order (`--origin a --origin b`). */
  collect?: readonly string[];
}

/** The parsed command line. */
export interface Args {
  /** Positional arguments, in order. */
  readonly _: readonly string[];
  /** Boolean options that were given (true) or given as `=false`. */
  readonly flags: ReadonlyMap<string, boolean>;
  /** Options with values; a single-valued one holds one entry. */
  readonly values: ReadonlyMap<string, readonly string[]>;
}

const TRUE = new Set(["true", "1", "yes"]);
const FALSE = new Set(["false", "0", "no"]);

/** Parses `argv` by `spec`. Throws {@link UsageError} for anything the spec does not allow. */
export function parseArgs(argv: readonly string[], spec: ArgSpec = {}): Args {
  const booleans = new Set(["help", ...(spec.boolean ?? [])]);
  const strings = new Set(spec.string ?? []);
  const collected = new Set(spec.collect ?? []);
  const positionals: string[] = [];
  const flags = new Map<string, boolean>();
  const values = new Map<string, string[]>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--") {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (arg === "-h") {
      flags.set("help", true);
      continue;
    }
    if (!arg.startsWith("--")) {
      if (arg.startsWith("-") && arg.length > 1) throw new UsageError(`Unknown option: ${arg}`);
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    const key = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
    const inline = eq < 0 ? undefined : arg.slice(eq + 1);
    if (booleans.has(key)) {
      if (inline === undefined) flags.set(key, true);
      else if (TRUE.has(inline)) flags.set(key, true);
      else if (FALSE.has(inline)) flags.set(key, false);
      else throw new UsageError(`--${key} takes no value (or true/false), got "${inline}"`);
      continue;
    }
    if (!strings.has(key) && !collected.has(key)) throw new UsageError(`Unknown option: --${key}`);
    let value = inline;
    if (value === undefined) {
      const next = argv[i + 1];
      // A following option is not a value: `--name --admin` forgot the name.
      if (next === undefined || (next.startsWith("--") && next.length > 2)) {
        throw new UsageError(`--${key} needs a value`);
      }
      value = next;
      i++;
    }
    const list = values.get(key);
    if (list && !collected.has(key)) throw new UsageError(`--${key} is given more than once`);
    if (list) list.push(value);
    else values.set(key, [value]);
  }
  return { _: positionals, flags, values };
}

/** The value of a single-valued option, or undefined when absent. */
export function option(args: Args, key: string): string | undefined {
  return args.values.get(key)?.[0];
}

/** The value of a required option; throws {@link UsageError} naming it when absent or empty. */
export function required(args: Args, key: string): string {
  const value = option(args, key);
  if (value === undefined || value.trim() === "") throw new UsageError(`--${key} is required`);
  return value;
}

/** Every value of a collected option, in order (empty when absent). */
export function collected(args: Args, key: string): readonly string[] {
  return args.values.get(key) ?? [];
}

/** Whether a boolean option was given (and not as `=false`). */
export function flag(args: Args, key: string): boolean {
  return args.flags.get(key) === true;
}

/**
 * The positional arguments, checked against the command's `names`: exactly that many, else a
 * {@link UsageError} naming the missing one or the extra ones.
 */
export function positionals(args: Args, names: readonly string[]): string[] {
  if (args._.length < names.length) throw new UsageError(`Missing <${names[args._.length]}>`);
  if (args._.length > names.length) {
    throw new UsageError(`Unexpected argument: ${args._.slice(names.length).join(" ")}`);
  }
  return [...args._];
}
