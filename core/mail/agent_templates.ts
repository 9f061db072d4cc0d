/**
 * The words of agents' emails (new-conversation digest, assignment, visitor wrote) and of
 * transcripts: a plain-text part and a simple HTML part, every value escaped, no images, no
 * tracking. In English for now, like `templates.ts`.
 *
 * @module
 */

import { type EmailContent, escapeHtml } from "./templates.ts";
import type { AlertEntry, TranscriptLine } from "../../db/sql_agent_mail.ts";

/** Longest quote of a visitor's message in an alert (the console has the rest). */
const QUOTE_CHARS = 500;

function quote(body: string): string {
  const t = body.trim();
  return t.length > QUOTE_CHARS ? `${t.slice(0, QUOTE_CHARS - 1)}…` : t;
}

/** Escaped text with its line breaks kept. */
function html(text: string): string {
  return escapeHtml(text).replace(/\r?\n/g, "<br>");
}

function document(body: string): string {
  return `<!doctype html>
<html><body style="font-family: sans-serif; line-height: 1.5; color: #1f2937">
${body}
</body></html>`;
}

function who(e: { visitorName: string; visitorEmail: string | null }): string {
  return e.visitorEmail ? `${e.visitorName} <${e.visitorEmail}>` : e.visitorName;
}

/** `2026-12-02 10:04 UTC`: one zone for every reader of a shared inbox. */
export function utcTime(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

/**
 * The digest of new conversations on a site nobody was online for. `link(id)` is the console's
 * address of a conversation.
 */
export function digestEmail(
  v: { siteName: string; entries: AlertEntry[]; link: (conversationId: string) => string },
): EmailContent {
  const n = v.entries.length;
  const subject = n === 1
    ? `New conversation on ${v.siteName}`
    : `${n} new conversations on ${v.siteName}`;
  const intro = n === 1
    ? `A visitor started a conversation on ${v.siteName} while no agent was online.`
    : `Visitors started ${n} conversations on ${v.siteName} while no agent was online.`;
  const text = v.entries.map((e) =>
    `${who(e)}, ${utcTime(e.createdAt)}:\n${quote(e.firstMessage)}\n${v.link(e.conversationId)}`
  ).join("\n\n");
  const items = v.entries.map((e) =>
    `<li><p><strong>${escapeHtml(who(e))}</strong>, ${escapeHtml(utcTime(e.createdAt))}<br>` +
    `${html(quote(e.firstMessage))}<br>` +
    `<a href="${escapeHtml(v.link(e.conversationId))}">Open in Parley</a></p></li>`
  ).join("\n");
  return {
    subject,
    text: `${intro}\n\n${text}\n`,
    html: document(`<p>${escapeHtml(intro)}</p>\n<ul>\n${items}\n</ul>`),
  };
}

/** A conversation assigned to the agent by someone else or by routing. */
export function assignedEmail(
  v: { agentName: string; siteName: string; entry: AlertEntry; link: string },
): EmailContent {
  const by = v.entry.assignedBy ?? "Routing";
  const intro = `Hello ${v.agentName},`;
  const what = `${by} assigned you a conversation with ${who(v.entry)} on ${v.siteName}.`;
  const first = quote(v.entry.firstMessage);
  return {
    subject: `Conversation assigned to you: ${v.entry.visitorName}`,
    text: `${intro}\n\n${what}\n\n${first}\n\n${v.link}\n`,
    html: document(
      `<p>${escapeHtml(intro)}</p>\n<p>${escapeHtml(what)}</p>\n<p>${html(first)}</p>\n` +
        `<p><a href="${escapeHtml(v.link)}">Open in Parley</a></p>`,
    ),
  };
}

/** The visitor wrote in a conversation assigned to the agent while the agent was offline. */
export function visitorWroteEmail(
  v: { agentName: string; siteName: string; entry: AlertEntry; link: string },
): EmailContent {
  const intro = `Hello ${v.agentName},`;
  const what = `${who(v.entry)} wrote in your conversation on ${v.siteName}:`;
  const last = quote(v.entry.lastVisitorMessage);
  return {
    subject: `${v.entry.visitorName} wrote to you`,
    text: `${intro}\n\n${what}\n\n${last}\n\n${v.link}\n`,
    html: document(
      `<p>${escapeHtml(intro)}</p>\n<p>${escapeHtml(what)}</p>\n<p>${html(last)}</p>\n` +
        `<p><a href="${escapeHtml(v.link)}">Open in Parley</a></p>`,
    ),
  };
}

/** A conversation's transcript: every visitor-visible message with its author and time. */
export function transcriptEmail(
  v: { siteName: string; visitorName: string; lines: TranscriptLine[] },
): EmailContent {
  const label = (l: TranscriptLine) => l.authorName ?? (l.authorKind === "system" ? "" : "Agent");
  const text = v.lines.map((l) => {
    const head = l.authorKind === "system"
      ? `[${utcTime(l.createdAt)}]`
      : `[${utcTime(l.createdAt)}] ${label(l)}:`;
    return `${head} ${l.body}`;
  }).join("\n");
  const rows = v.lines.map((l) => {
    const at = escapeHtml(utcTime(l.createdAt));
    return l.authorKind === "system"
      ? `<p style="color: #6b7280"><em>${html(l.body)}</em> · ${at}</p>`
      : `<p><strong>${escapeHtml(label(l))}</strong> · ${at}<br>${html(l.body)}</p>`;
  }).join("\n");
  const intro = `Hello ${v.visitorName}, here is your conversation with ${v.siteName}.`;
  return {
    subject: `Your conversation with ${v.siteName}`,
    text: `${intro}\n\n${text}\n`,
    html: document(`<p>${escapeHtml(intro)}</p>\n${rows}`),
  };
}
