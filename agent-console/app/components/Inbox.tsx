import type { ConversationSummary } from "../../../protocol/frames.ts";
import { timeAgo, visitorLabel } from "../format.ts";
import type { ConsoleModel } from "../model.ts";
import { formatHash } from "../router.ts";
import type { Session } from "../session.ts";
import { VIEW_LABELS, type ViewName, VIEWS } from "../views.ts";
import { isSnoozed, isUnread } from "../views.ts";
import { snoozeTime } from "../snooze.ts";
import { Avatar } from "./Avatar.tsx";
import { SearchPanel } from "./SearchPanel.tsx";
import { LabelChips } from "./LabelChips.tsx";
import { PriorityBadge } from "./PriorityMenu.tsx";
import { InboxOrganise, organised } from "./InboxOrganise.tsx";
import { useEffect } from "preact/hooks";
import { BulkBar } from "./BulkBar.tsx";

const EMPTY: Record<ViewName, string> = {
  queue: "Nobody is waiting. New conversations appear here instantly.",
  mine: "No conversations assigned to you. Accept one from the queue.",
  open: "No open conversations.",
  resolved: "No resolved conversations yet.",
  snoozed: "No snoozed conversations. Snooze one from its header (z) to park it until later.",
};

/**
 * The inbox column: view switcher with live counts, then the rows (or the search results, a lazily
 * loaded view).
 */
export function Inbox({ session }: { session: Session }) {
  const { model, resources } = session;
  const view = model.view.value;
  const counts = model.counts.value;
  const list = organised(model, model.currentList.value);
  const searching = resources.searchHits.value !== null || resources.searching.value;
  const { sites, bulk } = session;
  const order = list.map((c) => c.id);
  const ticked = bulk.ids.value;
  // A view change starts a new selection; rows that leave the view (resolved, filtered out) drop.
  useEffect(() => bulk.clear(), [view]);
  useEffect(() => bulk.keep(order), [order.join()]);
  return (
    <section class="inbox" aria-label="Inbox">
      {/* The search has filters of its own; the inbox's do not apply to it. */}
      {sites.multiple.value && !searching && <SiteFilter session={session} />}
      {!searching && <InboxOrganise model={model} />}
      <div
        class="views"
        role="tablist"
        aria-label="Inbox views"
        onKeyDown={(e) => {
          // Arrow keys move between tabs (WAI-ARIA tabs pattern); Tab leaves the tab list.
          const step = e.key === "ArrowRight" ? 1 : e.key === "ArrowLeft" ? -1 : 0;
          if (step === 0) return;
          e.preventDefault();
          const next = VIEWS[(VIEWS.indexOf(view) + step + VIEWS.length) % VIEWS.length];
          resources.clearSearch();
          model.setView(next);
          document.getElementById(`tab-${next}`)?.focus();
        }}
      >
        {VIEWS.map((v) => (
          <button
            key={v}
            id={`tab-${v}`}
            type="button"
            role="tab"
            class="view-button"
            aria-selected={view === v && !searching}
            aria-controls="inbox-panel"
            tabIndex={view === v ? 0 : -1}
            onClick={() => {
              resources.clearSearch();
              model.setView(v);
            }}
          >
            <span>{VIEW_LABELS[v]}</span>
            <span class={`count ${v === "queue" && counts.queue > 0 ? "count-hot" : ""}`}>
              {counts[v]}
            </span>
          </button>
        ))}
      </div>
      {searching
        ? <SearchPanel session={session} />
        : (
          <div class="rows-scroll" id="inbox-panel" role="tabpanel" aria-labelledby={`tab-${view}`}>
            {!model.ready.value
              ? <p class="empty-list">Loading conversations…</p>
              : list.length === 0
              ? <p class="empty-list">{EMPTY[view]}</p>
              : (
                <>
                  <BulkBar session={session} order={order} />
                  <ul class="rows" aria-label={`${VIEW_LABELS[view]} conversations`}>
                    {list.map((c) => (
                      <Row
                        key={c.id}
                        model={model}
                        c={c}
                        view={view}
                        site={sites.label(c.siteId)}
                        ticked={ticked.has(c.id)}
                        tick={(range) => bulk.toggle(c.id, order, range)}
                      />
                    ))}
                  </ul>
                </>
              )}
            {view === "resolved" && model.ready.value && model.resolvedHasMore.value && (
              <button
                type="button"
                class="button ghost block"
                onClick={() => model.loadMoreResolved()}
              >
                Load more resolved
              </button>
            )}
          </div>
        )}
    </section>
  );
}

