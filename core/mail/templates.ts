/**
 * The emails' words: a plain-text part and a simple HTML part (no images, no tracking, every
 * value escaped), in English for now.
 *
 * @module
 */

/** The parts of one email. */
export interface EmailContent {
  subject: string;
  text: string;
  html: string;
}

/** Escapes text for HTML content and attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(paragraphs: string[], link: { href: string; label: string }): string {
  const body = paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`).join("\n");
  return `<!doctype html>
<html><body style="font-family: sans-serif; line-height: 1.5; color: #1f2937">
${body}
<p><a href="${escapeHtml(link.href)}">${escapeHtml(link.label)}</a></p>
</body></html>`;
}

/** The password-reset email. */
export function resetEmail(v: { name: string; link: string; ttlMinutes: number }): EmailContent {
  const intro = `Hello ${v.name},`;
  const ask = "Someone (hopefully you) asked to reset your Parley password.";
  const expiry = `The link works once, for ${v.ttlMinutes} minutes. If you did not ask, ignore ` +
    "this email: your password stays as it is.";
  return {
    subject: "Reset your Parley password",
    text: `${intro}\n\n${ask} Choose a new one here:\n\n${v.link}\n\n${expiry}\n`,
    html: page([intro, ask, expiry], { href: v.link, label: "Choose a new password" }),
  };
}

/** The invitation email. */
export function inviteEmail(
  v: { name: string; inviter: string; link: string; ttlDays: number },
): EmailContent {
  const intro = `Hello ${v.name},`;
  const ask = `${v.inviter} invited you to answer chats on Parley.`;
  const expiry = `The link works once, for ${v.ttlDays} days.`;
  return {
    subject: "You are invited to Parley",
    text: `${intro}\n\n${ask} Set your password here:\n\n${v.link}\n\n${expiry}\n`,
    html: page([intro, ask, expiry], { href: v.link, label: "Set your password" }),
  };
}
