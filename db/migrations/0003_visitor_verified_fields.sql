-- Which identity fields the site's signature covered (docs/security.md, "Verified identity").
-- `verified` keeps its meaning: the external id is signed. The email and the name are shown as
-- verified only when the signature covered them too; existing rows never had that proof.
ALTER TABLE visitors
  ADD COLUMN email_verified boolean NOT NULL DEFAULT false,
  ADD COLUMN name_verified boolean NOT NULL DEFAULT false;
