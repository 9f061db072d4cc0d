-- Webhooks (docs/webhooks.md): endpoints per site, and an outbox of deliveries written by
-- triggers in the same transaction as the change they describe, so no statement of the chat has
-- to know about them and none can miss an event. A trigger writes only when the site has an
-- enabled endpoint subscribed to the event (an index probe on webhook_endpoints); without one,
-- the cost on the hot path is that probe (message inserts: once per statement, not per row).

CREATE TABLE webhook_endpoints (
  id text PRIMARY KEY DEFAULT gen_random_uuid()::text,
  site_id text NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
  url text NOT NULL,
  -- The HMAC-SHA256 key of the signatures; shown to the admin once, on create and rotate.
  secret text NOT NULL,
  events text[] NOT NULL,
  -- message.created for private notes only when asked.
  include_notes boolean NOT NULL DEFAULT false,
  enabled boolean NOT NULL DEFAULT true,
  created_at timestamptz(3) NOT NULL DEFAULT now()
);
CREATE INDEX webhook_endpoints_site_idx ON webhook_endpoints (site_id) WHERE enabled;

-- One row per (event, endpoint): the outbox and the delivery log at once.
CREATE TABLE webhook_deliveries (
  id text PRIMARY KEY DEFAULT gen_random_uuid()::text,
  -- Insertion order, the tie-break of `position` (never sent: int8 would come back as a string).
  n bigint GENERATED ALWAYS AS IDENTITY,
  endpoint_id text NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
  -- The event's id (X-Parley-Delivery), the same for every endpoint and for a resend.
  event_id text NOT NULL,
  event_type text NOT NULL,
  site_id text NOT NULL,
  -- Deliveries of one (endpoint, order_key) go out one at a time in (position, n) order: the
  -- conversation id for conversation and message events (position 2 * seq + 1 for a message,
  -- 2 * (last seq before the change) + 2 for a change of the conversation, 0 for its creation).
  order_key text NOT NULL,
  position integer NOT NULL DEFAULT 0,
  conversation_id text,
  -- Whose data the payload holds: erasing the visitor deletes these rows.
  visitor_id text,
  data jsonb NOT NULL,
  event_at timestamptz(3) NOT NULL DEFAULT clock_timestamp(),
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
  attempts integer NOT NULL DEFAULT 0,
  -- Pending: when it may be taken next; while an instance sends it, the end of its lease.
  next_attempt_at timestamptz(3) NOT NULL DEFAULT clock_timestamp(),
  last_attempt_at timestamptz(3),
  last_status smallint,
  last_error text,
  created_at timestamptz(3) NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (next_attempt_at)
  WHERE status = 'pending';
CREATE INDEX webhook_deliveries_order_idx ON webhook_deliveries (endpoint_id, order_key, position, n)
  WHERE status = 'pending';
CREATE INDEX webhook_deliveries_endpoint_idx ON webhook_deliveries (endpoint_id, n DESC);
CREATE INDEX webhook_deliveries_visitor_idx ON webhook_deliveries (visitor_id)
  WHERE visitor_id IS NOT NULL;

-- ISO 8601 in UTC with milliseconds, as the rest of the API writes timestamps.
CREATE FUNCTION webhook_ts(t timestamptz) RETURNS text LANGUAGE sql STABLE AS $$
  SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
$$;

CREATE FUNCTION webhook_conversation(c conversations) RETURNS jsonb LANGUAGE sql STABLE AS $$
  SELECT jsonb_build_object(
    'id', c.id, 'siteId', c.site_id, 'visitorId', c.visitor_id, 'status', c.status,
    'assigneeId', c.assignee_id, 'rating', c.rating, 'lastSeq', c.last_seq,
    'createdAt', webhook_ts(c.created_at), 'updatedAt', webhook_ts(c.updated_at),
    'resolvedAt', webhook_ts(c.resolved_at))
$$;

-- Writes one event for every enabled endpoint of the site subscribed to it (`note`: only those
-- that include notes) and wakes the deliverers at commit.
CREATE FUNCTION webhook_enqueue(p_site text, p_type text, p_order_key text, p_position integer,
  p_conversation text, p_visitor text, p_data jsonb, p_note boolean) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  v_event text := gen_random_uuid()::text;
BEGIN
  INSERT INTO webhook_deliveries (endpoint_id, event_id, event_type, site_id, order_key,
    position, conversation_id, visitor_id, data)
  SELECT e.id, v_event, p_type, p_site, p_order_key, p_position, p_conversation, p_visitor, p_data
  FROM webhook_endpoints e
  WHERE e.site_id = p_site AND e.enabled AND p_type = ANY (e.events)
    AND (NOT p_note OR e.include_notes);
  IF FOUND THEN
    PERFORM pg_notify('parley_webhooks', '');
  END IF;
END $$;

CREATE FUNCTION webhook_wanted(p_site text, p_type text) RETURNS boolean LANGUAGE sql STABLE AS $$
  SELECT EXISTS (SELECT 1 FROM webhook_endpoints e
    WHERE e.site_id = p_site AND e.enabled AND p_type = ANY (e.events))
$$;

-- conversation.created, once per statement.
CREATE FUNCTION webhooks_conversations_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM webhook_endpoints WHERE enabled) THEN
    RETURN NULL;
  END IF;
  PERFORM webhook_enqueue(c.site_id, 'conversation.created', c.id, 0, c.id, c.visitor_id,
    jsonb_build_object('conversation', webhook_conversation(c)), false)
  FROM (SELECT n.* FROM new_conversations n ORDER BY n.created_at, n.id) c
  WHERE webhook_wanted(c.site_id, 'conversation.created');
  RETURN NULL;
