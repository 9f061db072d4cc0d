/**
 * Attachment bytes in an S3-compatible object store (AWS S3, Cloudflare R2, MinIO, …), for
 * installations whose files should not live in Postgres (docs/attachments.md, "S3").
 *
 * Each 256 KiB chunk of an upload is its own object, `attachments/<id>/<n>`: an upload streams
 * into it exactly as into the database (one PUT per chunk, written before the next is read) and a
 * download reads one object per pull. Multipart upload would need 5 MiB parts (so 5 MiB held per
 * upload instead of 256 KiB) and abort bookkeeping for the parts of a failed upload; single
 * objects need neither.
 *
 * Requests are signed with AWS Signature V4 by `aws4fetch` (a small, dependency-free signer over
 * `fetch`), the payload hash included, so the store checks every chunk's bytes. Deleting is not
 * done here when a row goes: rows are deleted by cascades this code never sees, so the database
 * queues the ids (`s3_deletions`, migration 0020) and `core/attachments/s3_deletions.ts` calls
 * {@link S3BlobStore.deleteAttachment}.
 *
 * @module
 */

import { AwsClient } from "aws4fetch";
import type { BlobStore } from "./sql_attachments.ts";
import { StoreUnavailableError } from "./store.ts";

/** Where the objects go and how to sign for them (from `PARLEY_S3_URL`, `server/s3_url.ts`). */
export interface S3Location {
  /** `http(s)://host[:port]`, no path. */
  endpoint: string;
  bucket: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** `endpoint/bucket/key` (MinIO, IP endpoints) instead of `bucket.endpoint/key`. */
  pathStyle: boolean;
}

/** How requests behave; defaults suit production. */
export interface S3Options {
  /** Bound on one request, retries included (default 30 s). */
  timeoutMs?: number;
  /** Retries of a 5xx or 429 answer, with aws4fetch's jittered doubling (default 2). */
  retries?: number;
}

/**
 * The object store failed or could not be reached. A {@link StoreUnavailableError}, so a caller
 * answers `unavailable` (retry later); `detail` (status and S3 error code, never a secret) is
 * for the log.
 */
export class ObjectStoreError extends StoreUnavailableError {
  /** HTTP status of the answer, or null when none came (refused, timed out). */
  readonly status: number | null;
  /** What failed, for the log. */
  readonly detail: string;
  /** Creates the error. */
  constructor(detail: string, status: number | null, options?: ErrorOptions) {
    super("The file store is unavailable; try again later", options);
    this.name = "ObjectStoreError";
    this.status = status;
    this.detail = detail;
  }
}

/** The object key of chunk `n` of an attachment. */
export function chunkKey(attachmentId: string, n: number): string {
  return `${attachmentPrefix(attachmentId)}${n}`;
}

/** The key prefix of every chunk of an attachment. */
export function attachmentPrefix(attachmentId: string): string {
  return `attachments/${encodeURIComponent(attachmentId)}/`;
}

/** The URL of `key` (already URL-safe) in the bucket, path-style or virtual-host style. */
export function objectUrl(loc: S3Location, key: string): string {
  const base = new URL(loc.endpoint);
  if (loc.pathStyle) return `${base.origin}/${encodeURIComponent(loc.bucket)}/${key}`;
  return `${base.protocol}//${loc.bucket}.${base.host}/${key}`;
}

const XML_ENTITIES: Record<string, string> = {
  "&amp;": "&",
  "&lt;": "<",
  "&gt;": ">",
  "&quot;": '"',
  "&apos;": "'",
};

function xmlText(s: string): string {
  return s.replace(/&(amp|lt|gt|quot|apos);/g, (e) => XML_ENTITIES[e]);
}

/** Chunks in an S3 bucket, one object each. */
export class S3BlobStore implements BlobStore {
  readonly backend = "s3" as const;
  readonly #loc: S3Location;
  readonly #client: AwsClient;
  readonly #timeoutMs: number;

