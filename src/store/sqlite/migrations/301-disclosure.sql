-- Coordinated disclosure (issue 6): reports, cases as event log plus snapshot,
-- capabilities, files, messages, an append-only audit log, the product directory,
-- the outbound queue with its delivery log, and scheduler job claims.
-- Report and case contents are opaque texts (JSON, or AES-256-GCM ciphertext);
-- times are ISO 8601 UTC with milliseconds and Z.

CREATE TABLE disclosure_reports (
  id          TEXT NOT NULL PRIMARY KEY,
  received_at TEXT NOT NULL,
  case_id     TEXT,
  status      TEXT NOT NULL CHECK (status IN ('open', 'closed')),
  body        TEXT NOT NULL
);
CREATE INDEX disclosure_reports_case ON disclosure_reports (case_id);

CREATE TABLE disclosure_cases (
  id         TEXT    NOT NULL PRIMARY KEY,
  revision   INTEGER NOT NULL,
  created_at TEXT    NOT NULL,
  updated_at TEXT    NOT NULL,
  open       INTEGER NOT NULL,
  snapshot   TEXT    NOT NULL
);

CREATE TABLE disclosure_case_events (
  case_id TEXT    NOT NULL REFERENCES disclosure_cases (id),
  seq     INTEGER NOT NULL,
  at      TEXT    NOT NULL,
  actor   TEXT    NOT NULL,
  type    TEXT    NOT NULL,
  data    TEXT    NOT NULL,
  PRIMARY KEY (case_id, seq)
);

CREATE TABLE disclosure_tokens (
  hash           TEXT    NOT NULL PRIMARY KEY,
  kind           TEXT    NOT NULL CHECK (kind IN ('finder', 'participant')),
  report_id      TEXT,
  case_id        TEXT,
  participant_id TEXT,
  created_at     TEXT    NOT NULL,
  expires_at     TEXT    NOT NULL,
  revoked        INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX disclosure_tokens_case ON disclosure_tokens (case_id);
CREATE INDEX disclosure_tokens_report ON disclosure_tokens (report_id);

CREATE TABLE disclosure_files (
  id          TEXT    NOT NULL PRIMARY KEY,
  report_id   TEXT,
  case_id     TEXT,
  name        TEXT    NOT NULL,
  media_type  TEXT    NOT NULL,
  size        INTEGER NOT NULL,
  sha256      TEXT    NOT NULL,
  uploaded_by TEXT    NOT NULL,
  created_at  TEXT    NOT NULL,
  bytes       BLOB    NOT NULL
);
CREATE INDEX disclosure_files_report ON disclosure_files (report_id);
CREATE INDEX disclosure_files_case ON disclosure_files (case_id);

CREATE TABLE disclosure_messages (
  id         TEXT NOT NULL PRIMARY KEY,
  case_id    TEXT,
  report_id  TEXT,
  parent_id  TEXT,
  author     TEXT NOT NULL,
  visibility TEXT NOT NULL CHECK (visibility IN ('participants', 'internal')),
  body       TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE INDEX disclosure_messages_case ON disclosure_messages (case_id, created_at);
CREATE INDEX disclosure_messages_report ON disclosure_messages (report_id, created_at);

CREATE TABLE disclosure_audit (
  id        INTEGER PRIMARY KEY AUTOINCREMENT,
  at        TEXT NOT NULL,
  actor     TEXT NOT NULL,
  action    TEXT NOT NULL,
  case_id   TEXT,
  report_id TEXT,
  detail    TEXT
);
CREATE INDEX disclosure_audit_case ON disclosure_audit (case_id, id);
CREATE INDEX disclosure_audit_report ON disclosure_audit (report_id, id);
CREATE TRIGGER disclosure_audit_no_update BEFORE UPDATE ON disclosure_audit
BEGIN SELECT RAISE(ABORT, 'disclosure_audit is append-only'); END;
CREATE TRIGGER disclosure_audit_no_delete BEFORE DELETE ON disclosure_audit
BEGIN SELECT RAISE(ABORT, 'disclosure_audit is append-only'); END;

CREATE TABLE disclosure_vendors (
  id         TEXT NOT NULL PRIMARY KEY,
  name       TEXT NOT NULL,
  contacts   TEXT NOT NULL,
  products   TEXT NOT NULL,
  created_at TEXT NOT NULL
);

CREATE TABLE disclosure_webhooks (
  id         TEXT NOT NULL PRIMARY KEY,
  url        TEXT NOT NULL,
  secret     TEXT NOT NULL,
  vendor_id  TEXT,
  created_at TEXT NOT NULL
);

CREATE TABLE disclosure_outbox (
  id              INTEGER PRIMARY KEY AUTOINCREMENT,
  key             TEXT    NOT NULL UNIQUE,
  channel         TEXT    NOT NULL CHECK (channel IN ('mail', 'webhook')),
  payload         TEXT    NOT NULL,
  status          TEXT    NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'dead')),
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at TEXT    NOT NULL,
  lease_until     TEXT,
  last_error      TEXT,
  created_at      TEXT    NOT NULL,
  done_at         TEXT
);
CREATE INDEX disclosure_outbox_due ON disclosure_outbox (status, next_attempt_at);

CREATE TABLE disclosure_delivery_log (
  id        INTEGER PRIMARY KEY AUTOINCREMENT,
  outbox_id INTEGER NOT NULL REFERENCES disclosure_outbox (id),
  attempt   INTEGER NOT NULL,
  at        TEXT    NOT NULL,
  ok        INTEGER NOT NULL,
  detail    TEXT    NOT NULL
);
CREATE INDEX disclosure_delivery_log_item ON disclosure_delivery_log (outbox_id, id);

CREATE TABLE disclosure_jobs (
  key        TEXT NOT NULL PRIMARY KEY,
  owner      TEXT NOT NULL,
  claimed_at TEXT NOT NULL
);
