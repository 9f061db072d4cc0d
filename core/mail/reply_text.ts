/**
 * The words a visitor typed in an email reply, without the quoted history and the signature
 * under them (docs/email.md, "Replies by email"): what becomes their chat message.
 *
 * The work is [email-reply-parser](https://github.com/crisp-oss/email-reply-parser) (Crisp's,
 * MIT, no dependencies), which knows the quote headers of many mail clients and languages
 * (`On … wrote:`, `Le … a écrit :`, `Am … schrieb …:`, `El … escribió:`, `-----Original
 * Message-----`, `From: … <…>`), `>`-quoted blocks and signatures (`-- `, "Sent from my iPhone",
 * "Get Outlook for iOS"). This module only makes its input safe and its output tidy.
 *
 * Safe: without the optional native `re2` module the library runs its patterns on JavaScript's
 * backtracking engine, and several of them (`^\s*…`, `(.*)[0-9]{4}(.*)from(.*)<(.*)>:`) take
 * time that grows with the square or the cube of a line's length: a crafted 8,000-character line
 * holds the event loop for seconds. So the parser sees lines trimmed of their surrounding blanks,
 * runs of blank lines folded into one (which the reply keeps anyway), at most
 * {@link PARSED_CHARS} characters in {@link PARSED_LINES} lines, and only the first
 * {@link PARSED_LINE_CHARS} of a longer line, whose whole text is put back afterwards. No quote
 * header or signature is that long.
 *
 * @module
 */

import EmailReplyParser from "email-reply-parser";
import { MAX_BODY_CHARS } from "../../protocol/limits.ts";

/**
 * How much of an email's text the parser reads: twice a chat message, since the reply comes
 * first (top-posting) and its quoted history, which is dropped, follows.
 */
export const PARSED_CHARS = 2 * MAX_BODY_CHARS;

/** The longest line the parser sees whole (about 0.5 ms per pattern at this length). */
export const PARSED_LINE_CHARS = 400;

/**
 * The most lines the parser reads: its multi-line patterns (`^(在[\s\S]+写道：)$`) cost the text's
 * length for every line that starts like them.
 */
export const PARSED_LINES = 400;

// Private-use characters around the index of a shortened line: no mail text carries them.
const OPEN = "\uE000";
const CLOSE = "\uE001";
const PLACEHOLDER = new RegExp(`${OPEN}(\\d+)${CLOSE}$`);

/**
 * The reply in `text` (an email's plain text, or its HTML made text): without quoted history or
 * signature, trimmed, blank lines folded, at most {@link MAX_BODY_CHARS} characters (an ellipsis
 * marks a cut). Empty when nothing is left.
 */
export function replyText(text: string): string {
  const long: string[] = [];
  const lines = text
    .replace(/\r\n?/g, "\n")
    // Control characters (a NUL is refused by Postgres) and the placeholders' own characters.
    // deno-lint-ignore no-control-regex
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\uE000\uE001]/g, "")
    .slice(0, PARSED_CHARS)
    .split("\n", PARSED_LINES)
    .map((line) => {
      const trimmed = line.trim();
      if (trimmed.length <= PARSED_LINE_CHARS) return trimmed;
      long.push(trimmed);
      // The head keeps a signature's or header's look; the index brings the whole line back.
      return `${trimmed.slice(0, PARSED_LINE_CHARS)} ${OPEN}${long.length - 1}${CLOSE}`;
    });
  const folded = lines.join("\n").replace(/\n{3,}/g, "\n\n");
  const visible = new EmailReplyParser().parseReply(folded);
  return tidy(restoreLines(visible, long));
}

/** Puts each shortened line left in the parser's output back whole. */
function restoreLines(text: string, long: readonly string[]): string {
  if (long.length === 0) return text;
  return text.split("\n").map((line) => {
    const m = PLACEHOLDER.exec(line);
    return m ? long[Number(m[1])] ?? line : line;
  }).join("\n");
}

/**
 * Trims, folds blank lines, drops rules left at the end (HTML mail's `<hr>` above the quoted
 * message becomes a line of dashes), and cuts at {@link MAX_BODY_CHARS}.
 */
function tidy(text: string): string {
  const lines = text.split("\n").map((line) => line.trimEnd());
  while (lines.length > 0 && /^[-_=* ]*$/.test(lines[lines.length - 1])) lines.pop();
  const t = lines.join("\n").replace(/\n{3,}/g, "\n\n").trim();
  if (t.length <= MAX_BODY_CHARS) return t;
  return `${t.slice(0, MAX_BODY_CHARS - 1).trimEnd()}…`;
}
