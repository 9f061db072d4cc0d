/**
 * Streams one upload into the store: the body is cut into {@link CHUNK_BYTES} chunks, each
 * written before the next is read (so memory holds about one chunk per upload whatever the file
 * size), hashed on the way, and checked as it goes: the first chunk is sniffed (type allowed, an
 * image's header parsed), text stays UTF-8 to its end, and the byte count is checked on every
 * read so an upload past the limit stops at once, without reading the rest. Any failure, the
 * client's abort included, deletes the pending row: no half file is ever left to be sent.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { ErrorCode } from "../../protocol/codes.ts";
import { ParleyError } from "../errors.ts";
import {
  type AttachmentRecord,
  type AttachmentStore,
  CHUNK_BYTES,
  type Uploader,
} from "../../db/sql_attachments.ts";
import { allows, type UploadPolicy } from "./policy.ts";
import { claimsImage, imageSize, sniff, type Sniffed, TextCheck } from "./sniff.ts";

/** What the client said about the file (never trusted for the stored type). */
export interface UploadRequest {
  /** The cleaned file name (`policy.fileName`). */
  name: string;
  /** The request's `Content-Type`, used only to tell whether it claims to be an image. */
  declaredType: string | null;
  /** The request's `Content-Length`, when it sent one. */
  declaredLength: number | null;
  body: ReadableStream<Uint8Array> | null;
}

/** The `too_large` refusal of a file past the policy's limit. */
export function tooLarge(policy: UploadPolicy): ParleyError {
  return new ParleyError(
    ErrorCode.TooLarge,
    `The file is larger than the limit of ${policy.maxBytes} bytes`,
  );
}

/** The `type_not_allowed` refusal of a file of `file`'s type. */
export function notAllowed(file: Sniffed): ParleyError {
  return new ParleyError(ErrorCode.TypeNotAllowed, `Files of this type are not accepted`, {
    field: file.type,
  });
}

/** What the first chunk of a file was found to be. */
export type Head = { file: Sniffed; width: number | null; height: number | null };

/**
 * Checks the first chunk of a file; returns its type and, for an image, its dimensions, or
 * throws `bad_image` or `type_not_allowed`.
 */
export function checkHead(
  head: Uint8Array,
  req: Pick<UploadRequest, "name" | "declaredType">,
  policy: UploadPolicy,
): Head {
  const file = sniff(head, req.name);
  if (file.kind === "image") {
    const size = imageSize(file.type, head);
    if (!size) throw new ParleyError(ErrorCode.BadImage, "The image is damaged or not an image");
    if (!allows(policy, file)) throw notAllowed(file);
    return { file, width: size.width, height: size.height };
  }
  if (claimsImage(req.name, req.declaredType)) {
    throw new ParleyError(ErrorCode.BadImage, "The file is not the image it claims to be");
  }
  if (!allows(policy, file)) throw notAllowed(file);
  return { file, width: null, height: null };
}

/**
 * Stores an upload of `siteId` by `uploader`; resolves with the completed attachment or throws
 * a {@link ParleyError} (`too_large`, `type_not_allowed`, `bad_image`, `bad_frame` for an empty
 * file) after deleting whatever was written.
 */
export async function storeUpload(
  store: AttachmentStore,
  policy: UploadPolicy,
  siteId: string,
  uploader: Uploader,
  req: UploadRequest,
): Promise<AttachmentRecord> {
  // Said up front: the limit is known before a byte is read.
  if (req.declaredLength !== null && req.declaredLength > policy.maxBytes) {
    await req.body?.cancel().catch(() => {});
    throw tooLarge(policy);
  }
  const reader = req.body?.getReader() ?? null;
  const id = await store.createPending(siteId, uploader, req.name);
  try {
    const hash = createHash("sha256");
    const state: {
      head: ReturnType<typeof checkHead> | null;
      text: TextCheck | null;
    } = { head: null, text: null };
    // Text that turns out binary after its first chunk is no longer text: accepted as an
    // unknown file only where the policy accepts those.
    const notText = () => {
      const other: Sniffed = { type: "application/octet-stream", kind: "other" };
      if (!allows(policy, other) || state.head === null) throw notAllowed(other);
      state.head = { ...state.head, file: other };
      state.text = null;
    };
    const chunk = new Uint8Array(CHUNK_BYTES);
    let filled = 0;
    let n = 0;
    let size = 0;
    const flush = async () => {
      const data = chunk.subarray(0, filled);
      if (state.head === null) {
        state.head = checkHead(data, req, policy);
        if (state.head.file.kind === "text") state.text = new TextCheck();
      }
      if (state.text && !state.text.push(data)) notText();
      hash.update(data);
      await store.blobs.putChunk(id, n++, data);
      // The write has resolved, so the driver is done with the buffer: it is reused.
      filled = 0;
    };
    for (;;) {
      const read = reader
        ? await reader.read().catch((err) => {
          // The client went away or sent a broken body: its fault, not a server error.
          throw new ParleyError(ErrorCode.BadFrame, "The upload was cut off", { cause: err });
        })
        : { done: true as const, value: undefined };
      if (read.done) break;
      let piece = read.value;
      size += piece.byteLength;
      if (size > policy.maxBytes) throw tooLarge(policy);
      while (piece.byteLength > 0) {
        const take = Math.min(piece.byteLength, CHUNK_BYTES - filled);
        chunk.set(piece.subarray(0, take), filled);
        filled += take;
        piece = piece.subarray(take);
        if (filled === CHUNK_BYTES) await flush();
      }
    }
    if (filled > 0) await flush();
    if (state.text && !state.text.end()) notText();
    const head = state.head;
    if (size === 0 || head === null) throw new ParleyError(ErrorCode.BadFrame, "The file is empty");
    const done = await store.complete(id, {
      type: head.file.type,
      size,
      sha256: hash.digest("hex"),
      width: head.width,
      height: head.height,
    });
    if (!done) throw new ParleyError(ErrorCode.NotFound, "The upload was removed meanwhile");
    return done;
  } catch (err) {
    await reader?.cancel().catch(() => {});
    await store.deletePending(id).catch(() => {});
    throw err;
  }
}
