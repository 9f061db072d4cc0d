/**
 * The chat commands: the domain operations behind every frame (send, accept, transfer, resolve,
 * reopen, read, typing, identify…). Each persists first and publishes to the bus second, so
 * nothing is relayed or acknowledged before it is committed. What anyone sees of the result is
 * the projection's business (`projection.ts`), reached by the fan-out from the bus.
 *
 * @module
 */

import {
  type AppendResult,
  type Conversation,
  type Site,
  type Store,
  StoreError,
  type VisitorRecord,
} from "../../db/store.ts";
import type { Bus } from "../cluster/bus.ts";
import { ErrorCode } from "../../protocol/codes.ts";
import { ParleyError } from "../errors.ts";
import type { Logger } from "../log.ts";
import { friendlyName } from "./names.ts";
import { summaryAfter } from "./summary.ts";
import type { Presence } from "./presence.ts";
import { MAX_SNOOZE_DAYS, type PageInfo, type VisitorClientFrame } from "../../protocol/frames.ts";
import type { ChatProjection } from "./projection.ts";
import type { KeyedLimiter } from "../rate_limit.ts";
import type { VisitorTokenSigner } from "../accounts/tokens.ts";
import { isResumeToken, type ResumeTokens } from "../accounts/resume_tokens.ts";
import { verifyIdentity } from "../accounts/identity_signature.ts";
import type { TypingCoalescer } from "./typing_coalescer.ts";
import { siteAllowed, siteLimit } from "./site_access.ts";
import type { Counter } from "../metrics.ts";
import type { ChatAlerts } from "./alerts.ts";

/** Who is acting, for agent operations. */
export interface Actor {
  id: string;
  name: string;
  /**
   * The sites the agent may act on (`site_access.ts`; empty: every site). A conversation of
   * another site is refused as `not_found`, as if it did not exist.
   */
  sites: readonly string[];
}

/** The collaborators of {@link ChatCommands}. */
export interface CommandDeps {
  store: Store;
  bus: Bus;
  presence: Presence;
  projection: ChatProjection;
  signer: VisitorTokenSigner;
  /** Checks resume tokens (`r1.`, an emailed link's `#parley=`); absent: they are refused. */
  resume?: ResumeTokens;
  /** Limits new conversations per IP. */
  newConversations: KeyedLimiter;
  /** Folds bursts of typing notices (see `typing_coalescer.ts`). */
  typingCoalescer: TypingCoalescer;
  log: Logger;
  /** Counts every message stored (not a resend's duplicate); see `metrics_chat.ts`. */
  messagesStored?: Counter;
  /** Told of what agents may be emailed about (`alerts.ts`); absent: nothing is (no SMTP). */
  alerts?: ChatAlerts;
  /** Told the time (ms) of every snooze set here, so the wake-up runner can look sooner. */
  onSnoozed?: (at: number) => void;
}

/** Context of a visitor socket, from the HTTP upgrade. */
export interface VisitorContext {
  ip: string;
  origin: string | null;
  userAgent: string | null;
}

/** Who is typing, for {@link ChatCommands.typing}. */
export type Typist = { kind: "visitor"; visitorId: string } | { kind: "agent"; actor: Actor };

/** Domain operations on conversations. */
export class ChatCommands {
  /** Creates the commands. */
  constructor(private readonly deps: CommandDeps) {}

  /**
   * Records that an agent read a conversation up to `seq`. When that advances what agents have
   * read of it, the visitor's tabs are told (they show "Seen").
   */
  async agentRead(actor: Actor, conversationId: string, seq: number): Promise<void> {
    await this.deps.projection.checkConversation(actor.sites, conversationId);
    const read = await this.deps.store.markAgentRead(actor.id, conversationId, seq);
    if (!read) throw new ParleyError(ErrorCode.NotFound, "No such conversation");
    if (read.advanced) {
      const visitorId = await this.deps.projection.visitorOf(conversationId);
      await this.deps.bus.publish({ kind: "conversation", conversationId, visitorId });
    }
  }

