-- Labels and everyday organisation (issue 17, docs/console.md "Labels, priority and snooze").
--
-- Labels are managed by admins; agents put them on conversations. A label's name is unique
-- whatever its case.
CREATE TABLE labels (
  id text PRIMARY KEY DEFAULT gen_random_uuid()::text,
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 40),
  -- `#rrggbb`
  color text NOT NULL CHECK (color ~ '^#[0-9a-f]{6}$'),
  created_at timestamptz(3) NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX labels_name_key ON labels (lower(name));

CREATE TABLE conversation_labels (
  conversation_id text NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
  label_id text NOT NULL REFERENCES labels (id) ON DELETE CASCADE,
  added_by text REFERENCES agents (id) ON DELETE SET NULL,
  created_at timestamptz(3) NOT NULL DEFAULT now(),
  PRIMARY KEY (conversation_id, label_id)
);
-- Filtering the inbox, search and reports by label.
CREATE INDEX conversation_labels_label ON conversation_labels (label_id, conversation_id);

-- Priority: 0 none, 1 low, 2 medium, 3 high, 4 urgent. Snoozed conversations leave "Mine" until
-- `snoozed_until` (or until the visitor writes). No index on either: the conversations row is
-- written by every message, and the inbox reads are by status and assignee.
ALTER TABLE conversations
  ADD COLUMN priority smallint NOT NULL DEFAULT 0 CHECK (priority BETWEEN 0 AND 4),
  ADD COLUMN snoozed_until timestamptz(3);
