/**
 * Where the uploader plugs into the page. The uploader (tray, XHR uploads with progress, the
 * full-size image view) is its own lazily loaded chunk, `attach/mod.ts` (the build's
 * `console-attach-js` row): an agent who never attaches or opens an image never downloads it.
 * The page keeps only this slot, the "Attach a file" button and the drop and paste handlers
 * that hand files to it.
 *
 * @module
 */

import { type Signal, signal } from "@preact/signals";
import type { Attachment } from "../../protocol/frames.ts";
import { MAX_ATTACHMENTS_PER_MESSAGE } from "../../protocol/limits.ts";
import { apiRequest } from "./api.ts";
import { attachmentUrl, fileKind, fileSize } from "./format.ts";
import type { ConsoleModel } from "./model.ts";

/**
 * What the uploader chunk takes from the page. It imports none of the page's own modules: each
 * module a lazy chunk shares with the page is split into a file of its own, and every extra file
 * the page loads costs gzip bytes of the console's budget.
 */
export interface AttachKit {
  model: ConsoleModel;
  request: typeof apiRequest;
  fileSize: typeof fileSize;
  fileKind: typeof fileKind;
  attachmentUrl: typeof attachmentUrl;
  /** Most files one message may carry. */
  maxFiles: number;
}

type AttachModule = typeof import("./attach/mod.ts");

/** The uploader of a session, once its chunk is loaded. */
export type Uploader = ReturnType<AttachModule["createUploader"]>;

/** The page's handle on the uploader. */
export interface AttachSlot {
  /** The uploader; null until files are first added or an image first opened. */
  uploader: Signal<Uploader | null>;
  /** Adds files to a conversation's tray (they start uploading at once). */
  add(conversationId: string, files: readonly File[]): void;
  /** Shows an image attachment full size. */
  view(attachment: Attachment): void;
  /** Cancels running uploads. */
  dispose(): void;
}

/** Creates the slot; nothing is fetched until it is used. */
export function createAttachSlot(model: ConsoleModel): AttachSlot {
  const kit: AttachKit = {
    model,
    request: apiRequest,
    fileSize,
    fileKind,
    attachmentUrl,
    maxFiles: MAX_ATTACHMENTS_PER_MESSAGE,
  };
  const uploader = signal<Uploader | null>(null);
  let loading: Promise<Uploader> | null = null;
  let disposed = false;
  const load = (then: (u: Uploader) => void) => {
    loading ??= import("./attach/mod.ts").then((m) => (uploader.value = m.createUploader(kit)));
    loading.then((u) => disposed || then(u), () => {
      // A deploy replaced the files: the next try fetches again, a reload surely works.
      loading = null;
      model.notify("The uploader could not be loaded. Reload the page to try again.", "error");
    });
  };
  return {
    uploader,
    add(id, files) {
      if (files.length > 0) load((u) => u.add(id, files));
    },
    view: (a) => load((u) => u.view(a)),
    dispose() {
      disposed = true;
      uploader.value?.dispose();
    },
  };
}

/** The files of a drop or a paste (none for text). */
export function filesOf(data: DataTransfer | null): File[] {
  return data ? [...data.files] : [];
}
