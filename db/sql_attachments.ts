/**
 * Attachments (migration 0019, docs/attachments.md): the rows that describe uploaded files, the
 * chunks that hold their bytes, and the append of a message that carries some.
 *
 * An upload is a `pending` row, then its chunks one statement each (the body is streamed, never
 * held whole), then `complete` with what was sniffed. A message links complete attachments to
 * itself in the same transaction that stores it, so a message never names a file that is not
 * all there, and a refused link stores no message. Deleting is the foreign keys' job: a visitor,
 * conversation, message or site deleted takes its attachments and their chunks with it.
 *
 * @module
 */

import type { Attachment, Message } from "../protocol/frames.ts";
import {
  type AgentMessageInput,
  type AppendResult,
  StoreError,
  StoreUnavailableError,
  type VisitorMessageInput,
} from "./store.ts";
import { requeueS3Deletion } from "./sql_s3_deletions.ts";
import { type Db, DbError, type Queryable, type Row } from "./driver.ts";
import { appendAgentMessage, appendVisitorMessage } from "./sql_messages.ts";
import { bad } from "./rows.ts";

/**
 * Bytes per stored chunk: large enough to keep statements few, small enough to stream. Migration
 * 0020 counts an S3 file's objects with it: change both together.
 */
export const CHUNK_BYTES = 256 * 1024;

/**
 * Where the bytes of attachments live: the database ({@link DbBlobStore}) or an S3 bucket
 * (`S3BlobStore`, `db/s3_blob_store.ts`), whose deletions the database queues since rows are
 * deleted by cascades that cannot reach it (migration 0020, docs/attachments.md "S3").
 */
export interface BlobStore {
  /** The value of `attachments.backend` for files it stores. */
  readonly backend: "db" | "s3";
  /** Stores chunk `n` (from 0) of an attachment. */
  putChunk(attachmentId: string, n: number, data: Uint8Array): Promise<void>;
  /** Reads chunk `n`, or null past the last one. */
  getChunk(attachmentId: string, n: number): Promise<Uint8Array | null>;
}

/** Chunks in `attachment_chunks`, deleted with their attachment by the foreign key. */
export class DbBlobStore implements BlobStore {
  readonly backend = "db" as const;
  readonly #db: Queryable;

  /** Over a migrated database. */
  constructor(db: Queryable) {
    this.#db = db;
  }

  /** See {@link BlobStore.putChunk}. */
  async putChunk(attachmentId: string, n: number, data: Uint8Array): Promise<void> {
    await this.#db.query(
      // A chunk stored by a part whose answer never came (the connection dropped) is sent again
      // by the resumed part: the same bytes at the same place, so the later write wins.
      `INSERT INTO attachment_chunks (attachment_id, n, data) VALUES ($1, $2, $3)
       ON CONFLICT (attachment_id, n) DO UPDATE SET data = excluded.data`,
      [attachmentId, n, data],
    );
  }

  /** See {@link BlobStore.getChunk}. */
  async getChunk(attachmentId: string, n: number): Promise<Uint8Array | null> {
    const rows = await this.#db.query(
      "SELECT data FROM attachment_chunks WHERE attachment_id = $1 AND n = $2",
      [attachmentId, n],
    );
    if (rows.length === 0) return null;
    const data = rows[0].data;
    if (!(data instanceof Uint8Array)) throw bad("data", data);
    return data;
  }
}

/** Who uploaded a file. */
export type Uploader =
  | { kind: "visitor"; visitorId: string }
  | { kind: "agent"; agentId: string; conversationId: string };

/** An attachment row, with what a reader's access check needs. */
export interface AttachmentRecord extends Attachment {
  siteId: string;
  conversationId: string | null;
  messageId: string | null;
  uploaderKind: "visitor" | "agent";
  uploaderId: string;
  sha256: string | null;
  state: "pending" | "complete";
  createdAt: string;
  /** The visitor of its conversation (null before a message uses a visitor's upload). */
  conversationVisitorId: string | null;
  /** Whether the message carrying it is a note (null: not sent yet). */
  note: boolean | null;
  /** Where its bytes are: read from there, whatever new uploads use now. */
  backend: "db" | "s3";
  /** Bytes stored so far by an upload in parts (its `size` is the announced size). */
  received: number;
}

