/**
 * The admin CLI: `deno task admin <command> [options]` (docs/admin_cli.md). It reads the same
 * environment as the server through `loadConfig`, opens the same database, runs one command
 * through the domain services and exits with a code from `errors.ts`: 0 done, 1 failed, 64 bad
 * command line, 69 database unavailable (or the embedded one held by a server), 78
 * configuration to fix. Expected failures print one line on stderr, never a stack trace.
 *
 * @module
 */

import { ParleyError } from "../core/errors.ts";
import { type Db, type DbStore, StoreError, StoreUnavailableError } from "../db/mod.ts";
import { type Config, ConfigError, loadConfig } from "../server/config.ts";
import { agentCommands } from "./agents.ts";
import { parseArgs } from "./args.ts";
import type { CliContext, Command } from "./command.ts";
import { openDriver, openStore } from "./database.ts";
import { CliError, ExitCode, UsageError } from "./errors.ts";
import { migrateCommands } from "./migrate.ts";
import { purgeCommands } from "./purge.ts";
import { createServices, type Services } from "./services.ts";
import { siteCommands } from "./sites.ts";
import { visitorCommands } from "./visitors.ts";

/** Every command, in the order the overview lists them. */
export const COMMANDS: readonly Command[] = [
  ...migrateCommands,
  ...agentCommands,
  ...siteCommands,
  ...visitorCommands,
  ...purgeCommands,
];

const PROGRAM = "deno task admin";

/** Where the CLI writes; the real streams by default, captured in tests. */
export interface CliIo {
  stdout(line: string): void;
  stderr(line: string): void;
  /** Asks a yes/no question; null when there is no terminal to ask on. */
  confirm(question: string): boolean | null;
  /** The environment `loadConfig` reads. */
  env(): Record<string, string | undefined>;
}

/** The process's streams and environment. */
export const PROCESS_IO: CliIo = {
  stdout: (line) => console.log(line),
  stderr: (line) => console.error(line),
  confirm(question) {
    if (!Deno.stdin.isTerminal()) return null;
    const answer = prompt(`${question} [y/N]`);
    return answer !== null && /^y(es)?$/i.test(answer.trim());
  },
  env: () => Deno.env.toObject(),
};

function overview(): string {
  const width = Math.max(...COMMANDS.map((c) => c.path.join(" ").length));
  return [
    `Usage: ${PROGRAM} <command> [options]`,
    "",
    "Commands:",
    ...COMMANDS.map((c) => `  ${c.path.join(" ").padEnd(width)}  ${c.summary}`),
    "",
    `Run "${PROGRAM} <command> --help" for a command's options. The CLI reads the server's`,
    "environment (DATABASE_URL, DATA_DIR…); see docs/admin_cli.md.",
  ].join("\n");
}

function commandHelp(c: Command): string {
  return `Usage: ${PROGRAM} ${c.path.join(" ")} ${c.synopsis}\n\n${c.help}`;
}

/** The command `argv` names and the arguments after its words, or null when none matches. */
function findCommand(argv: readonly string[]): { command: Command; rest: string[] } | null {
  let best: Command | null = null;
  for (const c of COMMANDS) {
    if (c.path.every((word, i) => argv[i] === word)) {
      if (!best || c.path.length > best.path.length) best = c;
    }
  }
  return best ? { command: best, rest: argv.slice(best.path.length) } : null;
}

/** Runs the CLI on `argv` and returns the exit code (the entry point exits with it). */
export async function main(argv: readonly string[], io: CliIo = PROCESS_IO): Promise<number> {
  const first = argv[0];
  if (first === undefined || first === "--help" || first === "-h" || first === "help") {
    (first === undefined ? io.stderr : io.stdout)(overview());
    return first === undefined ? ExitCode.Usage : ExitCode.Ok;
  }
  const found = findCommand(argv);
  if (!found) {
    const group = COMMANDS.filter((c) => c.path.length > 1 && c.path[0] === first);
    if (group.length > 0) {
      const help = argv[1] === "--help" || argv[1] === "-h";
      const lines = group.map((c) => `  ${PROGRAM} ${c.path.join(" ")} ${c.synopsis}`);
      if (help) {
        io.stdout(`Usage:\n${lines.join("\n")}`);
        return ExitCode.Ok;
      }
      io.stderr(`error: ${argv[1] === undefined ? "Missing" : "Unknown"} ${first} command`);
      io.stderr(`Usage:\n${lines.join("\n")}`);
      return ExitCode.Usage;
    }
    io.stderr(`error: Unknown command: ${first} (run "${PROGRAM} --help" for the list)`);
    return ExitCode.Usage;
  }
  const { command, rest } = found;
  const name = command.path.join(" ");
  try {
    const args = parseArgs(rest, command.spec);
    if (args.flags.get("help") === true) {
      io.stdout(commandHelp(command));
      return ExitCode.Ok;
    }
    const config = loadConfig(io.env());
    return await runCommand(command, args, config, io);
  } catch (err) {
    return report(err, io, name);
  }
}

async function runCommand(
  command: Command,
  args: ReturnType<typeof parseArgs>,
  config: Config,
  io: CliIo,
): Promise<number> {
  // What the command opened, closed below whatever happens.
  const opened: { store?: DbStore; services?: Services; driver?: Db } = {};
  const ctx: CliContext = {
    config,
    async services() {
      if (opened.services) return opened.services;
      opened.store = await openStore(config);
      opened.services = createServices(config, opened.store);
      return opened.services;
    },
    async driver(opts) {
      opened.driver ??= await openDriver(config, opts);
      return opened.driver;
    },
    print: io.stdout,
    note: io.stderr,
    confirm: io.confirm,
  };
  try {
    await command.run(args, ctx);
    return ExitCode.Ok;
  } finally {
    // Tell running servers what changed (sessions to close, agents to refresh), then close.
    // The change is committed either way: a lost notification only delays the servers' view
    // until their periodic session check.
    await opened.services?.bus.flush().catch((err) =>
      io.stderr(`warning: could not notify running servers: ${errorMessage(err)}`)
    );
    await opened.store?.close().catch(() => {});
    await opened.driver?.close().catch(() => {});
  }
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Prints `err` as one line (a stack only for the unexpected) and returns the exit code. */
function report(err: unknown, io: CliIo, name: string): number {
  if (err instanceof UsageError) {
    io.stderr(`error: ${err.message} (see "${PROGRAM} ${name} --help")`);
    return err.exitCode;
  }
  if (err instanceof CliError) {
    io.stderr(`error: ${err.message}`);
    return err.exitCode;
  }
  if (err instanceof ConfigError) {
    io.stderr(`error: ${err.problems.join("; ")}`);
    return ExitCode.Config;
  }
  if (err instanceof ParleyError || err instanceof StoreError) {
    // A refusal by the domain (a short password, an unknown site, a taken id).
    io.stderr(`error: ${err.message}`);
    return ExitCode.Failure;
  }
  if (err instanceof StoreUnavailableError) {
    io.stderr(`error: ${err.message}`);
    return ExitCode.Unavailable;
  }
  io.stderr(`error: unexpected failure: ${err instanceof Error ? err.stack : String(err)}`);
  return ExitCode.Failure;
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