  /**
   * Authenticates a visitor's `hello`: checks the site and origin, verifies or issues the token,
   * and records where the visitor is. Returns the site too: the `welcome` carries its team
   * texts and business hours.
   */
  async visitorHello(
    hello: Extract<VisitorClientFrame, { type: "hello" }>,
    ctx: VisitorContext,
  ): Promise<{ visitor: VisitorRecord; token: string; site: Site }> {
    const { store, signer } = this.deps;
    const site = await store.getSite(hello.site);
    if (!site) throw new ParleyError(ErrorCode.SiteNotFound, `Unknown site: ${hello.site}`);
    if (site.allowedOrigins.length > 0 && !site.allowedOrigins.includes(ctx.origin ?? "")) {
      throw new ParleyError(ErrorCode.Forbidden, "Origin not allowed for this site");
    }
    // What this hello tells of the visitor: written with the new visitor's row, or as an update.
    const seen = {
      ...(hello.page ? { page: hello.page } : {}),
      ...(ctx.userAgent ? { userAgent: ctx.userAgent.slice(0, 300) } : {}),
      ...(hello.locale ? { locale: hello.locale } : {}),
      ...(hello.timezone ? { timezone: hello.timezone } : {}),
    };
    let visitor: VisitorRecord | null = null;
    if (hello.token !== undefined) {
      // A resume token (an emailed link) names the visitor as their own token does; either way
      // the welcome carries a fresh visitor token, so the resume token is used once per page.
      const result = isResumeToken(hello.token)
        ? await this.deps.resume?.verify(hello.token, site.id) ??
          { ok: false as const, reason: "malformed" as const }
        : await signer.verify(hello.token, site.id);
      if (!result.ok) {
        throw new ParleyError(ErrorCode.InvalidToken, `Visitor token refused: ${result.reason}`);
      }
      visitor = await store.getVisitor(result.claims.visitorId);
      if (!visitor || visitor.siteId !== site.id) {
        throw new ParleyError(ErrorCode.InvalidToken, "Visitor token refused: unknown visitor");
      }
      visitor = await store.updateVisitor(visitor.id, {
        ...seen,
        // The referrer is where the visitor first came from: only a visitor without one takes it.
        ...(hello.page?.referrer !== undefined && visitor.referrer === null
          ? { referrer: hello.page.referrer }
          : {}),
      });
    } else {
      // A new visitor is one insert, not an insert and an update.
      visitor = await store.createVisitor({
        siteId: site.id,
        name: friendlyName(),
        ...seen,
        ...(hello.page?.referrer !== undefined ? { referrer: hello.page.referrer } : {}),
      });
    }
    return { visitor, token: await signer.sign(visitor.id, site.id), site };
  }

  /**
   * Stores a visitor message (opening or reopening the conversation), then publishes it.
   * `opts.ip` is charged for every conversation the message actually opens; `opts.likelyNew` is
   * the socket's guess that it will open one (it saw none), which only saves a round trip.
   */
  async visitorSend(
    visitorId: string,
    clientId: string,
    body: string,
    opts: { likelyNew: boolean; ip: string; attachments?: readonly string[] },
  ): Promise<AppendResult> {
    const { attachments } = opts;
    const result = await this.appendCharged(
      { visitorId, clientId, body, ...(attachments ? { attachments } : {}) },
      opts,
    );
    await this.publishAppend(result);
    if (result.created) await this.autoAssign(result.conversation);
    if (!result.duplicate) await this.alertVisitorMessage(result);
    return result;
  }

  /**
   * Publishes a visitor message stored outside the widget's path (a reply by email, which
   * `core/mail/inbound.ts` stores with its Message-ID), as {@link visitorSend} publishes its own:
   * agents get the message and the inbox row, the visitor's open tabs the message.
   */
  async visitorMessageStored(result: AppendResult): Promise<void> {
    await this.publishAppend(result);
    // An emailed reply to an offline assignee alerts them like a widget message would.
    if (!result.duplicate) await this.alertVisitorMessage(result);
  }

