/**
 * Uploads in parts (docs/attachments.md "Uploads in parts", migration 0021): the client announces
 * a file's name and size, then sends its bytes in parts of at most {@link PART_BYTES}, one request
 * each, and resumes after a dropped connection from the offset the server reports.
 *
 * Why parts: the HTTP layer under `Deno.serve` reads a request body ahead of the handler, with no
 * backpressure from how fast the handler stores it, so ten whole 10 MiB files sent at once could
 * sit in the server's memory however carefully the handler streams (measured: +155 MiB for ten
 * 10 MiB uploads, +315 MiB for ten 40 MiB ones; docs/bench.md "Uploads"). With parts, what one
 * upload can make the server hold is one part, whatever the file's size.
 *
 * Every part is checked exactly as a single-request upload is (`upload.ts`): the first chunk is
 * sniffed and an image's header parsed, text must stay UTF-8 across parts, and bytes past the
 * announced size are refused. What a part needs from the parts before it is in the row (`received`,
 * the sniffed type) and in the stored chunks, so the next part may land on any instance. Whole
 * 256 KiB chunks are stored as they fill; the answer's offset is where the next part starts, and a
 * part cut off midway keeps the whole chunks it delivered.
 *
 * @module
 */

import { ErrorCode } from "../../protocol/codes.ts";
import { ParleyError } from "../errors.ts";
import {
  type AttachmentRecord,
  type AttachmentStore,
  CHUNK_BYTES,
  type Uploader,
} from "../../db/sql_attachments.ts";
import type { UploadPolicy } from "./policy.ts";
import { TextCheck } from "./sniff.ts";
import { FileChecks, type Head, readChunks, tooLarge } from "./chunks.ts";

/** The largest part a client may send: four chunks (1 MiB). */
export const PART_BYTES = 4 * CHUNK_BYTES;

/** Where an upload in parts stands (the `upload` object of the HTTP answers). */
export interface UploadSession {
  id: string;
  /** The announced size in bytes. */
  size: number;
  /** Bytes stored: where the next part starts (`size` once complete). */
  offset: number;
  /** The largest part the server takes. */
  partBytes: number;
}

/** One part as the client sent it. */
export interface PartRequest {
  /** The request's `Content-Type` (an image must sniff as one; see `upload.ts`). */
  declaredType: string | null;
  /** The request's `Content-Length`, when it sent one. */
  declaredLength: number | null;
  body: ReadableStream<Uint8Array> | null;
}

/** What a part did: moved the offset, or completed the file. */
export type PartResult =
  | { done: false; session: UploadSession }
  | { done: true; session: UploadSession; attachment: AttachmentRecord };

/** The session view of an upload's row. */
export function sessionOf(a: AttachmentRecord): UploadSession {
  const offset = a.state === "complete" ? a.size : a.received;
  return { id: a.id, size: a.size, offset, partBytes: PART_BYTES };
}

/** Whether a row is an upload in parts (a single-request upload's pending row has size 0). */
export function isParted(a: AttachmentRecord): boolean {
  return a.state === "complete" || a.size > 0;
}

/**
 * Starts an upload in parts of `size` bytes: `bad_frame` for a size that is not a whole number
 * above 0, `too_large` past the limit, before a byte is sent.
 */
export async function startParts(
  store: AttachmentStore,
  policy: UploadPolicy,
  siteId: string,
  uploader: Uploader,
  name: string,
  size: number,
): Promise<UploadSession> {
  if (!Number.isSafeInteger(size) || size <= 0) {
    throw new ParleyError(ErrorCode.BadFrame, "size must be the file's size in bytes, above 0", {
      field: "size",
    });
  }
  if (size > policy.maxBytes) throw tooLarge(policy);
  const id = await store.createPending(siteId, uploader, name, size);
  return { id, size, offset: 0, partBytes: PART_BYTES };
}

/**
 * The bytes that end `chunk` inside a UTF-8 sequence (at most 3), so that a check resumed in a
 * later part starts where the stored text left off.
 */
export function unfinishedUtf8(chunk: Uint8Array): Uint8Array {
  for (let back = 1; back <= Math.min(3, chunk.length); back++) {
    const b = chunk[chunk.length - back];
    if ((b & 0xc0) === 0x80) continue; // a continuation byte: its lead is further back
    const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return need > back ? chunk.subarray(chunk.length - back) : new Uint8Array(0);
  }
  return new Uint8Array(0);
}

/** The types `sniff` gives text, which must stay UTF-8 to the end. */
const TEXT_TYPES: ReadonlySet<string> = new Set(["text/plain", "text/csv"]);

