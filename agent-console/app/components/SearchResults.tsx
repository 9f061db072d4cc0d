import type { ComponentChildren } from "preact";
import { timeAgo } from "../format.ts";
import type { Session } from "../session.ts";

/** Wraps each query word found in `text` in `<mark>`; everything stays a text node. */
export function highlight(text: string, query: string): ComponentChildren[] {
  const words = query.split(/\s+/).filter((w) => w.length > 1).map((w) =>
    w.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")
  );
  if (words.length === 0) return [text];
  const re = new RegExp(`(${words.join("|")})`, "gi");
  return text.split(re).map((part, i) => i % 2 === 1 ? <mark key={i}>{part}</mark> : part);
}

/** Full-text search hits across all messages; a hit opens its conversation. */
export function SearchResults({ session }: { session: Session }) {
  const { model, resources } = session;
  const hits = resources.searchHits.value;
  const q = resources.searchQuery.value;
  const now = model.clock.value;
  return (
    <section class="search-results" aria-label="Search results">
      <div class="search-head">
        <span role="status">
          {resources.searching.value
            ? "Searching…"
            : `${hits?.length ?? 0} result${hits?.length === 1 ? "" : "s"} for “${q}”`}
        </span>
        <button type="button" class="button ghost" onClick={() => resources.clearSearch()}>
          Close search
        </button>
      </div>
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
                    {timeAgo(h.message.createdAt, now)}
                  </time>
                </span>
                <span class="hit-body">
                  {h.message.note && <span class="badge badge-note">Note</span>}
                  {h.message.authorName ? `${h.message.authorName}: ` : ""}
                  {highlight(h.message.body.slice(0, 300), q)}
                </span>
              </span>
            </a>
          </li>
        ))}
      </ul>
    </section>
  );
}