  /**
   * Tells the alerts about a visitor message nobody may be watching: a new conversation while no
   * agent allowed on its site is online, or a message to an assignee who is offline.
   */
  private async alertVisitorMessage(result: AppendResult): Promise<void> {
    const { alerts, presence, projection } = this.deps;
    if (!alerts) return;
    const conv = result.conversation;
    await this.alert(async () => {
      if (result.created) {
        const online = await projection.agentsOnlineOn(presence.onlineAgentIds(), conv.siteId);
        if (online === 0) await alerts.unattendedConversation(conv);
      } else if (
        conv.assigneeId !== null && presence.agentStatus(conv.assigneeId) === "offline"
      ) {
        await alerts.assigneeOffline(conv, conv.assigneeId);
      }
    }, conv.id);
  }

  /** Runs an alert; a failure is logged, never the command's. */
  private async alert(fn: () => Promise<void>, conversationId: string): Promise<void> {
    try {
      await fn();
    } catch (err) {
      this.deps.log.warn("agent email: alert not queued", { conversationId, err: String(err) });
    }
  }

  /**
   * Appends a visitor message, charging the address for a conversation it opens. A socket's idea
   * of whether its visitor has a conversation goes stale (another tab may have started over), so
   * the store decides: it opens a conversation only when told the address was charged
   * (`mayOpen`), and otherwise refuses with `no_conversation`, upon which the charge is taken
   * and the message sent again. A charge that opened nothing (another tab opened one first, or
   * the append failed) is given back, so the limit counts conversations actually opened.
   */
  private async appendCharged(
    input: { visitorId: string; clientId: string; body: string; attachments?: readonly string[] },
    opts: { likelyNew: boolean; ip: string },
  ): Promise<AppendResult> {
    const { store, newConversations } = this.deps;
    let charged = opts.likelyNew && newConversations.take(opts.ip);
    try {
      let result: AppendResult;
      try {
        result = await store.appendVisitorMessage({ ...input, mayOpen: charged });
      } catch (err) {
        if (charged || !(err instanceof StoreError && err.code === "no_conversation")) throw err;
        if (!newConversations.take(opts.ip)) {
          throw new ParleyError(
            ErrorCode.RateLimited,
            "Too many new conversations from this address",
          );
        }
        charged = true;
        result = await store.appendVisitorMessage({ ...input, mayOpen: true });
      }
      if (charged && !result.created) newConversations.refund(opts.ip);
      return result;
    } catch (err) {
      if (charged) newConversations.refund(opts.ip);
      throw err;
    }
  }

  /** Stores an agent reply or note, then publishes it. */
  async agentSend(
    actor: Actor,
    frame: {
      conversationId: string;
      clientId: string;
      body: string;
      note: boolean;
      attachments?: readonly string[];
    },
  ): Promise<AppendResult> {
    await this.deps.projection.checkConversation(actor.sites, frame.conversationId);
    const result = await this.deps.store.appendAgentMessage({
      conversationId: frame.conversationId,
      agentId: actor.id,
      clientId: frame.clientId,
      body: frame.body,
      note: frame.note,
      ...(frame.attachments ? { attachments: frame.attachments } : {}),
    });
    await this.publishAppend(result);
    return result;
  }

  /**
   * Stores a named bot's message or note (public API), then publishes it like an agent's: the
   * widget and the consoles get it through the same fan-out. `bot.id` scopes the client ids.
   */
  async botSend(
    bot: { id: string; name: string; sites: readonly string[] },
    frame: { conversationId: string; clientId: string; body: string; note: boolean },
  ): Promise<AppendResult> {
    await this.deps.projection.checkConversation(bot.sites, frame.conversationId);
    const result = await this.deps.store.appendBotMessage({
      conversationId: frame.conversationId,
      botId: bot.id,
      name: bot.name,
      clientId: frame.clientId,
      body: frame.body,
      note: frame.note,
    });
    await this.publishAppend(result);
    return result;
  }

  /**
   * Opens a new, empty conversation for a visitor (public API), which becomes their current one:
   * agents see it queued, the visitor's open tabs are told, their next message lands in it.
   */
  async openConversation(visitorId: string): Promise<Conversation> {
    const conv = await this.deps.store.openConversation(visitorId);
    await this.deps.bus.publish({ kind: "conversation", conversationId: conv.id, visitorId });
    return conv;
  }

