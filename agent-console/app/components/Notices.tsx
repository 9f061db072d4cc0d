import type { ConsoleModel } from "../model.ts";

/** Transient notices (errors such as a lost accept race, confirmations), newest last. */
export function Notices({ model }: { model: ConsoleModel }) {
  const notices = model.notices.value;
  return (
    <div class="notices" role="status" aria-live="polite">
      {notices.map((n) => (
        <div
          key={n.id}
          class={`notice notice-${n.tone}`}
          role={n.tone === "error" ? "alert" : undefined}
        >
          <span>{n.text}</span>
          <button
            type="button"
            class="icon-button"
            aria-label="Dismiss"
            onClick={() => model.dismissNotice(n.id)}
          >
            ×
          </button>
        </div>
      ))}
    </div>
  );
}
