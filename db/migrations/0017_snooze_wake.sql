-- The snooze wake-up runner (core/chat/snooze_wake.ts) looks for due snoozes every few seconds on
-- every instance. A partial index holds only the snoozed rows, so the look is a probe of a tiny
-- index, and a message to a conversation that is not snoozed leaves it alone (the column keeps
-- its NULL, so the row's update stays HOT).
CREATE INDEX conversations_snoozed_until ON conversations (snoozed_until)
  WHERE snoozed_until IS NOT NULL;