  /**
   * Updates what the site knows of a visitor (public API): name, email, attributes merged in.
   * Agents see the change, and so do the visitor's own tabs (their name and email). Values set
   * this way are the site's word but not signed: the name and email lose their Verified badge
   * unless unchanged.
   */
  async updateVisitorProfile(
    visitorId: string,
    patch: {
      name?: string;
      email?: string | null;
      attributes?: Record<string, string | number | boolean | null>;
    },
  ): Promise<VisitorRecord> {
    const before = await this.deps.store.getVisitor(visitorId);
    if (!before) throw new ParleyError(ErrorCode.NotFound, "No such visitor");
    const updated = await this.deps.store.updateVisitor(visitorId, {
      ...(patch.name !== undefined
        ? { name: patch.name, nameVerified: before.nameVerified && before.name === patch.name }
        : {}),
      ...(patch.email !== undefined
        ? {
          email: patch.email,
          emailVerified: before.emailVerified && before.email === patch.email,
        }
        : {}),
      ...(patch.attributes !== undefined ? { attributes: patch.attributes } : {}),
    });
    if (patch.name !== undefined) this.deps.projection.visitorRenamed(visitorId, updated.name);
    await this.deps.bus.publish({ kind: "visitor", visitorId });
    if (patch.name !== undefined || patch.email !== undefined) {
      await this.deps.bus.publish({ kind: "identity", visitorId });
    }
    const keys = Object.keys(patch.attributes ?? {});
    if (keys.length > 0) await this.deps.bus.publish({ kind: "attributes", visitorId, keys });
    return updated;
  }

  /** Claims a queued conversation. Of two concurrent accepts exactly one wins. */
  async accept(actor: Actor, conversationId: string): Promise<void> {
    await this.deps.projection.checkConversation(actor.sites, conversationId);
    const conv = await this.deps.store.assign(conversationId, actor.id, { expectUnassigned: true });
    if (!conv) throw new ParleyError(ErrorCode.Conflict, "Conversation is already assigned");
    await this.system(conv, `${actor.name} joined the conversation`);
  }

  /**
   * Hands a conversation to another (enabled) agent, who must be allowed on its site: an
   * assignee who cannot see the conversation could never answer it.
   */
  async transfer(actor: Actor, conversationId: string, agentId: string): Promise<void> {
    await this.deps.projection.checkConversation(actor.sites, conversationId);
    const target = await this.deps.store.getAgent(agentId);
    if (!target || target.disabled) throw new ParleyError(ErrorCode.NotFound, "No such agent");
    if (target.invited) {
      // They cannot sign in before accepting: the conversation would wait on nobody.
      throw new ParleyError(
        ErrorCode.Conflict,
        `${target.name} has not accepted their invitation yet`,
      );
    }
    const before = await this.requireConversation(conversationId);
    if (!siteAllowed(siteLimit(target), before.siteId)) {
      throw new ParleyError(
        ErrorCode.Forbidden,
        `${target.name} is not allowed on this conversation's site`,
      );
    }
    if (before.status === "resolved") {
      throw new ParleyError(ErrorCode.Conflict, "Conversation is resolved; reopen it first");
    }
    const conv = await this.deps.store.assign(conversationId, agentId, { expectUnassigned: false });
    if (!conv) throw new ParleyError(ErrorCode.Conflict, "Conversation could not be transferred");
    const text = agentId === actor.id
      ? `${actor.name} took over the conversation`
      : `${actor.name} transferred the conversation to ${target.name}`;
    await this.system(conv, text);
    const alerts = this.deps.alerts;
    if (alerts && agentId !== actor.id) {
      await this.alert(() => alerts.assigned(conv, agentId, actor.name), conv.id);
    }
  }

