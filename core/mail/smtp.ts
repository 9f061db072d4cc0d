/**
 * The SMTP side of sending, through nodemailer (the well-kept Node SMTP client; it runs under
 * Deno's Node compatibility): `smtp://` upgrades with STARTTLS when the server offers it,
 * `smtps://` is TLS from the start. One pooled transport per instance.
 *
 * @module
 */

// @ts-types="@types/nodemailer"
import nodemailer from "nodemailer";
import type { ClaimedEmail } from "../../db/sql_email.ts";

/** Hands one email to the SMTP server; resolves once it answered 250, throws otherwise. */
export type SendEmail = (email: ClaimedEmail, signal: AbortSignal) => Promise<void>;

/** The SMTP server refused or could not be reached; `message` is safe to log and store. */
export class SmtpError extends Error {
  /** Creates the error. */
  constructor(message: string) {
    super(message);
    this.name = "SmtpError";
  }
}

/** A sender over `smtpUrl` with `from` as the From of every email, bounded by `timeoutMs`. */
export function createSmtpSender(
  opts: { smtpUrl: string; from: string; timeoutMs?: number },
): { send: SendEmail; close: () => void } {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const url = new URL(opts.smtpUrl);
  const fromAddress = addressOf(opts.from);
  const transport = nodemailer.createTransport({
    host: url.hostname.replace(/^\[|\]$/g, ""),
    port: url.port ? Number(url.port) : url.protocol === "smtps:" ? 465 : 587,
    secure: url.protocol === "smtps:",
    ...(url.username
      ? {
        auth: {
          user: decodeURIComponent(url.username),
          pass: decodeURIComponent(url.password),
        },
      }
      : {}),
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
  });
  const send: SendEmail = async (e, signal) => {
    if (signal.aborted) throw new SmtpError("Stopped");
    try {
      await transport.sendMail({
        from: e.fromName ? { name: e.fromName, address: fromAddress } : opts.from,
        to: e.to,
        ...(e.replyTo ? { replyTo: e.replyTo } : {}),
        subject: e.subject,
        text: e.text,
        ...(e.html ? { html: e.html } : {}),
        messageId: e.messageId,
        ...(e.inReplyTo ? { inReplyTo: e.inReplyTo } : {}),
        ...(e.references.length > 0 ? { references: e.references } : {}),
        ...(e.listUnsubscribe ? { list: { unsubscribe: e.listUnsubscribe } } : {}),
        headers: {
          "Auto-Submitted": "auto-generated",
          // RFC 8058: the List-Unsubscribe URL takes a one-click POST (routes/api_unsubscribe.ts).
          ...(e.listUnsubscribe ? { "List-Unsubscribe-Post": "List-Unsubscribe=One-Click" } : {}),
        },
      });
    } catch (err) {
      // nodemailer's message names the SMTP reply or the network failure, never the password.
      throw new SmtpError(err instanceof Error ? err.message : String(err));
    }
  };
  return { send, close: () => transport.close() };
}

/** The bare address of `Name <a@host>` or `a@host`. */
export function addressOf(from: string): string {
  return /<([^<>]+)>\s*$/.exec(from)?.[1] ?? from.trim();
}

/** A fresh Message-ID on the domain of `from` (`Name <a@host>` or `a@host`). */
export function newMessageId(from: string): string {
  const domain = /@([^\s>]+)>?\s*$/.exec(from)?.[1] ?? "parley.invalid";
  return `<${crypto.randomUUID()}@${domain}>`;
}
