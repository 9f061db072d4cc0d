/**
 * The open/close behaviour the console's small menus share (transfer, snooze, bulk actions): a
 * toggle button and a panel; opening moves focus to the panel's first control, a click outside
 * both closes it, and closing with the keyboard gives focus back to the toggle.
 *
 * @module
 */

import { type Signal, useSignal } from "@preact/signals";
import type { RefObject } from "preact";
import { useEffect, useRef } from "preact/hooks";

/** A menu's state and the refs its toggle and panel take. */
export interface Popup {
  open: Signal<boolean>;
  toggle: RefObject<HTMLButtonElement>;
  panel: RefObject<HTMLDivElement>;
  /** Closes the panel; `refocus` gives focus back to the toggle (keyboard closes do). */
  close(refocus: boolean): void;
}

/**
 * A popup; `onClose` runs on every close (to reset a form inside). `deps` re-run the focus move
 * (a panel whose content changes, such as a custom field appearing).
 */
export function usePopup(onClose?: () => void, deps: unknown[] = []): Popup {
  const open = useSignal(false);
  const toggle = useRef<HTMLButtonElement>(null);
  const panel = useRef<HTMLDivElement>(null);
  const close = (refocus: boolean) => {
    open.value = false;
    onClose?.();
    if (refocus) toggle.current?.focus();
  };
  useEffect(() => {
    if (!open.value) return;
    panel.current?.querySelector<HTMLElement>("button, input")?.focus();
    const outside = (e: MouseEvent) => {
      const t = e.target as Node;
      if (!panel.current?.contains(t) && !toggle.current?.contains(t)) close(false);
    };
    document.addEventListener("mousedown", outside);
    return () => document.removeEventListener("mousedown", outside);
  }, [open.value, ...deps]);
  return { open, toggle, panel, close };
}