  /**
   * Puts an assigned conversation back in the queue: no assignee, status `queued`, so every
   * agent's inbox shows it waiting again (and auto-assignment does not take it back at once).
   */
  async unassign(actor: Actor, conversationId: string): Promise<void> {
    await this.deps.projection.checkConversation(actor.sites, conversationId);
    const before = await this.requireConversation(conversationId);
    if (before.status === "resolved") {
      throw new ParleyError(ErrorCode.Conflict, "Conversation is resolved; reopen it first");
    }
    const conv = await this.deps.store.unassign(conversationId);
    if (!conv) throw new ParleyError(ErrorCode.Conflict, "Conversation is already in the queue");
    await this.system(conv, `${actor.name} put the conversation back in the queue`);
  }

  /** Resolves a conversation. */
  async resolve(actor: Actor, conversationId: string): Promise<void> {
    await this.deps.projection.checkConversation(actor.sites, conversationId);
    await this.requireConversation(conversationId);
    const conv = await this.deps.store.resolve(conversationId);
    if (!conv) throw new ParleyError(ErrorCode.Conflict, "Conversation is already resolved");
    await this.system(conv, `${actor.name} resolved the conversation`);
  }

  /** Reopens a resolved conversation. */
  async reopen(actor: Actor, conversationId: string): Promise<void> {
    await this.deps.projection.checkConversation(actor.sites, conversationId);
    await this.requireConversation(conversationId);
    const conv = await this.deps.store.reopen(conversationId);
    if (!conv) throw new ParleyError(ErrorCode.Conflict, "Conversation is not resolved");
    await this.system(conv, `${actor.name} reopened the conversation`);
  }

  /**
   * Snoozes a conversation until `until` (already validated as a date-time): it leaves "Mine" and
   * "All open" until the wake-up runner (`snooze_wake.ts`) or the visitor's next message brings
   * it back. Any agent allowed on its site may snooze it (like resolving); the visitor is not
   * told, and no message is written: a snooze is the team's bookkeeping. `onSnoozed` hears of
   * every snooze set (the local runner shortens its sleep for it).
   */
  async snooze(
    actor: Actor,
    conversationId: string,
    until: string,
    now = Date.now(),
  ): Promise<void> {
    await this.deps.projection.checkConversation(actor.sites, conversationId);
    const at = Date.parse(until);
    if (!(at > now)) throw new ParleyError(ErrorCode.BadFrame, "Snooze until a time to come");
    if (at - now > MAX_SNOOZE_DAYS * 86_400_000) {
      throw new ParleyError(
        ErrorCode.BadFrame,
        `Snooze for at most ${MAX_SNOOZE_DAYS} days`,
      );
    }
    const conv = await this.deps.store.snooze(conversationId, new Date(at).toISOString());
    if (!conv) throw new ParleyError(ErrorCode.Conflict, "Conversation is resolved");
    await this.deps.bus.publish({
      kind: "conversation",
      conversationId,
      visitorId: conv.visitorId,
    });
    this.deps.onSnoozed?.(at);
  }

  /** Brings a snoozed conversation back now. */
  async unsnooze(actor: Actor, conversationId: string): Promise<void> {
    await this.deps.projection.checkConversation(actor.sites, conversationId);
    const conv = await this.deps.store.snooze(conversationId, null);
    if (!conv) throw new ParleyError(ErrorCode.Conflict, "Conversation is not snoozed");
    await this.deps.bus.publish({
      kind: "conversation",
      conversationId,
      visitorId: conv.visitorId,
    });
  }

  /**
   * Records the visitor's rating of their current conversation, once it has been resolved: also
   * after it reopened (the visitor wrote again before rating), so the rating is not lost.
   */
  async rate(visitorId: string, rating: number): Promise<void> {
    const conv = await this.deps.store.getCurrentConversation(visitorId);
    if (!conv) throw new ParleyError(ErrorCode.NotFound, "No conversation to rate");
    if (conv.resolvedSeq === null) {
      throw new ParleyError(
        ErrorCode.Conflict,
        "Only a conversation that has been resolved can be rated",
      );
    }
    await this.deps.store.rate(conv.id, rating);
    await this.deps.bus.publish({ kind: "conversation", conversationId: conv.id, visitorId });
  }

