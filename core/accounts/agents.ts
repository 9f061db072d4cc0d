/**
 * Agent accounts and sessions: sign-in with rate limits, session tokens stored only as hashes,
 * sign-out everywhere, and admin management of agents.
 *
 * @module
 */

import { type AgentPatch, type AgentRecord, type Store, StoreError } from "../../db/store.ts";
import type { Bus } from "../cluster/bus.ts";
import { ErrorCode } from "../../protocol/codes.ts";
import { ParleyError } from "../errors.ts";
import { hashPassword, verifyPassword } from "./passwords.ts";
import type { KeyedLimiter } from "../rate_limit.ts";
import { randomToken, sha256Hex } from "./tokens.ts";
import type { AccountDelay } from "./account_delay.ts";
import type { KnownBrowsers } from "./known_browser.ts";
import { recordAdminAction } from "../privacy/audit.ts";

/** Collaborators of {@link AgentService}. */
export interface AgentServiceDeps {
  store: Store;
  bus: Bus;
  sessionTtlMs: number;
  passwordIterations: number;
  /**
   * Sign-in attempts per account and client address (or per account and known browser): a
   * guesser exhausts only their own budget, never the owner's.
   */
  loginPerAccount: KeyedLimiter;
  /** Sign-in attempts per client address across accounts (known browsers are not counted). */
  loginPerIp: KeyedLimiter;
  /** The growing, capped delay before an attempt on an account with recent failures. */
  loginDelay: AccountDelay;
  /** Signs the tokens of browsers that signed in before. */
  knownBrowsers: KnownBrowsers;
  /** Waits `ms` (the login delay); injectable so tests need not wait. */
  sleep?: (ms: number) => Promise<void>;
  /**
   * Checks of the current password on a password change, per agent. Each costs a full
   * password hash, and a stolen session must not become a way to guess the password.
   */
  passwordChecks: KeyedLimiter;
}

// Verifying against a fixed hash when the account is unknown keeps timing uniform.
const DUMMY_HASH =
  "pbkdf2-sha256$600000$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";

/**
 * What {@link AgentService.ensureAdmin} did: `generated` the first admin (its random password is
 * printed once), `created` the configured admin, `kept` an existing one unchanged, `reset` its
 * password (`PARLEY_ADMIN_RESET`), or `none` (agents exist and no admin is configured).
 */
export type EnsureAdminResult =
  | { action: "generated"; email: string; password: string }
  | { action: "created" | "kept" | "reset"; email: string }
  | { action: "none" };

/** Sign-in, sessions and agent management. */
export class AgentService {
  /** Creates the service. */
  constructor(private readonly deps: AgentServiceDeps) {}

  /**
   * Checks credentials and opens a session; `knownBrowser` is the token of the browser's
   * earlier sign-in, if any. The rules (docs/security.md, "Sign-in against guessing"): attempts
   * are limited per account and address, or per account and known browser, and per address
   * across accounts (known browsers excepted); an account with recent failures makes the next
   * attempts wait a growing, capped delay (known browsers excepted) but never refuses the right
   * password from elsewhere. Throws `rate_limited` past a limit, before hashing anything, and
   * `unauthorized` for wrong credentials or a disabled agent. The result carries a fresh
   * known-browser token for this browser.
   */
  async login(
    email: string,
    password: string,
    ip: string,
    knownBrowser: string | null = null,
  ): Promise<{ agent: AgentRecord; token: string; expiresAt: Date; knownBrowser: string }> {
    const { store, loginPerAccount, loginPerIp, loginDelay, knownBrowsers } = this.deps;
    const account = email.trim().toLowerCase();
    const limited = () =>
      new ParleyError(ErrorCode.RateLimited, "Too many sign-in attempts; try again later");
    // Without a known-browser token the address limit is charged before the database is read,
    // so a flood of attempts past it costs nothing but this check.
    const claims = await knownBrowsers.verify(knownBrowser);
    if (claims === null && !loginPerIp.take(ip)) throw limited();
    const agent = await store.getAgentByEmail(account);
    const known = claims !== null && agent !== null && claims.agentId === agent.id;
    if (claims !== null && !known && !loginPerIp.take(ip)) throw limited();
    // A newline cannot occur in an address or a browser id, so the keys cannot collide.
    const pair = known ? `${account}\nbrowser:${claims.browserId}` : `${account}\nip:${ip}`;
    if (!loginPerAccount.take(pair)) throw limited();
    const wait = known ? 0 : loginDelay.delayMs(account);
    if (wait > 0) await (this.deps.sleep ?? sleep)(wait);
    const ok = await verifyPassword(password, agent?.passwordHash ?? DUMMY_HASH);
    if (!agent || !ok || agent.disabled) {
      loginDelay.failed(account);
      throw new ParleyError(ErrorCode.Unauthorized, "Wrong email or password");
    }
    loginPerAccount.reset(pair);
    loginDelay.succeeded(account);
    const token = randomToken();
    const expiresAt = new Date(Date.now() + this.deps.sessionTtlMs);
    await store.createSession({ tokenHash: await sha256Hex(token), agentId: agent.id, expiresAt });
    return {
      agent,
      token,
      expiresAt,
      knownBrowser: await knownBrowsers.issue(agent.id, known ? claims.browserId : undefined),
    };
  }

