-- Agents limited to some sites: they see and answer only those sites' conversations.
-- Empty means every site (admins and agents created before sites existed).
ALTER TABLE agents ADD COLUMN sites text[] NOT NULL DEFAULT '{}';