/** What the upload found, to complete its row. */
export interface CompletedUpload {
  type: string;
  size: number;
  /** Null for an upload in parts: a hash cannot be carried from one request to the next. */
  sha256: string | null;
  width: number | null;
  height: number | null;
}

const RECORD = `SELECT a.id, a.site_id, a.conversation_id, a.message_id, a.uploader_kind,
  a.uploader_id, a.name, a.content_type, a.size, a.sha256, a.width, a.height, a.state,
  a.created_at, a.backend, a.received, c.visitor_id AS conversation_visitor_id, m.note
FROM attachments a
LEFT JOIN conversations c ON c.id = a.conversation_id
LEFT JOIN messages m ON m.id = a.message_id`;

function s(r: Row, col: string): string {
  const v = r[col];
  if (typeof v !== "string") throw bad(col, v);
  return v;
}

function optS(r: Row, col: string): string | null {
  const v = r[col];
  if (v === null) return null;
  if (typeof v !== "string") throw bad(col, v);
  return v;
}

function optN(r: Row, col: string): number | null {
  const v = r[col];
  if (v === null) return null;
  if (typeof v !== "number") throw bad(col, v);
  return v;
}

/** The wire shape of an attachment row (`{ id, name, type, size, width?, height? }`). */
function metaOf(r: Row): Attachment {
  const width = optN(r, "width");
  const height = optN(r, "height");
  const size = optN(r, "size");
  return {
    id: s(r, "id"),
    name: s(r, "name"),
    type: s(r, "content_type"),
    size: size ?? 0,
    ...(width === null ? {} : { width }),
    ...(height === null ? {} : { height }),
  };
}

function recordOf(r: Row): AttachmentRecord {
  const created = r.created_at;
  if (!(created instanceof Date)) throw bad("created_at", created);
  const kind = s(r, "uploader_kind");
  const state = s(r, "state");
  const note = r.note;
  return {
    ...metaOf(r),
    siteId: s(r, "site_id"),
    conversationId: optS(r, "conversation_id"),
    messageId: optS(r, "message_id"),
    uploaderKind: kind === "agent" ? "agent" : "visitor",
    uploaderId: s(r, "uploader_id"),
    sha256: optS(r, "sha256"),
    state: state === "complete" ? "complete" : "pending",
    createdAt: created.toISOString(),
    conversationVisitorId: optS(r, "conversation_visitor_id"),
    note: typeof note === "boolean" ? note : null,
    backend: s(r, "backend") === "s3" ? "s3" : "db",
    received: optN(r, "received") ?? 0,
  };
}

/**
 * The attachment rows: create, complete, read, sweep. Bytes go through a {@link BlobStore}: new
 * uploads to {@link blobs}, reads to the store their row names ({@link blobsOf}).
 */
export class AttachmentStore {
  readonly #db: Queryable;
  readonly #stores: Map<"db" | "s3", BlobStore>;
  /** Where new uploads' bytes go. */
  readonly blobs: BlobStore;

  /**
   * Over a migrated database; new bytes go to `blobs` (default: the database). Files already
   * in the database stay readable whatever `blobs` is.
   */
  constructor(db: Queryable, blobs: BlobStore = new DbBlobStore(db)) {
    this.#db = db;
    this.blobs = blobs;
    this.#stores = new Map([["db", new DbBlobStore(db)], [blobs.backend, blobs]]);
  }

  /**
   * The store holding an attachment's bytes. S3 files with no S3 configured (`PARLEY_S3_URL`
   * removed) are unavailable, not missing: configuring it again serves them.
   */
  blobsOf(a: Pick<AttachmentRecord, "backend">): BlobStore {
    const store = this.#stores.get(a.backend);
    if (!store) {
      throw new StoreUnavailableError(
        "This file is in the S3 store, which is not configured (PARLEY_S3_URL)",
      );
    }
    return store;
  }

