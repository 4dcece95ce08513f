-- cvekit store, SQLite: records and their history, derived index rows, full text,
-- sources, quarantine, resumable jobs, KEV and CWE.
-- Dates are ISO 8601 text as the records give them; times cvekit sets are UTC `…Z`.

-- Every version ever seen of every record. The JSON is kept exactly as written.
CREATE TABLE record_versions (
  cve_id       TEXT    NOT NULL,
  version      INTEGER NOT NULL,
  hash         TEXT    NOT NULL,
  json         TEXT    NOT NULL,
  date_updated TEXT    NOT NULL,
  source       TEXT    NOT NULL,
  origin       TEXT,
  arrived_at   TEXT    NOT NULL,
  PRIMARY KEY (cve_id, version),
  UNIQUE (cve_id, hash)
);

-- One row per CVE name: the current version's facts, for lists, filters and facets.
-- id_key sorts like (year, number): year * 10^10 + number, so a year is an id_key range.
CREATE TABLE records (
  cve_id              TEXT    NOT NULL PRIMARY KEY,
  id_key              INTEGER NOT NULL UNIQUE,
  year                INTEGER NOT NULL,
  state               TEXT    NOT NULL,
  data_version        TEXT    NOT NULL,
  version             INTEGER NOT NULL,
  last_version        INTEGER NOT NULL,
  hash                TEXT    NOT NULL,
  date_updated        TEXT    NOT NULL,
  date_published      TEXT,
  date_reserved       TEXT,
  date_rejected       TEXT,
  date_public         TEXT,
  assigner_org_id     TEXT    NOT NULL,
  assigner_short_name TEXT,
  title               TEXT,
  description         TEXT    NOT NULL,
  cvss_score          REAL,
  cvss_severity       TEXT,
  kev                 INTEGER NOT NULL DEFAULT 0,
  kev_adp             INTEGER NOT NULL DEFAULT 0,
  source              TEXT    NOT NULL,
  arrived_at          TEXT    NOT NULL
);
CREATE INDEX records_state_idx ON records (state, id_key);
CREATE INDEX records_source_idx ON records (source, id_key);
CREATE INDEX records_assigner_idx ON records (assigner_short_name);
CREATE INDEX records_date_updated_idx ON records (date_updated);
CREATE INDEX records_date_published_idx ON records (date_published);
CREATE INDEX records_severity_idx ON records (cvss_severity, cvss_score);
CREATE INDEX records_kev_idx ON records (kev) WHERE kev = 1;

-- Derived from the current version only; replaced whenever the current version changes,
-- in the transaction that changes it. No foreign keys: only writeBatch writes these rows,
-- always with their records row, and per-row key checks cost ~20% of a bulk import.
CREATE TABLE record_affected (
  cve_id         TEXT NOT NULL,
  ord            INTEGER NOT NULL,
  source         TEXT NOT NULL,
  vendor         TEXT NOT NULL,
  product        TEXT NOT NULL,
  vendor_lc      TEXT NOT NULL,
  product_lc     TEXT NOT NULL,
  package_name   TEXT,
  collection_url TEXT,
  default_status TEXT,
  cpes           TEXT NOT NULL DEFAULT '[]',
  PRIMARY KEY (cve_id, ord)
) WITHOUT ROWID;
CREATE INDEX record_affected_vendor_idx ON record_affected (vendor_lc, product_lc);
CREATE INDEX record_affected_package_idx ON record_affected (package_name) WHERE package_name IS NOT NULL;

CREATE TABLE record_cwes (
  cve_id TEXT NOT NULL,
  cwe_id TEXT NOT NULL,
  PRIMARY KEY (cve_id, cwe_id)
) WITHOUT ROWID;
CREATE INDEX record_cwes_cwe_idx ON record_cwes (cwe_id);

CREATE TABLE record_metrics (
  cve_id       TEXT NOT NULL,
  ord          INTEGER NOT NULL,
  source       TEXT NOT NULL,
  cvss_version TEXT NOT NULL,
  score        REAL NOT NULL,
  severity     TEXT NOT NULL,
  vector       TEXT NOT NULL,
  PRIMARY KEY (cve_id, ord)
) WITHOUT ROWID;
CREATE INDEX record_metrics_severity_idx ON record_metrics (severity, cvss_version);

CREATE TABLE record_references (
  cve_id TEXT NOT NULL,
  ord    INTEGER NOT NULL,
  source TEXT NOT NULL,
  url    TEXT NOT NULL,
  name   TEXT,
  tags   TEXT NOT NULL DEFAULT '[]',
  PRIMARY KEY (cve_id, ord)
) WITHOUT ROWID;

