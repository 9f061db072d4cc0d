-- Posts of HTTP fallback frames on their way to the instance that holds their stream
-- (docs/protocol.md, "HTTP fallback"; core/fallback/streams.ts). A post that reaches another
-- instance than its stream's is inserted here and a `fallback_relay` doorbell rings on the bus;
-- the owner deletes its rows (RETURNING them, oldest first) and feeds them to its streams. The
-- frame indexes in each post make a row read twice, or late, harmless. Rows nobody takes (the
-- stream ended, its instance died) are swept after 10 minutes.
-- Logged, unlike the presence tables: the relaying instance has answered 202 for the post, and
-- after a database crash the stream it is for may well be alive and waiting for it.
CREATE TABLE fallback_relay (
  id bigserial PRIMARY KEY,
  instance_id text NOT NULL,
  stream_id text NOT NULL,
  -- The index of the post's first frame.
  n integer NOT NULL,
  -- The frames, as the JSON strings a WebSocket would carry.
  frames jsonb NOT NULL,
  created_at timestamptz(3) NOT NULL DEFAULT now()
);
CREATE INDEX fallback_relay_instance_idx ON fallback_relay (instance_id, id);
CREATE INDEX fallback_relay_created_idx ON fallback_relay (created_at);
