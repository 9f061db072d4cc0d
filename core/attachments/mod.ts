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
import {
  isParted,
  type PartRequest,
  sessionOf,
  startParts,
  storePart,
  type UploadSession,
} from "./parts.ts";

export type { PartRequest, UploadPolicy, UploadRequest, UploadSession };
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
  /** How long a complete upload may wait to be sent in a message (default 7 days). */
  unsentTtlMs?: number;
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

/**
 * A complete upload no message carries is deleted after this long: the visitor took it out of the
 * tray, or never came back. Long enough for a message waiting in a widget's outbox on a device
 * that stayed offline for days.
 */
const UNSENT_TTL_MS = 7 * 24 * 3_600_000;

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

  #upload(
    siteId: string,
    uploader: Parameters<typeof storeUpload>[3],
    req: UploadRequest,
  ): Promise<AttachmentRecord> {
    return this.#guard(
      uploader.kind,
      () => storeUpload(this.#d.attachments, this.#d.policy, siteId, uploader, req),
    );
  }

  /** Runs a store operation of an upload, turning store failures into what the client is told. */
  async #guard<T>(kind: "visitor" | "agent", fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      // The client is told `unavailable` only; what the store said is for the operator.
      if (err instanceof ObjectStoreError) {
        this.#d.log.warn("attachments: upload failed in the object store", {
          error: err.detail,
        });
      }
      // The visitor was erased (or the conversation deleted) while their token still verifies.
      if (err instanceof StoreError && err.code === "not_found") {
        throw kind === "visitor"
          ? new ParleyError(ErrorCode.InvalidToken, "Invalid visitor token")
          : notFound();
      }
      throw err;
    }
  }

  /** Starts an agent's upload in parts to a conversation of a site they may see. */
  async startByAgent(
    agent: AgentRecord,
    conversationId: string,
    file: { name: string; size: number },
  ): Promise<UploadSession> {
    const conv = await this.#d.store.getConversation(conversationId);
    if (!conv || !siteAllowed(siteLimit(agent), conv.siteId)) throw notFound();
    const uploader = { kind: "agent" as const, agentId: agent.id, conversationId };
    return await this.#guard("agent", () =>
      startParts(
        this.#d.attachments,
        this.#d.policy,
        conv.siteId,
        uploader,
        file.name,
        file.size,
      ));
  }

  /** Starts a visitor's upload in parts. */
  startByVisitor(
    claims: VisitorClaims,
    file: { name: string; size: number },
  ): Promise<UploadSession> {
    const uploader = { kind: "visitor" as const, visitorId: claims.visitorId };
    return this.#guard("visitor", () =>
      startParts(
        this.#d.attachments,
        this.#d.policy,
        claims.siteId,
        uploader,
        file.name,
        file.size,
      ));
  }

  /**
   * An upload in parts of `owner`'s own (pending, or complete and not sent yet), else
   * `not_found`: nobody else learns that it exists.
   */
  async #ownUpload(id: string, owner: AttachmentReader): Promise<AttachmentRecord> {
    const a = await this.#d.attachments.get(id);
    if (!a || !isParted(a) || a.messageId !== null) throw notFound();
    const mine = owner.kind === "agent"
      ? a.uploaderKind === "agent" && a.uploaderId === owner.agent.id &&
        siteAllowed(siteLimit(owner.agent), a.siteId)
      : a.uploaderKind === "visitor" && a.uploaderId === owner.claims.visitorId &&
        a.siteId === owner.claims.siteId;
    if (!mine) throw notFound();
    return a;
  }

  /** Where an upload in parts stands, with its attachment once complete. */
  async uploadStatus(
    id: string,
    owner: AttachmentReader,
  ): Promise<{ upload: UploadSession; attachment?: Attachment }> {
    const a = await this.#ownUpload(id, owner);
    return {
      upload: sessionOf(a),
      ...(a.state === "complete" ? { attachment: toAttachment(a) } : {}),
    };
  }

  /** Stores one part of `owner`'s upload at `offset` (see `parts.ts`). */
  async putPart(
    id: string,
    owner: AttachmentReader,
    offset: number,
    req: PartRequest,
  ): Promise<{ upload: UploadSession; attachment?: Attachment }> {
    let a: AttachmentRecord;
    try {
      a = await this.#ownUpload(id, owner);
    } catch (err) {
      await req.body?.cancel().catch(() => {});
      throw err;
    }
    const result = await this.#guard(
      owner.kind,
      () => storePart(this.#d.attachments, this.#d.policy, a, offset, req),
    );
    return result.done
      ? { upload: result.session, attachment: toAttachment(result.attachment) }
      : { upload: result.session };
  }

  /**
   * Cancels `owner`'s upload in parts, or takes back one complete but not sent: its row and
   * stored bytes are deleted.
   */
  async cancelUpload(id: string, owner: AttachmentReader): Promise<void> {
    const a = await this.#ownUpload(id, owner);
    await this.#guard(owner.kind, () => this.#d.attachments.deleteUnsent(a.id));
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
      new Date(now - (this.#d.unsentTtlMs ?? UNSENT_TTL_MS)),
    );
  }

  /** Stops the sweep, waiting for one in progress. */
  async stop(): Promise<void> {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
    await this.#sweeping;
  }
}
