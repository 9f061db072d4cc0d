/**
 * Email (docs/email.md): the outbox's sender, the SMTP transport, the one-time links emailed to
 * agents, the missed-reply emails to visitors, and visitors' replies by email.
 *
 * @module
 */

export { MailSender, type MailSenderOptions } from "./sender.ts";
export { createSmtpSender, newMessageId, type SendEmail, SmtpError } from "./smtp.ts";
export { AgentLinks, type AgentLinksDeps, LINK_PATHS } from "./agent_links.ts";
export { createReplyAddresses, type ReplyAddresses } from "./reply_address.ts";
export { InboundMail, type InboundMailDeps, type InboundOutcome } from "./inbound.ts";
export {
  DEFAULT_SITE_SENDER,
  type MissedReplyOptions,
  MissedReplyRunner,
  RESUME_FRAGMENT,
  type SiteSender,
} from "./missed_replies.ts";
export {
  createUnsubscriber,
  createUnsubscribeTokens,
  UNSUBSCRIBE_PATH,
  type Unsubscriber,
  type UnsubscribeTokens,
} from "./unsubscribe.ts";
