/**
 * `widget.js`: the loader a shop embeds with one script tag. It draws the launcher in a shadow
 * root, installs `window.Parley` (replaying calls queued by the stub snippet) and loads the chat
 * UI bundle only when the visitor opens the chat, or when the browser is idle and this visitor
 * already has a conversation. It never writes to storage or cookies itself.
 *
 * Its CSS classes (`lc`, `ub`) are reserved: the panel's stylesheet shares the shadow root.
 * Kept under 2 KiB gzipped: no framework, no dependencies beyond type imports.
 *
 * @module
 */

import {
  type Attributes,
  type Identity,
  type MountUi,
  storageKey,
  UI_READY_EVENT,
  type UiController,
  type WidgetEvent,
} from "./api.ts";

/** The UI bundle's file name under `/assets/` per locale, injected by `widget/build.ts`. */
declare const __PARLEY_UI__: Record<string, string>;

type Handler = (data?: unknown) => void;
/** A queued stub call: `[method, ...args]`. */
type QueuedCall = ArrayLike<unknown>;
interface ParleyGlobal {
  q?: QueuedCall[];
  loaded?: boolean;
}

const BUBBLE = "M20 2H4a2 2 0 0 0-2 2v18l4-4h14a2 2 0 0 0 2-2V4a2 2 0 0 0-2-2z";
const CROSS =
  "M19 6.4 17.6 5 12 10.6 6.4 5 5 6.4l5.6 5.6L5 17.6 6.4 19l5.6-5.6 5.6 5.6 1.4-1.4-5.6-5.6z";
const LABELS: Record<string, [string, string]> = {
  en: ["Open chat", "Close chat"],
  fr: ["Ouvrir le chat", "Fermer le chat"],
  de: ["Chat öffnen", "Chat schließen"],
};

