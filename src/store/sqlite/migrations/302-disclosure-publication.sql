-- Coordinated disclosure (issue 6 §5): documents kept with a case (CVE record drafts per
-- vulnerability, the vendor advisory, the publication plan), opaque like every other case
-- text; and published advisories, public by design: a row exists only once the embargo
-- is over and the team published it.

CREATE TABLE disclosure_documents (
  case_id    TEXT    NOT NULL REFERENCES disclosure_cases (id),
  kind       TEXT    NOT NULL CHECK (kind IN ('cve-draft', 'advisory', 'publication')),
  doc_key    TEXT    NOT NULL,
  revision   INTEGER NOT NULL,
  updated_at TEXT    NOT NULL,
  body       TEXT    NOT NULL,
  PRIMARY KEY (case_id, kind, doc_key)
);

CREATE TABLE disclosure_public_advisories (
  id              TEXT NOT NULL PRIMARY KEY,
  case_id         TEXT NOT NULL,
  version         TEXT NOT NULL,
  title           TEXT NOT NULL,
  cve_ids         TEXT NOT NULL,
  initial_release TEXT NOT NULL,
  current_release TEXT NOT NULL,
  csaf            TEXT NOT NULL
);
CREATE INDEX disclosure_public_advisories_release ON disclosure_public_advisories (current_release, id);