  /** How long a known-browser token is valid, in seconds (its cookie's lifetime). */
  get knownBrowserTtlSeconds(): number {
    return this.deps.knownBrowsers.ttlSeconds;
  }

  /** The agent owning a valid session token, with the hash the session is stored under, or null. */
  async authenticate(
    token: string | null,
  ): Promise<{ agent: AgentRecord; sessionHash: string } | null> {
    if (!token || token.length > 128) return null;
    const sessionHash = await sha256Hex(token);
    const agent = await this.agentOfSession(sessionHash);
    return agent ? { agent, sessionHash } : null;
  }

  /** The agent of a session (by its hash) while the session is valid and the agent enabled. */
  agentOfSession(sessionHash: string): Promise<AgentRecord | null> {
    return this.deps.store.getSessionAgent(sessionHash);
  }

  /** Ends one session. */
  async logout(token: string): Promise<void> {
    await this.deps.store.deleteSession(await sha256Hex(token));
  }

  /**
   * Ends every session of the agent and closes their sockets on every instance; with
   * `keepSession` (a session hash), that one session and its sockets stay.
   */
  async logoutEverywhere(agentId: string, keepSession?: string): Promise<void> {
    await this.deps.store.deleteAgentSessions(agentId, keepSession);
    await this.deps.bus.publish({
      kind: "session_revoked",
      agentId,
      ...(keepSession === undefined ? {} : { keepSession }),
    });
  }

  /**
   * Creates an agent (admin only). Throws `conflict` when the email is taken and `bad_frame`
   * when `sites` names a site that does not exist.
   */
  async create(
    actor: AgentRecord,
    input: {
      email: string;
      name: string;
      password: string;
      role: "admin" | "agent";
      capacity?: number;
      /** Ids of existing sites the agent may see; empty or omitted means every site. */
      sites?: readonly string[];
    },
  ): Promise<AgentRecord> {
    requireAdmin(actor);
    checkPassword(input.password);
    if (input.sites !== undefined) await this.checkSites(input.sites);
    const agent = await this.deps.store.createAgent({
      email: input.email.trim().toLowerCase(),
      name: input.name,
      role: input.role,
      passwordHash: await hashPassword(input.password, this.deps.passwordIterations),
      ...(input.capacity !== undefined ? { capacity: input.capacity } : {}),
      ...(input.sites !== undefined ? { sites: input.sites } : {}),
    });
    await this.deps.bus.publish({ kind: "agent", agentId: agent.id });
    await recordAdminAction(this.deps.store, actor, "agent.create", agent.id, {
      email: agent.email,
      role: agent.role,
    });
    return agent;
  }

  /**
   * Updates an agent. Admins may change anyone; agents only their own name and avatar.
   * Disabling an agent also ends their sessions. New `sites` (ids of existing sites, else
   * `bad_frame`) apply to the agent's open sockets through the `agent` event, on every instance.
   */
  async update(actor: AgentRecord, agentId: string, patch: AgentPatch): Promise<AgentRecord> {
    const self = actor.id === agentId;
    const adminOnly = patch.role !== undefined || patch.disabled !== undefined ||
      patch.capacity !== undefined || patch.passwordHash !== undefined ||
      patch.sites !== undefined;
    if (!self || adminOnly) requireAdmin(actor);
    if (self && patch.disabled === true) {
      throw new ParleyError(ErrorCode.Conflict, "You cannot disable yourself");
    }
    if (patch.sites !== undefined) await this.checkSites(patch.sites);
    const agent = await this.deps.store.updateAgent(agentId, patch);
    if (patch.disabled === true) await this.logoutEverywhere(agentId);
    await this.deps.bus.publish({ kind: "agent", agentId });
    if (!self || adminOnly) await auditUpdate(this.deps.store, actor, agentId, patch);
    return agent;
  }

  /**
   * Changes the actor's own password after checking the current one, then ends every other
   * session of the actor (whoever held one may have known the old password) and keeps
   * `sessionHash`, the session making the change. Throws `rate_limited` after too many checks
   * of the current password for this agent, before hashing anything.
   */
  async changePassword(
    actor: AgentRecord,
    sessionHash: string,
    current: string,
    next: string,
  ): Promise<void> {
    const { passwordChecks } = this.deps;
    if (!passwordChecks.take(actor.id)) {
      throw new ParleyError(ErrorCode.RateLimited, "Too many password checks; try again later");
    }
    if (!await verifyPassword(current, actor.passwordHash)) {
      throw new ParleyError(ErrorCode.Forbidden, "Current password is wrong");
    }
    passwordChecks.reset(actor.id);
    checkPassword(next);
    await this.deps.store.updateAgent(actor.id, {
      passwordHash: await hashPassword(next, this.deps.passwordIterations),
    });
    await this.logoutEverywhere(actor.id, sessionHash);
  }

