/**
 * Signed reply-to addresses (docs/email.md, "Replies by email"): an email about a conversation
 * names `reply+<conversation id>.<signature>@host` as its Reply-To, where `reply@host` is
 * `PARLEY_INBOUND_ADDRESS`. A reply sent to it names its conversation in a way nobody can forge
 * without the server's secret, whatever its headers say.
 *
 * The signature is the first 20 hex digits (80 bits) of an HMAC-SHA256: lower-case only, since
 * mail systems may change the case of a local part, and short enough that the local part stays
 * under the 64 characters SMTP allows for a conversation id of 36.
 *
 * @module
 */

import { hmacHex, safeEqual } from "../accounts/tokens.ts";

/** Makes and reads the signed reply-to addresses of one server. */
export interface ReplyAddresses {
  /** The Reply-To of an email about `conversationId`. */
  forConversation(conversationId: string): Promise<string>;
  /**
   * The conversation named by the first of `addresses` (To, Cc, Delivered-To…) that is a
   * correctly signed tag of the inbound address; null when none is.
   */
  conversationOf(addresses: readonly string[]): Promise<string | null>;
}

const SIGNATURE_HEX = 20;

/**
 * Reply addresses tagging `inboundAddress` (`reply@in.example.com`), signed with `secret` (the
 * server's signing secret; a purpose prefix keeps these signatures apart from its other uses).
 */
export function createReplyAddresses(inboundAddress: string, secret: string): ReplyAddresses {
  const at = inboundAddress.lastIndexOf("@");
  const local = inboundAddress.slice(0, at);
  const host = inboundAddress.slice(at + 1).toLowerCase();
  const sign = async (id: string) =>
    (await hmacHex(`reply-address:${secret}`, id)).slice(0, SIGNATURE_HEX);
  const pattern = new RegExp(
    `^${escapeRegExp(local)}\\+([0-9a-z-]{1,40})\\.([0-9a-f]{${SIGNATURE_HEX}})@(.+)$`,
    "i",
  );
  return {
    async forConversation(conversationId) {
      return `${local}+${conversationId}.${await sign(conversationId)}@${host}`;
    },
    async conversationOf(addresses) {
      for (const raw of addresses) {
        const m = pattern.exec(bareAddress(raw));
        if (!m || m[3].toLowerCase() !== host) continue;
        const id = m[1].toLowerCase();
        if (safeEqual(m[2].toLowerCase(), await sign(id))) return id;
      }
      return null;
    },
  };
}

/** `a@host` from `Name <a@host>` or `a@host`, trimmed. */
function bareAddress(raw: string): string {
  return (/<([^<>]+)>\s*$/.exec(raw)?.[1] ?? raw).trim();
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
