/**
 * One agent upload over XHR (`POST /api/conversations/:id/attachments`, docs/http_api.md
 * "Attachments"): `fetch` reports no upload progress, XHR does. The body is the file itself,
 * named by `X-Parley-Filename` (percent-encoded UTF-8); the server sniffs the type from the
 * bytes, so `Content-Type` is only the browser's guess.
 *
 * @module
 */

import type { Attachment } from "../../../protocol/frames.ts";
import { decodeAttachment } from "../../../protocol/client/decode_agent.ts";

/** Why an upload failed: the HTTP status (0: no answer) and the server's error code. */
export interface UploadFailure {
  status: number;
  code: string;
  message: string;
}

/** A running upload. */
export interface Upload {
  /** The stored attachment, or rejects with an {@link UploadFailure} (`aborted` after abort). */
  done: Promise<Attachment>;
  /** Stops sending; `done` rejects. */
  abort(): void;
}

/** Starts uploading `file` to a conversation; `onProgress` gets the bytes sent so far. */
export function upload(
  conversationId: string,
  file: File,
  onProgress: (sent: number) => void,
): Upload {
  const xhr = new XMLHttpRequest();
  const done = new Promise<Attachment>((resolve, reject) => {
    const fail = (status: number, code: string, message: string) =>
      reject({ status, code, message } satisfies UploadFailure);
    xhr.onload = () => {
      let data: unknown = null;
      try {
        data = JSON.parse(xhr.responseText);
      } catch { /* a proxy's HTML error page: the status says enough */ }
      const o = data !== null && typeof data === "object" ? data as Record<string, unknown> : {};
      if (xhr.status === 201) {
        try {
          return resolve(decodeAttachment(o.attachment));
        } catch {
          return fail(xhr.status, "internal", "The server's answer was not understood");
        }
      }
      const e = o.error !== null && typeof o.error === "object"
        ? o.error as Record<string, unknown>
        : {};
      fail(
        xhr.status,
        typeof e.code === "string" ? e.code : "internal",
        typeof e.message === "string" ? e.message : `Upload failed (${xhr.status})`,
      );
    };
    xhr.onerror = () => fail(0, "unavailable", "Cannot reach the server");
    xhr.onabort = () => fail(0, "aborted", "Cancelled");
  });
  xhr.open("POST", `/api/conversations/${encodeURIComponent(conversationId)}/attachments`);
  xhr.setRequestHeader("Accept", "application/json");
  xhr.setRequestHeader("X-Parley-CSRF", "1");
  xhr.setRequestHeader("X-Parley-Filename", encodeURIComponent(file.name || "file"));
  xhr.setRequestHeader("Content-Type", file.type || "application/octet-stream");
  xhr.upload.onprogress = (e) => onProgress(e.loaded);
  xhr.send(file);
  return { done, abort: () => xhr.abort() };
}

/**
 * What the tray says about a failed upload, and whether trying again may help (the limits and a
 * file's type do not change between tries; a dropped connection or a busy server may).
 */
export function uploadProblem(e: UploadFailure, limit: string | null): {
  text: string;
  retryable: boolean;
} {
  switch (e.code) {
    case "too_large":
      return { text: `Too large: the limit is ${limit ?? "lower"}`, retryable: false };
    case "type_not_allowed":
      return { text: "This type of file is not accepted", retryable: false };
    case "bad_image":
      return { text: "Not a valid image: the file may be damaged", retryable: false };
  }
  const retryable = e.status === 0 || e.status === 429 || e.status >= 500;
  return { text: `Upload failed: ${e.message}`, retryable };
}
