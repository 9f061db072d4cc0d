/**
 * Email (docs/email.md): the outbox's sender, the SMTP transport, the one-time links emailed to
 * agents, the missed-reply emails to visitors and their replies by email, agents' alerts and
 * digests, transcripts, and each site's sender.
 *
 * @module
 */

export { MailSender, type MailSenderOptions } from "./sender.ts";
export { createSmtpSender, newMessageId, type SendEmail, SmtpError } from "./smtp.ts";
export { AgentLinks, type AgentLinksDeps, LINK_PATHS } from "./agent_links.ts";
export { createReplyAddresses, type ReplyAddresses } from "./reply_address.ts";
export { InboundMail, type InboundMailDeps, type InboundOutcome } from "./inbound.ts";
export { type MissedReplyOptions, MissedReplyRunner, RESUME_FRAGMENT } from "./missed_replies.ts";
export {
  createUnsubscriber,
  createUnsubscribeTokens,
  UNSUBSCRIBE_PATH,
  type Unsubscriber,
  type UnsubscribeTokens,
} from "./unsubscribe.ts";
export { AgentAlerts, type AgentAlertsDeps, conversationLink } from "./agent_alerts.ts";
export { Transcripts, type TranscriptsDeps } from "./transcript.ts";
export { createSiteSender, type SenderOf, type SiteSender } from "./site_sender.ts";
