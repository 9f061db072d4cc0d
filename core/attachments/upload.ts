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
import type { AttachmentRecord, AttachmentStore, Uploader } from "../../db/sql_attachments.ts";
import type { UploadPolicy } from "./policy.ts";
import { FileChecks, readChunks, tooLarge } from "./chunks.ts";

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
    const checks = new FileChecks(policy, req.name, req.declaredType);
    let n = 0;
    const storeChunk = async (data: Uint8Array) => {
      checks.next(data);
      hash.update(data);
      await store.blobs.putChunk(id, n++, data);
    };
    const { read: size, rest } = await readChunks(reader, {
      maxBytes: policy.maxBytes,
      tooLarge: () => tooLarge(policy),
      cutOff: "The upload was cut off",
    }, storeChunk);
    if (rest.byteLength > 0) await storeChunk(rest);
    const head = checks.end();
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
