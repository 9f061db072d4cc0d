import { useSignal } from "@preact/signals";
import { useId } from "preact/hooks";
import type { ConversationSummary } from "../../../protocol/frames.ts";
import type { ConsoleModel } from "../model.ts";
import { fromLocalInput, localInputValue, SNOOZE_PRESETS, snoozeTime } from "../snooze.ts";
import { isSnoozed } from "../views.ts";
import { usePopup } from "./popup.ts";

/** The id of the header's Snooze/Unsnooze button: the `z` shortcut clicks it. */
export const SNOOZE_TOGGLE_ID = "snooze-toggle";

/**
 * "Snooze": a disclosure with "1 hour", "Tomorrow 9:00", "Next week" and "Custom…" (a
 * date-time field), like the transfer menu (focus moves in, Escape closes it and returns focus).
 * A snoozed conversation shows "Unsnooze" instead, with the time it would come back.
 */
export function SnoozeMenu({ model, c }: { model: ConsoleModel; c: ConversationSummary }) {
  const custom = useSignal(false);
  const value = useSignal("");
  const error = useSignal<string | null>(null);
  const { open, toggle, panel, close } = usePopup(() => {
    custom.value = false;
    error.value = null;
  }, [custom.value]);
  const menuId = useId();
  const fieldId = useId();

  if (isSnoozed(c)) {
    return (
      <button
        type="button"
        class="button"
        id={SNOOZE_TOGGLE_ID}
        title={`Snoozed until ${snoozeTime(c.snoozedUntil ?? "", model.clock.value)}`}
        onClick={() => model.unsnooze(c.id)}
      >
        Unsnooze
      </button>
    );
  }
  const snooze = (at: Date) => {
    close(true);
    model.snooze(c.id, at);
  };
  const submitCustom = (e: Event) => {
    e.preventDefault();
    const at = fromLocalInput(value.value);
    if (at === null) error.value = "Enter a date and time";
    else if (at.getTime() <= Date.now()) error.value = "Choose a time to come";
    else snooze(at);
  };
  return (
    <span class="transfer">
      <button
        type="button"
        class="button"
        id={SNOOZE_TOGGLE_ID}
        ref={toggle}
        aria-expanded={open.value}
        aria-controls={menuId}
        onClick={() => (open.value ? close(false) : (open.value = true))}
      >
        Snooze
      </button>
      {open.value && (
        <div
          class="transfer-menu snooze-menu"
          id={menuId}
          role="group"
          aria-label="Snooze until"
          ref={panel}
          onKeyDown={(e) => {
            if (e.key !== "Escape") return;
            // Only the menu closes: the console's Escape would close the conversation.
            e.stopPropagation();
            close(true);
          }}
        >
          {!custom.value && SNOOZE_PRESETS.map((p) => (
            <button
              key={p.label}
              type="button"
              class="transfer-item"
              onClick={() => snooze(p.at(Date.now()))}
            >
              <span class="transfer-name">{p.label}</span>
              <span class="transfer-email">
                {snoozeTime(p.at(Date.now()).toISOString(), Date.now())}
              </span>
            </button>
          ))}
          {!custom.value && (
            <button
              type="button"
              class="transfer-item"
              onClick={() => {
                value.value = localInputValue(SNOOZE_PRESETS[1].at(Date.now()));
                custom.value = true;
              }}
            >
              <span class="transfer-name">Custom…</span>
            </button>
          )}
          {custom.value && (
            <form class="snooze-custom" onSubmit={submitCustom}>
              <label for={fieldId}>Snooze until</label>
              <input
                id={fieldId}
                type="datetime-local"
                value={value.value}
                min={localInputValue(new Date())}
                aria-invalid={error.value !== null}
                onInput={(e) => (value.value = e.currentTarget.value)}
              />
              {error.value && <p class="field-error" role="alert">{error.value}</p>}
              <button type="submit" class="button primary">Snooze</button>
            </form>
          )}
        </div>
      )}
    </span>
  );
}
