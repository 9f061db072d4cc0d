/**
 * Missed replies (docs/email.md): an agent's reply the visitor has not read in the widget
 * `PARLEY_EMAIL_DELAY_S` after it was written is emailed to them, with every later unread reply
 * in the same email. Every instance runs one {@link MissedReplyRunner} when SMTP is configured;
 * they share the work through the store's `FOR UPDATE SKIP LOCKED` (`db/sql_missed_replies.ts`),
 * where the email is queued in the transaction that moves `emailed_seq`, so it is queued once.
 * Sending is the outbox's business (`sender.ts`); this runner only decides and queues.
 *
 * It looks at the due conversations at most {@link MissedReplyOptions.pollMs} apart (sooner when
 * the next one is due sooner): an agent reply needs no wake-up, it has a delay to wait anyway.
 *
 * @module
 */

import { DueLoop } from "../due_loop.ts";
import type { Logger } from "../log.ts";
import type { NewEmail } from "../../db/sql_email.ts";
import type { MissedReplies, MissedReplyStore } from "../../db/sql_missed_replies.ts";
import type { ResumeTokens } from "../accounts/resume_tokens.ts";
import type { ReplyAddresses } from "./reply_address.ts";
import { newMessageId } from "./smtp.ts";
import { missedRepliesEmail } from "./templates.ts";
import { UNSUBSCRIBE_PATH, type UnsubscribeTokens } from "./unsubscribe.ts";
import type { SiteSender } from "./site_sender.ts";

/** The fragment key of the resume link (`#parley=<token>`), read by the widget. */
export const RESUME_FRAGMENT = "parley";

/** What the runner needs. */
export interface MissedReplyOptions {
  store: Pick<MissedReplyStore, "due" | "msUntilNextDue" | "settle">;
  log: Logger;
  /** `PARLEY_EMAIL_DELAY_S`. */
  delayS: number;
  /** `PARLEY_MAIL_FROM` (its domain names the Message-IDs). */
  from: string;
  /** The origin the unsubscribe links name (`PARLEY_PUBLIC_URL`, else the server's own). */
  baseUrl: string;
  resume: ResumeTokens;
  unsubscribe: UnsubscribeTokens;
  /** The signed per-conversation Reply-To when inbound email is set up; null otherwise. */
  replyAddresses: ReplyAddresses | null;
  siteSender: SiteSender;
  /** The longest sleep between two looks (default 1 s). */
  pollMs?: number;
  /** Conversations settled per look (default 20). */
  batch?: number;
}

/** The missed-reply runner of this instance. */
export class MissedReplyRunner {
  readonly #o: Required<MissedReplyOptions>;
  readonly #loop: DueLoop;

  /** Creates a stopped runner. */
  constructor(opts: MissedReplyOptions) {
    this.#o = { pollMs: 1000, batch: 20, ...opts };
    this.#loop = new DueLoop({
      runOnce: () => this.runOnce(),
      msUntilNextDue: () => this.#o.store.msUntilNextDue(this.#o.delayS),
      failed: (err) =>
        this.#o.log.warn("email: missed replies unavailable", { error: reason(err) }),
      pollMs: this.#o.pollMs,
      batch: this.#o.batch,
    });
  }

  /** Starts looking for due conversations. */
  start(): void {
    this.#loop.start();
  }

  /** Stops; a conversation being settled finishes (one short transaction). */
  stop(): Promise<void> {
    return this.#loop.stop();
  }

  /** Settles the conversations due now (one batch); returns how many were due (tests). */
  async runOnce(): Promise<number> {
    const due = await this.#o.store.due(this.#o.delayS, this.#o.batch);
    // Read before the transactions: a site's settings come from the database, which the
    // transaction holds (PGlite has one connection).
    const senders = new Map<string, Awaited<ReturnType<SiteSender>>>();
    for (const c of due) {
      if (this.#loop.stopped) break;
      try {
        const site = senders.get(c.siteId) ?? await this.#o.siteSender(c.siteId);
        senders.set(c.siteId, site);
        const outcome = await this.#o.store.settle(
          c.id,
          this.#o.delayS,
          (r) => this.#compose(r, site),
        );
        if (outcome === "emailed") {
          this.#o.log.info("email: missed replies queued", { conversation: c.id });
        }
      } catch (err) {
        // Left due: the next look tries again.
        this.#o.log.warn("email: missed replies not queued", {
          conversation: c.id,
          error: reason(err),
        });
      }
    }
    return due.length;
  }

  async #compose(
    r: MissedReplies,
    sender: Awaited<ReturnType<SiteSender>>,
  ): Promise<NewEmail> {
    const o = this.#o;
    const team = sender.fromName ?? r.site.name;
    const page = resumePage(r.visitor.page?.url ?? null, r.site.allowedOrigins);
    let link: string | null = null;
    if (page !== null) {
      page.hash = `${RESUME_FRAGMENT}=${await o.resume.sign(r.visitor.id, r.site.id)}`;
      link = page.href;
    }
    const unsubscribe = `${o.baseUrl}${UNSUBSCRIBE_PATH}?t=${
      encodeURIComponent(await o.unsubscribe.sign(r.visitor.id))
    }`;
    const content = missedRepliesEmail({
      team,
      replies: r.replies.map((m) => ({ author: m.authorName, body: m.body })),
      link,
      canReply: o.replyAddresses !== null,
      unsubscribe,
    });
    return {
      kind: "missed_replies",
      messageId: newMessageId(o.from),
      to: r.visitor.email,
      // The signed address routes a reply into the conversation; the site's reply-to is only
      // for when Parley does not receive email itself.
      replyTo: o.replyAddresses
        ? await o.replyAddresses.forConversation(r.conversationId)
        : sender.replyTo,
      fromName: sender.fromName,
      inReplyTo: r.thread[r.thread.length - 1] ?? null,
      references: r.thread,
      listUnsubscribe: `<${unsubscribe}>`,
      ...content,
    };
  }
}

/**
 * The storefront page the resume link opens: the visitor's last page when it is an http(s) URL
 * on one of the site's allowed origins (any, when the site allows any), else the first allowed
 * origin; null when neither is known. The page URL is the visitor's word (their `hello`), so a
 * site that lists its origins never has Parley email a link elsewhere.
 */
export function resumePage(lastPage: string | null, allowedOrigins: readonly string[]): URL | null {
  let url: URL | null = null;
  try {
    url = lastPage === null ? null : new URL(lastPage);
  } catch {
    url = null;
  }
  if (
    url !== null && (url.protocol === "https:" || url.protocol === "http:") &&
    (allowedOrigins.length === 0 || allowedOrigins.includes(url.origin))
  ) {
    return url;
  }
  for (const origin of allowedOrigins) {
    try {
      return new URL("/", origin);
    } catch {
      // Not a URL (the site's setting is checked when saved; skip anything else).
    }
  }
  return null;
}

function reason(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
