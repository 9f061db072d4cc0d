/**
 * Attachment bytes for the visitor: fetched from `GET /api/attachments/:id` with the token in
 * `Authorization: Bearer` (never in a URL: URLs end up in logs and `Referer`s), shown through
 * blob: URLs. Each URL is counted by the images showing it and revoked when the last one leaves
 * the page; downloads get their own, revoked once the browser has taken it.
 *
 * @module
 */

import type { Attachment } from "../../../protocol/frames.ts";
import type { AttachContext } from "./api.ts";

/** Creates the blob cache of one mount. */
export function createBlobs(ctx: AttachContext) {
  const shown = new Map<string, { url: Promise<string>; users: number }>();
  const refs = new Map<string, (el: HTMLImageElement | null) => void>();

  const fetchUrl = async (id: string): Promise<string> => {
    const res = await fetch(`${ctx.origin}/api/attachments/${encodeURIComponent(id)}`, {
      headers: { authorization: `Bearer ${ctx.token()}` },
    });
    if (!res.ok) throw new Error(`Attachment answered ${res.status}`);
    return URL.createObjectURL(await res.blob());
  };

  const use = (id: string): Promise<string> => {
    let entry = shown.get(id);
    if (!entry) {
      entry = { url: fetchUrl(id), users: 0 };
      shown.set(id, entry);
      // A failed fetch is not kept: the next time the image shows, it tries again.
      entry.url.catch(() => shown.delete(id));
    }
    entry.users++;
    return entry.url;
  };

  const release = (id: string) => {
    const entry = shown.get(id);
    if (entry && --entry.users === 0) {
      shown.delete(id);
      entry.url.then(URL.revokeObjectURL, () => {});
    }
  };

  return {
    /**
     * A ref for an `<img>` showing attachment `id` in place `slot`: stable per slot, so Preact
     * calls it once when the image mounts and once (with null) when it leaves.
     */
    imgRef(slot: string, id: string): (el: HTMLImageElement | null) => void {
      let ref = refs.get(slot);
      if (!ref) {
        // Counted per call, not per element: when a message's row is replaced (sent, then
        // stored), Preact may mount the new image before or after unmounting the old one.
        ref = (el) => {
          if (el) use(id).then((url) => el.src = url, () => {});
          else release(id);
        };
        refs.set(slot, ref);
      }
      return ref;
    },
    /** Saves the file under its name. */
    async download(a: Attachment): Promise<void> {
      const url = await fetchUrl(a.id);
      const link = document.createElement("a");
      link.href = url;
      link.download = a.name;
      link.click();
      // The click starts the download synchronously from the blob; the URL can go after it.
      setTimeout(() => URL.revokeObjectURL(url), 1000);
    },
    /** Revokes every URL. */
    dispose(): void {
      for (const { url } of shown.values()) url.then(URL.revokeObjectURL, () => {});
      shown.clear();
    },
  };
}
