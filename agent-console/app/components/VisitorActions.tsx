import { useSignal } from "@preact/signals";
import type { ConsoleModel } from "../model.ts";
import { Modal } from "./Modal.tsx";

/**
 * A visitor's data requests in the side panel: "Export data" (a JSON download any agent who sees
 * the visitor may take) and, for admins, "Erase visitor" behind a dialog that names them.
 */
export function VisitorActions(
  { model, visitorId, name }: { model: ConsoleModel; visitorId: string; name: string },
) {
  const asking = useSignal(false);
  const busy = useSignal(false);
  const close = () => (asking.value = false);
  return (
    <section class="side-section side-actions">
      <a class="button" href={`/api/visitors/${encodeURIComponent(visitorId)}/export`} download>
        Export data
      </a>
      {model.me.value.role === "admin" && (
        <button type="button" class="button danger" onClick={() => (asking.value = true)}>
          Erase visitor
        </button>
      )}
      <Modal open={asking.value} title={`Erase ${name}?`} onClose={close}>
        <p>
          {name}, their conversations and messages will be deleted for good. Export their data first
          if they asked for a copy.
        </p>
        <div class="confirm">
          <button
            type="button"
            class="button danger"
            disabled={busy.value}
            onClick={async () => {
              busy.value = true;
              if (await model.eraseVisitor(visitorId)) close();
              busy.value = false;
            }}
          >
            Erase for good
          </button>
          <button type="button" class="button ghost" onClick={close}>Cancel</button>
        </div>
      </Modal>
    </section>
  );
}