/**
 * The checks as the parts before left them, from the row: its sniffed type and dimensions (set
 * by the first chunk's checks; a text file found binary later is stored as binary), and for text
 * the unfinished UTF-8 sequence that ends the last stored chunk. The first chunk is not read
 * again: it passed when it came.
 */
async function resumeChecks(
  store: AttachmentStore,
  policy: UploadPolicy,
  a: AttachmentRecord,
  declaredType: string | null,
): Promise<FileChecks> {
  if (a.received === 0) return new FileChecks(policy, a.name, declaredType);
  const isText = TEXT_TYPES.has(a.type);
  const head: Head = {
    file: { type: a.type, kind: isText ? "text" : "other" },
    width: a.width ?? null,
    height: a.height ?? null,
  };
  if (!isText) return new FileChecks(policy, a.name, declaredType, { head, text: null });
  const last = a.received / CHUNK_BYTES - 1;
  const prev = await store.blobsOf(a).getChunk(a.id, last);
  if (prev === null) throw new Error(`attachments: chunk ${last} of pending ${a.id} is missing`);
  const text = new TextCheck();
  text.push(unfinishedUtf8(prev));
  return new FileChecks(policy, a.name, declaredType, { head, text });
}

/** Refusals of the file itself: the upload is deleted, as trying again cannot help. */
const FINAL: ReadonlySet<string> = new Set([
  ErrorCode.TooLarge,
  ErrorCode.TypeNotAllowed,
  ErrorCode.BadImage,
]);

/**
 * Stores one part of the pending upload `a` (read just now), starting at byte `offset`. Throws
 * `conflict` when `offset` is not where the upload stands (the client asks where, and goes on
 * from there), and the refusals of `upload.ts`, after which the upload is deleted. A part cut off
 * or a store failure keeps what was stored, for the client to resume.
 */
export async function storePart(
  store: AttachmentStore,
  policy: UploadPolicy,
  a: AttachmentRecord,
  offset: number,
  req: PartRequest,
): Promise<PartResult> {
  if (a.state === "complete" && offset === a.size) {
    // The last part's answer was lost and the client sends it again: the file is there.
    await req.body?.cancel().catch(() => {});
    return { done: true, session: sessionOf(a), attachment: a };
  }
  if (a.state !== "pending" || offset !== a.received) {
    await req.body?.cancel().catch(() => {});
    throw new ParleyError(
      ErrorCode.Conflict,
      `The upload stands at byte ${sessionOf(a).offset}: send the part that starts there`,
    );
  }
  const room = Math.min(PART_BYTES, a.size - offset);
  // A broken client, not a refused file: the upload stays, to go on with proper parts.
  const oversized = () =>
    new ParleyError(
      ErrorCode.BadFrame,
      `This part may carry at most ${room} bytes (the announced size, in parts of ${PART_BYTES})`,
    );
  if (req.declaredLength !== null && req.declaredLength > room) {
    await req.body?.cancel().catch(() => {});
    throw oversized();
  }
  const reader = req.body?.getReader() ?? null;
  let stored = offset;
  try {
    const checks = await resumeChecks(store, policy, a, req.declaredType);
    const storeChunk = async (data: Uint8Array) => {
      const head = checks.next(data);
      await store.blobsOf(a).putChunk(a.id, stored / CHUNK_BYTES, data);
      const moved = await store.advance(a.id, stored, stored + data.byteLength, {
        type: head.file.type,
        width: head.width,
        height: head.height,
      });
      if (!moved) {
        throw new ParleyError(ErrorCode.Conflict, "Another request moved this upload meanwhile");
      }
      stored += data.byteLength;
    };
    const { rest } = await readChunks(reader, {
      maxBytes: room,
      tooLarge: oversized,
      cutOff: "The part was cut off",
    }, storeChunk);
    // A short last piece is stored only when it ends the file; otherwise the client sends it
    // again at the start of its next part (the answer's offset says so).
    if (rest.byteLength > 0 && stored + rest.byteLength === a.size) await storeChunk(rest);
    if (stored < a.size) return { done: false, session: { ...sessionOf(a), offset: stored } };
    const head = checks.end();
    const done = await store.complete(a.id, {
      type: head.file.type,
      size: a.size,
      sha256: null,
      width: head.width,
      height: head.height,
    });
    if (!done) throw new ParleyError(ErrorCode.NotFound, "The upload was removed meanwhile");
    return { done: true, session: sessionOf(done), attachment: done };
  } catch (err) {
    await reader?.cancel().catch(() => {});
    if (err instanceof ParleyError && FINAL.has(err.code)) {
      await store.deletePending(a.id).catch(() => {});
    }
    throw err;
  }
}
