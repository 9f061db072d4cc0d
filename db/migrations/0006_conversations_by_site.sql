-- The inbox filtered by site (an agent limited to some sites, or the console's site filter),
-- newest first; also what a site's deletion cascades through.
CREATE INDEX conversations_site_updated_idx ON conversations (site_id, updated_at DESC);