CREATE TABLE record_replacements (
  cve_id TEXT NOT NULL,
  kind   TEXT NOT NULL,
  target TEXT NOT NULL,
  origin TEXT NOT NULL,
  PRIMARY KEY (cve_id, kind, target)
) WITHOUT ROWID;
CREATE INDEX record_replacements_target_idx ON record_replacements (target);

-- Full text of the current version, rowid = records.id_key. Contentless (the text
-- lives in records and record_versions) with delete support, so it costs only the index.
-- unicode61 keeps `log4j` one token and splits `CVE-2021-44228` into a phrase of three;
-- porter folds English word forms (overflow/overflows) as PostgreSQL's `english` does.
CREATE VIRTUAL TABLE record_fts USING fts5 (
  title, products, description, keywords, refs,
  content = '', contentless_delete = 1,
  tokenize = 'porter unicode61 remove_diacritics 2'
);

CREATE TABLE sources (
  id           TEXT NOT NULL PRIMARY KEY,
  kind         TEXT NOT NULL,
  description  TEXT,
  location     TEXT,
  last_sync_at TEXT,
  content_date TEXT,
  release      TEXT,
  "commit"     TEXT,
  next_sync_at TEXT,
  last_error   TEXT,
  counts       TEXT NOT NULL DEFAULT '{}'
);

CREATE TABLE quarantine (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  source     TEXT    NOT NULL,
  position   TEXT    NOT NULL,
  cve_id     TEXT,
  code       TEXT    NOT NULL,
  path       TEXT,
  message    TEXT    NOT NULL,
  raw        BLOB    NOT NULL,
  size       INTEGER NOT NULL,
  status     TEXT    NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'retried', 'dismissed')),
  created_at TEXT    NOT NULL
);
CREATE INDEX quarantine_status_idx ON quarantine (status, id);
CREATE INDEX quarantine_source_idx ON quarantine (source, id);

-- Resumable imports. A key identifies one input; at most one unfinished job per key,
-- finished jobs stay as history (a later import of the same input starts a new job).
CREATE TABLE import_jobs (
  id         TEXT NOT NULL PRIMARY KEY,
  key        TEXT NOT NULL,
  kind       TEXT NOT NULL,
  status     TEXT NOT NULL CHECK (status IN ('running', 'done', 'failed')),
  position   TEXT,
  counts     TEXT NOT NULL DEFAULT '{}',
  started_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  error      TEXT
);
CREATE UNIQUE INDEX import_jobs_open_key_idx ON import_jobs (key) WHERE status <> 'done';
CREATE INDEX import_jobs_key_idx ON import_jobs (key, started_at);

-- CISA KEV: the current catalog, every catalog imported, and what each one changed.
CREATE TABLE kev_entries (
  cve_id                        TEXT NOT NULL PRIMARY KEY,
  vendor_project                TEXT NOT NULL,
  product                       TEXT NOT NULL,
  vulnerability_name            TEXT NOT NULL,
  date_added                    TEXT NOT NULL,
  short_description             TEXT NOT NULL,
  required_action               TEXT NOT NULL,
  due_date                      TEXT NOT NULL,
  known_ransomware_campaign_use TEXT NOT NULL,
  notes                         TEXT NOT NULL,
  cwes                          TEXT NOT NULL DEFAULT '[]',
  catalog_version               TEXT NOT NULL
);
CREATE INDEX kev_entries_date_added_idx ON kev_entries (date_added);

CREATE TABLE kev_catalogs (
  catalog_version TEXT    NOT NULL PRIMARY KEY,
  date_released   TEXT    NOT NULL,
  count           INTEGER NOT NULL,
  imported_at     TEXT    NOT NULL
);

CREATE TABLE kev_history (
  id              INTEGER PRIMARY KEY AUTOINCREMENT,
  cve_id          TEXT NOT NULL,
  change          TEXT NOT NULL CHECK (change IN ('added', 'removed')),
  catalog_version TEXT NOT NULL,
  at              TEXT NOT NULL
);
CREATE INDEX kev_history_cve_idx ON kev_history (cve_id, id);

CREATE TABLE cwe_entries (
  id              TEXT NOT NULL PRIMARY KEY,
  name            TEXT NOT NULL,
  type            TEXT NOT NULL,
  abstraction     TEXT,
  status          TEXT,
  description     TEXT,
  catalog_version TEXT NOT NULL
);

-- Small durable state (sync positions and the like), one JSON value per key.
CREATE TABLE meta (
  key        TEXT NOT NULL PRIMARY KEY,
  value      TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
