/**
 * The uploader's views: the composer's tray of files (progress, Cancel, Retry, Remove, and
 * the status of a message waiting for its uploads) and the full-size image view (a native
 * modal dialog: Escape closes it). File names are rendered as text.
 *
 * @module
 */

import { useEffect, useRef } from "preact/hooks";
import type { TrayItem, UploaderState } from "./uploader.ts";

/** The tray of a conversation's composer; nothing when it holds no file. */
export function TrayView({ up, id }: { up: UploaderState; id: string }) {
  const items = up.items(id);
  if (items.length === 0) return null;
  const queued = up.queued(id);
  return (
    <div class="tray" role="group" aria-label="Files to send">
      <ul class="tray-list">
        {items.map((i) => <Item key={i.key} item={i} up={up} id={id} />)}
      </ul>
      {queued && (
        <p class="tray-status" role="status">
          {items.some((i) => i.state === "failed")
            ? "Not sent yet: retry or remove the files that failed"
            : "Sends when every file is uploaded"}
        </p>
      )}
    </div>
  );
}

function Item({ item, up, id }: { item: TrayItem; up: UploaderState; id: string }) {
  const name = item.file.name || "file";
  const a = item.attachment;
  const { attachmentUrl, fileSize } = up.kit;
  const uploading = item.state === "uploading";
  return (
    <li class={`tray-item tray-${item.state}`}>
      {a && a.width !== undefined
        ? <img class="tray-thumb" src={attachmentUrl(a.id)} alt="" />
        : <span class="tray-icon" aria-hidden="true">▤</span>}
      <span class="tray-text">
        <span class="tray-name" dir="auto">{name}</span>
        <span class="tray-meta">
          {fileSize(item.file.size)}
          {item.state === "done" && " · Uploaded"}
        </span>
        {uploading && (
          <progress
            max={item.file.size || 1}
            value={item.sent}
            aria-label={`Uploading ${name}`}
          />
        )}
        {item.state === "failed" && <span class="tray-error" role="alert">{item.error}</span>}
      </span>
      {item.state === "failed" && item.retryable && (
        <button
          type="button"
          class="link-button"
          aria-label={`Retry upload of ${name}`}
          onClick={() => up.retry(id, item.key)}
        >
          Retry
        </button>
      )}
      <button
        type="button"
        class="link-button"
        aria-label={`${uploading ? "Cancel upload of" : "Remove"} ${name}`}
        onClick={() => up.remove(id, item.key)}
      >
        {uploading ? "Cancel" : "Remove"}
      </button>
    </li>
  );
}

/**
 * The full-size view of the image being viewed, with a download link: a native modal dialog
 * (the browser traps focus, closes it on Escape and gives focus back to the thumbnail).
 */
export function ViewerView({ up }: { up: UploaderState }) {
  const a = up.viewing.value;
  const ref = useRef<HTMLDialogElement>(null);
  const { attachmentUrl, fileKind, fileSize } = up.kit;
  useEffect(() => {
    const d = ref.current;
    if (d && a && !d.open) d.showModal();
  }, [a]);
  if (a === null) return null;
  const url = attachmentUrl(a.id);
  return (
    <dialog
      ref={ref}
      class="modal modal-wide"
      aria-labelledby="viewer-title"
      onClose={() => (up.viewing.value = null)}
    >
      <header class="modal-head">
        <h2 id="viewer-title" dir="auto">{a.name}</h2>
        <button
          type="button"
          class="icon-button"
          aria-label="Close"
          onClick={() => ref.current?.close()}
        >
          ×
        </button>
      </header>
      <figure class="modal-body viewer">
        <img src={url} alt={a.name} />
        <figcaption>
          {fileSize(a.size)} · {fileKind(a.type)} · <a href={url} download={a.name}>Download</a>
        </figcaption>
      </figure>
    </dialog>
  );
}

/** The two views bound to one uploader, as components the page renders. */
export function bindViews(up: UploaderState) {
  return {
    /** The composer's tray for a conversation. */
    Tray: ({ conversationId }: { conversationId: string }) => (
      <TrayView up={up} id={conversationId} />
    ),
    /** The full-size image view (nothing while no image is viewed). */
    Viewer: () => <ViewerView up={up} />,
  };
}
