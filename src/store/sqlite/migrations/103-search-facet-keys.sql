-- Search (issue 4 §7), on 300,000 records:
--
-- 1. `record_cwes` gets the record's id_key (year * 10^10 + number, as `records.id_key`)
--    and an index (id_key, cwe_id). A text search with a CWE filter probes it with each
--    full-text candidate's key (the FTS rowid) instead of building the candidate's CVE
--    name and probing the primary key with it: `scripting cwe:79` (50,398 candidates)
--    spent ~30 ms in that filter, ~15 ms now.
-- 2. The covering index of migration 102 also carries what the facets read per sampled
--    hit (year, assigner, cve_id), so the facet sample is read from the index alone.
ALTER TABLE record_cwes ADD COLUMN id_key INTEGER NOT NULL DEFAULT 0;
UPDATE record_cwes SET id_key = CAST(substr(cve_id, 5, 4) AS INTEGER) * 10000000000 + CAST(substr(cve_id, 10) AS INTEGER);
CREATE INDEX record_cwes_key_idx ON record_cwes (id_key, cwe_id);
DROP INDEX records_search_keys_idx;
CREATE INDEX records_search_keys_idx ON records (id_key, state, kev, has_fix, cvss_severity, cvss_score, date_published, date_updated, year, assigner_short_name, cve_id);
