/**
 * `agent add | list | disable | reset-password`: agent accounts from the shell, through the
 * same `AgentService` as the console's admin screens. Passwords the CLI generates are printed
 * once, on stdout, and stored only as hashes. Ending sessions (disable, reset-password) also
 * closes the agent's open console sockets on running servers (see `notify_bus.ts`).
 *
 * @module
 */

import { randomToken } from "../core/accounts/tokens.ts";
import { type AgentRecord, StoreError } from "../db/mod.ts";
import { type Args, flag, option, positionals, required } from "./args.ts";
import type { CliContext, Command } from "./command.ts";
import { table } from "./command.ts";
import { CliError, ExitCode, UsageError } from "./errors.ts";
import type { Services } from "./services.ts";

/** The address rule and lengths of `POST /api/agents` (`routes/api_agents.ts`). */
const EMAIL = /^[^\s@]+@[^\s@]+$/;
const MAX_EMAIL = 254;
const MAX_NAME = 80;

/** 16 random bytes, base64url: 22 characters, well past the 8 the password rule asks. */
function generatedPassword(): string {
  return randomToken(16);
}

function checkEmail(email: string): string {
  const trimmed = email.trim();
  if (trimmed.length < 3 || trimmed.length > MAX_EMAIL || !EMAIL.test(trimmed)) {
    throw new UsageError(`--email is not an address: ${email.slice(0, 80)}`);
  }
  return trimmed;
}

/** Site ids from `--sites a,b` (commas and spaces both separate). */
function siteList(raw: string | undefined): string[] | undefined {
  if (raw === undefined) return undefined;
  return raw.split(/[\s,]+/).filter((s) => s !== "");
}

async function agentByEmail(s: Services, email: string): Promise<AgentRecord> {
  const agent = await s.store.getAgentByEmail(email.trim().toLowerCase());
  if (!agent) {
    throw new CliError(ExitCode.Failure, `No agent with the email ${email.slice(0, 254)}`);
  }
  return agent;
}

/** The agent as `agent list --json` prints it: never the password hash. */
function publicAgent(a: AgentRecord) {
  return {
    id: a.id,
    email: a.email,
    name: a.name,
    role: a.role,
    disabled: a.disabled,
    capacity: a.capacity,
    sites: a.sites,
    createdAt: a.createdAt,
  };
}

const add: Command = {
  path: ["agent", "add"],
  synopsis: "--email E --name N [--password P] [--admin] [--sites a,b]",
  summary: "Create an agent (prints a generated password once)",
  help: `Creates an agent who can sign in to the console at once.

Options:
  --email E       Sign-in address (stored in lower case; must be unused)
  --name N        Display name (1 to ${MAX_NAME} characters)
  --password P    Password (8 to 200 characters). Without it a random one is generated and
                  printed once. A password on the command line may stay in the shell history.
  --admin         Make the agent an admin (default: agent)
  --sites a,b     Limit the agent to these site ids (default: every site)

Example:
  deno task admin agent add --email ann@example.com --name Ann --admin`,
  spec: { string: ["email", "name", "password", "sites"], boolean: ["admin"] },
  async run(args: Args, ctx: CliContext) {
    positionals(args, []);
    const email = checkEmail(required(args, "email"));
    const name = required(args, "name").trim();
    if (name.length > MAX_NAME) {
      throw new UsageError(`--name must have 1 to ${MAX_NAME} characters`);
    }
    const given = option(args, "password");
    const password = given ?? generatedPassword();
    const sites = siteList(option(args, "sites"));
    const s = await ctx.services();
    let agent: AgentRecord;
    try {
      agent = await s.agents.create(s.operator, {
        email,
        name,
        password,
        role: flag(args, "admin") ? "admin" : "agent",
        ...(sites !== undefined ? { sites } : {}),
      });
    } catch (err) {
      if (err instanceof StoreError && err.code === "conflict") {
        throw new CliError(ExitCode.Failure, `An agent with the email ${email} exists already`);
      }
      throw err;
    }
    const scope = agent.sites.length === 0 ? "every site" : `sites ${agent.sites.join(", ")}`;
    ctx.print(`Created ${agent.role} ${agent.name} <${agent.email}> (${scope})`);
    if (given === undefined) ctx.print(`Password (shown once): ${password}`);
  },
};

const list: Command = {
  path: ["agent", "list"],
  synopsis: "[--json]",
  summary: "List agents",
  help: `Lists every agent by name: email, name, role, state and sites.

Options:
  --json   Print a JSON array of {id, email, name, role, disabled, capacity, sites, createdAt}`,
  spec: { boolean: ["json"] },
  async run(args, ctx) {
    positionals(args, []);
    const agents = await (await ctx.services()).store.listAgents();
    if (flag(args, "json")) {
      ctx.print(JSON.stringify(agents.map(publicAgent), null, 2));
      return;
    }
    if (agents.length === 0) {
      ctx.print("No agents");
      return;
    }
    const rows = agents.map((a) => [
      a.email,
      a.name,
      a.role,
      a.disabled ? "disabled" : "enabled",
      a.sites.length === 0 ? "all" : a.sites.join(","),
    ]);
    for (const line of table(["EMAIL", "NAME", "ROLE", "STATE", "SITES"], rows)) ctx.print(line);
  },
};

const disable: Command = {
  path: ["agent", "disable"],
  synopsis: "<email>",
  summary: "Disable an agent and end their sessions",
  help: `Disables the agent: they can no longer sign in, their sessions end and their open consoles
close. Their conversations stay as they are. The last enabled admin cannot be disabled.

Example:
  deno task admin agent disable bob@example.com`,
  spec: {},
  async run(args, ctx) {
    const [email] = positionals(args, ["email"]);
    const s = await ctx.services();
    const agent = await agentByEmail(s, email);
    if (agent.disabled) {
      ctx.print(`${agent.email} is already disabled`);
      return;
    }
    if (agent.role === "admin") {
      const admins = (await s.store.listAgents()).filter((a) => a.role === "admin" && !a.disabled);
      if (admins.length <= 1) {
        throw new CliError(
          ExitCode.Failure,
          `${agent.email} is the last enabled admin; add another admin first`,
        );
      }
    }
    await s.agents.update(s.operator, agent.id, { disabled: true });
    ctx.print(`Disabled ${agent.email} and ended their sessions`);
  },
};

const resetPassword: Command = {
  path: ["agent", "reset-password"],
  synopsis: "<email> [--password P]",
  summary: "Set an agent's password and end their sessions (prints a generated one)",
  help: `Sets a new password and ends every session of the agent (their open consoles close, on
every server sharing the database). This is the normal way to recover an admin password;
PARLEY_ADMIN_RESET remains for platforms without a shell.

Options:
  --password P   The new password (8 to 200 characters). Without it a random one is
                 generated and printed once.

Example:
  deno task admin agent reset-password ann@example.com`,
  spec: { string: ["password"] },
  async run(args, ctx) {
    const [email] = positionals(args, ["email"]);
    const given = option(args, "password");
    const password = given ?? generatedPassword();
    const s = await ctx.services();
    const agent = await agentByEmail(s, email);
    await s.agents.resetPassword(s.operator, agent.id, password);
    ctx.print(`Set a new password for ${agent.email} and ended their sessions`);
    if (given === undefined) ctx.print(`Password (shown once): ${password}`);
    if (agent.disabled) ctx.note(`Note: ${agent.email} is disabled and still cannot sign in`);
  },
};

/** The `agent` commands. */
export const agentCommands: readonly Command[] = [add, list, disable, resetPassword];
