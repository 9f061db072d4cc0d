/**
 * The attachment chunk (`assets/widget-attach-<locale>-<hash>.js`), loaded by the UI bundle on
 * the first file attached, dropped or pasted, or the first message with files to show. Built
 * once per locale like the UI (its entry calls {@link register} with its locale's table from
 * `widget/ui/locales/`), so neither the loader nor the UI carries its strings. It hands its
 * mount function to the UI through an event on its own `<script>` element, as the UI does to the
 * loader.
 *
 * @module
 */

import { UI_READY_EVENT } from "../../api.ts";
import type { AttachStrings } from "../locales/en.ts";
import { translator } from "../i18n.ts";
import type { AttachContext, MountAttach } from "./api.ts";
import { createBlobs } from "./blobs.ts";
import { L } from "./lib.ts";
import { ATTACH_CSS } from "./styles.ts";
import { createTray } from "./tray.ts";
import { createViews } from "./views.tsx";

/** Returns the chunk's mount for `locale`'s strings. */
export const createAttachMount =
  (strings: AttachStrings, locale: string): MountAttach => (lib, ui, model, store) => {
    Object.assign(L, lib);
    const ctx: AttachContext = {
      root: ui.root,
      origin: ui.origin,
      settings: ui.settings,
      model,
      token: () => store.read().token,
    };
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(ATTACH_CSS);
    ctx.root.adoptedStyleSheets = [...ctx.root.adoptedStyleSheets, sheet];
    const tray = createTray(ctx);
    const blobs = createBlobs(ctx);
    return {
      ...createViews(ctx, tray, blobs, translator(strings), locale),
      add: tray.add,
      send: tray.send,
      dispose() {
        tray.dispose();
        blobs.dispose();
        ctx.root.adoptedStyleSheets = ctx.root.adoptedStyleSheets.filter((x) => x !== sheet);
      },
    };
  };

/** Hands the mount function to the UI bundle (called by the chunk's entry with its strings). */
export function register(strings: AttachStrings, locale: string): void {
  const detail = createAttachMount(strings, locale);
  document.currentScript?.dispatchEvent(new CustomEvent(UI_READY_EVENT, { detail }));
}
