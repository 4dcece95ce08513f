-- Failed sign-ins and API key checks (issue 5 §1, §3), shared by every app process on the
-- store: one counter per key (a SHA-256 of "kind:org/user" or "kind:address") in a fixed
-- window that starts with its first failure. A window older than the limit's period counts
-- as 0 and restarts on the next failure; `purgeFailures` deletes such rows.
CREATE TABLE cna_failures (
  key          text COLLATE "C" NOT NULL PRIMARY KEY,
  count        integer          NOT NULL,
  window_start text COLLATE "C" NOT NULL
);
CREATE INDEX cna_failures_window ON cna_failures (window_start);