/** "Site": every site, or one (hidden when the agent sees a single site). */
function SiteFilter({ session }: { session: Session }) {
  const { sites } = session;
  return (
    <label class="site-filter">
      <span>Site</span>
      <select
        value={sites.filter.value ?? ""}
        onChange={(e) => {
          const v = e.currentTarget.value;
          void sites.choose(v === "" ? null : v);
        }}
      >
        <option value="">All sites</option>
        {sites.sites.value.map((s) => <option key={s.id} value={s.id}>{s.name}</option>)}
      </select>
    </label>
  );
}

function Row(
  { model, c, view, site, ticked, tick }: {
    model: ConsoleModel;
    c: ConversationSummary;
    view: ViewName;
    /** The site's name when the agent sees several, else null. */
    site: string | null;
    /** Ticked for a bulk action (`BulkBar`). */
    ticked: boolean;
    /** Ticks or unticks the row; `range` (shift-click) from the last one clicked. */
    tick(range: boolean): void;
  },
) {
  const selected = model.selectedId.value === c.id;
  const name = visitorLabel(c.visitorName, c.visitorId);
  const now = model.clock.value;
  const unread = isUnread(c) && !selected;
  const visitorTyping = model.typing.value.get(c.id)?.visitor ?? null;
  const visitor = model.visitors.value.get(c.visitorId);
  const assignee = c.assigneeId === null ? null : model.agents.value.get(c.assigneeId);
  const meId = model.me.value.id;
  const last = c.lastMessage;
  return (
    // `data-row`: the `x` shortcut ticks the row that has the focus. The checkbox sits beside the
    // link, not in it: a control inside a link is neither valid nor reachable on its own.
    <li class={`row-item${ticked ? " row-ticked" : ""}`} data-row={c.id}>
      <input
        type="checkbox"
        class="row-check"
        aria-label={`Select ${name}`}
        checked={ticked}
        onClick={(e) => tick(e.shiftKey)}
      />
      <a
        class={`row ${selected ? "row-selected" : ""} ${unread ? "row-unread" : ""}`}
        href={formatHash({ view, conversationId: c.id })}
        aria-current={selected ? "true" : undefined}
        onClick={(e) => {
          if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey) return;
          e.preventDefault();
          model.select(c.id);
        }}
      >
        <Avatar
          id={c.visitorId}
          name={name}
          status={visitor ? (visitor.online ? "online" : "offline") : null}
        />
        <span class="row-main">
          <span class="row-top">
            <span class="row-name">{name}</span>
            <time class="row-time" dateTime={last?.createdAt ?? c.updatedAt}>
              {timeAgo(last?.createdAt ?? c.updatedAt, now)}
            </time>
          </span>
          <span class="row-preview">
            {visitorTyping
              ? <em class="typing-inline">typing…</em>
              : last
              ? `${
                last.authorKind === "agent" || last.authorKind === "bot" ? "↩ " : ""
              }${last.body}`
              : <em>No messages yet</em>}
          </span>
          <span class="row-meta">
            <PriorityBadge priority={c.priority} />
            {c.status === "queued" && <span class="badge badge-queued">Waiting</span>}
            {site !== null && <span class="badge badge-site">{site}</span>}
            {c.status === "resolved" && <span class="badge">Resolved</span>}
            {isSnoozed(c) && (
              <span class="badge badge-snoozed">
                Snoozed until {snoozeTime(c.snoozedUntil ?? "", now)}
              </span>
            )}
            {assignee && (
              <span class="badge badge-assignee">
                {assignee.id === meId ? "You" : assignee.name}
              </span>
            )}
            <LabelChips ids={c.labels} labels={model.labels.value} />
            {unread && (
              <span class="unread-dot">
                <span class="sr-only">Unread</span>
              </span>
            )}
          </span>
        </span>
      </a>
    </li>
  );
}
