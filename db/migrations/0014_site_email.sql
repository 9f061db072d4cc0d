-- Email for agents and per-site senders (docs/email.md, "Per-site sender", "Agents' emails").
--
-- A site's sender name ("Acme Support": the From's display name, the address stays
-- PARLEY_MAIL_FROM's), its Reply-To, and the address that gets new-conversation digests instead
-- of the site's agents. None of them is a widget setting: they stay out of `settings`, which is
-- public through GET /api/widget/sites/:id.
ALTER TABLE sites ADD COLUMN sender_name text;
ALTER TABLE sites ADD COLUMN reply_to text;
ALTER TABLE sites ADD COLUMN notification_email text;

-- An agent who opted in to emails about conversations assigned to them.
ALTER TABLE agents ADD COLUMN email_assigned boolean NOT NULL DEFAULT false;

-- What agents are still to be told by email. A row is written right after the change that
-- causes it is committed; the runner of any instance (core/mail/agent_alerts.ts) takes a group
-- of rows, queues the emails with enqueueEmail and deletes the rows in one transaction, so an
-- entry turns into its email exactly once.
--
-- `group_key` batches and throttles: `site:<id>` (new conversations, one digest per window),
-- `wrote:<conversation>:<agent>` (visitor messages to an offline assignee, one per window),
-- `assigned:<id>` (an assignment, sent at once).
CREATE TABLE agent_mail_queue (
  id bigserial PRIMARY KEY,
  kind text NOT NULL CHECK (kind IN ('new_conversation', 'assigned', 'visitor_wrote')),
  group_key text NOT NULL,
  site_id text NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
  conversation_id text NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
  agent_id text REFERENCES agents (id) ON DELETE CASCADE,
  -- Who assigned the conversation ("Routing" for automatic assignment).
  assigned_by text,
  created_at timestamptz(3) NOT NULL DEFAULT now()
);
CREATE INDEX agent_mail_queue_group ON agent_mail_queue (group_key);
-- One pending digest entry per conversation, one pending "visitor wrote" per assignee.
CREATE UNIQUE INDEX agent_mail_queue_once ON agent_mail_queue (kind, conversation_id,
  coalesce(agent_id, '')) WHERE kind <> 'assigned';

-- When a group last sent, for the "at most one per window" rule; its row lock also keeps two
-- instances from sending the same group at once.
CREATE TABLE agent_mail_throttle (
  group_key text PRIMARY KEY,
  last_sent_at timestamptz(3) NOT NULL
);
