-- Attachments (issue 18, docs/attachments.md): files visitors and agents upload, stored in the
-- database in 256 KiB chunks so an upload or a download is streamed, never held whole in memory,
-- and so they work on the embedded database and on hosts without a shared disk.
--
-- Deleting is done by the foreign keys alone, so every path that deletes a visitor, a
-- conversation or a site (erasure, retention, a site deleted with force) takes their files with
-- it: an attachment goes with the conversation it was sent in, the message that carries it, the
-- visitor who uploaded it (pending uploads have no conversation yet) and its site; its chunks go
-- with it. Only the database backend exists today ('db'); the column keeps room for an object
-- store, which would need a queue of deleted blobs (see docs/attachments.md, "Storage").

-- A message's attachments as sent: [{ id, name, type, size, width?, height? }], NULL when none.
-- A copy of the attachments' rows (which never change once complete), so every history read
-- returns them without a join.
ALTER TABLE messages ADD COLUMN attachments jsonb;

CREATE TABLE attachments (
  id text PRIMARY KEY DEFAULT gen_random_uuid()::text,
  site_id text NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
  -- An agent's upload names its conversation at once; a visitor's gets it when a message uses it.
  conversation_id text REFERENCES conversations (id) ON DELETE CASCADE,
  message_id text REFERENCES messages (id) ON DELETE CASCADE,
  uploader_kind text NOT NULL CHECK (uploader_kind IN ('visitor', 'agent')),
  uploader_id text NOT NULL,
  -- The uploading visitor (visitor uploads only): erasing them deletes even unsent uploads.
  visitor_id text REFERENCES visitors (id) ON DELETE CASCADE,
  name text NOT NULL,
  -- Sniffed from the bytes, never the client's word.
  content_type text NOT NULL,
  -- integer, not bigint, so both drivers return a number; uploads are capped far below 2 GiB.
  size integer NOT NULL DEFAULT 0,
  sha256 text,
  width integer,
  height integer,
  state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'complete')),
  backend text NOT NULL DEFAULT 'db' CHECK (backend IN ('db', 's3')),
  created_at timestamptz(3) NOT NULL DEFAULT now(),
  CHECK ((uploader_kind = 'visitor') = (visitor_id IS NOT NULL))
);
-- The cascades look rows up by each foreign key.
CREATE INDEX attachments_conversation_idx ON attachments (conversation_id);
CREATE INDEX attachments_message_idx ON attachments (message_id);
CREATE INDEX attachments_visitor_idx ON attachments (visitor_id);
CREATE INDEX attachments_site_idx ON attachments (site_id);
-- The sweep of abandoned uploads.
CREATE INDEX attachments_pending_idx ON attachments (created_at) WHERE state = 'pending';

CREATE TABLE attachment_chunks (
  attachment_id text NOT NULL REFERENCES attachments (id) ON DELETE CASCADE,
  n integer NOT NULL,
  data bytea NOT NULL,
  PRIMARY KEY (attachment_id, n)
);
