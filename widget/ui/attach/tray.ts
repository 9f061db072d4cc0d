/**
 * The tray: files the visitor attached, each uploaded at once in parts (`POST /api/widget/uploads`,
 * then `PUT /api/uploads/:id`, `protocol/client/upload.ts`: progress, and a dropped connection
 * resumes where it stopped) with the visitor token in `Authorization: Bearer`. Sending with
 * files queues the caption; the message goes into the outbox (`model.send`, with the clientId
 * idempotency of every message) only once every upload has committed, so a message never
 * carries half its files and a resend never repeats an upload. Uploads wait while the socket is
 * down (offline, no token yet) and start when it is back. Cancelling aborts the request (the
 * server deletes the partial upload); a refused file says why and never blocks others forever:
 * the visitor removes it (or retries one that failed for another reason).
 *
 * @module
 */

import type { Attachment } from "../../../protocol/frames.ts";
import { MAX_ATTACHMENTS_PER_MESSAGE } from "../../../protocol/limits.ts";
import {
  type PartedUpload,
  type UploadFailure,
  uploadInParts,
} from "../../../protocol/client/upload.ts";
import type { AttachContext } from "./api.ts";
import { L } from "./lib.ts";
import { type Refusal, refusal, refusalOf } from "./limits.ts";

/** One file in the tray. */
export interface TrayFile {
  key: number;
  file: File;
  /** A blob: URL of the visitor's own image (revoked when it leaves the tray). */
  preview?: string;
  /** Waiting for the connection, uploading, committed, refused. */
  state: "wait" | "up" | "done" | "err";
  /** Sent fraction, 0 to 1, while uploading. */
  progress: number;
  reason?: Refusal;
  attachment?: Attachment;
}

/** The committed attachment of an upload's last answer, or null when it is not one. */
function attachmentOf(a: unknown): Attachment | null {
  const o = a as Record<string, unknown> | null;
  return typeof o?.id === "string" && typeof o.name === "string" &&
      typeof o.type === "string" && typeof o.size === "number"
    ? o as unknown as Attachment
    : null;
}

/** Creates the tray over the chat model (see the module comment). */
export function createTray(ctx: AttachContext) {
  const files = L.signal<TrayFile[]>([]);
  /** The caption of a send waiting for its uploads, or null. */
  const caption = L.signal<string | null>(null);
  const requests = new Map<number, PartedUpload>();
  let next = 0;

  const patch = (key: number, change: Partial<TrayFile>) => {
    files.value = files.peek().map((f) => f.key === key ? { ...f, ...change } : f);
  };

  const upload = (f: TrayFile) => {
    const token = ctx.token();
    if (f.state !== "wait" || !token || ctx.model.status.peek() !== "connected") return;
    const u = uploadInParts({
      start: `${ctx.origin}/api/widget/uploads`,
      origin: ctx.origin,
      headers: { authorization: `Bearer ${token}` },
      file: f.file,
      name: f.file.name,
      progress: (sent) => patch(f.key, { progress: sent / (f.file.size || 1) }),
    });
    requests.set(f.key, u);
    u.done.then((value) => {
      requests.delete(f.key);
      const a = attachmentOf(value);
      patch(f.key, a ? { state: "done", attachment: a } : { state: "err", reason: "failed" });
      flush();
    }, (e: UploadFailure) => {
      if (e.code === "aborted") return;
      requests.delete(f.key);
      // Offline or the socket is down: again once connected. Else a failure to retry.
      const later = e.status === 0 &&
        (!navigator.onLine || ctx.model.status.peek() !== "connected");
      patch(
        f.key,
        later ? { state: "wait", progress: 0 } : { state: "err", reason: refusalOf(e.status) },
      );
    });
    patch(f.key, { state: "up", progress: 0 });
  };

  /** Sends the queued caption with the files once every upload has committed. */
  const flush = () => {
    const text = caption.peek();
    const list = files.peek();
    if (text === null || !list.every((f) => f.state === "done")) return;
    caption.value = null;
    clear();
    // Every file removed: what is left is a text message, if any text.
    if (list.length) ctx.model.send(text, list.map((f) => f.attachment!));
    else ctx.model.send(text);
  };

  const clear = () => {
    for (const f of files.peek()) if (f.preview) URL.revokeObjectURL(f.preview);
    for (const x of requests.values()) x.abort();
    requests.clear();
    files.value = [];
  };

  // Waiting uploads start whenever the socket is (again) connected: the token is known then.
  const stop = L.effect(() => {
    if (ctx.model.status.value === "connected") files.peek().forEach(upload);
  });

  return {
    files,
    caption,
    /** Adds files (up to the per-message limit); refused ones stay to say why. */
    add(list: File[]): void {
      const room = MAX_ATTACHMENTS_PER_MESSAGE - files.peek().length;
      const added = list.slice(0, Math.max(0, room)).map((file): TrayFile => {
        const reason = refusal(file, ctx.settings.uploads) ?? undefined;
        return {
          key: ++next,
          file,
          preview: /^image\//.test(file.type) ? URL.createObjectURL(file) : undefined,
          state: reason ? "err" : "wait",
          progress: 0,
          reason,
        };
      });
      files.value = [...files.peek(), ...added];
      added.forEach(upload);
    },
    /** Queues `text` as the caption of the tray's files; false when the tray is empty. */
    send(text: string): boolean {
      if (!files.peek().length || ctx.model.unavailable.peek()) return false;
      caption.value = text;
      flush();
      return true;
    },
    /** Cancels (aborts) or removes one file. */
    remove(key: number): void {
      const f = files.peek().find((x) => x.key === key);
      requests.get(key)?.abort();
      requests.delete(key);
      if (f?.preview) URL.revokeObjectURL(f.preview);
      files.value = files.peek().filter((x) => x.key !== key);
      flush();
    },
    /** Uploads a failed file again. */
    retry(key: number): void {
      patch(key, { state: "wait", reason: undefined });
      const f = files.peek().find((x) => x.key === key);
      if (f) upload(f);
    },
    dispose(): void {
      stop();
      clear();
    },
  };
}

/** The tray returned by {@link createTray}. */
export type Tray = ReturnType<typeof createTray>;
