-- Reports (issue 17, docs/http_api.md "Reports"): the timings the reports read, kept on the
-- conversation row so a 90-day report reads conversations only, never messages.
--
-- Filled by triggers rather than by each append statement: there are six of those (visitor,
-- staff, batches, email, API), and a trigger cannot be forgotten by a seventh. The message
-- trigger runs once per statement (a group commit stores many messages in one) and updates only
-- conversations where something changes: the first visitor message, the first agent reply, and
-- the reply counter of agent replies (a second, HOT, update of a row the statement has locked
-- already). A visitor's later messages cost the statement an aggregate over its own new rows.
ALTER TABLE conversations
  -- The first visitor message: where the first response starts.
  ADD COLUMN first_visitor_message_at timestamptz(3),
  -- The first agent reply (not a note, not system/bot) after the first visitor message, and who
  -- wrote it.
  ADD COLUMN first_reply_at timestamptz(3),
  ADD COLUMN first_reply_by text,
  -- first_reply_at - first_visitor_message_at in seconds, counting only the site's business
  -- hours when it has some (the hours in force at the reply): computed once, so reports never
  -- walk calendars.
  ADD COLUMN first_response_seconds double precision,
  -- Agent replies (not notes).
  ADD COLUMN agent_replies integer NOT NULL DEFAULT 0,
  -- How many times the conversation went from resolved back to open or queued.
  ADD COLUMN reopen_count integer NOT NULL DEFAULT 0;

-- Reports select conversations by creation time. created_at never changes, so this index costs
-- one entry per new conversation and keeps message updates HOT.
CREATE INDEX conversations_created_idx ON conversations (created_at);

-- Seconds between two instants counting only the open hours of `p_hours`
-- (protocol/site_settings.ts BusinessHours: {timezone, days: {mon: [["09:00","17:00"]], ...}}).
-- Walks the days of the interval in the hours' zone (from the day before, for ranges crossing
-- midnight in the zone's terms) and sums each range's overlap with the interval. NULL hours:
-- the plain difference.
CREATE FUNCTION reports_business_seconds(p_hours jsonb, p_from timestamptz, p_to timestamptz)
RETURNS double precision LANGUAGE sql STABLE AS $$
  SELECT CASE
    WHEN p_to <= p_from THEN 0::double precision
    WHEN p_hours IS NULL OR jsonb_typeof(p_hours) <> 'object' THEN
      extract(epoch FROM p_to - p_from)::double precision
    ELSE (
      SELECT coalesce(sum(greatest(0, extract(epoch FROM
        least(p_to, (d.day + (r.range->>1)::interval) AT TIME ZONE (p_hours->>'timezone'))
        - greatest(p_from, (d.day + (r.range->>0)::interval) AT TIME ZONE (p_hours->>'timezone'))
      ))), 0)::double precision
      FROM generate_series(
        ((p_from AT TIME ZONE (p_hours->>'timezone'))::date - 1)::timestamp,
        (p_to AT TIME ZONE (p_hours->>'timezone'))::date::timestamp,
        interval '1 day') AS d(day)
      CROSS JOIN LATERAL jsonb_array_elements(coalesce(p_hours->'days'->(
        (ARRAY['mon','tue','wed','thu','fri','sat','sun'])[extract(isodow FROM d.day)::int]
      ), '[]'::jsonb)) AS r(range)
    )
  END
$$;

-- The business hours of a site, or NULL.
CREATE FUNCTION reports_site_hours(p_site text) RETURNS jsonb LANGUAGE sql STABLE AS $$
  SELECT CASE WHEN jsonb_typeof(s.settings->'businessHours') = 'object'
    THEN s.settings->'businessHours' END
  FROM sites s WHERE s.id = p_site
$$;

