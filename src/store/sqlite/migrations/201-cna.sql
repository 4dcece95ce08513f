-- CNA service (issue 5): organisations, users, CVE IDs, year ranges, the CNA's own
-- records and an append-only audit log. Times are ISO 8601 UTC with milliseconds and Z.
-- `rev` counts changes to a row (optimistic concurrency, see src/store/cna-types.ts).

CREATE TABLE cna_orgs (
  uuid       TEXT    NOT NULL PRIMARY KEY,
  short_name TEXT    NOT NULL UNIQUE,
  name       TEXT    NOT NULL,
  roles      TEXT    NOT NULL,
  id_quota   INTEGER NOT NULL,
  created    TEXT    NOT NULL,
  modified   TEXT    NOT NULL,
  rev        INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE cna_users (
  uuid        TEXT    NOT NULL PRIMARY KEY,
  org_uuid    TEXT    NOT NULL REFERENCES cna_orgs (uuid),
  username    TEXT    NOT NULL,
  name_first  TEXT    NOT NULL DEFAULT '',
  name_last   TEXT    NOT NULL DEFAULT '',
  name_middle TEXT    NOT NULL DEFAULT '',
  name_suffix TEXT    NOT NULL DEFAULT '',
  roles       TEXT    NOT NULL,
  active      INTEGER NOT NULL,
  secret_hash TEXT    NOT NULL,
  created     TEXT    NOT NULL,
  modified    TEXT    NOT NULL,
  rev         INTEGER NOT NULL DEFAULT 1,
  UNIQUE (org_uuid, username)
);

CREATE TABLE cna_year_ranges (
  year         INTEGER NOT NULL PRIMARY KEY,
  priority_top INTEGER NOT NULL,
  priority_end INTEGER NOT NULL,
  general_top  INTEGER NOT NULL,
  general_end  INTEGER NOT NULL
);

CREATE TABLE cna_cve_ids (
  cve_id            TEXT    NOT NULL PRIMARY KEY,
  year              INTEGER NOT NULL,
  number            INTEGER NOT NULL,
  state             TEXT    NOT NULL,
  owning_org        TEXT    NOT NULL,
  requested_by_org  TEXT    NOT NULL,
  requested_by_user TEXT    NOT NULL,
  reserved          TEXT    NOT NULL,
  created           TEXT    NOT NULL,
  modified          TEXT    NOT NULL,
  rev               INTEGER NOT NULL DEFAULT 1,
  UNIQUE (year, number)
);
CREATE INDEX cna_cve_ids_owner ON cna_cve_ids (owning_org, state);
CREATE INDEX cna_cve_ids_pool ON cna_cve_ids (year, state);

CREATE TABLE cna_records (
  cve_id           TEXT NOT NULL PRIMARY KEY REFERENCES cna_cve_ids (cve_id),
  state            TEXT NOT NULL,
  json             TEXT NOT NULL,
  assigner_org     TEXT NOT NULL,
  adp_orgs         TEXT NOT NULL DEFAULT '',
  cna_date_updated TEXT NOT NULL,
  created          TEXT NOT NULL,
  modified         TEXT NOT NULL
);
CREATE INDEX cna_records_created ON cna_records (created, cve_id);

CREATE TABLE cna_audit (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  at          TEXT NOT NULL,
  actor_org   TEXT NOT NULL,
  actor_user  TEXT NOT NULL,
  org         TEXT NOT NULL,
  action      TEXT NOT NULL,
  target      TEXT NOT NULL,
  before_json TEXT,
  after_json  TEXT
);
CREATE INDEX cna_audit_org ON cna_audit (org, id);
CREATE INDEX cna_audit_target ON cna_audit (target, id);
-- Append-only: the log is never changed or trimmed.
CREATE TRIGGER cna_audit_no_update BEFORE UPDATE ON cna_audit BEGIN SELECT RAISE(ABORT, 'cna_audit is append-only'); END;
CREATE TRIGGER cna_audit_no_delete BEFORE DELETE ON cna_audit BEGIN SELECT RAISE(ABORT, 'cna_audit is append-only'); END;
