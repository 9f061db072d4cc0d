/**
 * Attachments (issue 18, docs/attachments.md): uploads by agents and visitors, who may download
 * what, and the sweep of abandoned uploads. No HTTP here: `routes/api_attachments.ts` parses the
 * request and writes the headers; this decides.
 *
 * Who may read a file (anything else is `not_found`, so existence never leaks):
 * - an agent, when the attachment's site is one they may see;
 * - a visitor (by their token), when it was sent in a message of their own conversation that is
 *   not a note, or it is their own upload not sent yet.
 * A pending (incomplete) upload is nobody's to read.
 *
 * @module
 */

import type { Attachment } from "../../protocol/frames.ts";
import { ErrorCode } from "../../protocol/codes.ts";
import type { AgentRecord, Store } from "../../db/store.ts";
import { StoreError } from "../../db/store.ts";
import {
  type AttachmentRecord,
  type AttachmentStore,
  CHUNK_BYTES,
} from "../../db/sql_attachments.ts";
import { ObjectStoreError } from "../../db/s3_blob_store.ts";
import type { VisitorClaims, VisitorTokenSigner } from "../accounts/tokens.ts";
import { siteAllowed, siteLimit } from "../chat/site_access.ts";
import { ParleyError } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { UploadPolicy } from "./policy.ts";
import { storeUpload, type UploadRequest } from "./upload.ts";

export type { UploadPolicy, UploadRequest };
export { contentDisposition, fileName, servedType } from "./policy.ts";

/** Who asks to read an attachment. */
export type AttachmentReader =
  | { kind: "agent"; agent: AgentRecord }
  | { kind: "visitor"; claims: VisitorClaims };

/** What the service needs. */
export interface AttachmentDeps {
  attachments: AttachmentStore;
  store: Pick<Store, "getConversation">;
  signer: Pick<VisitorTokenSigner, "verifyAnySite">;
  policy: UploadPolicy;
  log: Logger;
  /** How long an upload may stay pending before the sweep deletes it (default 1 h). */
  pendingTtlMs?: number;
  /** Between two sweeps (default 10 min). */
  sweepEveryMs?: number;
}

/** The wire shape of a stored attachment. */
export function toAttachment(a: AttachmentRecord): Attachment {
  return {
    id: a.id,
    name: a.name,
    type: a.type,
    size: a.size,
    ...(a.width === undefined ? {} : { width: a.width }),
    ...(a.height === undefined ? {} : { height: a.height }),
  };
}

const notFound = () => new ParleyError(ErrorCode.NotFound, "Not found");

/** Uploads, downloads and the sweep. */
export class AttachmentService {
  readonly #d: AttachmentDeps;
  #timer: ReturnType<typeof setInterval> | null = null;
  #sweeping: Promise<void> | null = null;

  /** Creates the service (the sweep starts with {@link start}). */
  constructor(deps: AttachmentDeps) {
    this.#d = deps;
  }

  /** The configured limits, for error messages and docs. */
  get policy(): UploadPolicy {
    return this.#d.policy;
  }

  /** The visitor a bearer token names, or `unauthorized`. */
  async visitor(token: string | null): Promise<VisitorClaims> {
    if (token === null || token.length > 1024) {
      throw new ParleyError(ErrorCode.Unauthorized, "A visitor token is required");
    }
    const verified = await this.#d.signer.verifyAnySite(token);
    if (!verified.ok) throw new ParleyError(ErrorCode.InvalidToken, "Invalid visitor token");
    return verified.claims;
  }

