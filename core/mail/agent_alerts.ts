/**
 * Agents' emails (docs/email.md, "Agents' emails"): a digest of new conversations started while
 * nobody who may answer them was online, and, for agents who opted in, an email when a
 * conversation is assigned to them (by someone else or by routing) and when its visitor writes
 * while they are offline.
 *
 * The chat commands report events ({@link ChatAlerts}); each becomes a row of
 * `agent_mail_queue`. The runner of every instance sends due groups
 * (`AgentMailStore.takeGroup`: `FOR UPDATE SKIP LOCKED`, emails queued in the transaction that
 * deletes the entries), at most one email per group per window: later entries wait and go in
 * the next one.
 *
 * @module
 */

import type { Conversation, Store } from "../../db/store.ts";
import type { Queryable } from "../../db/driver.ts";
import type { AgentMailStore, AlertEntry } from "../../db/sql_agent_mail.ts";
import { enqueueEmail } from "../../db/sql_email.ts";
import type { ChatAlerts } from "../chat/alerts.ts";
import type { Logger } from "../log.ts";
import { newMessageId } from "./smtp.ts";
import { assignedEmail, digestEmail, visitorWroteEmail } from "./agent_templates.ts";

/** Collaborators and settings of {@link AgentAlerts}. */
export interface AgentAlertsDeps {
  mail: AgentMailStore;
  store: Store;
  log: Logger;
  /** The `From` of the emails (its domain names the Message-IDs). */
  from: string;
  /** At most one digest per site, and one "visitor wrote" per conversation, per this window. */
  windowMs: number;
  /** The console's origin, for links (`PARLEY_PUBLIC_URL`, else the server's own). */
  origin: () => string;
  /** Whether an agent has no connected tab now (on any instance). */
  agentOffline: (agentId: string) => boolean;
  /** How often the queue is looked at without a wake-up (entries from other instances). */
  pollMs?: number;
}

/** How often throttle rows of quiet groups are forgotten (a missing row reads as "due"). */
const PRUNE_EVERY_MS = 3_600_000;

/** The console's address of a conversation. */
export function conversationLink(origin: string, conversationId: string): string {
  return `${origin}/console/#/open/${encodeURIComponent(conversationId)}`;
}

/** Queues and sends agents' emails. */
export class AgentAlerts implements ChatAlerts {
  #timer: ReturnType<typeof setTimeout> | null = null;
  #running: Promise<void> | null = null;
  #again = false;
  #stopped = true;
  #lastPrune = 0;

  /** Creates a stopped runner (events are queued anyway; {@link start} sends them). */
  constructor(private readonly deps: AgentAlertsDeps) {}

  /** See {@link ChatAlerts.unattendedConversation}. */
  async unattendedConversation(conv: Conversation): Promise<void> {
    await this.deps.mail.queue({
      kind: "new_conversation",
      siteId: conv.siteId,
      conversationId: conv.id,
      agentId: null,
    });
    this.wake();
  }

  /** See {@link ChatAlerts.assigned}. Queued only for an agent who opted in. */
  async assigned(conv: Conversation, agentId: string, by: string | null): Promise<void> {
    if (!await this.deps.mail.emailAssigned(agentId)) return;
    await this.deps.mail.queue({
      kind: "assigned",
      siteId: conv.siteId,
      conversationId: conv.id,
      agentId,
      assignedBy: by,
    });
    this.wake();
  }

  /** See {@link ChatAlerts.assigneeOffline}. Queued only for an agent who opted in. */
  async assigneeOffline(conv: Conversation, agentId: string): Promise<void> {
    if (!await this.deps.mail.emailAssigned(agentId)) return;
    await this.deps.mail.queue({
      kind: "visitor_wrote",
      siteId: conv.siteId,
      conversationId: conv.id,
      agentId,
    });
    this.wake();
  }

  /** Starts sending due groups, now and whenever one becomes due. */
  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.wake();
  }

  /** Stops; a group being sent finishes (its transaction is short). */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    await this.#running;
  }

  /** Looks at the queue now. */
  wake(): void {
    if (this.#stopped) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    this.#running = this.#run().finally(() => {
      this.#running = null;
      if (this.#again) {
        this.#again = false;
        this.wake();
      }
    });
  }

  /** Sends every due group once; returns how many entries were emailed about (tests). */
  async runOnce(): Promise<number> {
    const { mail, windowMs } = this.deps;
    let n = 0;
    for (const key of await mail.dueGroups(windowMs)) {
      n += await mail.takeGroup(key, windowMs, (tx, entries) => this.#emails(tx, entries));
    }
    return n;
  }

  async #run(): Promise<void> {
    const poll = this.deps.pollMs ?? 5_000;
    let wait = poll;
    try {
      await this.runOnce();
      if (Date.now() - this.#lastPrune > PRUNE_EVERY_MS) {
        this.#lastPrune = Date.now();
        await this.deps.mail.pruneThrottle(this.deps.windowMs);
      }
      const due = await this.deps.mail.msUntilNextDue(this.deps.windowMs);
      if (due !== null) wait = Math.min(poll, Math.max(due, 20));
    } catch (err) {
      this.deps.log.warn("agent email: queue unavailable", {
        error: err instanceof Error ? err.message : String(err),
      });
    }
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.wake();
    }, wait);
  }

  /** The emails of one group, queued on `tx`. */
  async #emails(tx: Queryable, entries: AlertEntry[]): Promise<void> {
    const first = entries[0];
    if (first === undefined) return;
    const site = await this.deps.store.getSite(first.siteId);
    const siteName = site?.name ?? first.siteId;
    const origin = this.deps.origin();
    const link = (id: string) => conversationLink(origin, id);
    if (first.kind === "new_conversation") {
      // A conversation someone has taken meanwhile needs nobody's attention.
      const open = entries.filter((e) => e.assigneeId === null);
      if (open.length === 0) return;
      const to = site?.notificationEmail
        ? [site.notificationEmail]
        : (await this.deps.mail.siteAgents(tx, first.siteId)).map((a) => a.email);
      const content = digestEmail({ siteName, entries: open, link });
      // One email per address: agents do not learn each other's addresses.
      for (const address of to) await this.#queue(tx, "agent_digest", address, content);
      this.deps.log.info("agent email: digest queued", {
        site: first.siteId,
        conversations: open.length,
        recipients: to.length,
      });
      return;
    }
    for (const e of entries) {
      // Told only while it is still theirs, and (visitor wrote) while they are still away.
      if (e.agentId === null || e.assigneeId !== e.agentId) continue;
      if (e.kind === "visitor_wrote" && !this.deps.agentOffline(e.agentId)) continue;
      const agent = await this.deps.mail.agentAddress(tx, e.agentId);
      if (!agent) continue;
      const v = { agentName: agent.name, siteName, entry: e, link: link(e.conversationId) };
      const content = e.kind === "assigned" ? assignedEmail(v) : visitorWroteEmail(v);
      await this.#queue(tx, `agent_${e.kind}`, agent.email, content);
    }
  }

  async #queue(
    tx: Queryable,
    kind: string,
    to: string,
    content: { subject: string; text: string; html: string },
  ): Promise<void> {
    // Not tied to a conversation: an agent's reply to it must never land in the chat as the
    // visitor's (inbound matching goes by conversation_emails).
    await enqueueEmail(tx, { kind, messageId: newMessageId(this.deps.from), to, ...content });
  }
}
