/**
 * Transcripts by email (docs/email.md, "Transcripts"): an agent sends one from the console
 * (`POST /api/conversations/:id/transcript`), or the visitor asks for one from the widget (the
 * `transcript` frame). A transcript holds every message the visitor could see, with its author
 * and time; notes never. The email is queued in one transaction with the read of the messages,
 * tied to the conversation (threaded with its other emails, deleted with it if still unsent).
 *
 * @module
 */

import type { AgentRecord, Store } from "../../db/store.ts";
import type { AgentMailStore } from "../../db/sql_agent_mail.ts";
import { enqueueEmail } from "../../db/sql_email.ts";
import { ErrorCode } from "../../protocol/codes.ts";
import { ParleyError } from "../errors.ts";
import type { KeyedLimiter } from "../rate_limit.ts";
import { siteAllowed, siteLimit } from "../chat/site_access.ts";
import { recordAdminAction } from "../privacy/audit.ts";
import { emailAddress } from "../sites/validate.ts";
import { newMessageId } from "./smtp.ts";
import { transcriptEmail } from "./agent_templates.ts";

/** Collaborators of {@link Transcripts}. */
export interface TranscriptsDeps {
  store: Store;
  mail: Pick<AgentMailStore, "transcriptSource" | "driver">;
  /** The `From` of the emails (its domain names the Message-IDs). */
  from: string;
  /** Transcripts a visitor may ask for, per visitor (3 per hour). */
  perVisitor: KeyedLimiter;
}

/** Sends transcripts of conversations by email. */
export class Transcripts {
  /** Creates the service. */
  constructor(private readonly deps: TranscriptsDeps) {}

  /**
   * Queues a transcript of `conversationId` to `email`, or to the visitor's address when absent,
   * for an agent allowed on the conversation's site (audit-logged). Throws `not_found`,
   * `forbidden` (another site), `bad_frame` (not an address) and `no_email` (no address at all).
   * Returns the address it goes to.
   */
  async sendForAgent(
    actor: AgentRecord,
    conversationId: string,
    email: string | null,
  ): Promise<{ to: string }> {
    const conv = await this.deps.store.getConversation(conversationId);
    if (!conv) throw new ParleyError(ErrorCode.NotFound, "No such conversation");
    if (!siteAllowed(siteLimit(actor), conv.siteId)) {
      throw new ParleyError(ErrorCode.Forbidden, "You are not allowed on this conversation's site");
    }
    const to = await this.#queue(conversationId, email);
    await recordAdminAction(this.deps.store, actor, "conversation.transcript", conversationId, {
      toVisitor: email === null,
    });
    return { to };
  }

  /**
   * Queues a transcript of the visitor's current conversation, to `email` or their own address.
   * Throws `rate_limited` past the visitor's limit, `not_found` without a conversation and
   * `no_email` without an address.
   */
  async sendForVisitor(visitorId: string, email: string | null): Promise<void> {
    const conv = await this.deps.store.getCurrentConversation(visitorId);
    if (!conv) throw new ParleyError(ErrorCode.NotFound, "No conversation to send");
    if (!this.deps.perVisitor.take(visitorId)) {
      throw new ParleyError(ErrorCode.RateLimited, "Too many transcripts asked for; try later");
    }
    try {
      await this.#queue(conv.id, email);
    } catch (err) {
      // A refusal sent nothing: it does not count against the visitor.
      this.deps.perVisitor.refund(visitorId);
      throw err;
    }
  }

  async #queue(conversationId: string, email: string | null): Promise<string> {
    const given = email === null ? null : addressOf(email);
    const { store, mail, from } = this.deps;
    return await mail.driver.transaction(async (tx) => {
      const source = await mail.transcriptSource(tx, conversationId);
      if (!source) throw new ParleyError(ErrorCode.NotFound, "No such conversation");
      const to = given ?? source.visitorEmail;
      if (to === null) {
        throw new ParleyError(ErrorCode.NoEmail, "The visitor has left no email address");
      }
      if (source.lines.length === 0) {
        throw new ParleyError(ErrorCode.Conflict, "The conversation has no messages yet");
      }
      const site = await store.getSite(source.siteId);
      const content = transcriptEmail({
        siteName: site?.senderName ?? site?.name ?? "us",
        visitorName: source.visitorName,
        lines: source.lines,
      });
      await enqueueEmail(tx, {
        kind: "transcript",
        messageId: newMessageId(from),
        to,
        ...content,
        conversationId,
        fromName: site?.senderName ?? null,
        replyTo: site?.replyTo ?? null,
      });
      return to;
    });
  }
}

function addressOf(email: string): string {
  try {
    const a = emailAddress(email, "email");
    if (a !== null) return a;
  } catch { /* the message below says it plainly */ }
  throw new ParleyError(ErrorCode.BadFrame, "email must be an email address", { field: "email" });
}
