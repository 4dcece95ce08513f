-- cvekit store, PostgreSQL: records and their history, derived index rows, full text,
-- sources, quarantine, resumable jobs, KEV and CWE.
-- Dates are ISO 8601 text as the records give them; times cvekit sets are UTC `…Z`.

-- Every version ever seen of every record. The JSON is kept exactly as written.
CREATE TABLE record_versions (
  cve_id       text    NOT NULL,
  version      integer NOT NULL,
  hash         text    NOT NULL,
  json         text    NOT NULL,
  date_updated text    NOT NULL,
  source       text    NOT NULL,
  origin       text,
  arrived_at   text    NOT NULL,
  PRIMARY KEY (cve_id, version),
  UNIQUE (cve_id, hash)
);

-- One row per CVE name: the current version's facts, for lists, filters and facets.
-- id_key sorts like (year, number): year * 10^10 + number, so a year is an id_key range.
CREATE TABLE records (
  cve_id              text    NOT NULL PRIMARY KEY,
  id_key              bigint  NOT NULL UNIQUE,
  year                integer NOT NULL,
  state               text    NOT NULL,
  data_version        text    NOT NULL,
  version             integer NOT NULL,
  last_version        integer NOT NULL,
  hash                text    NOT NULL,
  date_updated        text    NOT NULL,
  date_published      text,
  date_reserved       text,
  date_rejected       text,
  date_public         text,
  assigner_org_id     text    NOT NULL,
  assigner_short_name text,
  title               text,
  description         text    NOT NULL,
  cvss_score          double precision,
  cvss_severity       text,
  kev                 boolean NOT NULL DEFAULT false,
  kev_adp             boolean NOT NULL DEFAULT false,
  source              text    NOT NULL,
  arrived_at          text    NOT NULL
);
CREATE INDEX records_state_idx ON records (state, id_key);
CREATE INDEX records_source_idx ON records (source, id_key);
CREATE INDEX records_assigner_idx ON records (assigner_short_name);
CREATE INDEX records_date_updated_idx ON records (date_updated);
CREATE INDEX records_date_published_idx ON records (date_published);
CREATE INDEX records_severity_idx ON records (cvss_severity, cvss_score);
CREATE INDEX records_kev_idx ON records (kev) WHERE kev;

-- Derived from the current version only; replaced whenever the current version changes,
-- in the transaction that changes it. No foreign keys: only writeBatch writes these rows,
-- always with their records row, and per-row key checks cost ~20% of a bulk import.
CREATE TABLE record_affected (
  cve_id         text NOT NULL,
  ord            integer NOT NULL,
  source         text NOT NULL,
  vendor         text NOT NULL,
  product        text NOT NULL,
  vendor_lc      text NOT NULL,
  product_lc     text NOT NULL,
  package_name   text,
  collection_url text,
  default_status text,
  cpes           jsonb NOT NULL DEFAULT '[]',
  PRIMARY KEY (cve_id, ord)
);
CREATE INDEX record_affected_vendor_idx ON record_affected (vendor_lc, product_lc);
CREATE INDEX record_affected_package_idx ON record_affected (package_name) WHERE package_name IS NOT NULL;

CREATE TABLE record_cwes (
  cve_id text NOT NULL,
  cwe_id text NOT NULL,
  PRIMARY KEY (cve_id, cwe_id)
);
CREATE INDEX record_cwes_cwe_idx ON record_cwes (cwe_id);

CREATE TABLE record_metrics (
  cve_id       text NOT NULL,
  ord          integer NOT NULL,
  source       text NOT NULL,
  cvss_version text NOT NULL,
  score        double precision NOT NULL,
  severity     text NOT NULL,
  vector       text NOT NULL,
  PRIMARY KEY (cve_id, ord)
);
CREATE INDEX record_metrics_severity_idx ON record_metrics (severity, cvss_version);

CREATE TABLE record_references (
  cve_id text NOT NULL,
  ord    integer NOT NULL,
  source text NOT NULL,
  url    text NOT NULL,
  name   text,
  tags   jsonb NOT NULL DEFAULT '[]',
  PRIMARY KEY (cve_id, ord)
);

CREATE TABLE record_replacements (
  cve_id text NOT NULL,
  kind   text NOT NULL,
  target text NOT NULL,
  origin text NOT NULL,
  PRIMARY KEY (cve_id, kind, target)
);
CREATE INDEX record_replacements_target_idx ON record_replacements (target);

