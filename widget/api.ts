/**
 * The contract between the loader (`widget.js`) and the lazily loaded chat UI bundle, plus the
 * public `window.Parley` API types. Types only: importing this module adds no bytes to a bundle.
 *
 * @module
 */

import type { PublicWidgetSettings } from "../protocol/site_settings.ts";

/**
 * The site's settings as the loader fetched them; empty when they could not be fetched (the UI
 * then uses its locale table, and the `welcome` frame for hours). Colours and position are the
 * loader's business (it sets `--pc` and `--pt` on the shadow host); the UI bundle knows its own
 * locale and direction.
 */
export type UiSettings = Partial<PublicWidgetSettings>;

/** Events a host page can subscribe to with `Parley.on(event, fn)`. */
export type WidgetEvent = "open" | "close" | "message" | "unread";

/** A visitor identity asserted by the host page; `hash` is HMAC-SHA256(id, site secret). */
export interface Identity {
  id: string;
  name?: string;
  email?: string;
  hash?: string;
}

/** Custom visitor attributes shown to agents. */
export type Attributes = Record<string, string | number | boolean | null>;

/**
 * What the loader hands to the UI bundle when it mounts it. Identity, attributes and the sound
 * setting given before the UI loaded are replayed on its {@link UiController} right after.
 */
export interface UiOptions {
  /** The widget's shadow root; the launcher already lives in it. */
  root: ShadowRoot;
  /** The launcher button, where focus returns on close. */
  launcher: HTMLElement;
  /** The Parley origin, e.g. `https://chat.example.com`. */
  origin: string;
  /** The site id from `data-site`. */
  site: string;
  /** The site's settings (see {@link UiSettings}). */
  settings: UiSettings;
  /** The visitor asked to close the panel (Escape or the minimize button). */
  onRequestClose(): void;
  /** The unread count changed. */
  onUnread(count: number): void;
  /** A new message arrived on the live socket (not history). */
  onMessage(message: unknown): void;
}

/** What the UI bundle returns to the loader. */
export interface UiController {
  open(): void;
  /** Hides the panel; focus inside it goes back to the launcher. */
  close(): void;
  identify(identity: Identity): void;
  setAttributes(attributes: Attributes): void;
  setSound(on: boolean): void;
  /** Forgets the visitor (token and outbox), closes the socket and unmounts the panel. */
  shutdown(): void;
}

/** The UI bundle's entry point. */
export type MountUi = (options: UiOptions) => UiController;

/**
 * The event the UI bundle dispatches on its own `<script>` element, with {@link MountUi} as
 * `detail`. A classic script (not a module) is used so a cross-origin embed needs no CORS.
 */
export const UI_READY_EVENT = "parley-ui";

/** The localStorage key holding a visitor's token and outbox for `site`. */
export function storageKey(site: string): string {
  return `parley:${site}`;
}
