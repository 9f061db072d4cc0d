import { useSignal } from "@preact/signals";
import type { Label } from "../../../protocol/frames.ts";
import type { Session } from "../session.ts";

/**
 * "Labels" (admins): create, rename, recolour and delete the labels agents put on
 * conversations. The list shown is the model's, which every change reaches live (the `labels`
 * frame), so two admins editing at once both see the result.
 */
export function LabelsTab({ session }: { session: Session }) {
  const name = useSignal("");
  const color = useSignal("#2563eb");
  const busy = useSignal(false);
  const labels = [...session.model.labels.value.values()];
  const fail = (what: string) => (err: unknown) =>
    session.model.notify(`${what}: ${String((err as Error)?.message ?? err)}`, "error");
  return (
    <div class="labels-tab">
      <form
        class="label-form"
        onSubmit={(e) => {
          e.preventDefault();
          if (busy.value || name.value.trim() === "") return;
          busy.value = true;
          session.api.createLabel({ name: name.value.trim(), color: color.value })
            .then(() => (name.value = ""), fail("Label not created"))
            .finally(() => (busy.value = false));
        }}
      >
        <label>
          <span>New label</span>
          <input
            type="text"
            maxLength={40}
            required
            value={name.value}
            onInput={(e) => (name.value = e.currentTarget.value)}
          />
        </label>
        <label>
          <span>Colour</span>
          <input
            type="color"
            value={color.value}
            onInput={(e) => (color.value = e.currentTarget.value)}
          />
        </label>
        <button type="submit" class="button primary" disabled={busy.value}>Add label</button>
      </form>
      {labels.length === 0
        ? <p class="empty-list">No labels yet.</p>
        : (
          <ul class="label-admin-list" aria-label="Labels">
            {labels.map((l) => <LabelRow key={l.id} session={session} label={l} fail={fail} />)}
          </ul>
        )}
    </div>
  );
}

function LabelRow(
  { session, label, fail }: {
    session: Session;
    label: Label;
    fail: (what: string) => (err: unknown) => void;
  },
) {
  const name = useSignal(label.name);
  return (
    <li class="label-admin-row" style={{ "--label": label.color }}>
      <span class="label-dot" aria-hidden="true" />
      <input
        type="text"
        maxLength={40}
        aria-label={`Name of ${label.name}`}
        value={name.value}
        onInput={(e) => (name.value = e.currentTarget.value)}
        onBlur={() => {
          const next = name.value.trim();
          if (next !== "" && next !== label.name) {
            session.api.updateLabel(label.id, { name: next }).catch((err) => {
              name.value = label.name;
              fail("Label not renamed")(err);
            });
          }
        }}
        onKeyDown={(e) => {
          if (e.key === "Enter") e.currentTarget.blur();
        }}
      />
      <input
        type="color"
        aria-label={`Colour of ${label.name}`}
        value={label.color}
        onChange={(e) => {
          session.api.updateLabel(label.id, { color: e.currentTarget.value })
            .catch(fail("Label not recoloured"));
        }}
      />
      <button
        type="button"
        class="button ghost"
        aria-label={`Delete ${label.name}`}
        onClick={() => {
          if (!confirm(`Delete the label "${label.name}" from every conversation?`)) return;
          session.api.deleteLabel(label.id).catch(fail("Label not deleted"));
        }}
      >
        Delete
      </button>
    </li>
  );
}
