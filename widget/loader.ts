/**
 * `widget.js`: the loader a shop embeds with one script tag. It reads its site's settings from
 * `GET /api/widget/sites/:id` (colour, position, labels, locale: resolved by the server), draws
 * the launcher in a shadow root, installs `window.Parley` (replaying calls queued by the stub
 * snippet) and loads the chat UI bundle only when the visitor opens the chat, or when the browser
 * is idle and the UI recorded that this visitor has something to show or send (`live` in the
 * visitor's stored state: an unresolved conversation, unread or unsent messages). A visitor who
 * merely opened the chat once costs no download and no socket on later pages. It never writes to
 * storage or cookies (only `shutdown()` removes the visitor's key).
 *
 * A site that refuses this page (403: origin not allowed) or does not exist (404
 * `site_not_found`) gets no launcher at all. When the settings cannot be fetched (offline, a
 * CSP without the Parley origin in `connect-src`), the launcher is drawn from the `data-*`
 * attributes and defaults, so a returning visitor's offline outbox still works.
 *
 * Its CSS classes (`lc`, `ub`, `ll`) are reserved: the panel's stylesheet shares the shadow root.
 * Kept under 2 KiB gzipped: no framework, and what only matters once the chat is open (the
 * unread badge, focus on close, the phone layout) belongs to the UI bundle.
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
  type Update,
  type WidgetEvent,
} from "./api.ts";
import { inkFor } from "./contrast.ts";
import type { PublicWidgetSettings } from "../protocol/site_settings.ts";

/**
 * The build hash shared by every locale's UI bundle (`assets/widget-ui-<locale>-<hash>.js`),
 * injected by `widget/build.ts`: one short string instead of a name per locale.
 */
declare const __PARLEY_UI__: string;

type Handler = (data?: unknown) => void;
/** A queued stub call: `[method, ...args]`. */
type QueuedCall = ArrayLike<unknown>;
interface ParleyGlobal {
  q?: QueuedCall[];
  loaded?: boolean;
}

const BUBBLE = "M20 2H4a2 2 0 0 0-2 2v18l4-4h14a2 2 0 0 0 2-2V4a2 2 0 0 0-2-2z";
/** While open: the panel's minimize chevron (shorter than a cross, and what closing does). */
const CHEVRON = "M7.4 8.6 12 13.2l4.6-4.6L18 10l-6 6-6-6z";

