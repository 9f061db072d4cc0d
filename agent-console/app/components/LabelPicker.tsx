import { useSignal } from "@preact/signals";
import { useId } from "preact/hooks";
import type { ConversationSummary, Label } from "../../../protocol/frames.ts";
import type { Session } from "../session.ts";
import { labelToggle } from "../label_edit.ts";
import { usePopup } from "./popup.ts";

/**
 * "Labels": a button that opens a combobox with a listbox of every label (ARIA combobox
 * pattern). Typing filters, arrows move, Enter toggles the active label on the conversation,
 * Escape closes and gives focus back to the button. The `l` shortcut opens it.
 */
export function LabelPicker({ session, c }: { session: Session; c: ConversationSummary }) {
  const query = useSignal("");
  const active = useSignal(0);
  const { open, toggle: button, panel, close: hide } = usePopup(() => (query.value = ""));
  const listId = useId();
  const all = [...session.model.labels.value.values()];
  const q = query.value.trim().toLowerCase();
  const shown = q === "" ? all : all.filter((l) => l.name.toLowerCase().includes(q));
  const on = new Set(c.labels ?? []);
  const current = shown[Math.min(active.value, shown.length - 1)] ?? null;

  const close = () => hide(true);
  const toggle = (l: Label) => {
    session.api.changeConversationLabels(c.id, labelToggle(c.labels, l.id)).catch((err) =>
      session.model.notify(`Labels not changed: ${String(err?.message ?? err)}`, "error")
    );
  };
  const optionId = (l: Label) => `${listId}-${l.id}`;
  return (
    <span class="label-picker">
      <button
        ref={button}
        id="labels-button"
        type="button"
        class="button"
        aria-haspopup="listbox"
        aria-expanded={open.value}
        onClick={() => (open.value = !open.value)}
      >
        Labels{on.size > 0 ? ` (${on.size})` : ""}
      </button>
      {open.value && (
        <div class="transfer-menu label-menu" ref={panel}>
          <input
            type="text"
            role="combobox"
            aria-label="Labels"
            aria-expanded="true"
            aria-controls={listId}
            aria-autocomplete="list"
            aria-activedescendant={current ? optionId(current) : undefined}
            placeholder="Filter labels"
            value={query.value}
            onInput={(e) => {
              query.value = e.currentTarget.value;
              active.value = 0;
            }}
            onKeyDown={(e) => {
              if (e.key === "ArrowDown" || e.key === "ArrowUp") {
                e.preventDefault();
                const n = shown.length;
                if (n > 0) active.value = (active.value + (e.key === "ArrowDown" ? 1 : n - 1)) % n;
              } else if (e.key === "Enter") {
                e.preventDefault();
                if (current) toggle(current);
              } else if (e.key === "Escape") {
                e.preventDefault();
                e.stopPropagation();
                close();
              }
            }}
          />
          <ul id={listId} role="listbox" aria-label="Labels" aria-multiselectable="true">
            {shown.length === 0 && (
              <li role="option" aria-disabled="true" aria-selected="false" class="label-none">
                {all.length === 0 ? "No labels yet: admins add them in Admin, Labels" : "No match"}
              </li>
            )}
            {shown.map((l) => (
              <li
                key={l.id}
                id={optionId(l)}
                role="option"
                aria-selected={on.has(l.id)}
                class={`label-option${current?.id === l.id ? " label-active" : ""}`}
                style={{ "--label": l.color }}
                onMouseDown={(e) => e.preventDefault()}
                onClick={() => toggle(l)}
              >
                <span class="label-check" aria-hidden="true">{on.has(l.id) ? "✓" : ""}</span>
                <span class="label-dot" aria-hidden="true" />
                {l.name}
              </li>
            ))}
          </ul>
        </div>
      )}
    </span>
  );
}
