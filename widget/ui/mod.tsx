/**
 * The chat UI bundle (`assets/widget-ui-<locale>-<hash>.js`), loaded by `widget.js` on demand.
 * Each bundle's entry calls {@link register} with its locale's strings, which hands the mount
 * function to the loader through an event on the bundle's own `<script>` element. Everything then
 * runs inside the loader's shadow root: one chat model, one connection, one panel.
 *
 * @module
 */

import { effect, signal } from "@preact/signals-core";
import { createRef, h, render } from "preact";
import type { Message, PageInfo } from "../../protocol/frames.ts";
import { type MountUi, storageKey, UI_READY_EVENT } from "../api.ts";
import { RTL_LOCALES, type WidgetLocale } from "../../protocol/site_settings.ts";
import { Panel } from "./components/Panel.tsx";
import { type Strings, translator } from "./i18n.ts";
import { createChatModel } from "./model.ts";
import { createNotifier } from "./notify.ts";
import { createVisitorStore, type StorageLike } from "./outbox.ts";
import { PANEL_CSS } from "./styles.ts";
import type { AttachUi, MountAttach } from "./attach/api.ts";
import type { MountRating, RatingCard } from "./rating/api.ts";

/**
 * How often the page's URL is compared with the one agents have. Also how long a router has to
 * set the new page's title after `pushState`, and the most `page` frames a socket sends (one per
 * check, far below the server's frame rate).
 */
const PAGE_CHECK_MS = 1000;

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
    // Empty (none) is left out of the frame.
    referrer: document.referrer.slice(0, 2048) || undefined,
  };
}

/**
 * Returns the function that mounts the panel into the loader's shadow root and connects. The
 * bundle's `locale` (its strings' language) is the widget's: it sets the panel's direction, the
 * date formats and `hello.locale`, from which the server resolves the team texts.
 */