  /**
   * Creates a pending upload of `siteId` and returns its id. Throws `StoreError("not_found")`
   * when the uploading visitor or the conversation is gone (erased meanwhile).
   */
  async createPending(
    siteId: string,
    uploader: Uploader,
    name: string,
    announcedSize = 0,
  ): Promise<string> {
    try {
      const rows = await this.#db.query(
        `INSERT INTO attachments (site_id, conversation_id, uploader_kind, uploader_id,
           visitor_id, name, content_type, backend, size)
         VALUES ($1, $2, $3, $4, $5, $6, 'application/octet-stream', $7, $8) RETURNING id`,
        [
          siteId,
          uploader.kind === "agent" ? uploader.conversationId : null,
          uploader.kind,
          uploader.kind === "agent" ? uploader.agentId : uploader.visitorId,
          uploader.kind === "visitor" ? uploader.visitorId : null,
          name,
          this.blobs.backend,
          announcedSize,
        ],
      );
      return s(rows[0], "id");
    } catch (err) {
      if (err instanceof DbError && err.code === "23503") {
        throw new StoreError("not_found", "The uploader or conversation no longer exists");
      }
      throw err;
    }
  }

  /**
   * Records that an upload in parts has stored `to` bytes and what its first chunk was sniffed
   * as, if it still had stored `from` (another request for the same upload did not get there
   * first); false otherwise.
   */
  async advance(
    id: string,
    from: number,
    to: number,
    found: Pick<CompletedUpload, "type" | "width" | "height">,
  ): Promise<boolean> {
    const rows = await this.#db.query(
      `UPDATE attachments SET received = $3, content_type = $4, width = $5, height = $6
       WHERE id = $1 AND state = 'pending' AND received = $2 RETURNING id`,
      [id, from, to, found.type, found.width, found.height],
    );
    return rows.length > 0;
  }

  /** Marks an upload complete with what was found in it; null when it was deleted meanwhile. */
  async complete(id: string, found: CompletedUpload): Promise<AttachmentRecord | null> {
    const rows = await this.#db.query(
      `UPDATE attachments SET state = 'complete', content_type = $2, size = $3, sha256 = $4,
         width = $5, height = $6
       WHERE id = $1 AND state = 'pending' RETURNING id`,
      [id, found.type, found.size, found.sha256, found.width, found.height],
    );
    return rows.length === 0 ? null : await this.get(id);
  }

  /**
   * Deletes an upload that did not complete (its chunks go with it; S3 objects are queued by
   * the trigger). An S3 upload's objects are queued again even when the row was already gone:
   * chunks written after a cascade deleted it (an erasure mid-upload) may postdate the queued
   * deletion, and the upload is over now, so nothing follows this one.
   */
  async deletePending(id: string): Promise<void> {
    await this.#db.query("DELETE FROM attachments WHERE id = $1 AND state = 'pending'", [id]);
    if (this.blobs.backend === "s3") await requeueS3Deletion(this.#db, id);
  }

  /**
   * Deletes the pending uploads created before `before` and, when `unsentBefore` is given, the
   * complete uploads never sent in a message created before it; returns how many.
   */
  async sweepPending(before: Date, unsentBefore?: Date): Promise<number> {
    const rows = await this.#db.query(
      `DELETE FROM attachments
       WHERE (state = 'pending' AND created_at < $1)
          OR ($2::timestamptz IS NOT NULL AND state = 'complete' AND message_id IS NULL
              AND created_at < $2::timestamptz)
       RETURNING id`,
      [before, unsentBefore ?? null],
    );
    return rows.length;
  }

  /**
   * Deletes an upload that no message carries (pending or complete): a file the uploader took
   * back before sending it. False when a message carries it (then it stays) or it is gone.
   */
  async deleteUnsent(id: string): Promise<boolean> {
    const rows = await this.#db.query(
      "DELETE FROM attachments WHERE id = $1 AND message_id IS NULL RETURNING backend, state",
      [id],
    );
    // A part may still be writing objects of a pending S3 upload: see deletePending.
    if (rows[0]?.backend === "s3" && rows[0].state === "pending") {
      await requeueS3Deletion(this.#db, id);
    }
    return rows.length > 0;
  }

  /** Reads an attachment with its conversation's visitor and its message's note flag. */
  async get(id: string): Promise<AttachmentRecord | null> {
    const rows = await this.#db.query(`${RECORD} WHERE a.id = $1`, [id]);
    return rows.length === 0 ? null : recordOf(rows[0]);
  }
}

