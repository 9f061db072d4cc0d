/**
 * The contract between the chat UI bundle and its lazily loaded attachment chunk
 * (`assets/widget-attach-<locale>-<hash>.js`, docs/widget.md "Attachments"). Types only: the UI
 * bundle keeps the attach button, the drop and paste hooks and a plain-text placeholder; the
 * chunk brings the tray, uploads, thumbnails, cards and the full-size viewer. The chunk carries
 * no Preact or signals of its own: it renders with the UI's (a second copy would cost bytes, and
 * vnodes and signals of two copies do not mix), handed over as {@link AttachLib}.
 *
 * @module
 */

import type { h } from "preact";
import type { effect, signal } from "@preact/signals-core";
import type { UiOptions, UiSettings } from "../../api.ts";
import type { VisitorStore } from "../outbox.ts";
import type { ChatItem } from "../items.ts";
import type { ChatModel } from "../model.ts";

/** What the UI bundle lends the chunk: its Preact `h` and its signals. */
export interface AttachLib {
  h: typeof h;
  signal: typeof signal;
  effect: typeof effect;
}

/** What the chunk works with (made by the chunk from its mount's arguments). */
export interface AttachContext {
  /** The widget's shadow root: the chunk adopts its stylesheet there. */
  root: ShadowRoot;
  /** The Parley origin (uploads and downloads go there). */
  origin: string;
  model: ChatModel;
  settings: UiSettings;
  /** The visitor token (for `Authorization: Bearer`), null before the first `welcome`. */
  token(): string | null;
}

/** What the chunk gives back. */
export interface AttachUi {
  /** The tray above the composer, and the full-size viewer while one is open. */
  Tray(props: Record<string, never>): ReturnType<typeof h> | null;
  /** A message's files: thumbnails for images, named cards for the rest. */
  Files(props: { item: ChatItem }): ReturnType<typeof h>;
  /** Adds files to the tray (refused ones show why) and starts their uploads. */
  add(files: File[]): void;
  /**
   * Sends the tray's files with `caption` once every upload has committed; false (nothing
   * taken) when the tray is empty, so the composer sends plain text itself.
   */
  send(caption: string): boolean;
  /** Aborts uploads, revokes every blob: URL and removes the stylesheet. */
  dispose(): void;
}

/**
 * The chunk's entry point, the `detail` of the event its `<script>` element receives: called
 * with the UI's library, the loader's options, the chat model and the visitor store (positional:
 * the UI bundle's bytes).
 */
export type MountAttach = (
  lib: AttachLib,
  ui: UiOptions,
  model: ChatModel,
  store: VisitorStore,
) => AttachUi;
