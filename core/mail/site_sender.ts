/**
 * A site's own sender for the emails about its conversations (docs/email.md, "Per-site
 * sender"): the From's display name ("Acme Support"; the address always stays
 * `PARLEY_MAIL_FROM`'s, so SPF and DKIM keep passing) and the Reply-To. Admins set both in the
 * site editor (`senderName`, `replyTo` of `/api/sites`); neither is a widget setting.
 *
 * @module
 */

import type { Store } from "../../db/store.ts";

/** What an email about a site's conversation carries as its sender. */
export interface SenderOf {
  /** The From's display name; null: `PARLEY_MAIL_FROM` as it is. */
  fromName: string | null;
  /** The Reply-To address; null: none (replies go to the From). */
  replyTo: string | null;
}

/** Looks up a site's sender: `siteSender(siteId)`. An unknown site has none. */
export type SiteSender = (siteId: string) => Promise<SenderOf>;

/**
 * A {@link SiteSender} over the store. Reads go through the store's site cache: an edit shows in
 * the next email within the cache's lifetime, which is soon enough for a display name.
 */
export function createSiteSender(store: Pick<Store, "getSite">): SiteSender {
  return async (siteId) => {
    const site = await store.getSite(siteId);
    return { fromName: site?.senderName ?? null, replyTo: site?.replyTo ?? null };
  };
}