function boot(script: HTMLScriptElement | null): void {
  const w = window as unknown as { Parley?: ParleyGlobal };
  if (!script || w.Parley?.loaded) return;
  const data = script.dataset;
  const origin = new URL(script.src).origin;
  const site = data.site ?? "";
  const key = storageKey(site);
  const lang = [data.locale, ...navigator.languages]
    .map((l) => l?.slice(0, 2).toLowerCase() ?? "")
    .find((l) => l in LABELS) ?? "en";
  const [openLabel, closeLabel] = LABELS[lang];
  const color = data.color && CSS.supports("color", data.color) ? data.color : "#3b4fd8";
  const side = data.position === "left" ? "left" : "right";

  const host = document.createElement("parley-chat");
  host.toggleAttribute("data-left", side === "left");
  const root = host.attachShadow({ mode: "open" });
  const sheet = new CSSStyleSheet();
  // Constructable sheets are not subject to the page's style-src (see docs/widget.md).
  sheet.replaceSync(
    `:host{all:initial!important;--pc:${color}}` +
      `.lc{position:fixed;bottom:20px;${side}:20px;z-index:2147483000;width:56px;height:56px;` +
      `border:0;border-radius:50%;padding:0;background:var(--pc);color:#fff;cursor:pointer;` +
      `box-shadow:0 4px 14px #0004}.lc:focus-visible{outline:3px solid var(--pc);outline-offset:3px}` +
      `.lc svg{width:28px;fill:#fff}.ub{position:absolute;top:-4px;right:-4px;min-width:20px;` +
      `padding:0 6px;box-sizing:border-box;border-radius:10px;background:#c5221f;` +
      `font:700 12px/20px system-ui,sans-serif}.ub:empty{display:none}` +
      `@media(max-width:639px){:host([open]) .lc{display:none}}`,
  );
  root.adoptedStyleSheets = [sheet];

  const svgNs = "http://www.w3.org/2000/svg";
  const button = document.createElement("button");
  const svg = document.createElementNS(svgNs, "svg");
  const path = document.createElementNS(svgNs, "path");
  const badge = document.createElement("span");
  button.className = "lc";
  button.type = "button";
  badge.className = "ub";
  badge.id = "parley-unread";
  // The count is the launcher's description ("Open chat", "3"); empty while nothing is unread.
  button.setAttribute("aria-describedby", badge.id);
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("aria-hidden", "true");
  svg.append(path);
  button.append(svg, badge);
  root.append(button);

  let isOpen = false;
  let ui: UiController | null = null;
  let loading: Promise<MountUi> | null = null;
  let identity: Identity | null = null;
  let attributes: Attributes | null = null;
  let sound = data.sound === "on";
  const handlers: Partial<Record<WidgetEvent, Set<Handler>>> = {};

  const emit = (event: WidgetEvent, detail?: unknown) =>
    handlers[event]?.forEach((fn) => {
      try {
        fn(detail);
      } catch (err) {
        reportError(err); // a host handler's bug must not break the widget
      }
    });

  const draw = () => {
    path.setAttribute("d", isOpen ? CROSS : BUBBLE);
    button.setAttribute("aria-label", isOpen ? closeLabel : openLabel);
    button.setAttribute("aria-expanded", String(isOpen));
    host.toggleAttribute("open", isOpen);
  };

  const unread = (count: number) => {
    badge.textContent = count > 0 ? String(Math.min(count, 99)) : "";
    emit("unread", count);
  };

  const load = (): Promise<UiController> => {
    loading ??= new Promise<MountUi>((resolve, reject) => {
      const el = document.createElement("script");
      el.src = `${origin}/assets/${__PARLEY_UI__[lang]}`;
      el.addEventListener(UI_READY_EVENT, (e) => resolve((e as CustomEvent<MountUi>).detail));
      el.onerror = () => {
        loading = null;
        el.remove();
        reject(new Error("Parley UI"));
      };
      document.head.append(el);
    });
    return loading.then((mount) =>
      ui ??= mount({
        root,
        launcher: button,
        origin,
        site,
        locale: lang,
        sound,
        identity,
        attributes,
        onRequestClose: () => api.close(),
        onUnread: unread,
        onMessage: (m) => emit("message", m),
      })
    );
  };

  const api = {
    loaded: true,
    open() {
      if (isOpen) return;
      isOpen = true;
      draw();
      emit("open");
      // The UI could not load (offline on first open): go back to closed so a click retries.
      load().then((c) => isOpen && c.open(), api.close);
    },
    close() {
      if (!isOpen) return;
      isOpen = false;
      ui?.close();
      draw();
      // Focus was inside the panel: give it back to the launcher.
      if (root.activeElement && root.activeElement !== button) button.focus();
      emit("close");
    },
    toggle() {
      isOpen ? api.close() : api.open();
    },
    identify(value: Identity) {
      identity = value;
      ui?.identify(value);
    },
    setAttributes(value: Attributes) {
      attributes = { ...attributes, ...value };
      ui?.setAttributes(value);
    },
    setSound(on: boolean) {
      sound = on;
      ui?.setSound(on);
    },
    on(event: WidgetEvent, fn: Handler) {
      (handlers[event] ??= new Set()).add(fn);
      return () => handlers[event]?.delete(fn);
    },
    shutdown() {
      api.close();
      ui?.shutdown();
      ui = identity = attributes = null;
      try {
        localStorage.removeItem(key);
      } catch { /* storage blocked: nothing to forget */ }
      unread(0);
    },
  };
  type Api = typeof api;

  button.onclick = api.toggle;
  draw();
  document.body.append(host);

  // `Parley("open")` and `Parley.open()` both work, before and after this script runs.
  const queued = w.Parley?.q ?? [];
  const call = (method: keyof Api, ...args: unknown[]) => {
    const fn = api[method];
    // deno-lint-ignore no-explicit-any -- dynamic dispatch of a queued stub call
    if (typeof fn === "function") (fn as (...a: any[]) => unknown)(...args);
  };
  w.Parley = Object.assign(call, api);
  for (const entry of queued) call(...(Array.from(entry) as [keyof Api, ...unknown[]]));

  let known = false;
  try {
    known = localStorage.getItem(key) !== null;
  } catch { /* storage blocked */ }
  if (data.open !== undefined && data.open !== "false") api.open();
  else if (known) {
    // A returning visitor: connect when idle so unread replies show on the launcher.
    (globalThis.requestIdleCallback ?? setTimeout)(() => load().catch(() => {}));
  }
}

// currentScript is only set while this script runs, so read it before waiting for <body>.
const current = document.currentScript as HTMLScriptElement | null;
if (document.body) boot(current);
else document.addEventListener("DOMContentLoaded", () => boot(current));
