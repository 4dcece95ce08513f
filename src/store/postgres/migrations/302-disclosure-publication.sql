-- PostgreSQL twin of the SQLite migration.
-- Coordinated disclosure (issue 6 §5): documents kept with a case (CVE record drafts per
-- vulnerability, the vendor advisory, the publication plan), opaque like every other case
-- text; and published advisories, public by design: a row exists only once the embargo
-- is over and the team published it.

CREATE TABLE disclosure_documents (
  case_id    text    NOT NULL REFERENCES disclosure_cases (id),
  kind       text    NOT NULL CHECK (kind IN ('cve-draft', 'advisory', 'publication')),
  doc_key    text    NOT NULL,
  revision   integer NOT NULL,
  updated_at text    NOT NULL,
  body       text    NOT NULL,
  PRIMARY KEY (case_id, kind, doc_key)
);

CREATE TABLE disclosure_public_advisories (
  id              text NOT NULL PRIMARY KEY,
  case_id         text NOT NULL,
  version         text NOT NULL,
  title           text NOT NULL,
  cve_ids         text NOT NULL,
  initial_release text NOT NULL,
  current_release text NOT NULL,
  csaf            text NOT NULL
);
CREATE INDEX disclosure_public_advisories_release ON disclosure_public_advisories (current_release, id);
