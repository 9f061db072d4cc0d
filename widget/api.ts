/**
 * The contract between the loader (`widget.js`) and the lazily loaded chat UI bundle, plus the
 * public `window.Parley` API types. Types only: importing this module adds no bytes to a bundle.
 *
 * @module
 */

import type { Message } from "../protocol/frames.ts";
import type { PublicWidgetSettings } from "../protocol/site_settings.ts";

/**
 * The site's settings as the loader fetched them; empty when they could not be fetched (the UI
 * then uses its locale table, and the `welcome` frame for hours). Colours and position are the
 * loader's business (it sets `--pc` and `--pt` on the shadow host); the UI bundle knows its own
 * locale and direction.
 */
export type UiSettings = Partial<PublicWidgetSettings>;

/** Events a host page can subscribe to with `Parley.on(event, fn)`. */
export type WidgetEvent = "ready" | "open" | "close" | "message" | "unread";

/**
 * The argument of the `message` event: the message, plus `kind` (its `authorKind`) so an
 * integration tells the visitor's own lines, agents' replies and system lines ("Ana joined the
 * conversation") apart without knowing the wire format.
 */
export type MessageEvent = Message & { kind: Message["authorKind"] };

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
 * `Parley.update({...})`, Intercom style: `id`, `name`, `email` and `hash` are the identity (sent
 * as `identify` when `id` is given; ignored without it), every other key is an attribute.
 */
export type Update = Partial<Identity> & Attributes;

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
  /**
   * Fires a host page event: `unread` with the count when it changes, `message` with a new
   * message from the live socket (not history, not this tab's own sends).
   */
  emit(event: "unread", count: number): void;
  emit(event: "message", message: MessageEvent): void;
}

/** What the UI bundle returns to the loader. */
export interface UiController {
  open(): void;
  /** Hides the panel; focus inside it goes back to the launcher. */
  close(): void;
  identify(identity: Identity): void;
  setAttributes(attributes: Attributes): void;
  /** Identity and attributes at once (see {@link Update}). */
  update(value: Update): void;
  setSound(on: boolean): void;
  /**
   * The host page changed its URL without a reload and says so (`Parley("page")`): tells agents
   * unless the URL is the one they already have. History changes are tracked by the UI itself.
   */
  page(): void;
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

/**
 * The localStorage key holding a visitor's token and outbox for `site`, and `live`: true while
 * the visitor has an unresolved conversation, unread messages or unsent ones (the loader then
 * preloads the UI on the next page view; see `widget/loader.ts`).
 */
export function storageKey(site: string): string {
  return `parley:${site}`;
}