  /** Stores an agent's upload to a conversation of a site they may see. */
  async uploadByAgent(
    agent: AgentRecord,
    conversationId: string,
    req: UploadRequest,
  ): Promise<Attachment> {
    const conv = await this.#d.store.getConversation(conversationId);
    if (!conv || !siteAllowed(siteLimit(agent), conv.siteId)) {
      await req.body?.cancel().catch(() => {});
      throw notFound();
    }
    const uploader = { kind: "agent" as const, agentId: agent.id, conversationId };
    return toAttachment(await this.#upload(conv.siteId, uploader, req));
  }

  /** Stores a visitor's upload (sent with their next message, or swept after an hour). */
  async uploadByVisitor(claims: VisitorClaims, req: UploadRequest): Promise<Attachment> {
    const uploader = { kind: "visitor" as const, visitorId: claims.visitorId };
    return toAttachment(await this.#upload(claims.siteId, uploader, req));
  }

  async #upload(
    siteId: string,
    uploader: Parameters<typeof storeUpload>[3],
    req: UploadRequest,
  ): Promise<AttachmentRecord> {
    try {
      return await storeUpload(this.#d.attachments, this.#d.policy, siteId, uploader, req);
    } catch (err) {
      // The client is told `unavailable` only; what the store said is for the operator.
      if (err instanceof ObjectStoreError) {
        this.#d.log.warn("attachments: upload failed in the object store", {
          error: err.detail,
        });
      }
      // The visitor was erased (or the conversation deleted) while their token still verifies.
      if (err instanceof StoreError && err.code === "not_found") {
        throw uploader.kind === "visitor"
          ? new ParleyError(ErrorCode.InvalidToken, "Invalid visitor token")
          : notFound();
      }
      throw err;
    }
  }

  /** The attachment if `reader` may read it, else `not_found`. */
  async readable(id: string, reader: AttachmentReader): Promise<AttachmentRecord> {
    const a = await this.#d.attachments.get(id);
    if (!a || a.state !== "complete") throw notFound();
    if (reader.kind === "agent") {
      if (!siteAllowed(siteLimit(reader.agent), a.siteId)) throw notFound();
      return a;
    }
    const { visitorId, siteId } = reader.claims;
    if (a.siteId !== siteId) throw notFound();
    const sentToThem = a.messageId !== null && a.note === false &&
      a.conversationVisitorId === visitorId;
    const theirUnsent = a.messageId === null && a.uploaderKind === "visitor" &&
      a.uploaderId === visitorId;
    if (!sentToThem && !theirUnsent) throw notFound();
    return a;
  }

  /**
   * The bytes of an attachment as a stream that reads one chunk per pull from the store its row
   * names, so a download holds one chunk in memory however large the file. The first chunk is
   * read before it resolves: a store that is down is an `unavailable` answer, not a `200` whose
   * body breaks off.
   */
  async stream(a: AttachmentRecord): Promise<ReadableStream<Uint8Array>> {
    const blobs = this.#d.attachments.blobsOf(a);
    const chunks = Math.ceil(a.size / CHUNK_BYTES);
    const read = async (n: number) => {
      const chunk = await blobs.getChunk(a.id, n);
      // A complete file has all its chunks: one missing is a store that lost it.
      if (chunk === null) throw new Error(`attachments: chunk ${n} of ${a.id} is missing`);
      return chunk;
    };
    let first: Uint8Array | null = chunks > 0 ? await read(0) : null;
    let n = 1;
    return new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (first !== null) {
          controller.enqueue(first);
          first = null;
        } else if (n < chunks) controller.enqueue(await read(n++));
        else controller.close();
      },
    }, { highWaterMark: 0 });
  }

  /** Starts the periodic sweep of uploads left pending (aborted without a clean-up, a crash). */
  start(): void {
    if (this.#timer !== null) return;
    this.#timer = setInterval(() => {
      this.#sweeping ??= this.sweep().then(() => {}, (err) => {
        this.#d.log.warn("attachments: sweep failed", { err: String(err) });
      }).finally(() => this.#sweeping = null);
    }, this.#d.sweepEveryMs ?? 600_000);
  }

  /** Deletes uploads pending longer than the TTL; returns how many. */
  async sweep(now = Date.now()): Promise<number> {
    return await this.#d.attachments.sweepPending(
      new Date(now - (this.#d.pendingTtlMs ?? 3_600_000)),
    );
  }

  /** Stops the sweep, waiting for one in progress. */
  async stop(): Promise<void> {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
    await this.#sweeping;
  }
}
