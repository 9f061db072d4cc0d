import { PRIORITIES } from "../../../protocol/frames.ts";
import type { ConversationSummary } from "../../../protocol/frames.ts";
import type { ConsoleModel } from "../model.ts";

/**
 * The current list as the label filter and the sort say. Kept out of `inbox.ts` (the views and
 * their counts) so the counts stay those of the views.
 */
export function organised(
  model: ConsoleModel,
  list: readonly ConversationSummary[],
): readonly ConversationSummary[] {
  const label = model.labelFilter.value;
  let out = label === null || !model.labels.value.has(label)
    ? list
    : list.filter((c) => c.labels?.includes(label));
  if (model.inboxSort.value === "priority") {
    const rank = (c: ConversationSummary) => PRIORITIES.indexOf(c.priority ?? "none");
    // Stable: within a priority, the view's own order (newest first) stays.
    out = [...out].sort((a, b) => rank(b) - rank(a));
  }
  return out;
}

/**
 * "Label" filter and "Sort" above the inbox views. Each select is named by `aria-label` too: a
 * select inside its `<label>` would otherwise take the chosen option's text into its name.
 */
export function InboxOrganise({ model }: { model: ConsoleModel }) {
  const labels = [...model.labels.value.values()];
  const { labelFilter, inboxSort: sortBy } = model;
  return (
    <div class="inbox-organise">
      {labels.length > 0 && (
        <label class="site-filter">
          <span>Label</span>
          <select
            aria-label="Label"
            value={labelFilter.value ?? ""}
            onChange={(e) => {
              const v = e.currentTarget.value;
              labelFilter.value = v === "" ? null : v;
            }}
          >
            <option value="">All labels</option>
            {labels.map((l) => <option key={l.id} value={l.id}>{l.name}</option>)}
          </select>
        </label>
      )}
      <label class="site-filter">
        <span>Sort</span>
        <select
          aria-label="Sort"
          value={sortBy.value}
          onChange={(e) => {
            sortBy.value = e.currentTarget.value === "priority" ? "priority" : "newest";
          }}
        >
          <option value="newest">View order</option>
          <option value="priority">Priority</option>
        </select>
      </label>
    </div>
  );
}
