-- Enrichment and legacy sources (issue 7): NVD records with their versions, change history,
-- CPE and CPE match data; EPSS score history; MITRE legacy entries; mapping issues.
-- Each is a source of its own: nothing here changes a CVE JSON 5 record.
-- PostgreSQL twin of the SQLite migration.

-- The current NVD record of each CVE name (newest lastModified).
CREATE TABLE nvd_records (
  cve_id            text    NOT NULL PRIMARY KEY,
  version           integer NOT NULL,
  last_version      integer NOT NULL,
  hash              text    NOT NULL,
  last_modified     text    NOT NULL,
  published         text    NOT NULL,
  vuln_status       text,
  source_identifier text,
  arrived_at        text    NOT NULL
);
CREATE INDEX nvd_records_status_idx ON nvd_records (vuln_status);
CREATE INDEX nvd_records_modified_idx ON nvd_records (last_modified);

-- Every NVD version seen, unique by content hash.
CREATE TABLE nvd_record_versions (
  cve_id            text    NOT NULL,
  version           integer NOT NULL,
  hash              text    NOT NULL,
  format            text    NOT NULL,
  json              text    NOT NULL,
  last_modified     text    NOT NULL,
  published         text    NOT NULL,
  vuln_status       text,
  source_identifier text,
  origin            text,
  arrived_at        text    NOT NULL,
  PRIMARY KEY (cve_id, version),
  UNIQUE (cve_id, hash)
);

CREATE TABLE nvd_changes (
  cve_change_id     text NOT NULL PRIMARY KEY,
  cve_id            text NOT NULL,
  event_name        text NOT NULL,
  created           text NOT NULL,
  source_identifier text,
  json              text NOT NULL
);
CREATE INDEX nvd_changes_cve_idx ON nvd_changes (cve_id, created);

CREATE TABLE nvd_cpe (
  kind          text NOT NULL,
  key           text NOT NULL,
  name          text NOT NULL,
  last_modified text,
  hash          text NOT NULL,
  json          text NOT NULL,
  PRIMARY KEY (kind, key)
);
CREATE INDEX nvd_cpe_name_idx ON nvd_cpe (name);

CREATE TABLE epss_scores (
  cve_id        text NOT NULL,
  score_date    text NOT NULL,
  model_version text NOT NULL,
  epss          double precision NOT NULL,
  percentile    double precision NOT NULL,
  PRIMARY KEY (cve_id, score_date)
);

CREATE TABLE legacy_entries (
  cve_id        text    NOT NULL,
  format        text    NOT NULL,
  original_name text    NOT NULL,
  status        text,
  phase         text,
  rejected      boolean NOT NULL,
  reserved      boolean NOT NULL,
  disputed      boolean NOT NULL,
  replaced_by   text    NOT NULL DEFAULT '[]',
  hash          text    NOT NULL,
  json          text    NOT NULL,
  release       text,
  origin        text,
  first_seen    text    NOT NULL,
  last_seen     text    NOT NULL,
  PRIMARY KEY (cve_id, format)
);

CREATE TABLE mapping_issues (
  id         bigserial PRIMARY KEY,
  source     text NOT NULL,
  record     text NOT NULL,
  cve_id     text NOT NULL,
  kind       text NOT NULL,
  detail     text NOT NULL,
  status     text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'resolved')),
  first_seen text NOT NULL,
  last_seen  text NOT NULL,
  UNIQUE (source, cve_id, kind)
);
CREATE INDEX mapping_issues_cve_idx ON mapping_issues (cve_id);
CREATE INDEX mapping_issues_source_idx ON mapping_issues (source, status, id);
