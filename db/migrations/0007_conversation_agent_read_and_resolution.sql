-- What a visitor sees of agents' reads and of a resolution (protocol/frames.ts
-- VisitorConversation): agent_read_seq is the highest seq any agent has read (the widget shows
-- "Seen" up to it), kept beside the per-agent markers so the visitor's view needs no aggregate;
-- resolved_seq is the seq of the latest resolution's notice, kept when the conversation reopens,
-- so the rating stays possible and the widget shows its card where the conversation was resolved.
ALTER TABLE conversations
  ADD COLUMN agent_read_seq integer NOT NULL DEFAULT 0,
  ADD COLUMN resolved_seq integer;

UPDATE conversations c SET agent_read_seq = r.seq
FROM (SELECT conversation_id, max(seq) AS seq FROM agent_reads GROUP BY conversation_id) r
WHERE r.conversation_id = c.id;

UPDATE conversations SET resolved_seq = last_seq WHERE status = 'resolved';
