-- Search: the severity index also carries has_fix and the id_key. A severity filter with
-- has:fix then finds its hits in the index alone; before, it read the `records` row of
-- every record of that severity to check has_fix (SQLite has no statistics here, so it
-- takes this index for any severity filter). On 300,000 records `severity:high has:fix`
-- (86,664 HIGH, 26,987 with a fix) took ~460-550 ms, ~115 ms now; `severity:critical`
-- counts its hits from the index too. PostgreSQL plans with statistics: no change there.
DROP INDEX records_severity_idx;
CREATE INDEX records_severity_idx ON records (cvss_severity, cvss_score, has_fix, id_key);
