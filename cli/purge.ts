/**
 * `purge --older-than <N>d|<N>h [--dry-run]`: deletes resolved conversations whose last
 * activity is older than the given age, with their messages (a retention policy, run by hand
 * or from cron). Open and queued conversations are never purged, however old; visitors stay.
 *
 * While a server runs on the same Postgres, consoles keep listing purged conversations until
 * they reload their inbox (opening one answers "not found"); a visitor whose current
 * conversation was purged opens a new one with their next message. A conversation reopened
 * while the purge runs is kept.
 *
 * @module
 */

import { flag, positionals, required } from "./args.ts";
import type { Command } from "./command.ts";
import { UsageError } from "./errors.ts";

/** Parses `30d` or `12h` into milliseconds; throws {@link UsageError} otherwise. */
export function parseAge(raw: string): number {
  const m = /^(\d{1,6})([dh])$/.exec(raw.trim());
  const n = m ? Number(m[1]) : 0;
  if (!m || n < 1) {
    throw new UsageError(`--older-than must be a number of days or hours, such as 30d or 12h`);
  }
  return n * (m[2] === "d" ? 86_400_000 : 3_600_000);
}

const purge: Command = {
  path: ["purge"],
  synopsis: "--older-than <N>d|<N>h [--dry-run]",
  summary: "Delete resolved conversations last active before then",
  help: `Deletes resolved conversations whose last activity is older than the age given, with
their messages. Open and queued conversations stay, as do visitors.

Options:
  --older-than AGE   A number of days (30d) or hours (12h)
  --dry-run          Count what would be deleted, delete nothing

Example:
  deno task admin purge --older-than 365d --dry-run`,
  spec: { string: ["older-than"], boolean: ["dry-run"] },
  async run(args, ctx) {
    positionals(args, []);
    const before = new Date(Date.now() - parseAge(required(args, "older-than")));
    const dryRun = flag(args, "dry-run");
    const { store } = await ctx.services();
    const n = await store.purgeResolvedConversations(before, { dryRun });
    const what = `${n.conversations} resolved conversation(s) with ${n.messages} message(s) ` +
      `last active before ${before.toISOString()}`;
    ctx.print(dryRun ? `Would delete ${what}` : `Deleted ${what}`);
  },
};

/** The `purge` command. */
export const purgeCommands: readonly Command[] = [purge];