END $$;
CREATE TRIGGER webhooks_conversation_created AFTER INSERT ON conversations
  REFERENCING NEW TABLE AS new_conversations
  FOR EACH STATEMENT EXECUTE FUNCTION webhooks_conversations_inserted();

-- conversation.reopened / assigned / resolved / rated, in that order when one update does several.
CREATE FUNCTION webhooks_conversation_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  v_pos integer := 2 * OLD.last_seq + 2;
  v_conv jsonb;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM webhook_endpoints e WHERE e.site_id = NEW.site_id AND e.enabled)
  THEN
    RETURN NULL;
  END IF;
  v_conv := webhook_conversation(NEW);
  IF OLD.status = 'resolved' AND NEW.status <> 'resolved' THEN
    PERFORM webhook_enqueue(NEW.site_id, 'conversation.reopened', NEW.id, v_pos, NEW.id,
      NEW.visitor_id, jsonb_build_object('conversation', v_conv), false);
  END IF;
  IF NEW.assignee_id IS NOT NULL AND NEW.assignee_id IS DISTINCT FROM OLD.assignee_id THEN
    PERFORM webhook_enqueue(NEW.site_id, 'conversation.assigned', NEW.id, v_pos, NEW.id,
      NEW.visitor_id, jsonb_build_object('conversation', v_conv,
        'assigneeId', NEW.assignee_id, 'previousAssigneeId', OLD.assignee_id), false);
  END IF;
  IF NEW.status = 'resolved' AND OLD.status <> 'resolved' THEN
    PERFORM webhook_enqueue(NEW.site_id, 'conversation.resolved', NEW.id, v_pos, NEW.id,
      NEW.visitor_id, jsonb_build_object('conversation', v_conv), false);
  END IF;
  IF NEW.rating IS NOT NULL AND NEW.rating IS DISTINCT FROM OLD.rating THEN
    PERFORM webhook_enqueue(NEW.site_id, 'conversation.rated', NEW.id, v_pos, NEW.id,
      NEW.visitor_id, jsonb_build_object('conversation', v_conv, 'rating', NEW.rating), false);
  END IF;
  RETURN NULL;
END $$;
-- The WHEN runs without entering PL/pgSQL: the update of every message (last_seq, updated_at)
-- costs one comparison of three columns.
CREATE TRIGGER webhooks_conversation_changed AFTER UPDATE ON conversations
  FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status
    OR OLD.assignee_id IS DISTINCT FROM NEW.assignee_id
    OR OLD.rating IS DISTINCT FROM NEW.rating)
  EXECUTE FUNCTION webhooks_conversation_changed();

