-- CNA service (issue 5): organisations, users, CVE IDs, year ranges, the CNA's own
-- records and an append-only audit log. Times are ISO 8601 UTC with milliseconds and Z.
-- `rev` counts changes to a row (optimistic concurrency, see src/store/cna-types.ts).

CREATE TABLE cna_orgs (
  uuid       text COLLATE "C"    NOT NULL PRIMARY KEY,
  short_name text COLLATE "C"    NOT NULL UNIQUE,
  name       text COLLATE "C"    NOT NULL,
  roles      text COLLATE "C"    NOT NULL,
  id_quota   integer NOT NULL,
  created    text COLLATE "C"    NOT NULL,
  modified   text COLLATE "C"    NOT NULL,
  rev        integer NOT NULL DEFAULT 1
);

CREATE TABLE cna_users (
  uuid        text COLLATE "C"    NOT NULL PRIMARY KEY,
  org_uuid    text COLLATE "C"    NOT NULL REFERENCES cna_orgs (uuid),
  username    text COLLATE "C"    NOT NULL,
  name_first  text COLLATE "C"    NOT NULL DEFAULT '',
  name_last   text COLLATE "C"    NOT NULL DEFAULT '',
  name_middle text COLLATE "C"    NOT NULL DEFAULT '',
  name_suffix text COLLATE "C"    NOT NULL DEFAULT '',
  roles       text COLLATE "C"    NOT NULL,
  active      integer NOT NULL,
  secret_hash text COLLATE "C"    NOT NULL,
  created     text COLLATE "C"    NOT NULL,
  modified    text COLLATE "C"    NOT NULL,
  rev         integer NOT NULL DEFAULT 1,
  UNIQUE (org_uuid, username)
);

CREATE TABLE cna_year_ranges (
  year         integer NOT NULL PRIMARY KEY,
  priority_top integer NOT NULL,
  priority_end integer NOT NULL,
  general_top  integer NOT NULL,
  general_end  integer NOT NULL
);

CREATE TABLE cna_cve_ids (
  cve_id            text COLLATE "C"    NOT NULL PRIMARY KEY,
  year              integer NOT NULL,
  number            integer NOT NULL,
  state             text COLLATE "C"    NOT NULL,
  owning_org        text COLLATE "C"    NOT NULL,
  requested_by_org  text COLLATE "C"    NOT NULL,
  requested_by_user text COLLATE "C"    NOT NULL,
  reserved          text COLLATE "C"    NOT NULL,
  created           text COLLATE "C"    NOT NULL,
  modified          text COLLATE "C"    NOT NULL,
  rev               integer NOT NULL DEFAULT 1,
  UNIQUE (year, number)
);
CREATE INDEX cna_cve_ids_owner ON cna_cve_ids (owning_org, state);
CREATE INDEX cna_cve_ids_pool ON cna_cve_ids (year, state);

CREATE TABLE cna_records (
  cve_id           text COLLATE "C" NOT NULL PRIMARY KEY REFERENCES cna_cve_ids (cve_id),
  state            text COLLATE "C" NOT NULL,
  json             text COLLATE "C" NOT NULL,
  assigner_org     text COLLATE "C" NOT NULL,
  adp_orgs         text COLLATE "C" NOT NULL DEFAULT '',
  cna_date_updated text COLLATE "C" NOT NULL,
  created          text COLLATE "C" NOT NULL,
  modified         text COLLATE "C" NOT NULL
);
CREATE INDEX cna_records_created ON cna_records (created, cve_id);

CREATE TABLE cna_audit (
  id          bigserial PRIMARY KEY,
  at          text COLLATE "C" NOT NULL,
  actor_org   text COLLATE "C" NOT NULL,
  actor_user  text COLLATE "C" NOT NULL,
  org         text COLLATE "C" NOT NULL,
  action      text COLLATE "C" NOT NULL,
  target      text COLLATE "C" NOT NULL,
  before_json text,
  after_json  text
);
CREATE INDEX cna_audit_org ON cna_audit (org, id);
CREATE INDEX cna_audit_target ON cna_audit (target, id);
-- Append-only: the log is never changed or trimmed (a trigger refuses UPDATE and DELETE).
CREATE FUNCTION cna_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'cna_audit is append-only';
END;
$$;
CREATE TRIGGER cna_audit_no_change BEFORE UPDATE OR DELETE ON cna_audit FOR EACH ROW EXECUTE FUNCTION cna_audit_append_only();