export const createMount = (strings: Strings, locale: WidgetLocale, src = ""): MountUi => (o) => {
  const t = translator(strings);
  const notifier = createNotifier(false);
  const store = createVisitorStore({
    key: storageKey(o.site),
    storage: localStore(),
    events: window,
  });
  // An emailed link's `#parley=<token>` (docs/widget.md): that visitor from now on, whoever this
  // browser knew. The fragment leaves the address bar before `hello` reads the page's URL.
  const resume = /parley=([\w.-]+)/.exec(location.hash);
  if (resume) {
    store.setToken(resume[1]);
    history.replaceState(history.state, "", location.pathname + location.search);
  }

  /**
   * Loads a chunk beside this bundle (same hash; `file` replaces `/widget-ui-<locale>`) and hands
   * `done` what its entry dispatches on its `<script>` element; `failed` if it cannot load.
   */
  const chunk = <T,>(file: string, done: (detail: T) => void, failed: () => void) => {
    const el = document.createElement("script");
    // The host is before the path, so `/widget-ui-` can only be the file name's.
    el.src = src.replace("/widget-ui-" + locale, file);
    el.addEventListener(UI_READY_EVENT, (e) => done((e as CustomEvent<T>).detail));
    el.onerror = () => {
      el.remove();
      failed();
    };
    document.head.append(el);
  };
  const model = createChatModel({
    url: `${o.origin.replace(/^http/, "ws")}/ws/visitor`,
    site: o.site,
    store,
    page: currentPage,
    locale,
    timezone: Intl.DateTimeFormat().resolvedOptions().timeZone,
    onMessage(m: Message) {
      o.emit("message", { ...m, kind: m.authorKind });
      if (m.authorKind !== "visitor") notifier.notify();
    },
    // The fallback chunk (`widget-fallback-<hash>.js`, one for every locale), loaded once
    // WebSockets failed twice in a row (docs/widget.md "When WebSockets are blocked").
    fallback: (done, failed) => chunk("/widget-fallback", done, failed),
  });

  // The attachment chunk (`widget-attach-<locale>-<hash>.js`, beside this bundle with the same
  // locale and hash), loaded on the first file attached, dropped or pasted, or message with files.
  const att = signal<AttachUi | null>(null);
  let attLoading: Promise<AttachUi | undefined> | undefined;
  const load = () =>
    attLoading ??= new Promise((resolve) =>
      chunk<MountAttach>(
        "/widget-attach-" + locale,
        (mount) => resolve(att.value = mount({ h, signal, effect }, o, model, store)),
        // Offline, say: undefined, and the next file or message tries again.
        () => resolve(attLoading = undefined),
      )
    );
  // The composer's text: the caption of the tray's files, else a message. Files attached while
  // the chunk is still on its way are not in a tray yet: their caption waits for it (and goes
  // alone if it cannot load), so pressing Send at once never leaves them for the next message.
  const send = (text: string) => {
    const a = att.value;
    const go = (x?: AttachUi) => x?.send(text) || model.send(text);
    if (a || !attLoading) return go(a ?? undefined);
    attLoading.then(go);
    return true;
  };
  // The rating chunk (`widget-rating-<hash>.js`, one for every locale), loaded the first time the
  // log shows where a conversation was resolved.
  const rating = signal<RatingCard | null>(null);
  let ratingLoading = false;
  const loadRating = () => {
    if (!ratingLoading) {
      ratingLoading = true;
      chunk<MountRating>("/widget-rating", (mount) => rating.value = mount(h, o.root), () => {
        ratingLoading = false; // the next render tries again
      });
    }
    return undefined;
  };

  const sheet = new CSSStyleSheet();
  sheet.replaceSync(PANEL_CSS);
  o.root.adoptedStyleSheets = [...o.root.adoptedStyleSheets, sheet];
  const container = document.createElement("div");
  o.root.append(container);
  const dir = RTL_LOCALES.includes(locale) ? "rtl" : "ltr";
  const panel = createRef<HTMLDivElement>();
  const input = createRef<HTMLTextAreaElement>();
  // One effect renders the whole panel and re-renders it when a signal it read changes (Preact
  // diffs, so the DOM changes only where needed). Cheaper in bytes than per-component
  // subscriptions (@preact/signals' Preact integration, ~1 KiB gzipped) and fast enough for a
  // panel of one conversation. A new element each time: Preact skips an identical one. Preact
  // renders synchronously, so the log's scroll is handled here instead of in hooks: the log
  // sticks to its end (new messages, typing, cards, opening) unless the visitor scrolled up to
  // read, as measured just before the render.
  const log = () => container.querySelector<HTMLElement>(".l");
  const stopRender = effect(() => {
    const before = log();
    const pinned = !before || before.scrollHeight - before.scrollTop - before.clientHeight < 40;
    render(
      <Panel
        model={model}
        t={t}
        locale={locale}
        dir={dir}
        settings={o.settings}
        onClose={o.onRequestClose}
        panelRef={panel}
        inputRef={input}
        att={att.value}
        load={load}
        send={send}
        Rating={rating.value}
        loadRating={loadRating}
      />,
      container,
    );
    const after = log();
    if (pinned && after) after.scrollTop = after.scrollHeight;
  });

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
    o.emit("unread", count);
  });
  // Whether the loader preloads the chat on the next page view: only for a visitor with something
  // to show or send (an unresolved conversation, unread or unsent messages), so one who opened
  // the chat once and never wrote costs no download and no socket on later pages. Decided once
  // connected (the welcome says which conversation), or at once for unsent messages.
  let wasLive = !!store.read().live;
  const stopLive = effect(() => {
    const c = model.conversation.value;
    const live = (c !== null && c.status !== "resolved") || model.unread.value > 0 ||
      model.items.value.some((i) => i.seq === null);
    if ((live || model.status.value === "connected") && live !== wasLive) {
      store.setLive(wasLive = live);
    }
  });
  // Refused on the socket (unknown site, origin not allowed; the loader's settings request, which
  // would have shown no launcher at all, could not be made): no launcher either, except while the
  // panel is open to say why. Wins over `Parley.show()`.
  const stopRefused = effect(() => {
    o.launcher.hidden = model.unavailable.value && !model.open.value;
  });

  // Single-page storefronts (Next.js, Shopify Hydrogen) change the URL without a reload. Looking
  // at it every PAGE_CHECK_MS catches pushState, replaceState, back and forward and hash changes,
  // whoever makes them (a router may hold history's methods from before this bundle ran, so
  // wrapping them is not enough), with at most one `page` frame per check and none for the URL
  // agents already have (the hello's, or the last one sent).
  let url = location.href;
  const checkPage = () => {
    if (url !== location.href) {
      url = location.href;
      model.page();
    }
  };
  const pageTimer = setInterval(checkPage, PAGE_CHECK_MS);

  // Every listener goes with one abort on shutdown.
  const listeners = new AbortController();
  const on = { signal: listeners.signal };
  const onVisibility = () => model.setVisible(document.visibilityState === "visible");
  o.root.addEventListener("keydown", (e: Event) => {
    if ((e as KeyboardEvent).key === "Escape" && model.open.peek()) o.onRequestClose();
  }, on);
  document.addEventListener("visibilitychange", onVisibility, on);
  addEventListener("online", model.online, on);
  addEventListener("offline", model.offline, on);
  // Phones: keep the full-screen panel above the on-screen keyboard by following the visual
  // viewport's height (`--vvh`, inherited by the panel).
  const viewport = globalThis.visualViewport;
  const fit = () => viewport && container.style.setProperty("--vvh", `${viewport.height}px`);
  viewport?.addEventListener("resize", fit, on);
  fit();
  onVisibility();
  if (!navigator.onLine) model.offline();
  model.start();

  return {
    open() {
      model.setOpen(true); // renders the panel visible at once
      // Phones: focus the dialog, not the textbox, so the keyboard does not cover the history.
      (matchMedia("(max-width: 639px)").matches ? panel : input).current?.focus();
    },
    close() {
      model.setOpen(false);
      // Focus was inside the panel: give it back to the launcher.
      if (o.root.activeElement && o.root.activeElement !== o.launcher) o.launcher.focus();
    },
    identify: model.identify,
    setAttributes: model.setAttributes,
    update({ id, name, email, hash, ...attributes }) {
      if (id) model.identify({ id, name, email, hash });
      if (Object.keys(attributes).length) model.setAttributes(attributes);
    },
    setSound: notifier.setEnabled,
    page: checkPage,
    shutdown() {
      model.shutdown();
      att.peek()?.dispose();
      stopUnread();
      stopLive();
      stopRefused();
      o.launcher.hidden = false;
      clearInterval(pageTimer);
      stopRender();
      notifier.dispose();
      listeners.abort();
      render(null, container);
      container.remove();
      badge.remove();
      o.launcher.removeAttribute("aria-describedby");
      // Only the loader's (the first) stays: the panel's, and the rating chunk's if it loaded.
      o.root.adoptedStyleSheets = o.root.adoptedStyleSheets.slice(0, 1);
    },
  };
};

/** Hands the mount function to the loader (called by the bundle's entry with its strings). */
export function register(strings: Strings, locale: WidgetLocale): void {
  const script = document.currentScript as HTMLScriptElement | null;
  const detail = createMount(strings, locale, script?.src);
  script?.dispatchEvent(new CustomEvent(UI_READY_EVENT, { detail }));
}