-- Full text of the current version, weighted: A title, B vendors/products/packages,
-- C description, D CVE name/assigner/CWE ids and reference URLs. The `english`
-- parser keeps `log4j` whole and indexes `CVE-2021-44228` both whole and by part.
CREATE TABLE record_fts (
  cve_id   text     NOT NULL PRIMARY KEY,
  document tsvector NOT NULL
);
CREATE INDEX record_fts_document_idx ON record_fts USING gin (document);

CREATE TABLE sources (
  id           text NOT NULL PRIMARY KEY,
  kind         text NOT NULL,
  description  text,
  location     text,
  last_sync_at text,
  content_date text,
  release      text,
  "commit"     text,
  next_sync_at text,
  last_error   text,
  counts       jsonb NOT NULL DEFAULT '{}'
);

CREATE TABLE quarantine (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  source     text    NOT NULL,
  position   text    NOT NULL,
  cve_id     text,
  code       text    NOT NULL,
  path       text,
  message    text    NOT NULL,
  raw        bytea    NOT NULL,
  size       integer NOT NULL,
  status     text    NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'retried', 'dismissed')),
  created_at text    NOT NULL
);
CREATE INDEX quarantine_status_idx ON quarantine (status, id);
CREATE INDEX quarantine_source_idx ON quarantine (source, id);

-- Resumable imports. A key identifies one input; at most one unfinished job per key,
-- finished jobs stay as history (a later import of the same input starts a new job).
CREATE TABLE import_jobs (
  id         text NOT NULL PRIMARY KEY,
  key        text NOT NULL,
  kind       text NOT NULL,
  status     text NOT NULL CHECK (status IN ('running', 'done', 'failed')),
  position   text,
  counts     jsonb NOT NULL DEFAULT '{}',
  started_at text NOT NULL,
  updated_at text NOT NULL,
  error      text
);
CREATE UNIQUE INDEX import_jobs_open_key_idx ON import_jobs (key) WHERE status <> 'done';
CREATE INDEX import_jobs_key_idx ON import_jobs (key, started_at);

-- CISA KEV: the current catalog, every catalog imported, and what each one changed.
CREATE TABLE kev_entries (
  cve_id                        text NOT NULL PRIMARY KEY,
  vendor_project                text NOT NULL,
  product                       text NOT NULL,
  vulnerability_name            text NOT NULL,
  date_added                    text NOT NULL,
  short_description             text NOT NULL,
  required_action               text NOT NULL,
  due_date                      text NOT NULL,
  known_ransomware_campaign_use text NOT NULL,
  notes                         text NOT NULL,
  cwes                          jsonb NOT NULL DEFAULT '[]',
  catalog_version               text NOT NULL
);
CREATE INDEX kev_entries_date_added_idx ON kev_entries (date_added);

CREATE TABLE kev_catalogs (
  catalog_version text    NOT NULL PRIMARY KEY,
  date_released   text    NOT NULL,
  count           integer NOT NULL,
  imported_at     text    NOT NULL
);

CREATE TABLE kev_history (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  cve_id          text NOT NULL,
  change          text NOT NULL CHECK (change IN ('added', 'removed')),
  catalog_version text NOT NULL,
  at              text NOT NULL
);
CREATE INDEX kev_history_cve_idx ON kev_history (cve_id, id);

CREATE TABLE cwe_entries (
  id              text NOT NULL PRIMARY KEY,
  name            text NOT NULL,
  type            text NOT NULL,
  abstraction     text,
  status          text,
  description     text,
  catalog_version text NOT NULL
);

-- Small durable state (sync positions and the like), one JSON value per key.
CREATE TABLE meta (
  key        text NOT NULL PRIMARY KEY,
  value      text NOT NULL,
  updated_at text NOT NULL
);

-- Adds two `{"key": n}` count objects key by key (source and job statistics).
CREATE FUNCTION cvekit_add_counts(a jsonb, b jsonb) RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
  SELECT coalesce(jsonb_object_agg(k, coalesce((a ->> k)::bigint, 0) + coalesce((b ->> k)::bigint, 0)), '{}'::jsonb)
  FROM (SELECT jsonb_object_keys(coalesce(a, '{}'::jsonb)) UNION SELECT jsonb_object_keys(coalesce(b, '{}'::jsonb))) AS keys (k)
$$;
