import type { ComponentChildren } from "preact";
import { useEffect, useId, useRef } from "preact/hooks";

/** Props of {@link Modal}. */
export interface ModalProps {
  open: boolean;
  title: string;
  onClose(): void;
  children: ComponentChildren;
  wide?: boolean;
}

/**
 * A native modal `<dialog>`: the browser traps focus, closes on Escape and restores focus, so
 * the console does not reimplement any of it.
 */
export function Modal({ open, title, onClose, children, wide = false }: ModalProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) d.showModal();
    if (!open && d.open) d.close();
  }, [open]);
  return (
    <dialog
      ref={ref}
      class={wide ? "modal modal-wide" : "modal"}
      aria-labelledby={titleId}
      onClose={onClose}
    >
      <header class="modal-head">
        <h2 id={titleId}>{title}</h2>
        <button type="button" class="icon-button" aria-label="Close" onClick={onClose}>
          ×
        </button>
      </header>
      <div class="modal-body">{open && children}</div>
    </dialog>
  );
}