-- Linear in the statement's rows: the transition table has no index and no statistics, so the
-- first reply is picked from each conversation's own array of replies rather than by joining the
-- new rows to themselves (the planner chose a nested loop there: quadratic on a large batch).
CREATE FUNCTION reports_messages_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  WITH n AS (
    SELECT m.conversation_id,
      min(m.created_at) FILTER (WHERE m.author_kind = 'visitor') AS first_visitor,
      count(*) FILTER (WHERE m.author_kind = 'agent' AND NOT m.note) AS replies,
      array_agg(m.created_at ORDER BY m.created_at, m.seq)
        FILTER (WHERE m.author_kind = 'agent' AND NOT m.note) AS reply_ats,
      array_agg(m.author_id ORDER BY m.created_at, m.seq)
        FILTER (WHERE m.author_kind = 'agent' AND NOT m.note) AS reply_bys
    FROM new_messages m
    GROUP BY m.conversation_id
  ), ch AS (
    SELECT c.id, coalesce(c.first_visitor_message_at, n.first_visitor) AS first_visitor,
      n.replies, n.reply_ats, n.reply_bys,
      -- Which of this statement's replies is the conversation's first response, if any: the
      -- first at or after the first visitor message, when it has none yet.
      CASE WHEN c.first_reply_at IS NULL THEN (
        SELECT min(u.o) FROM unnest(n.reply_ats) WITH ORDINALITY AS u(at, o)
        WHERE u.at >= coalesce(c.first_visitor_message_at, n.first_visitor)
      ) END AS k
    FROM n JOIN conversations c ON c.id = n.conversation_id
    WHERE (c.first_visitor_message_at IS NULL AND n.first_visitor IS NOT NULL) OR n.replies > 0
  )
  UPDATE conversations c SET
    first_visitor_message_at = ch.first_visitor,
    first_reply_at = CASE WHEN ch.k IS NULL THEN c.first_reply_at ELSE ch.reply_ats[ch.k] END,
    first_reply_by = CASE WHEN ch.k IS NULL THEN c.first_reply_by ELSE ch.reply_bys[ch.k] END,
    first_response_seconds = CASE WHEN ch.k IS NULL THEN c.first_response_seconds
      ELSE reports_business_seconds(reports_site_hours(c.site_id), ch.first_visitor,
        ch.reply_ats[ch.k]) END,
    agent_replies = c.agent_replies + ch.replies
  FROM ch
  WHERE c.id = ch.id;
  RETURN NULL;
END $$;
CREATE TRIGGER reports_messages_inserted AFTER INSERT ON messages
  REFERENCING NEW TABLE AS new_messages
  FOR EACH STATEMENT EXECUTE FUNCTION reports_messages_inserted();

-- Counts reopenings; the WHEN runs without entering PL/pgSQL, so other updates cost a comparison.
CREATE FUNCTION reports_conversation_reopened() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.reopen_count := OLD.reopen_count + 1;
  RETURN NEW;
END $$;
CREATE TRIGGER reports_conversation_reopened BEFORE UPDATE ON conversations
  FOR EACH ROW WHEN (OLD.status = 'resolved' AND NEW.status <> 'resolved')
  EXECUTE FUNCTION reports_conversation_reopened();

-- Backfill from the stored messages. Reopenings before this migration are not recorded; a
-- conversation not resolved now that was resolved once (resolved_seq is kept on reopening)
-- counts as reopened once.
WITH firsts AS (
  SELECT m.conversation_id,
    min(m.created_at) FILTER (WHERE m.author_kind = 'visitor') AS first_visitor,
    count(*) FILTER (WHERE m.author_kind = 'agent' AND NOT m.note) AS replies
  FROM messages m GROUP BY m.conversation_id
), reply AS (
  SELECT DISTINCT ON (m.conversation_id) m.conversation_id, m.created_at, m.author_id
  FROM messages m JOIN firsts f ON f.conversation_id = m.conversation_id
  WHERE f.first_visitor IS NOT NULL AND m.author_kind = 'agent' AND NOT m.note
    AND m.created_at >= f.first_visitor
  ORDER BY m.conversation_id, m.created_at, m.seq
)
UPDATE conversations c SET
  first_visitor_message_at = f.first_visitor,
  first_reply_at = r.created_at,
  first_reply_by = r.author_id,
  first_response_seconds = CASE WHEN r.created_at IS NOT NULL
    THEN reports_business_seconds(reports_site_hours(c.site_id), f.first_visitor, r.created_at) END,
  agent_replies = f.replies
FROM firsts f LEFT JOIN reply r ON r.conversation_id = f.conversation_id
WHERE c.id = f.conversation_id;

UPDATE conversations SET reopen_count = 1
WHERE status <> 'resolved' AND resolved_seq IS NOT NULL;