  /**
   * Sets another agent's password (admins only: a forgotten password, a departing colleague)
   * and ends every session of that agent, closing their sockets on every instance: whoever
   * held one may have known the old password. Throws `not_found` for an unknown agent and
   * `bad_frame` unless the password has 8 to 200 characters.
   */
  async resetPassword(actor: AgentRecord, agentId: string, password: string): Promise<void> {
    requireAdmin(actor);
    checkPassword(password);
    const passwordHash = await hashPassword(password, this.deps.passwordIterations);
    await this.deps.store.updateAgent(agentId, { passwordHash });
    await this.logoutEverywhere(agentId);
    await recordAdminAction(this.deps.store, actor, "agent.reset_password", agentId);
  }

  /** Throws `bad_frame` naming the first id in `sites` that is not an existing site. */
  private async checkSites(sites: readonly string[]): Promise<void> {
    if (sites.length === 0) return;
    const known = new Set((await this.deps.store.listSites()).map((s) => s.id));
    const unknown = sites.find((id) => !known.has(id));
    if (unknown !== undefined) {
      throw new ParleyError(ErrorCode.BadFrame, `sites: no such site: ${unknown}`);
    }
  }

  /**
   * Makes sure an admin exists. With `admin` (`PARLEY_ADMIN_EMAIL` / `PARLEY_ADMIN_PASSWORD`):
   * creates that admin when no agent has the email, and otherwise leaves the agent as it is (a
   * password changed in the console survives restarts), unless `admin.reset`
   * (`PARLEY_ADMIN_RESET`): then the password is overwritten, the agent made an enabled admin
   * and every session of theirs ended. Without `admin`, when there are no agents at all,
   * creates `admin@localhost` with a random password and returns it.
   */
  async ensureAdmin(
    admin: { email: string; password: string; reset: boolean } | null,
  ): Promise<EnsureAdminResult> {
    const { store, passwordIterations } = this.deps;
    if (admin) {
      const existing = await store.getAgentByEmail(admin.email);
      if (existing && !admin.reset) return { action: "kept", email: existing.email };
      const passwordHash = await hashPassword(admin.password, passwordIterations);
      if (existing) {
        await store.updateAgent(existing.id, { passwordHash, role: "admin", disabled: false });
        await this.logoutEverywhere(existing.id);
        await this.deps.bus.publish({ kind: "agent", agentId: existing.id });
        return { action: "reset", email: existing.email };
      }
      const created = await createOrIgnore(store, admin.email, passwordHash);
      return { action: created ? "created" : "kept", email: admin.email };
    }
    if (await store.countAgents() > 0) return { action: "none" };
    const password = randomToken(12);
    const created = await createOrIgnore(
      store,
      "admin@localhost",
      await hashPassword(password, passwordIterations),
    );
    return created
      ? { action: "generated", email: "admin@localhost", password }
      : { action: "none" };
  }
}

/**
 * Audit entries of an admin's agent update: the role and the disabling each get their own action
 * (the ones an auditor looks for), the other fields one `agent.update` naming them.
 */
async function auditUpdate(
  s: Store,
  actor: AgentRecord,
  agentId: string,
  patch: AgentPatch,
): Promise<void> {
  const { role, disabled, passwordHash: _, ...rest } = patch;
  if (role !== undefined) await recordAdminAction(s, actor, "agent.role", agentId, { role });
  if (disabled !== undefined) {
    await recordAdminAction(s, actor, disabled ? "agent.disable" : "agent.enable", agentId);
  }
  const fields = Object.keys(rest);
  if (fields.length > 0) await recordAdminAction(s, actor, "agent.update", agentId, { fields });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function createOrIgnore(store: Store, email: string, passwordHash: string): Promise<boolean> {
  try {
    await store.createAgent({ email, name: "Admin", passwordHash, role: "admin" });
    return true;
  } catch (err) {
    // Another instance starting at the same moment created it first.
    if (err instanceof StoreError) return false;
    throw err;
  }
}

/** Throws `forbidden` unless `actor` is an admin. */
export function requireAdmin(actor: AgentRecord): void {
  if (actor.role !== "admin") throw new ParleyError(ErrorCode.Forbidden, "Admins only");
}

/** Throws `bad_frame` unless a new password has 8 to 200 characters. */
export function checkPassword(password: string): void {
  if (password.length < 8 || password.length > 200) {
    throw new ParleyError(ErrorCode.BadFrame, "Password must have 8 to 200 characters");
  }
}
