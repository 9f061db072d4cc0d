-- API tokens for the public REST API (`/api/v1`, docs/api.md). Only the SHA-256 of the secret is
-- stored; the secret is shown once, when the token is created. `sites` empty means every site.
-- A revoked token keeps its row (with `revoked_at`) so the console can still name it.
CREATE TABLE api_tokens (
  id text PRIMARY KEY DEFAULT gen_random_uuid()::text,
  name text NOT NULL,
  scope text NOT NULL CHECK (scope IN ('read', 'write')),
  sites text[] NOT NULL DEFAULT '{}',
  secret_hash text NOT NULL,
  created_by text REFERENCES agents (id) ON DELETE SET NULL,
  created_at timestamptz(3) NOT NULL DEFAULT now(),
  last_used_at timestamptz(3),
  revoked_at timestamptz(3)
);

-- Messages written by a named bot through the API: shown like an agent's, under the bot's name.
ALTER TABLE messages DROP CONSTRAINT messages_author_kind_check;
ALTER TABLE messages ADD CONSTRAINT messages_author_kind_check
  CHECK (author_kind IN ('visitor', 'agent', 'system', 'bot'));
ALTER TABLE conversations DROP CONSTRAINT conversations_last_author_kind_check;
ALTER TABLE conversations ADD CONSTRAINT conversations_last_author_kind_check
  CHECK (last_author_kind IN ('visitor', 'agent', 'system', 'bot'));
