import { visitorLabel } from "../format.ts";
import type { ConsoleModel } from "../model.ts";

/**
 * "Ann is typing…" for the visitor and other agents, plus the visitor's live preview: what they
 * have typed but not sent yet. The preview sits outside the live region so screen readers are
 * not flooded with every keystroke.
 */
export function TypingIndicator({ model, id }: { model: ConsoleModel; id: string }) {
  const t = model.typing.value.get(id);
  const visitor = t?.visitor ?? null;
  const c = model.conversations.value.get(id);
  // The server may leave the visitor's name out of typing frames: the summary knows it.
  const visitorName = visitor?.name ||
    (c ? visitorLabel(c.visitorName, c.visitorId) : "The visitor");
  const names = [
    ...(visitor ? [visitorName] : []),
    ...(t?.agents ?? []).map((a) => a.name || "An agent"),
  ];
  return (
    <div class="typing-area">
      <div class="typing" aria-live="polite">
        {names.length > 0 && (
          <span>
            <span class="dots" aria-hidden="true">
              <i />
              <i />
              <i />
            </span>
            {names.join(" and ")} {names.length === 1 ? "is" : "are"} typing…
          </span>
        )}
      </div>
      {visitor && visitor.preview !== "" && (
        <div class="live-preview">
          <span class="live-label">Live preview</span>
          <span class="live-text">{visitor.preview}</span>
        </div>
      )}
    </div>
  );
}
