-- `record_references` held one row per reference of each current record (~4.5 a record), and
-- nothing read it: the record page and the APIs read references from the record's JSON, and
-- search finds reference URLs through the full-text `refs` column. Dropped, with its writes
-- (~40 % of the derived rows an import wrote).
DROP TABLE IF EXISTS record_references;
