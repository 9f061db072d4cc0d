-- Outgoing email (docs/email.md). Every email is a row of `email_outbox`, inserted in the
-- transaction that causes it and sent by one instance at a time (`FOR UPDATE SKIP LOCKED` and a
-- lease, like `webhook_deliveries`). `message_id` is fixed when the row is written, so a retry
-- sends the same Message-ID; `in_reply_to` and `refs` are there for threading conversations.
CREATE TABLE email_outbox (
  id text PRIMARY KEY DEFAULT gen_random_uuid()::text,
  n bigserial NOT NULL,
  kind text NOT NULL,
  message_id text NOT NULL UNIQUE,
  to_address text NOT NULL,
  reply_to text,
  subject text NOT NULL,
  text_body text NOT NULL,
  html_body text,
  in_reply_to text,
  refs text[] NOT NULL DEFAULT '{}',
  list_unsubscribe text,
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
  attempts integer NOT NULL DEFAULT 0,
  last_error text,
  last_attempt_at timestamptz(3),
  next_attempt_at timestamptz(3) NOT NULL DEFAULT now(),
  created_at timestamptz(3) NOT NULL DEFAULT now(),
  sent_at timestamptz(3)
);
CREATE INDEX email_outbox_due ON email_outbox (next_attempt_at) WHERE status = 'pending';

-- One-time links for agents: a password reset, or an invitation to set a first password. Only
-- the SHA-256 of the token is stored; `used_at` makes a link work once.
CREATE TABLE agent_links (
  token_hash text PRIMARY KEY,
  agent_id text NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
  purpose text NOT NULL CHECK (purpose IN ('reset', 'invite')),
  expires_at timestamptz(3) NOT NULL,
  used_at timestamptz(3),
  created_at timestamptz(3) NOT NULL DEFAULT now()
);
CREATE INDEX agent_links_agent ON agent_links (agent_id);

-- An invited agent has no password of their own until they accept (their `password_hash` is a
-- random one nobody knows); the console shows them as "Invited" while this is set.
ALTER TABLE agents ADD COLUMN invited_at timestamptz(3);