  /** A store over a bucket; nothing is checked until the first request. */
  constructor(loc: S3Location, opts: S3Options = {}) {
    this.#loc = loc;
    this.#timeoutMs = opts.timeoutMs ?? 30_000;
    this.#client = new AwsClient({
      accessKeyId: loc.accessKeyId,
      secretAccessKey: loc.secretAccessKey,
      region: loc.region,
      service: "s3",
      retries: opts.retries ?? 2,
      initRetryMs: 100,
    });
  }

  /** Where it stores, without the credentials (for the log). */
  get describe(): string {
    return objectUrl(this.#loc, "").replace(/\/$/, "");
  }

  /** See {@link BlobStore.putChunk}. */
  async putChunk(attachmentId: string, n: number, data: Uint8Array): Promise<void> {
    // The payload's hash is signed, so the store refuses a chunk damaged on the way.
    const digest = await crypto.subtle.digest("SHA-256", data as Uint8Array<ArrayBuffer>);
    const res = await this.#request(chunkKey(attachmentId, n), {
      method: "PUT",
      body: data as Uint8Array<ArrayBuffer>,
      headers: {
        "content-type": "application/octet-stream",
        "x-amz-content-sha256": hex(new Uint8Array(digest)),
      },
    });
    await res.body?.cancel();
  }

  /** See {@link BlobStore.getChunk}. */
  async getChunk(attachmentId: string, n: number): Promise<Uint8Array | null> {
    const key = chunkKey(attachmentId, n);
    const res = await this.#request(key, { method: "GET" }, [404]);
    if (res.status === 404) {
      // Only a missing key is "no such chunk": a missing bucket is a broken store.
      const code = s3Code(await res.text().catch(() => ""));
      if (code === "NoSuchKey") return null;
      throw new ObjectStoreError(`GET ${key}: 404 ${code}`, 404);
    }
    try {
      return new Uint8Array(await res.arrayBuffer());
    } catch (err) {
      throw new ObjectStoreError(`GET ${key}: the answer was cut off`, null, { cause: err });
    }
  }

  /**
   * Deletes every chunk of an attachment: `chunks` of them when the count is known, else (an
   * upload that did not complete) whatever is listed under its prefix, until nothing is. Deleting
   * a missing object succeeds, so a retry after a partial failure is harmless.
   */
  async deleteAttachment(attachmentId: string, chunks: number | null): Promise<number> {
    if (chunks !== null) {
      for (let n = 0; n < chunks; n++) await this.#delete(chunkKey(attachmentId, n));
      return chunks;
    }
    let deleted = 0;
    for (;;) {
      const keys = await this.#list(attachmentPrefix(attachmentId));
      if (keys.length === 0) return deleted;
      for (const key of keys) await this.#delete(key.split("/").map(encodeURIComponent).join("/"));
      deleted += keys.length;
    }
  }

  async #delete(key: string): Promise<void> {
    const res = await this.#request(key, { method: "DELETE" }, [404]);
    await res.body?.cancel();
  }

  /** Up to 1000 keys under `prefix` (decoded); the caller lists again after deleting them. */
  async #list(prefix: string): Promise<string[]> {
    const query = new URLSearchParams({ "list-type": "2", prefix: decodeURIComponent(prefix) });
    const res = await this.#request(`?${query}`, { method: "GET" });
    const xml = await res.text();
    return [...xml.matchAll(/<Key>([^<]*)<\/Key>/g)].map((m) => xmlText(m[1]));
  }

  /** A signed request for `key` (or `?query` on the bucket); any other status than 2xx and `ok` throws. */
  async #request(key: string, init: RequestInit, ok: number[] = []): Promise<Response> {
    const url = objectUrl(this.#loc, key);
    const what = `${init.method} ${key.startsWith("?") ? "bucket" : key}`;
    let res: Response;
    try {
      // Typed as the platform's RequestInit: aws4fetch's own init type, as Deno 2.5 resolves
      // it, has no `signal` (Deno 2.9's has), though aws4fetch passes it on to fetch.
      const timed: RequestInit = { ...init, signal: AbortSignal.timeout(this.#timeoutMs) };
      res = await this.#client.fetch(url, timed);
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      throw new ObjectStoreError(`${what}: ${why}`, null, { cause: err });
    }
    if (res.ok || ok.includes(res.status)) return res;
    const code = s3Code(await res.text().catch(() => ""));
    throw new ObjectStoreError(`${what}: ${res.status} ${code}`, res.status);
  }
}

/** The `<Code>` of an S3 error answer. */
function s3Code(xml: string): string {
  return /<Code>([^<]*)<\/Code>/.exec(xml)?.[1] ?? "no S3 error code";
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
