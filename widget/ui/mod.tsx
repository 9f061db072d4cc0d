/**
 * The chat UI bundle (`assets/widget-ui-<locale>-<hash>.js`), loaded by `widget.js` on demand.
 * Each bundle's entry calls {@link register} with its locale's strings, which hands the mount
 * function to the loader through an event on the bundle's own `<script>` element. Everything then
 * runs inside the loader's shadow root: one chat model, one connection, one panel.
 *
 * @module
 */

import { effect } from "@preact/signals-core";
import { render } from "preact";
import type { Message, PageInfo } from "../../protocol/frames.ts";
import { type MountUi, storageKey, UI_READY_EVENT } from "../api.ts";
import { RTL_LOCALES, type WidgetLocale } from "../../protocol/site_settings.ts";
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

/**
 * Returns the function that mounts the panel into the loader's shadow root and connects. The
 * bundle's `locale` (its strings' language) is the widget's: it sets the panel's direction, the
 * date formats and `hello.locale`, from which the server resolves the team texts.
 */
export const createMount = (strings: Strings, locale: WidgetLocale): MountUi => (o) => {
  const t = translator(strings);
  const notifier = createNotifier(false);
  const model = createChatModel({
    url: `${o.origin.replace(/^http/, "ws")}/ws/visitor`,
    site: o.site,
    store: createVisitorStore({ key: storageKey(o.site), storage: localStore(), events: window }),
    page: currentPage,
    locale,
    timezone: Intl.DateTimeFormat().resolvedOptions().timeZone,
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
  const dir = RTL_LOCALES.includes(locale) ? "rtl" : "ltr";
  // One effect renders the whole panel and re-renders it when a signal it read changes (Preact
  // diffs, so the DOM changes only where needed). Cheaper in bytes than per-component
  // subscriptions (@preact/signals' Preact integration, ~1 KiB gzipped) and fast enough for a
  // panel of one conversation. A new element each time: Preact skips an identical one.
  const stopRender = effect(() =>
    render(
      <Panel
        model={model}
        t={t}
        locale={locale}
        dir={dir}
        settings={o.settings}
        onClose={o.onRequestClose}
      />,
      container,
    )
  );

  // The unread badge on the launcher, drawn from here: it only ever counts once the UI runs.
  // The count is the launcher's description ("Open chat", "3"); empty while nothing is unread.
  const badge = document.createElement("span");
  badge.className = "ub";
  badge.id = "parley-unread";
  o.launcher.append(badge);
  o.launcher.setAttribute("aria-describedby", badge.id);
  const stopUnread = effect(() => {
    const count = model.unread.value;
    badge.textContent = count > 0 ? String(Math.min(count, 99)) : "";
    o.onUnread(count);
  });
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
    close() {
      model.setOpen(false);
      // Focus was inside the panel: give it back to the launcher.
      if (o.root.activeElement && o.root.activeElement !== o.launcher) o.launcher.focus();
    },
    identify: model.identify,
    setAttributes: model.setAttributes,
    setSound: notifier.setEnabled,
    shutdown() {
      model.shutdown();
      stopUnread();
      stopRender();
      notifier.dispose();
      o.root.removeEventListener("keydown", onKey);
      document.removeEventListener("visibilitychange", onVisibility);
      removeEventListener("online", onOnline);
      removeEventListener("offline", onOffline);
      render(null, container);
      container.remove();
      badge.remove();
      o.launcher.removeAttribute("aria-describedby");
      o.root.adoptedStyleSheets = o.root.adoptedStyleSheets.filter((s) => s !== sheet);
    },
  };
};

/** Hands the mount function to the loader (called by the bundle's entry with its strings). */
export function register(strings: Strings, locale: WidgetLocale): void {
  const detail = createMount(strings, locale);
  document.currentScript?.dispatchEvent(new CustomEvent(UI_READY_EVENT, { detail }));
}
