/**
 * `migrate [--status]`: applies the schema migrations and exits, or lists them. It is the
 * pre-deploy command on Deno Deploy (`deno task migrate`), so new code starts on a migrated
 * database; the server still migrates at start, which finds nothing to do. An unreachable
 * Postgres is retried for `PARLEY_DB_CONNECT_RETRY_MS`, as a starting server does.
 *
 * @module
 */

import { migrate, migrationStatus } from "../db/migrate.ts";
import { flag, positionals } from "./args.ts";
import type { Command } from "./command.ts";
import { table } from "./command.ts";

const migrateCommand: Command = {
  path: ["migrate"],
  synopsis: "[--status]",
  summary: "Apply pending database migrations (--status: list them)",
  help: `Applies the migrations not applied yet, in order, in one transaction, and exits. Safe to
run while servers run and from several places at once (an advisory lock serialises them).

Options:
  --status   List applied and pending migrations without applying anything. An applied
             migration whose file differs (or is missing: a newer release applied it) is
             marked "changed".

Examples:
  deno task migrate
  deno task admin migrate --status`,
  spec: { boolean: ["status"] },
  async run(args, ctx) {
    positionals(args, []);
    const retryMs = ctx.config.dbConnectRetryMs;
    const db = await ctx.driver({
      retryMs,
      onRetry: (reason) =>
        ctx.note(`${reason}; retrying for up to ${retryMs} ms (PARLEY_DB_CONNECT_RETRY_MS)`),
    });
    if (flag(args, "status")) {
      const status = await migrationStatus(db);
      const rows = [
        ...status.applied.map((m) => [m.changed ? "changed" : "applied", m.name, m.appliedAt]),
        ...status.pending.map((name) => ["pending", name, ""]),
      ];
      for (const line of table(["STATE", "MIGRATION", "APPLIED AT"], rows)) ctx.print(line);
      ctx.print(`${status.applied.length} applied, ${status.pending.length} pending`);
      return;
    }
    const done = await migrate(db);
    for (const name of done) ctx.print(`Applied ${name}`);
    ctx.print(done.length === 0 ? "Database is up to date" : `Applied ${done.length} migration(s)`);
  },
};

/** The `migrate` command. */
export const migrateCommands: readonly Command[] = [migrateCommand];
