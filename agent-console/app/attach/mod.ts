/**
 * The uploader chunk (`console-attach-js`), fetched by `attach_slot.ts` when an agent first
 * adds a file or opens an image: the tray, XHR uploads and the full-size view.
 *
 * @module
 */

import type { AttachKit } from "../attach_slot.ts";
import { bindViews } from "./Tray.tsx";
import { createUploaderState } from "./uploader.ts";

/** The uploader of a session: its state and actions, and its two views bound to it. */
export function createUploader(kit: AttachKit) {
  const up = createUploaderState(kit);
  return { ...up, ...bindViews(up) };
}
