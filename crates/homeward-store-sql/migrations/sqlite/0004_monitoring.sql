-- Monitoring and family tracing (issue 6).
-- Booleans are INTEGER 0/1 here (the Any driver cannot decode SQLite's BOOLEAN), BOOLEAN on PostgreSQL.
-- Sensitive values (enquirer contact, health and conditions findings) stay in columns of
-- their own so that they can be encrypted column by column.

-- A death claim is shown to families and counted in public figures only once confirmed.
CREATE TABLE event_confirmations (
    event_id TEXT PRIMARY KEY REFERENCES events(id),
    confirmed_by TEXT NOT NULL,
    confirmed_at TEXT NOT NULL
);

-- Conditions of detention apart from health; consent per use of what the detainee said.
ALTER TABLE visit_findings ADD COLUMN conditions TEXT;
ALTER TABLE visit_findings ADD COLUMN consent_representations INTEGER NOT NULL DEFAULT 0;
ALTER TABLE visit_findings ADD COLUMN consent_reports INTEGER NOT NULL DEFAULT 0;

-- The editable list of items visitors deliver.
CREATE TABLE visit_items (
    name TEXT PRIMARY KEY
);
INSERT INTO visit_items (name) VALUES
    ('clothing'), ('hygiene kit'), ('blanket'), ('books'), ('shoes'), ('warm jacket'),
    ('medicine'), ('letters and photographs');

-- Enquiry intake and outcome.
ALTER TABLE enquiries ADD COLUMN enquirer_name TEXT;
ALTER TABLE enquiries ADD COLUMN consent_to_share INTEGER NOT NULL DEFAULT 0;
ALTER TABLE enquiries ADD COLUMN sought_fields TEXT NOT NULL DEFAULT '[]';
ALTER TABLE enquiries ADD COLUMN answer TEXT;
ALTER TABLE enquiries ADD COLUMN decided_by TEXT;
ALTER TABLE enquiries ADD COLUMN decided_at TEXT;
ALTER TABLE enquiries ADD COLUMN close_reason TEXT;

-- PFIF notes (and any other dated statement about a person by a source).
CREATE TABLE notes (
    id TEXT PRIMARY KEY,
    person_id TEXT NOT NULL REFERENCES persons(id),
    source_id TEXT NOT NULL REFERENCES sources(id),
    note_record_id TEXT NOT NULL,
    person_record_id TEXT NOT NULL,
    entry_date TEXT NOT NULL,
    source_date TEXT NOT NULL,
    author_name TEXT NOT NULL,
    status TEXT,
    last_known_location TEXT,
    text TEXT NOT NULL,
    UNIQUE (source_id, note_record_id)
);
CREATE INDEX notes_person ON notes(person_id);
CREATE INDEX records_record_id ON records(record_id);
