import { PRIORITIES, type Priority } from "../../../protocol/frames.ts";
import type { ConversationSummary } from "../../../protocol/frames.ts";
import type { Session } from "../session.ts";
import { useMemo } from "preact/hooks";
import { latestOnly } from "../latest_only.ts";

/** How each priority reads. */
export const PRIORITY_TEXT: Record<Priority, string> = {
  none: "No priority",
  low: "Low",
  medium: "Medium",
  high: "High",
  urgent: "Urgent",
};

/**
 * "Priority": a native select (keyboard and screen readers know it; the `p` shortcut focuses
 * it). The change is sent to the server; the row and header follow the live summary.
 */
export function PriorityMenu({ session, c }: { session: Session; c: ConversationSummary }) {
  // Arrow keys on the select fire a change per step: send one at a time, the newest last.
  const sender = useMemo(
    () =>
      latestOnly<Priority>(
        (p) => session.api.setPriority(c.id, p),
        (err) =>
          session.model.notify(
            `Priority not changed: ${String((err as Error)?.message ?? err)}`,
            "error",
          ),
      ),
    [session, c.id],
  );
  return (
    <label class="priority-menu">
      <span class="sr-only">Priority</span>
      <select
        id="priority"
        aria-label="Priority"
        value={c.priority ?? "none"}
        onChange={(e) => {
          const next = e.currentTarget.value as Priority;
          if (PRIORITIES.includes(next)) sender.send(next);
        }}
      >
        {PRIORITIES.map((p) => <option key={p} value={p}>{PRIORITY_TEXT[p]}</option>)}
      </select>
    </label>
  );
}

/** The priority badge of an inbox row: high and urgent only, in words. */
export function PriorityBadge({ priority }: { priority: Priority | undefined }) {
  if (priority !== "high" && priority !== "urgent") return null;
  return <span class={`badge badge-${priority}`}>{PRIORITY_TEXT[priority]}</span>;
}
