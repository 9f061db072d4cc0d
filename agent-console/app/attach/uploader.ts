/**
 * The uploader's state: one tray of files per conversation. A file starts uploading when it is
 * added; the tray shows its progress, and it can be cancelled, retried after a failure, or
 * removed. Send (with the composer's text as the caption) fixes the message's client id at
 * once and queues the message here; the message frame, naming every file's id, is sent only
 * when the last upload has committed. A failed file holds the message back until it is retried
 * or removed: a message never goes out without a file the agent attached.
 *
 * @module
 */

import { batch, signal } from "@preact/signals";
import type { Attachment } from "../../../protocol/frames.ts";
import type { AttachKit } from "../attach_slot.ts";
import { type Upload, upload, type UploadFailure, uploadProblem } from "./upload.ts";

/** One file in a tray. */
export interface TrayItem {
  key: string;
  file: File;
  state: "uploading" | "done" | "failed";
  /** Bytes sent so far. */
  sent: number;
  /** Why it failed, for people. */
  error: string | null;
  /** Whether trying again may help. */
  retryable: boolean;
  attachment: Attachment | null;
}

/** A message waiting for its uploads: what Send was pressed with. */
export interface QueuedSend {
  clientId: string;
  body: string;
  note: boolean;
}

/** A conversation's tray. */
export interface Tray {
  items: readonly TrayItem[];
  queued: QueuedSend | null;
}

const EMPTY: Tray = { items: [], queued: null };

/** The uploader of one session (see the module comment). */
export function createUploaderState(kit: AttachKit) {
  const { model } = kit;
  const trays = signal<ReadonlyMap<string, Tray>>(new Map());
  /** The image shown full size, or null. */
  const viewing = signal<Attachment | null>(null);
  const running = new Map<string, Upload>();
  let keys = 0;
  /** The server's limit; fetched once, null when unknown (the server still enforces it). */
  const limit = kit.request("GET", "/api/agent/upload-limits").then(
    (r) => {
      const n = (r as { maxBytes?: unknown } | null)?.maxBytes;
      return typeof n === "number" ? n : null;
    },
    () => null,
  );
  let maxBytes: number | null = null;

  const tray = (id: string) => trays.value.get(id) ?? EMPTY;
  const put = (id: string, t: Tray) => {
    const next = new Map(trays.value);
    if (t.items.length === 0 && t.queued === null) next.delete(id);
    else next.set(id, t);
    trays.value = next;
  };
  const patch = (id: string, key: string, change: Partial<TrayItem>) => {
    const t = tray(id);
    put(id, { ...t, items: t.items.map((i) => (i.key === key ? { ...i, ...change } : i)) });
  };

  function start(id: string, item: TrayItem) {
    if (maxBytes !== null && item.file.size > maxBytes) {
      return fail(id, item.key, { status: 413, code: "too_large", message: "" });
    }
    patch(id, item.key, { state: "uploading", sent: 0, error: null });
    const u = upload(id, item.file, (sent) => patch(id, item.key, { sent }));
    running.set(item.key, u);
    u.done.then(
      (attachment) => {
        running.delete(item.key);
        patch(id, item.key, { state: "done", attachment, sent: item.file.size });
        flush(id);
      },
      (err: UploadFailure) => {
        running.delete(item.key);
        // A cancelled upload has already left the tray.
        if (tray(id).items.some((i) => i.key === item.key)) fail(id, item.key, err);
      },
    );
  }

  function fail(id: string, key: string, err: UploadFailure) {
    const p = uploadProblem(err, maxBytes === null ? null : kit.fileSize(maxBytes));
    patch(id, key, { state: "failed", error: p.text, retryable: p.retryable });
  }

  /** Sends the queued message once every file is uploaded. */
  function flush(id: string) {
    const t = tray(id);
    const q = t.queued;
    if (q === null || t.items.some((i) => i.state !== "done")) return;
    const attachments = t.items.flatMap((i) => (i.attachment ? [i.attachment] : []));
    put(id, EMPTY);
    const sent = model.sendMessage(id, q.body, q.note, { clientId: q.clientId, attachments });
    // Only an over-long caption is refused here (with a notice): give the text back.
    if (!sent && q.body.trim() !== "") model.setDraft(id, q.body);
  }

  return {
    kit,
    trays,
    viewing,
    /** The files of a conversation's tray. */
    items: (id: string) => tray(id).items,
    /** The message waiting for uploads, if Send was pressed. */
    queued: (id: string) => tray(id).queued,
    /** Adds files and starts uploading them (at most 10 per message). */
    add(id: string, files: readonly File[]) {
      const room = kit.maxFiles - tray(id).items.length;
      if (files.length > room) {
        model.notify(`At most ${kit.maxFiles} files per message`, "error");
      }
      const added: TrayItem[] = files.slice(0, Math.max(0, room)).map((file) => ({
        key: `f${++keys}`,
        file,
        state: "uploading",
        sent: 0,
        error: null,
        retryable: false,
        attachment: null,
      }));
      if (added.length === 0) return;
      const t = tray(id);
      put(id, { ...t, items: [...t.items, ...added] });
      void limit.then((n) => {
        maxBytes = n;
        batch(() => {
          for (const item of added) {
            if (tray(id).items.some((i) => i.key === item.key)) start(id, item);
          }
        });
      });
    },
    /** Uploads a failed file again. */
    retry(id: string, key: string) {
      const item = tray(id).items.find((i) => i.key === key);
      if (item) start(id, item);
    },
    /** Cancels a file's upload, or removes an uploaded or failed file. */
    remove(id: string, key: string) {
      const t = tray(id);
      put(id, { ...t, items: t.items.filter((i) => i.key !== key) });
      running.get(key)?.abort();
      flush(id);
    },
    /**
     * Send with files in the tray: the message (this caption, reply or note) is queued with its
     * client id and goes out when every file is uploaded. False when the tray is empty.
     */
    send(id: string, body: string, note: boolean): boolean {
      const t = tray(id);
      if (t.items.length === 0) return false;
      const q = t.queued;
      // Send again while waiting: the new text joins the caption of the same message.
      put(id, {
        ...t,
        queued: q
          ? { ...q, body: [q.body, body].filter((s) => s.trim() !== "").join("\n") }
          : { clientId: crypto.randomUUID(), body, note },
      });
      model.setDraft(id, "");
      flush(id);
      return true;
    },
    /** Shows an image full size. */
    view(a: Attachment) {
      viewing.value = a;
    },
    /** Cancels every running upload. */
    dispose() {
      for (const u of running.values()) u.abort();
      running.clear();
    },
  };
}

/** The uploader's state and actions. */
export type UploaderState = ReturnType<typeof createUploaderState>;
