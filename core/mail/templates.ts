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

/** The missed-replies email to a visitor (docs/email.md, "Missed replies"). */
export function missedRepliesEmail(v: {
  /** The site's or team's name, as the visitor knows it. */
  team: string;
  /** Oldest first; `author` null for an agent since removed. */
  replies: { author: string | null; body: string }[];
  /** The resume link (`…#parley=…`); null when no storefront page is known. */
  link: string | null;
  /** Whether replying to the email reaches the conversation (inbound email is set up). */
  canReply: boolean;
  unsubscribe: string;
}): EmailContent {
  // Consecutive replies of one agent under one "<Agent> replied:".
  const groups: { author: string; bodies: string[] }[] = [];
  for (const r of v.replies) {
    const author = r.author ?? v.team;
    const last = groups[groups.length - 1];
    if (last?.author === author) last.bodies.push(r.body);
    else groups.push({ author, bodies: [r.body] });
  }
  const why = `You get this email because you left your address in the chat with ${v.team}.`;
  const reply = "You can also reply to this email.";
  const text = [
    ...groups.map((g) => `${g.author} replied:\n\n${g.bodies.join("\n\n")}`),
    ...(v.link ? [`Continue the conversation: ${v.link}`] : []),
    ...(v.canReply ? [reply] : []),
    `-- \n${why}\nUnsubscribe: ${v.unsubscribe}`,
  ].join("\n\n") + "\n";
  const quote = "margin: 0 0 1em; padding-left: 12px; border-left: 3px solid #d1d5db; " +
    "white-space: pre-wrap";
  const html = `<!doctype html>
<html><body style="font-family: sans-serif; line-height: 1.5; color: #1f2937">
${
    groups.map((g) =>
      `<p><strong>${escapeHtml(g.author)} replied:</strong></p>\n` +
      g.bodies.map((b) => `<div style="${quote}">${escapeHtml(b)}</div>`).join("\n")
    ).join("\n")
  }
${v.link ? `<p><a href="${escapeHtml(v.link)}">Continue the conversation</a></p>\n` : ""}${
    v.canReply ? `<p>${escapeHtml(reply)}</p>\n` : ""
  }<p style="font-size: 12px; color: #6b7280">${escapeHtml(why)}
<a href="${escapeHtml(v.unsubscribe)}">Unsubscribe</a></p>
</body></html>`;
  return { subject: `Re: Your conversation with ${v.team}`, text, html };
}

/**
 * The page of an unsubscribe link: `state` "ask" shows a button that POSTs to `action` (a GET
 * never unsubscribes, so a mail scanner following the link changes nothing), "done" confirms,
 * "invalid" says the link is not valid.
 */
export function unsubscribePage(state: "ask" | "done" | "invalid", action: string): string {
  const body = state === "ask"
    ? `<h1>Unsubscribe</h1>
<p>Stop the emails about your chat conversations?</p>
<form method="post" action="${escapeHtml(action)}">
<input type="hidden" name="List-Unsubscribe" value="One-Click">
<button type="submit">Unsubscribe</button>
</form>`
    : state === "done"
    ? `<h1>You are unsubscribed</h1>
<p>You will get no more emails about your chat conversations.</p>`
    : `<h1>This link is not valid</h1>
<p>Use the unsubscribe link of the email you received, as it is.</p>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Unsubscribe</title></head>
<body style="font-family: sans-serif; line-height: 1.5; color: #1f2937; max-width: 32em; margin: 3em auto; padding: 0 1em">
${body}
</body></html>`;
}
