/**
 * Email (docs/email.md): the outbox's sender, the SMTP transport, the one-time links emailed to
 * agents, and visitors' replies by email.
 *
 * @module
 */

export { MailSender, type MailSenderOptions } from "./sender.ts";
export { createSmtpSender, newMessageId, type SendEmail, SmtpError } from "./smtp.ts";
export { AgentLinks, type AgentLinksDeps, LINK_PATHS } from "./agent_links.ts";
export { createReplyAddresses, type ReplyAddresses } from "./reply_address.ts";
export { InboundMail, type InboundMailDeps, type InboundOutcome } from "./inbound.ts";
