-- Enrichment and legacy sources (issue 7): NVD records with their versions, change history,
-- CPE and CPE match data; EPSS score history; MITRE legacy entries; mapping issues.
-- Each is a source of its own: nothing here changes a CVE JSON 5 record.

-- The current NVD record of each CVE name (newest lastModified).
CREATE TABLE nvd_records (
  cve_id            TEXT    NOT NULL PRIMARY KEY,
  version           INTEGER NOT NULL,
  last_version      INTEGER NOT NULL,
  hash              TEXT    NOT NULL,
  last_modified     TEXT    NOT NULL,
  published         TEXT    NOT NULL,
  vuln_status       TEXT,
  source_identifier TEXT,
  arrived_at        TEXT    NOT NULL
);
CREATE INDEX nvd_records_status_idx ON nvd_records (vuln_status);
CREATE INDEX nvd_records_modified_idx ON nvd_records (last_modified);

-- Every NVD version seen, unique by content hash.
CREATE TABLE nvd_record_versions (
  cve_id            TEXT    NOT NULL,
  version           INTEGER NOT NULL,
  hash              TEXT    NOT NULL,
  format            TEXT    NOT NULL,
  json              TEXT    NOT NULL,
  last_modified     TEXT    NOT NULL,
  published         TEXT    NOT NULL,
  vuln_status       TEXT,
  source_identifier TEXT,
  origin            TEXT,
  arrived_at        TEXT    NOT NULL,
  PRIMARY KEY (cve_id, version),
  UNIQUE (cve_id, hash)
);

CREATE TABLE nvd_changes (
  cve_change_id     TEXT NOT NULL PRIMARY KEY,
  cve_id            TEXT NOT NULL,
  event_name        TEXT NOT NULL,
  created           TEXT NOT NULL,
  source_identifier TEXT,
  json              TEXT NOT NULL
);
CREATE INDEX nvd_changes_cve_idx ON nvd_changes (cve_id, created);

CREATE TABLE nvd_cpe (
  kind          TEXT NOT NULL,
  key           TEXT NOT NULL,
  name          TEXT NOT NULL,
  last_modified TEXT,
  hash          TEXT NOT NULL,
  json          TEXT NOT NULL,
  PRIMARY KEY (kind, key)
);
CREATE INDEX nvd_cpe_name_idx ON nvd_cpe (name);

CREATE TABLE epss_scores (
  cve_id        TEXT NOT NULL,
  score_date    TEXT NOT NULL,
  model_version TEXT NOT NULL,
  epss          REAL NOT NULL,
  percentile    REAL NOT NULL,
  PRIMARY KEY (cve_id, score_date)
) WITHOUT ROWID;

CREATE TABLE legacy_entries (
  cve_id        TEXT    NOT NULL,
  format        TEXT    NOT NULL,
  original_name TEXT    NOT NULL,
  status        TEXT,
  phase         TEXT,
  rejected      INTEGER NOT NULL,
  reserved      INTEGER NOT NULL,
  disputed      INTEGER NOT NULL,
  replaced_by   TEXT    NOT NULL DEFAULT '[]',
  hash          TEXT    NOT NULL,
  json          TEXT    NOT NULL,
  release       TEXT,
  origin        TEXT,
  first_seen    TEXT    NOT NULL,
  last_seen     TEXT    NOT NULL,
  PRIMARY KEY (cve_id, format)
);

CREATE TABLE mapping_issues (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  source     TEXT NOT NULL,
  record     TEXT NOT NULL,
  cve_id     TEXT NOT NULL,
  kind       TEXT NOT NULL,
  detail     TEXT NOT NULL,
  status     TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'resolved')),
  first_seen TEXT NOT NULL,
  last_seen  TEXT NOT NULL,
  UNIQUE (source, cve_id, kind)
);
CREATE INDEX mapping_issues_cve_idx ON mapping_issues (cve_id);
CREATE INDEX mapping_issues_source_idx ON mapping_issues (source, status, id);
