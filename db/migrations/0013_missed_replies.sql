-- Missed replies emailed to visitors (docs/email.md, "Missed replies").
--
-- When the oldest agent reply not yet emailed nor known to be read was written: set by the
-- append of an agent reply (kept when already set), cleared by the missed-reply runner once it
-- has emailed the replies or found them read. The runner finds due conversations through the
-- partial index, which holds only the conversations waiting, so it stays small whatever the
-- number of conversations. Storing when the reply was written rather than when it is due keeps
-- PARLEY_EMAIL_DELAY_S out of the append statements (a changed delay applies to waiting replies).
--
-- Not filled in for existing conversations: replies written before this migration are not
-- emailed.
ALTER TABLE conversations ADD COLUMN reply_unseen_since timestamptz(3);
CREATE INDEX conversations_reply_unseen_idx ON conversations (reply_unseen_since)
  WHERE reply_unseen_since IS NOT NULL;
