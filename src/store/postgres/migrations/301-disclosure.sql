-- Coordinated disclosure (issue 6): reports, cases as event log plus snapshot,
-- capabilities, files, messages, an append-only audit log, the product directory,
-- the outbound queue with its delivery log, and scheduler job claims.
-- PostgreSQL twin of the SQLite migration. Report and case contents are opaque texts (JSON, or AES-256-GCM ciphertext);
-- times are ISO 8601 UTC with milliseconds and Z.

CREATE TABLE disclosure_reports (
  id          text NOT NULL PRIMARY KEY,
  received_at text NOT NULL,
  case_id     text,
  status      text NOT NULL CHECK (status IN ('open', 'closed')),
  body        text NOT NULL
);
CREATE INDEX disclosure_reports_case ON disclosure_reports (case_id);

CREATE TABLE disclosure_cases (
  id         text    NOT NULL PRIMARY KEY,
  revision   integer NOT NULL,
  created_at text    NOT NULL,
  updated_at text    NOT NULL,
  open       boolean NOT NULL,
  snapshot   text    NOT NULL
);

CREATE TABLE disclosure_case_events (
  case_id text    NOT NULL REFERENCES disclosure_cases (id),
  seq     integer NOT NULL,
  at      text    NOT NULL,
  actor   text    NOT NULL,
  type    text    NOT NULL,
  data    text    NOT NULL,
  PRIMARY KEY (case_id, seq)
);

CREATE TABLE disclosure_tokens (
  hash           text    NOT NULL PRIMARY KEY,
  kind           text    NOT NULL CHECK (kind IN ('finder', 'participant')),
  report_id      text,
  case_id        text,
  participant_id text,
  created_at     text    NOT NULL,
  expires_at     text    NOT NULL,
  revoked        boolean NOT NULL DEFAULT false
);
CREATE INDEX disclosure_tokens_case ON disclosure_tokens (case_id);
CREATE INDEX disclosure_tokens_report ON disclosure_tokens (report_id);

CREATE TABLE disclosure_files (
  id          text    NOT NULL PRIMARY KEY,
  report_id   text,
  case_id     text,
  name        text    NOT NULL,
  media_type  text    NOT NULL,
  size        integer NOT NULL,
  sha256      text    NOT NULL,
  uploaded_by text    NOT NULL,
  created_at  text    NOT NULL,
  bytes       bytea    NOT NULL
);
CREATE INDEX disclosure_files_report ON disclosure_files (report_id);
CREATE INDEX disclosure_files_case ON disclosure_files (case_id);

CREATE TABLE disclosure_messages (
  id         text NOT NULL PRIMARY KEY,
  case_id    text,
  report_id  text,
  parent_id  text,
  author     text NOT NULL,
  visibility text NOT NULL CHECK (visibility IN ('participants', 'internal')),
  body       text NOT NULL,
  created_at text NOT NULL
);
CREATE INDEX disclosure_messages_case ON disclosure_messages (case_id, created_at);
CREATE INDEX disclosure_messages_report ON disclosure_messages (report_id, created_at);

CREATE TABLE disclosure_audit (
  id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at        text NOT NULL,
  actor     text NOT NULL,
  action    text NOT NULL,
  case_id   text,
  report_id text,
  detail    text
);
CREATE INDEX disclosure_audit_case ON disclosure_audit (case_id, id);
CREATE INDEX disclosure_audit_report ON disclosure_audit (report_id, id);
CREATE FUNCTION disclosure_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'disclosure_audit is append-only'; END $$;
CREATE TRIGGER disclosure_audit_no_change BEFORE UPDATE OR DELETE ON disclosure_audit
FOR EACH ROW EXECUTE FUNCTION disclosure_audit_append_only();
CREATE TRIGGER disclosure_audit_no_truncate BEFORE TRUNCATE ON disclosure_audit
FOR EACH STATEMENT EXECUTE FUNCTION disclosure_audit_append_only();

CREATE TABLE disclosure_vendors (
  id         text NOT NULL PRIMARY KEY,
  name       text NOT NULL,
  contacts   text NOT NULL,
  products   text NOT NULL,
  created_at text NOT NULL
);

CREATE TABLE disclosure_webhooks (
  id         text NOT NULL PRIMARY KEY,
  url        text NOT NULL,
  secret     text NOT NULL,
  vendor_id  text,
  created_at text NOT NULL
);

CREATE TABLE disclosure_outbox (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  key             text    NOT NULL UNIQUE,
  channel         text    NOT NULL CHECK (channel IN ('mail', 'webhook')),
  payload         text    NOT NULL,
  status          text    NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'dead')),
  attempts        integer NOT NULL DEFAULT 0,
  next_attempt_at text    NOT NULL,
  lease_until     text,
  last_error      text,
  created_at      text    NOT NULL,
  done_at         text
);
CREATE INDEX disclosure_outbox_due ON disclosure_outbox (status, next_attempt_at);

CREATE TABLE disclosure_delivery_log (
  id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  outbox_id bigint NOT NULL REFERENCES disclosure_outbox (id),
  attempt   integer NOT NULL,
  at        text    NOT NULL,
  ok        boolean NOT NULL,
  detail    text    NOT NULL
);
CREATE INDEX disclosure_delivery_log_item ON disclosure_delivery_log (outbox_id, id);

CREATE TABLE disclosure_jobs (
  key        text NOT NULL PRIMARY KEY,
  owner      text NOT NULL,
  claimed_at text NOT NULL
);
