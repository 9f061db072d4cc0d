/**
 * Replies by email (docs/email.md, "Replies by email"): a visitor answers an email Parley sent
 * about their conversation, and the answer joins the conversation as their message, live in the
 * console like one typed in the widget. The HTTP side is `routes/api_inbound.ts`.
 *
 * Which conversation, in this order:
 * 1. a correctly signed reply address (`reply+<conversation>.<signature>@…`, `reply_address.ts`)
 *    among the recipients: only someone who received Parley's email knows it;
 * 2. otherwise the `In-Reply-To`, then the `References`, of an email of a conversation
 *    (`conversation_emails`), and then only when the `From` is the conversation's visitor's
 *    email: Message-IDs are not secret (they travel in every copy, forward and CC of the email).
 *
 * Refused and logged (without the body), never appended: anything not an email, an email matching
 * no conversation, a sender who is not the visitor, an email holding no reply text once quotes and
 * signature are gone, and an email Parley sent itself. Auto-replies and bounces are ignored.
 *
 * @module
 */

import type { AppendResult } from "../../db/store.ts";
import { StoreError } from "../../db/store.ts";
import type { EmailConversation, InboundEmailStore } from "../../db/sql_inbound.ts";
import { ErrorCode } from "../../protocol/codes.ts";
import { sha256Hex } from "../accounts/tokens.ts";
import { ParleyError } from "../errors.ts";
import type { Logger } from "../log.ts";
import { type InboundEmail, parseInboundEmail } from "./inbound_email.ts";
import type { ReplyAddresses } from "./reply_address.ts";
import { replyText } from "./reply_text.ts";

/** The collaborators of {@link InboundMail}. */
export interface InboundMailDeps {
  store: InboundEmailStore;
  /**
   * Publishes a stored reply like a widget message (`ChatCommands.visitorMessageStored`): the
   * store appends, the core tells agents.
   */
  publish(result: AppendResult): Promise<void>;
  /** Reads signed reply addresses; null when `PARLEY_INBOUND_ADDRESS` is unset. */
  replyAddresses: ReplyAddresses | null;
  log: Logger;
}

/** What became of an inbound email that was not refused. */
export type InboundOutcome =
  | {
    kind: "appended";
    conversationId: string;
    /** The visitor message's id. */
    messageId: string;
    seq: number;
    /** An earlier delivery of the same email appended it: nothing changed now. */
    duplicate: boolean;
  }
  /** Written by a machine (auto-reply, bounce, list): dropped, not an error. */
  | { kind: "ignored"; reason: "automatic" };

/** Receives inbound emails: see the module's documentation. */
export class InboundMail {
  /** Creates the receiver. */
  constructor(private readonly deps: InboundMailDeps) {}

  /**
   * Appends the reply in `raw` (one MIME message) to its conversation. Throws
   * {@link ErrorCode.MailRefused} (logged) for an email that may not or cannot join one.
   */
  async receive(raw: Uint8Array): Promise<InboundOutcome> {
    let email: InboundEmail | null = null;
    try {
      email = await parseInboundEmail(raw);
      if (email.automatic) {
        this.deps.log.warn("inbound email ignored: written by a machine", about(email));
        return { kind: "ignored", reason: "automatic" };
      }
      return await this.append(email);
    } catch (err) {
      if (err instanceof ParleyError && err.code === ErrorCode.MailRefused) {
        this.deps.log.warn("inbound email refused", {
          reason: err.message,
          ...(email ? about(email) : { bytes: raw.byteLength }),
        });
      }
      throw err;
    }
  }

  private async append(email: InboundEmail): Promise<InboundOutcome> {
    const conv = await this.conversationOf(email);
    const body = replyText(email.text);
    if (body === "") {
      throw refused("The email holds no reply text once quoted history and signature are removed");
    }
    let outcome;
    try {
      outcome = await this.deps.store.appendReply({
        conversationId: conv.conversationId,
        messageId: email.messageId,
        clientId: `email:${(await sha256Hex(email.messageId)).slice(0, 32)}`,
        body,
      });
    } catch (err) {
      if (err instanceof StoreError && err.code === "not_found") {
        throw refused("The conversation no longer exists");
      }
      throw err;
    }
    if (outcome.kind === "ours") throw refused("This Message-ID is of an email Parley sent");
    if (outcome.kind === "gone") {
      throw refused("This email was received before and its message deleted since");
    }
    const { result } = outcome;
    // A duplicate is published again too: a crash between the commit and the publish is healed
    // by the provider's retry, and receivers drop what they already have (by seq).
    await this.deps.publish(result);
    if (!result.duplicate) {
      this.deps.log.info("inbound email appended", {
        conversationId: conv.conversationId,
        seq: result.message.seq,
        reopened: result.reopened,
      });
    }
    return {
      kind: "appended",
      conversationId: result.conversation.id,
      messageId: result.message.id,
      seq: result.message.seq,
      duplicate: result.duplicate,
    };
  }

  /** The conversation the email may join (see the module's documentation), or refuses. */
  private async conversationOf(email: InboundEmail): Promise<EmailConversation> {
    const { store, replyAddresses } = this.deps;
    const signed = await replyAddresses?.conversationOf(email.recipients) ?? null;
    if (signed !== null) {
      const conv = await store.conversation(signed);
      if (conv === null) throw refused("The reply address names no conversation");
      return conv;
    }
    const threaded = await store.conversationOfEmails([...email.inReplyTo, ...email.references]);
    if (threaded === null) {
      throw refused(
        "No conversation matches this email: no signed reply address, and no In-Reply-To or " +
          "References of an email of a conversation",
      );
    }
    const conv = await store.conversation(threaded);
    if (conv === null) throw refused("The email answers a conversation that no longer exists");
    if (conv.visitorEmail === null || conv.visitorEmail.trim().toLowerCase() !== email.from) {
      throw refused("The sender is not the conversation's visitor");
    }
    return conv;
  }
}

function refused(message: string): ParleyError {
  return new ParleyError(ErrorCode.MailRefused, message);
}

/**
 * What the log says of an email: its id and the sender's domain, never the body, the subject or
 * the sender's whole address (a visitor's personal data).
 */
function about(email: InboundEmail): Record<string, string> {
  return {
    messageId: email.messageId,
    fromDomain: email.from.slice(email.from.lastIndexOf("@") + 1),
  };
}
