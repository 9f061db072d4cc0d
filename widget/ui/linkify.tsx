/**
 * Turns message text into text nodes and safe links. Only `http(s)://` and `www.` URLs become
 * links; everything else stays text, so nothing a visitor or agent types is ever parsed as HTML.
 *
 * @module
 */

import type { JSX } from "preact";

/** A run of plain text, or a link with its display text and safe href. */
export type TextPart = string | { text: string; href: string };

const URL_RE = /\b(?:https?:\/\/|www\.)[^\s<>"']+/gi;
const TRAILING = /[.,;:!?)\]}'"]$/;

/** Splits `text` into plain runs and links (trailing punctuation stays outside the link). */
export function splitLinks(text: string): TextPart[] {
  const parts: TextPart[] = [];
  let last = 0;
  for (const match of text.matchAll(URL_RE)) {
    let url = match[0];
    // Drop trailing punctuation, but keep a ")" that closes a "(" inside the URL (Wikipedia).
    while (TRAILING.test(url)) {
      if (url.endsWith(")") && url.split("(").length >= url.split(")").length) break;
      url = url.slice(0, -1);
    }
    const start = match.index;
    const href = /^www\./i.test(url) ? `https://${url}` : url;
    if (!isSafeHref(href)) continue;
    if (start > last) parts.push(text.slice(last, start));
    parts.push({ text: url, href });
    last = start + url.length;
  }
  if (last < text.length) parts.push(text.slice(last));
  return parts;
}

function isSafeHref(href: string): boolean {
  try {
    const url = new URL(href);
    return (url.protocol === "https:" || url.protocol === "http:") && url.hostname.includes(".");
  } catch {
    return false;
  }
}

/** Renders `text` with its URLs as links opening in a new tab without referrer or opener. */
export function Linkified({ text }: { text: string }): JSX.Element {
  return (
    <>
      {splitLinks(text).map((part, i) =>
        typeof part === "string"
          ? part
          : <a key={i} href={part.href} target="_blank" rel="noopener noreferrer">{part.text}</a>
      )}
    </>
  );
}
