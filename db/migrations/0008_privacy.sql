-- Privacy and data lifecycle (issue 15): the audit log of admin actions, a per-site retention
-- override, and an index for purging anonymous visitors who never wrote.

-- Admin actions, newest last. `actor_email` is the email at the time (an agent may change it or
-- be removed). `details` is small JSON and never holds secrets. An erasure replaces the erased
-- visitor's id in `target_id` by its SHA-256 (`sha256:<hex>`), here and in earlier rows, so the
-- log keeps what happened without keeping the visitor's id.
CREATE TABLE audit_log (
  id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  actor_id text,
  actor_email text,
  action text NOT NULL,
  target_id text,
  details jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz(3) NOT NULL DEFAULT now()
);
CREATE INDEX audit_log_target_idx ON audit_log (target_id);

-- Days a resolved conversation of the site is kept after its last activity; null: the server's
-- PARLEY_RETENTION_DAYS (itself unset: kept for ever).
ALTER TABLE sites ADD COLUMN retention_days integer CHECK (retention_days BETWEEN 1 AND 36500);

-- Anonymous visitors (no external id, no email) by last visit: retention purges those who never
-- started a conversation once their last visit is older than a day.
CREATE INDEX visitors_anonymous_seen_idx ON visitors (last_seen_at)
  WHERE external_id IS NULL AND email IS NULL;
