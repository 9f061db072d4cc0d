-- A site's widget settings (protocol/site_settings.ts WidgetSettings), edited by admins in the
-- console. Stored as one object of the fields that differ from the defaults: the store merges
-- it over DEFAULT_WIDGET_SETTINGS on read, so a field added later needs no migration.
ALTER TABLE sites ADD COLUMN settings jsonb NOT NULL DEFAULT '{}';