  /** Forgets the visitor's current conversation; the next message opens a new one. */
  async startOver(visitorId: string): Promise<void> {
    await this.deps.store.startOver(visitorId);
  }

  /**
   * Applies an `identify` call. With a valid HMAC the id is verified, and so are the email and
   * the name when the signature covers them (`identity_signature.ts`); a field it does not cover
   * is stored unverified. Without a valid HMAC everything is unverified, or refused when the site
   * requires verification.
   */
  async identify(
    visitor: { id: string; siteId: string },
    frame: { id: string; name?: string; email?: string; hash?: string },
  ): Promise<VisitorRecord> {
    const site = await this.deps.store.getSite(visitor.siteId);
    if (!site) throw new ParleyError(ErrorCode.SiteNotFound, "Unknown site");
    const signed = await verifyIdentity(site.identitySecret, frame);
    if (!signed.id && site.requireVerified) {
      throw new ParleyError(ErrorCode.Forbidden, "Identity verification failed");
    }
    // A field left out keeps its badge only while the same user id stays verified.
    const before = await this.deps.store.getVisitor(visitor.id);
    const sameUser = signed.id && before?.verified === true && before.externalId === frame.id;
    const updated = await this.deps.store.updateVisitor(visitor.id, {
      externalId: frame.id,
      verified: signed.id,
      emailVerified: frame.email !== undefined ? signed.email : sameUser && before.emailVerified,
      nameVerified: frame.name !== undefined ? signed.name : sameUser && before.nameVerified,
      ...(frame.name !== undefined ? { name: frame.name } : {}),
      ...(frame.email !== undefined ? { email: frame.email } : {}),
    });
    this.deps.projection.visitorRenamed(visitor.id, updated.name);
    await this.deps.bus.publish({ kind: "visitor", visitorId: visitor.id });
    // The visitor's own tabs show who they are.
    await this.deps.bus.publish({ kind: "identity", visitorId: visitor.id });
    return updated;
  }

  /** Records the page the visitor is on and tells agents. */
  async updatePage(visitorId: string, page: PageInfo): Promise<void> {
    await this.deps.store.updateVisitor(visitorId, { page });
    await this.deps.bus.publish({ kind: "visitor", visitorId });
  }

  /**
   * Merges attributes into the visitor's, then tells agents which keys changed (they are sent
   * those keys alone, not the whole visitor). The store merges in one statement: reading the
   * attributes here and writing them back would undo a concurrent update from another tab. A
   * merge past the total cap is refused whole (`too_large`) and nothing is published.
   */
  async setAttributes(
    visitorId: string,
    attributes: Record<string, string | number | boolean | null>,
  ): Promise<void> {
    const keys = Object.keys(attributes);
    if (keys.length === 0) return;
    await this.deps.store.updateVisitor(visitorId, { attributes });
    await this.deps.bus.publish({ kind: "attributes", visitorId, keys });
  }

  /**
   * Records the visitor's contact email, and tells agents and the visitor's own tabs. The email
   * is the visitor's word: it keeps the Verified badge only when it is the very email the site
   * signed.
   */
  async contact(visitorId: string, email: string): Promise<void> {
    const current = await this.deps.store.getVisitor(visitorId);
    const emailVerified = current?.emailVerified === true && current.email === email;
    await this.deps.store.updateVisitor(visitorId, { email, emailVerified });
    await this.deps.bus.publish({ kind: "visitor", visitorId });
    await this.deps.bus.publish({ kind: "identity", visitorId });
  }