/**
 * Links the attachments `ids` to a message just stored, in its transaction, and records their
 * metadata on it. Each must be complete, of the message's site and author, not linked to another
 * message, and (an agent's) uploaded to this conversation; else `StoreError("bad_attachment")`,
 * which rolls the message back.
 */
async function link(
  tx: Queryable,
  message: Message,
  siteId: string,
  author: { kind: "visitor" | "agent"; id: string },
  ids: readonly string[],
): Promise<Message> {
  const rows = await tx.query(
    `UPDATE attachments SET conversation_id = $2, message_id = $3
     WHERE id = ANY ($1::text[]) AND state = 'complete' AND site_id = $4 AND uploader_kind = $5
       AND uploader_id = $6 AND message_id IS NULL
       AND (conversation_id IS NULL OR conversation_id = $2)
     RETURNING id, name, content_type, size, width, height`,
    [ids, message.conversationId, message.id, siteId, author.kind, author.id],
  );
  if (rows.length !== ids.length) {
    throw new StoreError(
      "bad_attachment",
      "An attachment is unknown, not fully uploaded, not yours, or already sent",
    );
  }
  const byId = new Map(rows.map((r) => [s(r, "id"), metaOf(r)]));
  const attachments = ids.map((id) => byId.get(id)).filter((a) => a !== undefined);
  await tx.query("UPDATE messages SET attachments = $2::text::jsonb WHERE id = $1", [
    message.id,
    JSON.stringify(attachments),
  ]);
  return { ...message, attachments };
}

/** A resend must name the same attachments as the message stored under its client id. */
function sameAttachments(stored: Message, ids: readonly string[]): boolean {
  const had = (stored.attachments ?? []).map((a) => a.id);
  return had.length === ids.length && had.every((id, i) => id === ids[i]);
}

function resend(result: AppendResult, ids: readonly string[]): AppendResult {
  if (sameAttachments(result.message, ids)) return result;
  throw new StoreError(
    "conflict",
    "clientId already names a different message: give each new message a new clientId",
  );
}

/**
 * Runs an append and its link in one transaction. A concurrent send of the same client id can
 * abort the transaction on Postgres (the unique index), so a failed round is tried once more:
 * the second finds the winner's message and answers it as a resend.
 */
async function inTransaction(
  db: Db,
  fn: (tx: Queryable) => Promise<AppendResult>,
): Promise<AppendResult> {
  try {
    return await db.transaction(fn);
  } catch (err) {
    if (err instanceof DbError && (err.code === "25P02" || err.code === "23505")) {
      return await db.transaction(fn);
    }
    throw err;
  }
}

/** `Store.appendVisitorMessage` for a message with attachments. */
export function appendVisitorWithAttachments(
  db: Db,
  input: VisitorMessageInput & { attachments: readonly string[] },
): Promise<AppendResult> {
  return inTransaction(db, async (tx) => {
    const result = await appendVisitorMessage(tx, input);
    if (result.duplicate) return resend(result, input.attachments);
    const message = await link(
      tx,
      result.message,
      result.conversation.siteId,
      { kind: "visitor", id: input.visitorId },
      input.attachments,
    );
    return { ...result, message };
  });
}

/** `Store.appendAgentMessage` for a message or note with attachments. */
export function appendAgentWithAttachments(
  db: Db,
  input: AgentMessageInput & { attachments: readonly string[] },
): Promise<AppendResult> {
  return inTransaction(db, async (tx) => {
    const result = await appendAgentMessage(tx, input);
    if (result.duplicate) return resend(result, input.attachments);
    const message = await link(
      tx,
      result.message,
      result.conversation.siteId,
      { kind: "agent", id: input.agentId },
      input.attachments,
    );
    return { ...result, message };
  });
}
