import { useComputed } from "@preact/signals";
import type { SearchFilters } from "../api.ts";
import type { Session } from "../session.ts";
import { Field } from "../components/Field.tsx";

/** The choices of the Status filter: one state, or the work still to do. */
const STATUS_CHOICES = [
  ["", "Any status"],
  ["queued,open", "Unresolved"],
  ["queued", "Waiting"],
  ["open", "Open"],
  ["resolved", "Resolved"],
] as const;

/**
 * The search's filter row: Label, Site, Agent and Status (selects), From and To (dates, whole
 * days where the agent is). Changing any searches again with the same words.
 */
export function SearchFilterRow({ session }: { session: Session }) {
  const { model, resources, sites } = session;
  const f = resources.searchFilters.value;
  const set = (name: keyof SearchFilters) => (e: { currentTarget: { value: string } }) =>
    void resources.setSearchFilter(name, e.currentTarget.value);
  const meId = model.me.value.id;
  const agents =
    useComputed(() => [...model.agents.value.values()].sort((a, b) => a.name.localeCompare(b.name)))
      .value;
  return (
    <div class="search-filters" role="group" aria-label="Search filters">
      <Field label="Label">
        <select value={f.label} onChange={set("label")}>
          <option value="">Any label</option>
          {[...model.labels.value.values()].map((l) => (
            <option key={l.id} value={l.id}>{l.name}</option>
          ))}
        </select>
      </Field>
      <Field label="Site">
        <select value={f.site} onChange={set("site")}>
          <option value="">Any site</option>
          {sites.sites.value.map((s) => <option key={s.id} value={s.id}>{s.name}</option>)}
        </select>
      </Field>
      <Field label="Agent">
        <select value={f.agent} onChange={set("agent")}>
          <option value="">Anyone</option>
          <option value="none">Unassigned</option>
          {agents.map((a) => (
            <option key={a.id} value={a.id}>{a.id === meId ? `${a.name} (you)` : a.name}</option>
          ))}
        </select>
      </Field>
      <Field label="Status">
        <select value={f.status} onChange={set("status")}>
          {STATUS_CHOICES.map(([v, text]) => <option key={v} value={v}>{text}</option>)}
        </select>
      </Field>
      <Field label="From">
        <input type="date" value={f.from} max={f.to || undefined} onChange={set("from")} />
      </Field>
      <Field label="To">
        <input type="date" value={f.to} min={f.from || undefined} onChange={set("to")} />
      </Field>
    </div>
  );
}
