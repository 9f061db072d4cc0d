-- Conversations continued by email (docs/email.md, "Missed replies" and "Replies by email").
--
-- Every email that belongs to a conversation, sent or received, is a row here: its Message-ID
-- lets a reply's `In-Reply-To` or `References` find the conversation, and the next email names
-- the earlier ones so mail clients thread them.
CREATE TABLE conversation_emails (
  message_id text PRIMARY KEY,
  conversation_id text NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
  direction text NOT NULL CHECK (direction IN ('out', 'in')),
  created_at timestamptz(3) NOT NULL DEFAULT now()
);
CREATE INDEX conversation_emails_conversation ON conversation_emails (conversation_id, created_at);

-- The highest seq an email to the visitor has covered: replies after it are still to be emailed
-- (unless the visitor reads them in the widget first).
ALTER TABLE conversations ADD COLUMN emailed_seq integer NOT NULL DEFAULT 0;

-- A visitor who unsubscribed (the email's List-Unsubscribe) gets no more email.
ALTER TABLE visitors ADD COLUMN email_unsubscribed_at timestamptz(3);

-- An email about a conversation goes when the conversation does (erasure, retention): it holds
-- the visitor's address and words.
ALTER TABLE email_outbox
  ADD COLUMN conversation_id text REFERENCES conversations (id) ON DELETE CASCADE;
CREATE INDEX email_outbox_conversation ON email_outbox (conversation_id)
  WHERE conversation_id IS NOT NULL;

-- The sender's display name for this email (a site's own, "Acme Support"); the address stays
-- PARLEY_MAIL_FROM's. Null: PARLEY_MAIL_FROM as it is.
ALTER TABLE email_outbox ADD COLUMN from_name text;
