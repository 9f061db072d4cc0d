-- Parley's initial schema. Runs unchanged on PostgreSQL 13+ and PGlite.
-- Ids are text holding a UUID (gen_random_uuid() is built in since PG13): text keeps lookups by
-- an arbitrary client-supplied id from failing with an invalid-uuid error.
-- Sequence numbers are `integer` so both drivers return JS numbers (int8 comes back as a string).
-- Timestamps keep milliseconds (timestamptz(3)), the precision of the ISO strings the store
-- returns, so a timestamp read back can be used as an exact paging cursor.

CREATE TABLE settings (
  key text PRIMARY KEY,
  value text NOT NULL
);

CREATE TABLE sites (
  id text PRIMARY KEY,
  name text NOT NULL,
  identity_secret text NOT NULL,
  allowed_origins text[] NOT NULL DEFAULT '{}',
  require_verified boolean NOT NULL DEFAULT false,
  auto_assign boolean NOT NULL DEFAULT false,
  created_at timestamptz(3) NOT NULL DEFAULT now()
);

CREATE TABLE agents (
  id text PRIMARY KEY DEFAULT gen_random_uuid()::text,
  email text NOT NULL,
  name text NOT NULL,
  avatar text,
  role text NOT NULL CHECK (role IN ('admin', 'agent')),
  disabled boolean NOT NULL DEFAULT false,
  capacity integer NOT NULL DEFAULT 5 CHECK (capacity >= 0),
  password_hash text NOT NULL,
  created_at timestamptz(3) NOT NULL DEFAULT now()
);
-- Emails are unique regardless of case; lookups use lower(email) too.
CREATE UNIQUE INDEX agents_email_lower_key ON agents (lower(email));

CREATE TABLE agent_sessions (
  token_hash text PRIMARY KEY,
  agent_id text NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
  created_at timestamptz(3) NOT NULL DEFAULT now(),
  expires_at timestamptz(3) NOT NULL
);
CREATE INDEX agent_sessions_agent_idx ON agent_sessions (agent_id);

CREATE TABLE visitors (
  id text PRIMARY KEY DEFAULT gen_random_uuid()::text,
  site_id text NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
  name text NOT NULL,
  email text,
  verified boolean NOT NULL DEFAULT false,
  external_id text,
  last_page jsonb,
  -- The last 20 pages, oldest first.
  pages_visited jsonb NOT NULL DEFAULT '[]',
  referrer text,
  user_agent text,
  timezone text,
  locale text,
  attributes jsonb NOT NULL DEFAULT '{}',
  -- Foreign key added below, once conversations exists.
  current_conversation_id text,
  created_at timestamptz(3) NOT NULL DEFAULT now(),
  last_seen_at timestamptz(3) NOT NULL DEFAULT now()
);

CREATE TABLE conversations (
  id text PRIMARY KEY DEFAULT gen_random_uuid()::text,
  site_id text NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
  visitor_id text NOT NULL REFERENCES visitors (id) ON DELETE CASCADE,
  status text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'open', 'resolved')),
  assignee_id text REFERENCES agents (id) ON DELETE SET NULL,
  -- The seq of the newest message; the next message gets last_seq + 1 under this row's lock.
  last_seq integer NOT NULL DEFAULT 0,
  visitor_read_seq integer NOT NULL DEFAULT 0,
  rating smallint CHECK (rating BETWEEN 1 AND 5),
  -- Denormalized newest visitor-visible message, for the inbox (notes never land here).
  last_message_body text,
  last_author_kind text CHECK (last_author_kind IN ('visitor', 'agent', 'system')),
  last_message_at timestamptz(3),
  created_at timestamptz(3) NOT NULL DEFAULT now(),
  updated_at timestamptz(3) NOT NULL DEFAULT now(),
  resolved_at timestamptz(3)
);
-- Inbox by status and by assignee, newest activity first; a visitor's conversations. Every
-- message bumps updated_at, so each index here costs a write per message: keep them few.
CREATE INDEX conversations_status_updated_idx ON conversations (status, updated_at DESC);
CREATE INDEX conversations_assignee_updated_idx ON conversations (assignee_id, updated_at DESC);
CREATE INDEX conversations_visitor_idx ON conversations (visitor_id);
-- Least-loaded assignment counts open conversations per agent.
CREATE INDEX conversations_open_assignee_idx ON conversations (assignee_id) WHERE status = 'open';

ALTER TABLE visitors
  ADD CONSTRAINT visitors_current_conversation_fkey
  FOREIGN KEY (current_conversation_id) REFERENCES conversations (id) ON DELETE SET NULL;
CREATE INDEX visitors_site_idx ON visitors (site_id);

CREATE TABLE messages (
  id text PRIMARY KEY DEFAULT gen_random_uuid()::text,
  conversation_id text NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
  seq integer NOT NULL,
  author_kind text NOT NULL CHECK (author_kind IN ('visitor', 'agent', 'system')),
  author_id text,
  author_name text,
  client_id text,
  body text NOT NULL,
  note boolean NOT NULL DEFAULT false,
  created_at timestamptz(3) NOT NULL DEFAULT now(),
  CONSTRAINT messages_conversation_seq_key UNIQUE (conversation_id, seq)
);
-- Idempotency: one message per (author, client id), whatever the conversation.
CREATE UNIQUE INDEX messages_client_id_key ON messages (author_kind, author_id, client_id)
  WHERE client_id IS NOT NULL;
-- Full-text search; queries must use the same expression to hit it.
CREATE INDEX messages_body_fts_idx ON messages USING gin (to_tsvector('simple', body));

CREATE TABLE agent_reads (
  agent_id text NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
  conversation_id text NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
  seq integer NOT NULL,
  PRIMARY KEY (agent_id, conversation_id)
);
CREATE INDEX agent_reads_conversation_idx ON agent_reads (conversation_id);

CREATE TABLE canned_responses (
  id text PRIMARY KEY DEFAULT gen_random_uuid()::text,
  -- NULL means shared by the whole team.
  agent_id text REFERENCES agents (id) ON DELETE CASCADE,
  shortcut text NOT NULL,
  body text NOT NULL,
  created_at timestamptz(3) NOT NULL DEFAULT now()
);
-- Shortcuts are unique per owner and, separately, among shared responses (case-insensitive).
CREATE UNIQUE INDEX canned_responses_owner_shortcut_key
  ON canned_responses (agent_id, lower(shortcut)) WHERE agent_id IS NOT NULL;
CREATE UNIQUE INDEX canned_responses_shared_shortcut_key
  ON canned_responses (lower(shortcut)) WHERE agent_id IS NULL;
