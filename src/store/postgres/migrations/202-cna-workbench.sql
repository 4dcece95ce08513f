-- CNA workbench and upstream relay (issue 5 §3, §4): server-side sign-in sessions, record
-- drafts, per-org upstream CVE Services endpoints (key sealed with AES-256-GCM), an outbox
-- of upstream operations with leases, and the repository writes still to be done after a
-- record change (`cna_repo_pending`, written in the same transaction as the record).

CREATE TABLE cna_sessions (
  id_hash   text COLLATE "C" NOT NULL PRIMARY KEY,
  user_uuid text COLLATE "C" NOT NULL,
  org_uuid  text COLLATE "C" NOT NULL,
  csrf      text COLLATE "C" NOT NULL,
  created   text COLLATE "C" NOT NULL,
  expires   text COLLATE "C" NOT NULL
);
CREATE INDEX cna_sessions_user ON cna_sessions (user_uuid);

CREATE TABLE cna_drafts (
  cve_id     text COLLATE "C" NOT NULL PRIMARY KEY,
  org_uuid   text COLLATE "C" NOT NULL,
  json       text COLLATE "C" NOT NULL,
  updated    text COLLATE "C" NOT NULL,
  updated_by text COLLATE "C" NOT NULL
);
CREATE INDEX cna_drafts_org ON cna_drafts (org_uuid);

CREATE TABLE cna_upstreams (
  org_uuid      text COLLATE "C" NOT NULL PRIMARY KEY,
  url           text COLLATE "C" NOT NULL,
  upstream_org  text COLLATE "C" NOT NULL,
  upstream_user text COLLATE "C" NOT NULL,
  key_sealed    text COLLATE "C" NOT NULL,
  updated       text COLLATE "C" NOT NULL
);

CREATE TABLE cna_outbox (
  id          bigserial PRIMARY KEY,
  org_uuid    text COLLATE "C"    NOT NULL,
  op          text COLLATE "C"    NOT NULL,
  cve_id      text COLLATE "C"    NOT NULL DEFAULT '',
  payload     text COLLATE "C"    NOT NULL,
  actor_user  text COLLATE "C"    NOT NULL,
  state       text COLLATE "C"    NOT NULL DEFAULT 'pending',
  attempts    integer NOT NULL DEFAULT 0,
  last_error  TEXT,
  next_at     text COLLATE "C"    NOT NULL,
  lease_owner TEXT,
  lease_until TEXT,
  created     text COLLATE "C"    NOT NULL,
  finished    text COLLATE "C"
);
CREATE INDEX cna_outbox_due ON cna_outbox (state, next_at);
CREATE INDEX cna_outbox_org ON cna_outbox (org_uuid, id);

CREATE TABLE cna_repo_pending (
  cve_id   text COLLATE "C" NOT NULL PRIMARY KEY,
  modified text COLLATE "C" NOT NULL
);
