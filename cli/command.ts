/**
 * What a command is, and what it gets to run: the configuration, a way to open the database or
 * the services (opened on demand, closed by the entry point), and its output channels. Commands
 * print results on stdout (data a script may read) and progress or questions on stderr.
 *
 * @module
 */

import type { Db } from "../db/mod.ts";
import type { Config } from "../server/config.ts";
import type { Args, ArgSpec } from "./args.ts";
import type { OpenOptions } from "./database.ts";
import type { Services } from "./services.ts";

/** What a running command can use. */
export interface CliContext {
  readonly config: Config;
  /** Opens the store (migrating it, as a server start does) and builds the services. */
  services(): Promise<Services>;
  /** Opens the database without migrating it. */
  driver(opts?: OpenOptions): Promise<Db>;
  /** Writes a line to stdout. */
  print(line: string): void;
  /** Writes a line to stderr (notes and warnings, never data). */
  note(line: string): void;
  /** Asks a yes/no question on the terminal; null when stdin is not a terminal. */
  confirm(question: string): boolean | null;
}

/** One command (`agent add`, `purge`…). */
export interface Command {
  /** The words that select it, e.g. `["agent", "add"]`. */
  readonly path: readonly string[];
  /** The synopsis after the command's words, e.g. `--email E --name N [--admin]`. */
  readonly synopsis: string;
  /** One line for the overview. */
  readonly summary: string;
  /** Longer help: options, output, examples. */
  readonly help: string;
  /** Its options. */
  readonly spec: ArgSpec;
  /** Runs it; throws `CliError` for expected failures. */
  run(args: Args, ctx: CliContext): Promise<void>;
}

/** Lays out rows as left-aligned columns separated by two spaces (for `list` commands). */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: readonly string[]) =>
    cells.map((c, i) => i === cells.length - 1 ? c : c.padEnd(widths[i])).join("  ").trimEnd();
  return [line(header), ...rows.map(line)];
}
