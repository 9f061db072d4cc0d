/**
 * The chat UI bundle (`assets/widget-ui-<locale>-<hash>.js`), loaded by `widget.js` on demand.
 * Each bundle's entry calls {@link register} with its locale's strings, which hands the mount
 * function to the loader through an event on the bundle's own `<script>` element. Everything then
 * runs inside the loader's shadow root: one chat model, one connection, one panel.
 *
 * @module
 */

import { effect } from "@preact/signals";
import { render } from "preact";
import type { Message, PageInfo } from "../../protocol/frames.ts";
import { type MountUi, storageKey, UI_READY_EVENT } from "../api.ts";
import { Panel } from "./components/Panel.tsx";
import { type Strings, translator } from "./i18n.ts";
import { createChatModel } from "./model.ts";
import { createNotifier } from "./notify.ts";
import { createVisitorStore, type StorageLike } from "./outbox.ts";
import { PANEL_CSS } from "./styles.ts";

function localStore(): StorageLike | null {
  try {
    return globalThis.localStorage;
  } catch {
    return null; // blocked third-party storage or sandboxed iframe: memory only
  }
}

function currentPage(): PageInfo {
  return {
    url: location.href.slice(0, 2048),
    title: document.title.slice(0, 300),
    ...(document.referrer ? { referrer: document.referrer.slice(0, 2048) } : {}),
  };
}

/** Returns the function that mounts the panel into the loader's shadow root and connects. */
export const createMount = (strings: Strings): MountUi => (o) => {
  const t = translator(strings);
  const notifier = createNotifier(o.sound);
  const model = createChatModel({
    url: `${o.origin.replace(/^http/, "ws")}/ws/visitor`,
    site: o.site,
    store: createVisitorStore({ key: storageKey(o.site), storage: localStore(), events: window }),
    page: currentPage,
    locale: navigator.language,
    timezone: Intl.DateTimeFormat().resolvedOptions().timeZone,
    identity: o.identity,
    attributes: o.attributes,
    onMessage(m: Message) {
      o.onMessage(m);
      if (m.authorKind !== "visitor") notifier.notify();
    },
  });

  const sheet = new CSSStyleSheet();
  sheet.replaceSync(PANEL_CSS);
  o.root.adoptedStyleSheets = [...o.root.adoptedStyleSheets, sheet];
  const container = document.createElement("div");
  o.root.append(container);
  render(<Panel model={model} t={t} locale={o.locale} onClose={o.onRequestClose} />, container);

  const stopUnread = effect(() => o.onUnread(model.unread.value));
  const onKey = (e: Event) => {
    if ((e as KeyboardEvent).key === "Escape" && model.open.peek()) o.onRequestClose();
  };
  const onVisibility = () => model.setVisible(document.visibilityState === "visible");
  const onOnline = () => model.online();
  const onOffline = () => model.offline();
  o.root.addEventListener("keydown", onKey);
  document.addEventListener("visibilitychange", onVisibility);
  addEventListener("online", onOnline);
  addEventListener("offline", onOffline);
  onVisibility();
  if (!navigator.onLine) model.offline();
  model.start();

  return {
    open: () => model.setOpen(true),
    close: () => model.setOpen(false),
    identify: model.identify,
    setAttributes: model.setAttributes,
    setSound: notifier.setEnabled,
    shutdown() {
      model.shutdown();
      stopUnread();
      notifier.dispose();
      o.root.removeEventListener("keydown", onKey);
      document.removeEventListener("visibilitychange", onVisibility);
      removeEventListener("online", onOnline);
      removeEventListener("offline", onOffline);
      render(null, container);
      container.remove();
      o.root.adoptedStyleSheets = o.root.adoptedStyleSheets.filter((s) => s !== sheet);
    },
  };
};

/** Hands the mount function to the loader (called by the bundle's entry with its strings). */
export function register(strings: Strings): void {
  const detail = createMount(strings);
  document.currentScript?.dispatchEvent(new CustomEvent(UI_READY_EVENT, { detail }));
}
