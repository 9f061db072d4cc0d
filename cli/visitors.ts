/**
 * `visitor export | delete`: a visitor's data on request (access and erasure). The export is
 * one JSON document read from one snapshot; the deletion takes the visitor's conversations and
 * messages with them.
 *
 * The deletion is the console's erasure (`core/privacy/erase.ts`), by the `admin-cli` operator:
 * audited, and announced to servers running on the same Postgres, which close the visitor's
 * sockets (4410) and tell consoles to drop the conversations.
 *
 * @module
 */

import { flag, positionals } from "./args.ts";
import type { Command } from "./command.ts";
import { CliError, ExitCode, UsageError } from "./errors.ts";
import { eraseVisitor } from "../core/privacy/erase.ts";

const exportVisitor: Command = {
  path: ["visitor", "export"],
  synopsis: "<visitorId>",
  summary: "Print a visitor's data as JSON (visitor, conversations, messages)",
  help: `Prints everything stored about a visitor as one JSON document on stdout:
{"visitor": {...}, "conversations": [...], "messages": [...]}, messages by conversation and
seq, internal notes included (flagged "note": true). The visitor id is shown in the console's
visitor panel.

Example:
  deno task admin visitor export 2b1f…  > visitor.json`,
  spec: {},
  async run(args, ctx) {
    const [visitorId] = positionals(args, ["visitorId"]);
    const data = await (await ctx.services()).store.exportVisitor(visitorId);
    if (!data) throw new CliError(ExitCode.Failure, `No visitor with the id ${visitorId}`);
    ctx.print(JSON.stringify(data, null, 2));
  },
};

const deleteVisitor: Command = {
  path: ["visitor", "delete"],
  synopsis: "<visitorId> [--yes]",
  summary: "Delete a visitor with their conversations and messages",
  help: `Deletes the visitor, their conversations and every message of those, for good.
Asks for confirmation on a terminal; elsewhere (scripts) --yes is required.

Options:
  --yes   Delete without asking

Example:
  deno task admin visitor delete 2b1f… --yes`,
  spec: { boolean: ["yes"] },
  async run(args, ctx) {
    const [visitorId] = positionals(args, ["visitorId"]);
    const { store, bus, operator } = await ctx.services();
    const visitor = await store.getVisitor(visitorId);
    if (!visitor) throw new CliError(ExitCode.Failure, `No visitor with the id ${visitorId}`);
    if (!flag(args, "yes")) {
      const n = await store.countVisitorConversations(visitorId);
      const answer = ctx.confirm(
        `Delete visitor ${visitor.name} (${visitorId}) and ${n} conversation(s) for good?`,
      );
      if (answer === null) throw new UsageError("Not a terminal: add --yes to delete");
      if (!answer) {
        ctx.note("Nothing deleted");
        return;
      }
    }
    // The console's erasure: audited, presence rows and audit ids included, and announced to
    // running servers (their sockets of the visitor close with 4410, consoles drop them).
    const removed = await eraseVisitor({ store, bus }, operator, visitorId);
    ctx.print(
      `Deleted visitor ${visitorId} with ${removed.conversations} conversation(s) and ` +
        `${removed.messages} message(s)`,
    );
  },
};

/** The `visitor` commands. */
export const visitorCommands: readonly Command[] = [exportVisitor, deleteVisitor];
