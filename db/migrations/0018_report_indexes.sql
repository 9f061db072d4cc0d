-- Report indexes (issue 17, docs/bench.md "Reports").
--
-- The conversations export reads the period a page at a time in (created_at, id) order, each
-- page starting after the last row of the one before (db/sql_reports.ts): with the id in the
-- index, a page is one range scan from that row, in order, with no sort. The index also serves
-- every range scan `conversations_created_idx` served (its leading column is the same), so that
-- one goes: the conversation row is written by every message, and each index of the table is
-- one more entry to write per message.
CREATE INDEX conversations_created_id_idx ON conversations (created_at, id);
DROP INDEX conversations_created_idx;
