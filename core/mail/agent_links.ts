/**
 * One-time links emailed to agents: a password reset, or an invitation to set a first password
 * (docs/email.md, "Password reset" and "Invitations"). The
 * token is random, travels only in the email (in the link's fragment, so it reaches neither
 * server logs nor `Referer`), and is stored as its SHA-256; a link works once and expires.
 *
 * Asking for a reset answers the same, in the same time, whether or not the address has an
 * account: the lookup and the email happen after the answer, off the request.
 *
 * @module
 */

import type { AgentRecord, Store } from "../../db/store.ts";
import type { EmailStore, LinkState, NewEmail } from "../../db/sql_email.ts";
import { ErrorCode } from "../../protocol/codes.ts";
import { ParleyError } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { KeyedLimiter } from "../rate_limit.ts";
import { checkPassword, requireAdmin } from "../accounts/agents.ts";
import { recordAdminAction } from "../privacy/audit.ts";
import { hashPassword } from "../accounts/passwords.ts";
import { randomToken, sha256Hex } from "../accounts/tokens.ts";
import { newMessageId } from "./smtp.ts";
import { inviteEmail, resetEmail } from "./templates.ts";

/** Collaborators of {@link AgentLinks}. */
export interface AgentLinksDeps {
  store: Store;
  emails: Pick<
    EmailStore,
    | "createLink"
    | "peekLink"
    | "useLink"
    | "createInvitation"
    | "resendInvitation"
    | "revokeInvitation"
    | "invitedAgentIds"
  >;
  /** Tells every instance an agent was added or removed (the `agent` bus event). */
  agentChanged: (agentId: string) => Promise<void>;
  /** How long an invitation link works (7 days). */
  inviteTtlMs: number;
  log: Logger;
  /** The `From` of the emails (its domain names the Message-IDs). */
  from: string;
  /** How long a reset link works. */
  resetTtlMs: number;
  passwordIterations: number;
  /** Reset requests per address (lower-cased). */
  perAddress: KeyedLimiter;
  /** Reset requests per client address. */
  perIp: KeyedLimiter;
  /** Ends every session of an agent (`AgentService.logoutEverywhere`). */
  endSessions: (agentId: string) => Promise<void>;
}

/** Where a link leads in the console. */
export const LINK_PATHS = { reset: "/console/reset-password", invite: "/console/accept-invite" };

/** Password resets by email. */
export class AgentLinks {
  readonly #pending = new Set<Promise<void>>();

  /** Creates the service. */
  constructor(private readonly deps: AgentLinksDeps) {}

  /**
   * Asks for a reset link for `email`, to be opened at `origin` (the console's). Throws
   * `rate_limited` past the limits (per address and per client address, whatever the address
   * is); otherwise returns at once, and the email goes out only when an enabled agent has that
   * address.
   */
  requestReset(email: string, ip: string, origin: string): void {
    const account = email.trim().toLowerCase();
    if (!this.deps.perIp.take(ip) || !this.deps.perAddress.take(account)) {
      throw new ParleyError(ErrorCode.RateLimited, "Too many reset requests; try again later");
    }
    const work = this.#sendReset(account, origin).catch((err) =>
      this.deps.log.error("email: password reset not queued", {}, err)
    ).finally(() => this.#pending.delete(work));
    this.#pending.add(work);
  }

