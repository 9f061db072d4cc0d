import type { ComponentChildren } from "preact";
import { hasSearchFilters, type SearchHit } from "../api.ts";
import type { timeAgo } from "../format.ts";
import type { Session } from "../session.ts";
import type { LabelChips } from "../components/LabelChips.tsx";
import { SearchFilterRow } from "./SearchFilters.tsx";

const STATUS_BADGES = { queued: "Waiting", open: "Open", resolved: "Resolved" } as const;

/** Wraps each query word found in `text` in `<mark>`; everything stays a text node. */
export function highlight(text: string, query: string): ComponentChildren[] {
  const words = query.split(/\s+/).filter((w) => w.length > 1).map((w) =>
    w.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")
  );
  if (words.length === 0) return [text];
  const re = new RegExp(`(${words.join("|")})`, "gi");
  return text.split(re).map((part, i) => i % 2 === 1 ? <mark key={i}>{part}</mark> : part);
}

/** What the status line says of the search. */
function summary(session: Session): string {
  const { resources } = session;
  if (resources.searching.value) return "Searching…";
  const n = resources.searchHits.value?.length ?? 0;
  const q = resources.searchQuery.value;
  const filtered = hasSearchFilters(resources.searchFilters.value);
  if (q === "" && !filtered) return "Type words or choose a filter";
  const found = `${n} result${n === 1 ? "" : "s"}`;
  return q === "" ? `${found} for the filters` : `${found} for “${q}”`;
}

/**
 * What the page has already loaded, handed in rather than imported: a module both the page and
 * this chunk import becomes a file of its own in the build (esbuild splits by who imports what),
 * and every extra file the page loads costs it compressed bytes.
 */
export interface SearchKit {
  timeAgo: typeof timeAgo;
  LabelChips: typeof LabelChips;
}

/** Props of {@link SearchResults}. */
export interface SearchResultsProps {
  session: Session;
  kit: SearchKit;
}

/**
 * Search hits across the conversation history, under the filter row; a hit opens its
 * conversation. Each shows its conversation's status, site, assignee and labels.
 */
export function SearchResults({ session, kit }: SearchResultsProps) {
  const { model, resources } = session;
  const hits = resources.searchHits.value;
  const q = resources.searchQuery.value;
  const now = model.clock.value;
  return (
    <section class="search-results" aria-label="Search results">
      <div class="search-head">
        <span role="status">{summary(session)}</span>
        <button type="button" class="button ghost" onClick={() => resources.clearSearch()}>
          Close search
        </button>
      </div>
      <SearchFilterRow session={session} />
      <ul class="rows">
        {(hits ?? []).map((h) => (
          <li key={h.message.id}>
            <a
              class={`row hit ${
                model.selectedId.value === h.message.conversationId ? "row-selected" : ""
              }`}
              href={`#/open/${encodeURIComponent(h.message.conversationId)}`}
              onClick={(e) => {
                e.preventDefault();
                model.openFromSearch(
                  h.message.conversationId,
                  h.message.authorKind === "visitor" ? h.message.authorId : null,
                );
              }}
            >
              <span class="row-main">
                <span class="row-top">
                  <span class="row-name">{h.visitorName || "Visitor"}</span>
                  <time class="row-time" dateTime={h.message.createdAt}>
                    {kit.timeAgo(h.message.createdAt, now)}
                  </time>
                </span>
                <span class="hit-body">
                  {h.message.note && <span class="badge badge-note">Note</span>}
                  {h.message.authorName ? `${h.message.authorName}: ` : ""}
                  {highlight(h.message.body.slice(0, 300), q)}
                </span>
                <HitMeta session={session} hit={h} kit={kit} />
              </span>
            </a>
          </li>
        ))}
      </ul>
    </section>
  );
}

/** The hit's conversation: status, site (when the agent sees several), assignee and labels. */
function HitMeta({ session, hit, kit }: { session: Session; hit: SearchHit; kit: SearchKit }) {
  const { LabelChips } = kit;
  const { model, sites } = session;
  const site = hit.siteId === undefined ? null : sites.label(hit.siteId);
  const assignee = hit.assigneeId ? model.agents.value.get(hit.assigneeId) : undefined;
  return (
    <span class="row-meta">
      {hit.status && (
        <span class={`badge ${hit.status === "queued" ? "badge-queued" : ""}`}>
          {STATUS_BADGES[hit.status]}
        </span>
      )}
      {site !== null && <span class="badge badge-site">{site}</span>}
      {assignee && (
        <span class="badge badge-assignee">
          {assignee.id === model.me.value.id ? "You" : assignee.name}
        </span>
      )}
      <LabelChips
        ids={hit.labels.map((l) => l.id)}
        labels={new Map(hit.labels.map((l) => [l.id, l]))}
      />
    </span>
  );
}
