import type { ComponentChildren } from "preact";
import { errorText } from "../api.ts";
import { bulkNotices, type BulkRequest } from "../bulk.ts";
import type { Session } from "../session.ts";
import { usePopup } from "./popup.ts";

/**
 * Above the inbox rows: "Select all" (every row of the view), and once a row is ticked the
 * "Bulk actions" toolbar: how many, "Assign to…" (an agent, or the queue), "Add label…",
 * "Resolve" and "Clear selection". Results come back as notices. The rows stay ticked, so one
 * action can follow another (label, then resolve); those that leave the view drop out.
 */
export function BulkBar({ session, order }: { session: Session; order: readonly string[] }) {
  const { bulk, model } = session;
  const ticked = bulk.ids.value;
  const n = ticked.size;
  const run = async (req: BulkRequest, done: string) => {
    try {
      const out = await session.api.bulk(order.filter((id) => ticked.has(id)), req);
      for (const m of bulkNotices(out, done)) model.notify(m.text, m.tone);
    } catch (err) {
      model.notify(`Nothing changed: ${errorText(err)}`, "error");
    }
  };
  const agents = [...model.agents.value.values()]
    .filter((a) => !a.disabled && !a.invited)
    .sort((a, b) => a.name.localeCompare(b.name));
  return (
    <div class="bulk">
      <label class="bulk-all">
        <input
          type="checkbox"
          checked={n > 0 && n === order.length}
          indeterminate={n > 0 && n < order.length}
          onChange={(e) => bulk.all(order, e.currentTarget.checked)}
        />
        Select all
      </label>
      {n > 0 && (
        <div class="bulk-bar" role="toolbar" aria-label="Bulk actions">
          <span class="bulk-count">{n} selected</span>
          <span class="bulk-actions">
            <Menu label="Assign to">
              <button
                type="button"
                class="transfer-item"
                onClick={() => run({ action: "assign", agentId: null }, "put back in the queue")}
              >
                Queue
              </button>
              {agents.map((a) => (
                <button
                  key={a.id}
                  type="button"
                  class="transfer-item"
                  onClick={() => run({ action: "assign", agentId: a.id }, `assigned to ${a.name}`)}
                >
                  {a.name}
                  <span class={`transfer-status status-${a.status}`}>{a.status}</span>
                </button>
              ))}
            </Menu>
            <Menu label="Add label">
              {[...model.labels.value.values()].map((l) => (
                <button
                  key={l.id}
                  type="button"
                  class="transfer-item"
                  style={{ "--label": l.color }}
                  onClick={() => run({ action: "label", labelId: l.id }, `labelled ${l.name}`)}
                >
                  <span class="label-dot" aria-hidden="true" />
                  {l.name}
                </button>
              ))}
              {model.labels.value.size === 0 && <p class="label-none">No labels yet</p>}
            </Menu>
            <button
              type="button"
              class="button"
              onClick={() => run({ action: "resolve" }, "resolved")}
            >
              Resolve
            </button>
          </span>
          <button type="button" class="button ghost" onClick={() => bulk.clear()}>
            Clear selection
          </button>
        </div>
      )}
    </div>
  );
}

/** A toggle and a group of choices; choosing one closes it. */
function Menu({ label, children }: { label: string; children: ComponentChildren }) {
  const p = usePopup();
  return (
    <span class="transfer">
      <button
        type="button"
        class="button"
        ref={p.toggle}
        aria-expanded={p.open.value}
        onClick={() => (p.open.value = !p.open.value)}
      >
        {label}…
      </button>
      {p.open.value && (
        <div
          class="transfer-menu"
          role="group"
          aria-label={label}
          ref={p.panel}
          onClick={(e) => (e.target as Element).closest("button") && p.close(true)}
          onKeyDown={(e) => {
            if (e.key !== "Escape") return;
            // Only the menu closes: the console's Escape would close the conversation.
            e.stopPropagation();
            p.close(true);
          }}
        >
          {children}
        </div>
      )}
    </span>
  );
}