  /** Resolves once the reset requests made so far are queued or dropped (tests, shutdown). */
  async settled(): Promise<void> {
    await Promise.all([...this.#pending]);
  }

  async #sendReset(account: string, origin: string): Promise<void> {
    const agent = await this.deps.store.getAgentByEmail(account);
    if (agent === null || agent.disabled) return;
    const token = randomToken();
    const link = `${origin}${LINK_PATHS.reset}#token=${token}`;
    const ttlMinutes = Math.round(this.deps.resetTtlMs / 60_000);
    const content = resetEmail({ name: agent.name, link, ttlMinutes });
    const email: NewEmail = {
      kind: "password_reset",
      messageId: newMessageId(this.deps.from),
      to: agent.email,
      ...content,
    };
    await this.deps.emails.createLink({
      tokenHash: await sha256Hex(token),
      agentId: agent.id,
      purpose: "reset",
      expiresAt: new Date(Date.now() + this.deps.resetTtlMs),
    }, email);
  }

  /** What a link is now (the console's page says "used" or "expired" before asking anything). */
  async check(token: string): Promise<LinkState> {
    const state = await this.deps.emails.peekLink(await sha256Hex(token));
    return state.state === "valid" ? { ...state, agentId: "" } : state;
  }

  /**
   * Sets a new password through a link and ends every session of the agent. Throws `bad_frame`
   * for a password out of bounds, `not_found` for an unknown link and `conflict` for a used or
   * expired one, its message saying which.
   */
  async use(token: string, password: string): Promise<void> {
    checkPassword(password);
    const passwordHash = await hashPassword(password, this.deps.passwordIterations);
    const state = await this.deps.emails.useLink(await sha256Hex(token), passwordHash);
    if (state.state !== "valid") {
      throw state.state === "unknown"
        ? new ParleyError(ErrorCode.NotFound, "This link is not valid")
        : new ParleyError(
          ErrorCode.Conflict,
          state.state === "used" ? "This link was already used" : "This link has expired",
        );
    }
    await this.deps.endSessions(state.agentId);
  }

  /**
   * Invites an agent (admins): the agent exists at once, shown as invited, and can sign in once
   * they set a password from the emailed link. Throws `conflict` for a taken email and
   * `bad_frame` for a site that does not exist.
   */
  async invite(
    actor: AgentRecord,
    input: {
      email: string;
      name: string;
      role: "admin" | "agent";
      capacity?: number;
      sites?: readonly string[];
    },
    origin: string,
  ): Promise<AgentRecord> {
    requireAdmin(actor);
    if (input.sites !== undefined && input.sites.length > 0) {
      const known = new Set((await this.deps.store.listSites()).map((s) => s.id));
      const unknown = input.sites.find((id) => !known.has(id));
      if (unknown !== undefined) {
        throw new ParleyError(ErrorCode.BadFrame, `sites: no such site: ${unknown}`);
      }
    }
    const token = randomToken();
    const agent = await this.deps.emails.createInvitation(
      {
        email: input.email.trim().toLowerCase(),
        name: input.name,
        role: input.role,
        // Nobody knows it: the agent signs in only after setting their own.
        passwordHash: `invited$${randomToken()}`,
        ...(input.capacity !== undefined ? { capacity: input.capacity } : {}),
        ...(input.sites !== undefined ? { sites: input.sites } : {}),
      },
      {
        tokenHash: await sha256Hex(token),
        expiresAt: new Date(Date.now() + this.deps.inviteTtlMs),
      },
      (created) => this.#inviteEmail(actor, created, origin, token),
    );
    await this.deps.agentChanged(agent.id);
    await recordAdminAction(this.deps.store, actor, "agent.invite", agent.id, {
      email: agent.email,
      role: agent.role,
    });
    return agent;
  }

  /** Sends a new invitation link; the earlier ones stop working. Throws `not_found`. */
  async resend(actor: AgentRecord, agentId: string, origin: string): Promise<void> {
    requireAdmin(actor);
    const agent = await this.deps.store.getAgent(agentId);
    if (agent === null) throw new ParleyError(ErrorCode.NotFound, "No pending invitation");
    const token = randomToken();
    await this.deps.emails.resendInvitation(
      agentId,
      {
        tokenHash: await sha256Hex(token),
        expiresAt: new Date(Date.now() + this.deps.inviteTtlMs),
      },
      this.#inviteEmail(actor, agent, origin, token),
    );
  }

  /** Withdraws an invitation: the invited agent is removed. Throws `not_found`. */
  async revoke(actor: AgentRecord, agentId: string): Promise<void> {
    requireAdmin(actor);
    await this.deps.emails.revokeInvitation(agentId);
    await this.deps.agentChanged(agentId);
    await recordAdminAction(this.deps.store, actor, "agent.revoke_invitation", agentId);
  }

  /** The ids of the agents who have not accepted their invitation yet (admins). */
  invited(actor: AgentRecord): Promise<string[]> {
    requireAdmin(actor);
    return this.deps.emails.invitedAgentIds();
  }

  #inviteEmail(actor: AgentRecord, agent: AgentRecord, origin: string, token: string): NewEmail {
    const content = inviteEmail({
      name: agent.name,
      inviter: actor.name,
      link: `${origin}${LINK_PATHS.invite}#token=${token}`,
      ttlDays: Math.round(this.deps.inviteTtlMs / 86_400_000),
    });
    return {
      kind: "invitation",
      messageId: newMessageId(this.deps.from),
      to: agent.email,
      ...content,
    };
  }
}
