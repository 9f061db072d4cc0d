/**
 * Where the search results go in the inbox column: fetches their chunk (`search/mod.ts`) the
 * first time a search is made, like the Reports view, and shows a status line meanwhile or an
 * alert when the chunk cannot be fetched (after a deploy replaced the files, reloading helps).
 *
 * @module
 */

import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import type { Session } from "../session.ts";
import { timeAgo } from "../format.ts";
import { LabelChips } from "./LabelChips.tsx";

/** What the chunk uses of the page's own modules (see `SearchKit`). */
const KIT = { timeAgo, LabelChips };

type SearchModule = typeof import("../search/mod.ts");

/** The lazily loaded search results view (with its filter row). */
export function SearchPanel({ session }: { session: Session }) {
  const mod = useSignal<SearchModule | null>(null);
  const failed = useSignal(false);
  useEffect(() => {
    import("../search/mod.ts").then((m) => (mod.value = m), () => (failed.value = true));
  }, []);
  if (failed.value) {
    return <p role="alert">Search could not be loaded. Reload the page to try again.</p>;
  }
  const m = mod.value;
  if (m === null) return <p role="status" class="empty-list">Loading search…</p>;
  return <m.SearchResults session={session} kit={KIT} />;
}
