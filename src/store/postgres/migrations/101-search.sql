-- Search (issue 4): the has-fix flag and indexes for the search filters.
--
-- has_fix: a fix is known for the current version: a reference tagged `patch` or
-- `vendor-advisory`, or an affected entry with a version (or a version change) whose
-- status is `unaffected`. writeBatch sets it from rows.ts (`CurrentRow.hasFix`); this
-- fills it once for the rows that existed before.
ALTER TABLE records ADD COLUMN has_fix boolean NOT NULL DEFAULT false;

-- A record JSON jsonb cannot hold (a \u0000 escape) counts as "no unaffected version".
CREATE FUNCTION pg_temp.cvekit_has_unaffected(doc text) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
  RETURN jsonb_path_exists(doc::jsonb,
    '$.containers.*.affected[*].versions[*] ? (@.status == "unaffected" || @.changes[*].status == "unaffected")');
EXCEPTION WHEN others THEN
  RETURN false;
END
$$;

UPDATE records r SET has_fix = true
WHERE EXISTS (
    SELECT 1 FROM record_references x
    WHERE x.cve_id = r.cve_id AND (x.tags @> '["patch"]'::jsonb OR x.tags @> '["vendor-advisory"]'::jsonb))
  OR EXISTS (
    SELECT 1 FROM record_versions v
    WHERE v.cve_id = r.cve_id AND v.version = r.version
      AND v.json LIKE '%"unaffected"%' AND pg_temp.cvekit_has_unaffected(v.json));

-- assigner:… is case-insensitive; product:… without vendor:… needs its own index.
CREATE INDEX records_assigner_lc_idx ON records (lower(assigner_short_name));
CREATE INDEX IF NOT EXISTS record_affected_product_idx ON record_affected (product_lc);
