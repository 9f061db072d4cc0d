/**
 * One agent upload, in parts (`POST /api/conversations/:id/uploads`, then
 * `PUT /api/uploads/:id`; docs/http_api.md "Attachments"), resumed after a dropped connection.
 * The server sniffs the type from the bytes, so the file's type is only the browser's guess.
 *
 * @module
 */

import type { Attachment } from "../../../protocol/frames.ts";
import { decodeAttachment } from "../../../protocol/client/decode_agent.ts";
import { type UploadFailure, uploadInParts } from "../../../protocol/client/upload.ts";

export type { UploadFailure };

/** A running upload. */
export interface Upload {
  /** The stored attachment, or rejects with an {@link UploadFailure} (`aborted` after abort). */
  done: Promise<Attachment>;
  /** Stops sending and deletes what was stored; `done` rejects. */
  abort(): void;
}

/** Starts uploading `file` to a conversation; `onProgress` gets the bytes sent so far. */
export function upload(
  conversationId: string,
  file: File,
  onProgress: (sent: number) => void,
): Upload {
  const parted = uploadInParts({
    start: `/api/conversations/${encodeURIComponent(conversationId)}/uploads`,
    origin: "",
    headers: { "X-Parley-CSRF": "1" },
    file,
    name: file.name || "file",
    progress: onProgress,
  });
  const done = parted.done.then((value) => {
    try {
      return decodeAttachment(value);
    } catch {
      throw { status: 201, code: "internal", message: "The server's answer was not understood" };
    }
  });
  return { done, abort: parted.abort };
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
