/**
 * What an upload in one request (`upload.ts`) and an upload in parts (`parts.ts`) share: cutting
 * a request body into {@link CHUNK_BYTES} chunks, each handed over (and stored) before more is
 * read, and the checks every chunk of a file goes through in order.
 *
 * @module
 */

import { ErrorCode } from "../../protocol/codes.ts";
import { ParleyError } from "../errors.ts";
import { CHUNK_BYTES } from "../../db/sql_attachments.ts";
import { allows, type UploadPolicy } from "./policy.ts";
import { claimsImage, imageSize, sniff, type Sniffed, TextCheck } from "./sniff.ts";

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
  req: { name: string; declaredType: string | null },
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
 * The checks of one file, chunk by chunk: the first chunk is sniffed (type allowed, an image's
 * header parsed); text must stay UTF-8 to its end, and text that turns out binary later is no
 * longer text: accepted as an unknown file only where the policy accepts those.
 */
export class FileChecks {
  readonly #policy: UploadPolicy;
  readonly #name: string;
  readonly #declaredType: string | null;
  #head: Head | null;
  #text: TextCheck | null;

  /**
   * Checks for a file named `name` (`declaredType`: what the client said it is). `resumed`: the
   * state earlier requests left (an upload in parts), else it starts at the first chunk.
   */
  constructor(
    policy: UploadPolicy,
    name: string,
    declaredType: string | null,
    resumed: { head: Head; text: TextCheck | null } | null = null,
  ) {
    this.#policy = policy;
    this.#name = name;
    this.#declaredType = declaredType;
    this.#head = resumed?.head ?? null;
    this.#text = resumed?.text ?? null;
  }

  /** Checks the file's next chunk; returns what the file is so far, or throws a refusal. */
  next(data: Uint8Array): Head {
    if (this.#head === null) {
      this.#head = checkHead(
        data,
        { name: this.#name, declaredType: this.#declaredType },
        this
          .#policy,
      );
      if (this.#head.file.kind === "text") this.#text = new TextCheck();
    }
    if (this.#text && !this.#text.push(data)) this.#notText();
    return this.#head;
  }

  /** The end of the file: what it is, or `bad_frame` for an empty one. */
  end(): Head {
    if (this.#text && !this.#text.end()) this.#notText();
    if (this.#head === null) throw new ParleyError(ErrorCode.BadFrame, "The file is empty");
    return this.#head;
  }

  #notText(): void {
    const other: Sniffed = { type: "application/octet-stream", kind: "other" };
    if (!allows(this.#policy, other) || this.#head === null) throw notAllowed(other);
    this.#head = { ...this.#head, file: other };
    this.#text = null;
  }
}

/** How {@link readChunks} bounds a body. */
export interface ChunkLimits {
  /** The most bytes the body may carry. */
  maxBytes: number;
  /** The error for a body past `maxBytes`. */
  tooLarge(): ParleyError;
  /** What to say when the body breaks off (the client's fault, not a server error). */
  cutOff: string;
}

/**
 * Reads `reader` to its end, handing each full chunk to `full` and waiting for it before reading
 * more, so memory holds one chunk whatever the body's size (the chunk's buffer is reused once
 * `full` resolved). Returns the bytes read and the last, partial chunk (empty when the body ended
 * on a chunk boundary), which is the caller's to store or not.
 */
export async function readChunks(
  reader: ReadableStreamDefaultReader<Uint8Array> | null,
  limits: ChunkLimits,
  full: (chunk: Uint8Array) => Promise<void>,
): Promise<{ read: number; rest: Uint8Array }> {
  const chunk = new Uint8Array(CHUNK_BYTES);
  let filled = 0;
  let read = 0;
  while (reader) {
    const next = await reader.read().catch((err) => {
      throw new ParleyError(ErrorCode.BadFrame, limits.cutOff, { cause: err });
    });
    if (next.done) break;
    let piece = next.value;
    read += piece.byteLength;
    if (read > limits.maxBytes) throw limits.tooLarge();
    while (piece.byteLength > 0) {
      const take = Math.min(piece.byteLength, CHUNK_BYTES - filled);
      chunk.set(piece.subarray(0, take), filled);
      filled += take;
      piece = piece.subarray(take);
      if (filled === CHUNK_BYTES) {
        await full(chunk);
        filled = 0;
      }
    }
  }
  return { read, rest: chunk.subarray(0, filled) };
}
