-- The deletion queue of attachments stored in S3 (docs/attachments.md, "S3"). Attachment rows
-- are deleted by foreign-key cascades (erasure, retention, a site deleted, an aborted upload, the
-- pending sweep) that no application code sees, and a cascade cannot reach an object store. So
-- the delete of an S3-backed row queues its id here, in the deleting transaction (a rolled-back
-- delete queues nothing), and every instance's runner (core/attachments/s3_deletions.ts) claims
-- queued ids with FOR UPDATE SKIP LOCKED, deletes their objects, then the queue row; a failure is
-- retried with backoff, so no object is left behind for good.
CREATE TABLE s3_deletions (
  attachment_id text PRIMARY KEY,
  -- Objects attachments/<id>/0 … chunks-1; NULL (an upload that never completed): the runner
  -- lists the prefix instead.
  chunks integer,
  attempts integer NOT NULL DEFAULT 0,
  -- Bumped each time the id is queued again (an upload that wrote a chunk after its row was
  -- deleted): a runner that claimed an older generation does not remove the newer request.
  generation integer NOT NULL DEFAULT 0,
  -- Due time: now when queued; a claim leases the row by moving it on, a failure by the backoff.
  next_at timestamptz(3) NOT NULL DEFAULT now(),
  last_error text,
  created_at timestamptz(3) NOT NULL DEFAULT now()
);
CREATE INDEX s3_deletions_due_idx ON s3_deletions (next_at);

CREATE FUNCTION attachments_queue_s3_deletion() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- 262144 is CHUNK_BYTES (db/sql_attachments.ts): a complete file of `size` bytes has this many
  -- chunks. A pending one's count is unknown (its size is set on completion).
  INSERT INTO s3_deletions (attachment_id, chunks)
  VALUES (OLD.id, CASE WHEN OLD.state = 'complete' THEN (OLD.size + 262143) / 262144 END)
  ON CONFLICT (attachment_id) DO UPDATE
    SET chunks = NULL, next_at = now(), generation = s3_deletions.generation + 1;
  PERFORM pg_notify('parley_s3_deletions', '');
  RETURN NULL;
END $$;

CREATE TRIGGER attachments_s3_deletion AFTER DELETE ON attachments
  FOR EACH ROW WHEN (OLD.backend = 's3') EXECUTE FUNCTION attachments_queue_s3_deletion();
