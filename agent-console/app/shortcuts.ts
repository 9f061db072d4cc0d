/**
 * Keyboard shortcuts. {@link matchShortcut} is a pure key-to-action map (unit tested);
 * {@link installShortcuts} wires it to `keydown` on the document. Letters never fire while the
 * agent types in a field, and nothing fires behind an open dialog (it handles its own keys).
 *
 * @module
 */

/** What a shortcut does. */
export type ShortcutAction =
  | "next"
  | "prev"
  | "reply"
  | "resolve"
  | "accept"
  | "leave"
  | "labels"
  | "priority"
  | "help"
  | "search"
  | "view1"
  | "view2"
  | "view3"
  | "view4"
  | "view5"
  | "snooze"
  | "tick";

/** The shortcuts, for the `?` dialog. */
export const SHORTCUTS: readonly { keys: string; description: string }[] = [
  { keys: "j", description: "Next conversation" },
  { keys: "k", description: "Previous conversation" },
  { keys: "r", description: "Focus the reply box" },
  { keys: "e", description: "Resolve the open conversation" },
  { keys: "a", description: "Accept the open conversation" },
  { keys: "l", description: "Labels of the open conversation" },
  { keys: "p", description: "Priority of the open conversation" },
  { keys: "Escape", description: "Leave the reply box, then the conversation" },
  { keys: "/", description: "Search messages (in the reply box: canned responses)" },
  { keys: "z", description: "Snooze the open conversation (or bring it back)" },
  { keys: "x", description: "Select the focused row for a bulk action (Shift+click: a range)" },
  { keys: "1 – 5", description: "Queue, Mine, All open, Resolved, Snoozed" },
  { keys: "Enter", description: "Send (Shift+Enter for a new line)" },
  { keys: "?", description: "Show these shortcuts" },
];

const KEYS: Record<string, ShortcutAction> = {
  j: "next",
  k: "prev",
  r: "reply",
  e: "resolve",
  a: "accept",
  l: "labels",
  p: "priority",
  "?": "help",
  "/": "search",
  "1": "view1",
  "2": "view2",
  "3": "view3",
  "4": "view4",
  "5": "view5",
  z: "snooze",
  x: "tick",
};

/** The parts of a key event that decide a shortcut. */
export interface KeyInput {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  altKey: boolean;
  /** Focus is in a text field, select or contenteditable. */
  inField: boolean;
  /** A modal dialog is open. */
  dialogOpen: boolean;
}

/** The action for a key press, or null. */
export function matchShortcut(e: KeyInput): ShortcutAction | null {
  if (e.dialogOpen || e.ctrlKey || e.metaKey || e.altKey) return null;
  if (e.key === "Escape") return "leave";
  if (e.inField) return null;
  return KEYS[e.key] ?? null;
}

function isField(el: Element | null): boolean {
  if (!(el instanceof HTMLElement)) return false;
  if (el.isContentEditable) return true;
  if (el instanceof HTMLTextAreaElement || el instanceof HTMLSelectElement) return true;
  if (el instanceof HTMLInputElement) {
    return !["checkbox", "radio", "button", "submit", "reset"].includes(el.type);
  }
  return false;
}

/**
 * Calls `run` for shortcut keys pressed on `doc`. `run` receives whether focus was in a field
 * (Escape first leaves the field). Returns the uninstaller.
 */
export function installShortcuts(
  doc: Document,
  run: (action: ShortcutAction, inField: boolean) => void,
): () => void {
  const onKey = (ev: KeyboardEvent) => {
    if (ev.defaultPrevented || ev.isComposing) return;
    const inField = isField(doc.activeElement);
    const action = matchShortcut({
      key: ev.key,
      ctrlKey: ev.ctrlKey,
      metaKey: ev.metaKey,
      altKey: ev.altKey,
      inField,
      dialogOpen: doc.querySelector("dialog[open]") !== null,
    });
    if (action === null) return;
    ev.preventDefault();
    run(action, inField);
  };
  doc.addEventListener("keydown", onKey);
  return () => doc.removeEventListener("keydown", onKey);
}
