/**
 * Reads one raw inbound email (RFC 5322 / MIME, as a Postfix pipe or a provider's raw-MIME
 * webhook delivers it) into what matching a reply needs: who sent it, which addresses it went to,
 * which emails it answers, whether a machine wrote it, and the reply's text.
 *
 * MIME, transfer encodings, charsets and HTML-to-text are mailparser's (the nodemailer project's);
 * the reply's text, without quotes and signature, is `reply_text.ts`'s.
 *
 * @module
 */

// @ts-types="@types/mailparser"
import { type AddressObject, type ParsedMail, simpleParser } from "mailparser";
import { Buffer } from "node:buffer";
import { sha256Hex } from "../accounts/tokens.ts";
import { ErrorCode } from "../../protocol/codes.ts";
import { ParleyError } from "../errors.ts";

/** What Parley reads of an inbound email. */
export interface InboundEmail {
  /**
   * `<id@host>` from the `Message-ID` header; for an email without one, an id made from the raw
   * bytes' hash, so a provider's retry of the same bytes is still recognised.
   */
  messageId: string;
  /** The `From` address, lower-cased. */
  from: string;
  /**
   * Every address the email names as a recipient: `To`, `Cc`, and the headers mail systems add
   * for the envelope (`Delivered-To`, `X-Original-To`, `Envelope-To`, `X-Forwarded-To`).
   */
  recipients: string[];
  /** The ids of `In-Reply-To`. */
  inReplyTo: string[];
  /** The ids of `References`, newest (the parent) first. */
  references: string[];
  /** Written by a machine: an auto-reply, a bounce, a list (see {@link isAutomatic}). */
  automatic: boolean;
  /** The text part, or the HTML part made text when there is none; "" when neither. */
  text: string;
}

/** Headers naming where an email was delivered, besides `To` and `Cc`. */
const ENVELOPE_HEADERS = ["delivered-to", "x-original-to", "envelope-to", "x-forwarded-to"];

/** `Precedence` values of mail no person wrote. */
const MACHINE_PRECEDENCE = new Set(["bulk", "auto_reply", "list", "junk"]);

const MESSAGE_ID = /<[^<>\s]+>/g;
const ADDRESS = /[^\s<>,;:"'()[\]]+@[^\s<>,;:"'()[\]]+/g;

/**
 * Parses `raw`. Throws {@link ErrorCode.MailRefused} when it is not an email (no `From`
 * address: mailparser reads anything, a garbage body included, as some message).
 */
export async function parseInboundEmail(raw: Uint8Array): Promise<InboundEmail> {
  let mail: ParsedMail;
  try {
    // Links in HTML-only mail become "text [url]"; images and their data are left out.
    mail = await simpleParser(Buffer.from(raw), { skipImageLinks: true, skipTextToHtml: true });
  } catch (err) {
    throw new ParleyError(ErrorCode.MailRefused, "The body is not a MIME email", { cause: err });
  }
  const from = firstAddress(mail.from);
  if (from === null) {
    throw new ParleyError(
      ErrorCode.MailRefused,
      "The body is not an email: it has no From address",
    );
  }
  const ownId = mail.messageId?.match(MESSAGE_ID)?.[0];
  return {
    messageId: ownId ??
      `<${(await sha256Hex(new TextDecoder().decode(raw))).slice(0, 40)}@parley.invalid>`,
    from,
    recipients: recipients(mail),
    inReplyTo: ids(mail.inReplyTo),
    references: ids(mail.references).reverse(),
    automatic: isAutomatic(mail.headers),
    text: mail.text ?? "",
  };
}

/**
 * Whether a machine wrote the email (RFC 3834 and common practice): `Auto-Submitted` other than
 * `no`, `X-Autoreply` or `X-Autorespond`, `Precedence: bulk | auto_reply | list | junk`, or a
 * delivery or read report (`multipart/report`). Answering these would start mail loops, and
 * appending them would put an out-of-office note in the conversation.
 */
export function isAutomatic(headers: ReadonlyMap<string, unknown>): boolean {
  const text = (name: string) => {
    const v = headers.get(name);
    if (v === undefined || v === null) return null;
    const s = typeof v === "object" && "value" in v ? String(v.value) : String(v);
    return s.trim().toLowerCase();
  };
  const submitted = text("auto-submitted");
  if (submitted !== null && submitted.split(";")[0].trim() !== "no") return true;
  if (text("x-autoreply") !== null || text("x-autorespond") !== null) return true;
  if (MACHINE_PRECEDENCE.has(text("precedence") ?? "")) return true;
  return text("content-type")?.startsWith("multipart/report") === true;
}

function firstAddress(field: AddressObject | AddressObject[] | undefined): string | null {
  const list = Array.isArray(field) ? field : field ? [field] : [];
  for (const group of list) {
    for (const a of group.value) {
      const found = a.address ?? a.group?.find((g) => g.address)?.address;
      if (found && found.includes("@")) return found.trim().toLowerCase();
    }
  }
  return null;
}

/**
 * The recipients, read from the raw header lines: mailparser parses only some of the envelope
 * headers as addresses, and a display name never matches a signed reply address anyway.
 */
function recipients(mail: ParsedMail): string[] {
  const names = new Set(["to", "cc", ...ENVELOPE_HEADERS]);
  const found = new Set<string>();
  for (const { key, line } of mail.headerLines) {
    if (!names.has(key)) continue;
    const value = line.slice(line.indexOf(":") + 1);
    for (const a of value.match(ADDRESS) ?? []) found.add(a);
  }
  return [...found];
}

function ids(value: string | string[] | undefined): string[] {
  const all = Array.isArray(value) ? value.join(" ") : value ?? "";
  return all.match(MESSAGE_ID) ?? [];
}