-- message.created, once per statement (a group commit stores many messages in one).
CREATE FUNCTION webhooks_messages_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  v_count integer;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM webhook_endpoints e
    WHERE e.enabled AND 'message.created' = ANY (e.events)) THEN
    RETURN NULL;
  END IF;
  WITH ev AS MATERIALIZED (
    SELECT gen_random_uuid()::text AS event_id, m.*, c.site_id, c.visitor_id
    FROM new_messages m JOIN conversations c ON c.id = m.conversation_id
    WHERE webhook_wanted(c.site_id, 'message.created')
  ), ins AS (
    INSERT INTO webhook_deliveries (endpoint_id, event_id, event_type, site_id, order_key,
      position, conversation_id, visitor_id, data, event_at)
    SELECT e.id, ev.event_id, 'message.created', ev.site_id, ev.conversation_id,
      2 * ev.seq + 1, ev.conversation_id, ev.visitor_id,
      jsonb_build_object('conversationId', ev.conversation_id, 'visitorId', ev.visitor_id,
        'message', jsonb_build_object('id', ev.id, 'seq', ev.seq,
          'author', jsonb_build_object('kind', ev.author_kind, 'id', ev.author_id,
            'name', ev.author_name),
          'body', ev.body, 'note', ev.note, 'clientId', ev.client_id,
          'createdAt', webhook_ts(ev.created_at))),
      ev.created_at
    FROM ev JOIN webhook_endpoints e ON e.site_id = ev.site_id AND e.enabled
      AND 'message.created' = ANY (e.events) AND (NOT ev.note OR e.include_notes)
    ORDER BY ev.conversation_id, ev.seq
    RETURNING 1
  )
  SELECT count(*) INTO v_count FROM ins;
  IF v_count > 0 THEN
    PERFORM pg_notify('parley_webhooks', '');
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER webhooks_message_created AFTER INSERT ON messages
  REFERENCING NEW TABLE AS new_messages
  FOR EACH STATEMENT EXECUTE FUNCTION webhooks_messages_inserted();

-- visitor.identified: the external id, email or its proof changed to something known.
CREATE FUNCTION webhooks_visitor_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF (NEW.external_id IS NOT NULL OR NEW.email IS NOT NULL)
    AND webhook_wanted(NEW.site_id, 'visitor.identified') THEN
    PERFORM webhook_enqueue(NEW.site_id, 'visitor.identified', 'visitor:' || NEW.id, 0, NULL,
      NEW.id, jsonb_build_object('visitor', jsonb_build_object('id', NEW.id,
        'siteId', NEW.site_id, 'externalId', NEW.external_id, 'name', NEW.name,
        'email', NEW.email, 'verified', NEW.verified, 'emailVerified', NEW.email_verified,
        'nameVerified', NEW.name_verified, 'attributes', NEW.attributes)), false);
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER webhooks_visitor_changed AFTER UPDATE ON visitors
  FOR EACH ROW WHEN (OLD.external_id IS DISTINCT FROM NEW.external_id
    OR OLD.email IS DISTINCT FROM NEW.email
    OR OLD.verified IS DISTINCT FROM NEW.verified)
  EXECUTE FUNCTION webhooks_visitor_changed();

-- Erasure: every queued or logged delivery about the visitor goes with them; visitor.deleted,
-- which carries only ids, is queued for visitors a receiver may have heard of (identified, or
-- with a conversation), not for the anonymous ones a retention purge removes. BEFORE, so the
-- conversations the cascade deletes can still be listed.
CREATE FUNCTION webhooks_visitor_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM webhook_deliveries WHERE visitor_id = OLD.id;
  IF webhook_wanted(OLD.site_id, 'visitor.deleted') AND (OLD.external_id IS NOT NULL
    OR OLD.email IS NOT NULL
    OR EXISTS (SELECT 1 FROM conversations c WHERE c.visitor_id = OLD.id)) THEN
    PERFORM webhook_enqueue(OLD.site_id, 'visitor.deleted', 'visitor:' || OLD.id, 0, NULL, NULL,
      jsonb_build_object('visitorId', OLD.id, 'conversationIds', ARRAY(
        SELECT c.id FROM conversations c WHERE c.visitor_id = OLD.id ORDER BY c.created_at, c.id)),
      false);
  END IF;
  RETURN OLD;
END $$;
CREATE TRIGGER webhooks_visitor_deleted BEFORE DELETE ON visitors
  FOR EACH ROW EXECUTE FUNCTION webhooks_visitor_deleted();
