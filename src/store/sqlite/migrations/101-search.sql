-- Search (issue 4): the has-fix flag and indexes for the search filters.
--
-- has_fix: a fix is known for the current version: a reference tagged `patch` or
-- `vendor-advisory`, or an affected entry with a version (or a version change) whose
-- status is `unaffected`. writeBatch sets it from rows.ts (`CurrentRow.hasFix`); this
-- fills it once for the rows that existed before.
ALTER TABLE records ADD COLUMN has_fix INTEGER NOT NULL DEFAULT 0;
UPDATE records SET has_fix = 1
WHERE EXISTS (
    SELECT 1 FROM record_references x, json_each(x.tags) t
    WHERE x.cve_id = records.cve_id AND t.value IN ('patch', 'vendor-advisory'))
  OR EXISTS (
    SELECT 1 FROM record_versions v, json_tree(v.json, '$.containers') j
    WHERE v.cve_id = records.cve_id AND v.version = records.version
      AND j.key = 'status' AND j.value = 'unaffected' AND j.path LIKE '%.versions[%');

-- assigner:… is case-insensitive; product:… without vendor:… needs its own index.
CREATE INDEX records_assigner_lc_idx ON records (lower(assigner_short_name));
CREATE INDEX IF NOT EXISTS record_affected_product_idx ON record_affected (product_lc);