async function boot(script: HTMLScriptElement | null): Promise<void> {
  if (!script) return;
  const data = script.dataset;
  const origin = new URL(script.src).origin;
  const site = data.site ?? "";
  // The site's settings; left empty when they cannot be fetched (offline, or a CSP without the
  // Parley origin in connect-src): then data-* and defaults apply.
  let s: Partial<PublicWidgetSettings> = {};
  try {
    // Site ids are slugs and language tags are letters and hyphens: nothing to escape.
    const query = `locale=${data.locale ?? ""}&languages=${navigator.languages}`;
    const res = await fetch(`${origin}/api/widget/sites/${site}?${query}`);
    const body = await res.json();
    if (res.ok) s = body;
    // Refused here (403) or unknown site (404): no chat at all. A 404 without `site_not_found`
    // comes from a server without this endpoint: draw with defaults.
    else if (res.status === 403 || body.error?.code === "site_not_found") {
      return console.warn("Parley:", body.error?.message);
    }
  } catch { /* offline, or blocked by the page's CSP */ }
  const w = window as unknown as { Parley?: ParleyGlobal };
  // Checked after the fetch: of two copies of the snippet, the first to get here wins.
  if (w.Parley?.loaded) return;
  const key = storageKey(site);
  // Snippet attributes override the site's settings. Colours must be hex (#rgb, #rrggbb): they
  // go into CSS text, and the contrasting text colour is computed from them here. The last
  // fallback is DEFAULT_WIDGET_SETTINGS.color, written out (importing it bundles the object).
  const color = [data.color, s.color].find(inkFor) ?? "#3b4fd8";
  const side = data.position ?? s.position;
  // Without the server's answer (offline): data-locale, else English. Not checked against the
  // shipped locales (bytes): an unknown one only fails to load the UI, which offline fails anyway.
  const lang = s.locale ?? data.locale?.slice(0, 2) ?? "en";
  const openLabel = s.openLabel ?? "Open chat";
  const closeLabel = s.closeLabel ?? "Close chat";

  const host = document.createElement("parley-chat");
  const left = side === "left";
  host.toggleAttribute("data-left", left);
  const root = host.attachShadow({ mode: "open" });
  const sheet = new CSSStyleSheet();
  // Constructable sheets are not subject to the page's style-src (see docs/widget.md).
  // The launcher is as wide as its content: 56 px for the icon alone, more with a label. Its
  // focus ring is inside it, in the text colour (outline's default): visible on any page.
  sheet.replaceSync(
    `:host{all:initial!important;--pc:${color};--pt:${inkFor(color)}}` +
      `.lc{position:fixed;bottom:20px;${left ? "left" : "right"}:20px;z-index:2147483000;` +
      `display:flex;align-items:center;gap:8px;height:56px;padding:0 14px;border:0;` +
      `border-radius:28px;background:var(--pc);color:var(--pt);fill:currentColor;cursor:pointer;` +
      `box-shadow:0 4px 14px #0004;font:600 15px system-ui}` +
      `.lc:focus-visible{outline:3px solid;outline-offset:-7px}.lc svg{width:28px}`,
  );
  root.adoptedStyleSheets = [sheet];

  const svgNs = "http://www.w3.org/2000/svg";
  const button = document.createElement("button");
  const svg = document.createElementNS(svgNs, "svg");
  const path = document.createElementNS(svgNs, "path");
  // No `type="button"`: inside the shadow root, no form can own it (a form owner is an ancestor in
  // the same tree), so it never submits anything.
  button.className = "lc";
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.append(path);
  button.append(svg);
  if (s.launcherLabel) {
    // Visible text beside the icon; the button's accessible name says the same (openLabel).
    const text = document.createElement("span");
    text.className = "ll";
    text.textContent = s.launcherLabel;
    svg.after(text);
  }
  root.append(button);

  let isOpen = false;
  let ui: UiController | null = null;
  let loading: Promise<MountUi> | null = null;
  /** Calls made before the UI loaded, replayed on it in order once it has. */
  let early: [keyof UiController, unknown][] = [["setSound", data.sound === "on"]];
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
    path.setAttribute("d", isOpen ? CHEVRON : BUBBLE);
    button.setAttribute("aria-label", isOpen ? closeLabel : openLabel);
    button.setAttribute("aria-expanded", `${isOpen}`);
    host.toggleAttribute("open", isOpen);
  };

  const load = (): Promise<UiController> => {
    loading ??= new Promise<MountUi>((resolve, reject) => {
      const el = document.createElement("script");
      el.src = `${origin}/assets/widget-ui-${lang}-${__PARLEY_UI__}.js`;
      el.addEventListener(UI_READY_EVENT, (e) => resolve((e as CustomEvent<MountUi>).detail));
      el.onerror = () => {
        loading = null;
        el.remove();
        reject(); // the UI could not load: the visitor's click retries
      };
      document.head.append(el);
    });
    return loading.then((mount) => {
      if (!ui) {
        ui = mount({
          root,
          launcher: button,
          origin,
          site,
          settings: s,
          onRequestClose: () => api.close(),
          emit,
        });
        // deno-lint-ignore no-explicit-any -- replays calls typed by the methods that queued them
        for (const [method, value] of early) (ui[method] as (v: any) => void)(value);
        early = [];
      }
      return ui;
    });
  };

  /** Identity, attributes and sound go to the UI, or wait for it. */
  const forward = <M extends "identify" | "setAttributes" | "setSound" | "update">(
    method: M,
    value: Parameters<UiController[M]>[0],
  ) => ui ? (ui[method] as (v: typeof value) => void)(value) : early.push([method, value]);

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
      ui?.close(); // the UI gives focus back to the launcher
      draw();
      emit("close");
    },
    toggle() {
      isOpen ? api.close() : api.open();
    },
    identify: (value: Identity) => forward("identify", value),
    setAttributes: (value: Attributes) => forward("setAttributes", value),
    setSound: (on: boolean) => forward("setSound", on),
    update: (value: Update) => forward("update", value),
    /** Without the UI there is no socket: the next `hello` carries the page. */
    page: () => ui?.page(),
    /** The launcher only (a page with its own chat button); `open()` still shows the panel. */
    hide() {
      button.style.display = "none";
    },
    show() {
      button.style.display = "";
    },
    on(event: WidgetEvent, fn: Handler) {
      (handlers[event] ??= new Set()).add(fn);
      return () => handlers[event]?.delete(fn);
    },
    shutdown() {
      api.close();
      ui?.shutdown();
      ui = null;
      early = [];
      try {
        localStorage.removeItem(key);
      } catch { /* storage blocked: nothing to forget */ }
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
  emit("ready");

  let live = false;
  try {
    // No key, or unparsable: throws, not live.
    live = JSON.parse(localStorage.getItem(key)!).live;
  } catch { /* storage blocked */ }
  // An emailed link (`#parley=<token>`, docs/widget.md) opens the chat; the UI reads the token.
  if (/parley=/.test(location.hash) || (data.open ?? "false") !== "false") api.open();
  else if (live) {
    // A conversation going on: connect when idle so unread replies show on the launcher.
    (globalThis.requestIdleCallback ?? setTimeout)(() => load().catch(() => {}));
  }
}

// currentScript is only set while this script runs, so read it before waiting for <body>.
const current = document.currentScript as HTMLScriptElement | null;
if (document.body) boot(current);
else document.addEventListener("DOMContentLoaded", () => boot(current));