  /**
   * Publishes that someone started or stopped typing in a conversation. Typing is never stored:
   * an indicator lost with an instance expires on its own. Notices of one typist in one
   * conversation are coalesced (at most one per short window, the latest text last); a stop is
   * published at once and drops the notice it supersedes.
   */
  async typing(
    who: Typist,
    conversationId: string,
    active: boolean,
    preview?: string,
  ): Promise<void> {
    const visitor = who.kind === "visitor";
    // Stopping is always allowed: it clears an indicator started before the agent's sites changed.
    if (!visitor && active) {
      await this.deps.projection.checkConversation(who.actor.sites, conversationId);
    }
    const visitorId = visitor
      ? who.visitorId
      : await this.deps.projection.visitorOf(conversationId);
    const publish = () =>
      this.deps.bus.publish({
        kind: "typing",
        conversationId,
        visitorId,
        author: who.kind,
        agentId: visitor ? null : who.actor.id,
        name: visitor ? "" : who.actor.name,
        active,
        ...(active && preview !== undefined ? { preview } : {}),
      });
    const key = `${conversationId} ${visitor ? `visitor ${visitorId}` : `agent ${who.actor.id}`}`;
    if (active) return await this.deps.typingCoalescer.offer(key, publish);
    this.deps.typingCoalescer.cancel(key);
    await publish();
  }

  /** Records an agent's chosen status (all their tabs) and tells everyone. */
  async setPresence(agentId: string, status: "online" | "away"): Promise<void> {
    this.deps.presence.setAgentChoice(agentId, status);
    await this.deps.bus.publish({ kind: "agent", agentId });
  }

  /** Records that the visitor read up to `seq`. */
  async visitorRead(visitorId: string, seq: number): Promise<void> {
    const conv = await this.deps.store.getCurrentConversation(visitorId);
    if (!conv) return;
    await this.deps.store.markVisitorRead(conv.id, Math.min(seq, conv.lastSeq));
  }

  private async requireConversation(id: string): Promise<Conversation> {
    const conv = await this.deps.store.getConversation(id);
    if (!conv) throw new ParleyError(ErrorCode.NotFound, "No such conversation");
    return conv;
  }

  private async system(conv: Conversation, body: string): Promise<void> {
    const result = await this.deps.store.appendSystemMessage(conv.id, body);
    await this.publishAppend(result, true);
  }

  /**
   * Publishes a stored message. Duplicates are published again: receivers dedupe by seq, and a
   * crash between commit and publish is healed by the sender's retry.
   */
  private async publishAppend(result: AppendResult, conversationChanged = false): Promise<void> {
    const { message, conversation } = result;
    if (!result.duplicate) this.deps.messagesStored?.inc();
    await this.deps.bus.publish({
      kind: "message",
      conversationId: conversation.id,
      visitorId: conversation.visitorId,
      seq: message.seq,
      note: message.note,
      message,
    });
    // The inbox row changes with every message (last message, status), so agents always get it.
    if (conversationChanged || !result.duplicate) {
      const summary = summaryAfter(result);
      await this.deps.bus.publish({
        kind: "conversation",
        conversationId: conversation.id,
        visitorId: conversation.visitorId,
        ...(summary ? { summary } : {}),
      });
    }
  }

  /**
   * Assigns a new conversation to the least-loaded online agent with capacity who is allowed on
   * its site, if the site auto-assigns.
   */
  private async autoAssign(conv: Conversation): Promise<void> {
    const { store, presence, log } = this.deps;
    try {
      const site = await store.getSite(conv.siteId);
      if (!site?.autoAssign) return;
      const online = new Set(presence.onlineAgentIds());
      if (online.size === 0) return;
      const [agents, counts] = await Promise.all([store.listAgents(), store.openCounts()]);
      const candidates = agents
        .filter((a) =>
          online.has(a.id) && !a.disabled && (counts.get(a.id) ?? 0) < a.capacity &&
          siteAllowed(siteLimit(a), conv.siteId)
        )
        .sort((a, b) => (counts.get(a.id) ?? 0) - (counts.get(b.id) ?? 0));
      const agent = candidates[0];
      if (!agent) return;
      // A null result means an agent accepted it meanwhile, which is just as good.
      const assigned = await store.assign(conv.id, agent.id, { expectUnassigned: true });
      if (assigned) {
        await this.system(assigned, `${agent.name} joined the conversation`);
        const alerts = this.deps.alerts;
        if (alerts) await this.alert(() => alerts.assigned(assigned, agent.id, null), conv.id);
      }
    } catch (err) {
      log.warn("auto-assignment failed", { conversationId: conv.id, err: String(err) });
    }
  }
}
