import { SHORTCUTS } from "../shortcuts.ts";
import { Modal } from "./Modal.tsx";

/** The `?` dialog listing every keyboard shortcut. */
export function ShortcutsDialog({ open, onClose }: { open: boolean; onClose(): void }) {
  return (
    <Modal open={open} title="Keyboard shortcuts" onClose={onClose}>
      <dl class="shortcuts">
        {SHORTCUTS.map((s) => (
          <div class="shortcut" key={s.keys}>
            <dt>
              <kbd>{s.keys}</kbd>
            </dt>
            <dd>{s.description}</dd>
          </div>
        ))}
      </dl>
    </Modal>
  );
}
