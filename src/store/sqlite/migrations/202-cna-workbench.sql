-- CNA workbench and upstream relay (issue 5 §3, §4): server-side sign-in sessions, record
-- drafts, per-org upstream CVE Services endpoints (key sealed with AES-256-GCM), an outbox
-- of upstream operations with leases, and the repository writes still to be done after a
-- record change (`cna_repo_pending`, written in the same transaction as the record).

CREATE TABLE cna_sessions (
  id_hash   TEXT NOT NULL PRIMARY KEY,
  user_uuid TEXT NOT NULL,
  org_uuid  TEXT NOT NULL,
  csrf      TEXT NOT NULL,
  created   TEXT NOT NULL,
  expires   TEXT NOT NULL
);
CREATE INDEX cna_sessions_user ON cna_sessions (user_uuid);

CREATE TABLE cna_drafts (
  cve_id     TEXT NOT NULL PRIMARY KEY,
  org_uuid   TEXT NOT NULL,
  json       TEXT NOT NULL,
  updated    TEXT NOT NULL,
  updated_by TEXT NOT NULL
);
CREATE INDEX cna_drafts_org ON cna_drafts (org_uuid);

CREATE TABLE cna_upstreams (
  org_uuid      TEXT NOT NULL PRIMARY KEY,
  url           TEXT NOT NULL,
  upstream_org  TEXT NOT NULL,
  upstream_user TEXT NOT NULL,
  key_sealed    TEXT NOT NULL,
  updated       TEXT NOT NULL
);

CREATE TABLE cna_outbox (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  org_uuid    TEXT    NOT NULL,
  op          TEXT    NOT NULL,
  cve_id      TEXT    NOT NULL DEFAULT '',
  payload     TEXT    NOT NULL,
  actor_user  TEXT    NOT NULL,
  state       TEXT    NOT NULL DEFAULT 'pending',
  attempts    INTEGER NOT NULL DEFAULT 0,
  last_error  TEXT,
  next_at     TEXT    NOT NULL,
  lease_owner TEXT,
  lease_until TEXT,
  created     TEXT    NOT NULL,
  finished    TEXT
);
CREATE INDEX cna_outbox_due ON cna_outbox (state, next_at);
CREATE INDEX cna_outbox_org ON cna_outbox (org_uuid, id);

CREATE TABLE cna_repo_pending (
  cve_id   TEXT NOT NULL PRIMARY KEY,
  modified TEXT NOT NULL
);
