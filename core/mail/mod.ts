/**
 * Outgoing email (docs/email.md): the outbox's sender, the SMTP transport, and the one-time links
 * emailed to agents.
 *
 * @module
 */

export { MailSender, type MailSenderOptions } from "./sender.ts";
export { createSmtpSender, newMessageId, type SendEmail, SmtpError } from "./smtp.ts";
export { AgentLinks, type AgentLinksDeps, LINK_PATHS } from "./agent_links.ts";
export { createReplyAddresses, type ReplyAddresses } from "./reply_address.ts";
