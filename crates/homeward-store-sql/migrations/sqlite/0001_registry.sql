-- Registry foundation: sources, imports, persons, records, search terms, monitoring, users.
-- Booleans are INTEGER 0/1 here: sqlx's Any driver cannot decode SQLite's BOOLEAN affinity.
CREATE TABLE sources (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    description TEXT
);
CREATE TABLE imports (
    id TEXT PRIMARY KEY,
    source_id TEXT NOT NULL REFERENCES sources(id),
    file_sha256 TEXT NOT NULL,
    file_name TEXT NOT NULL,
    records BIGINT NOT NULL,
    imported_at TEXT NOT NULL,
    UNIQUE (source_id, file_sha256)
);
CREATE TABLE persons (
    id TEXT PRIMARY KEY,
    display_name TEXT NOT NULL,
    reviewed INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE records (
    id TEXT PRIMARY KEY,
    source_id TEXT NOT NULL REFERENCES sources(id),
    person_id TEXT NOT NULL REFERENCES persons(id),
    import_id TEXT NOT NULL REFERENCES imports(id),
    row_number BIGINT NOT NULL,
    record_id TEXT,
    given_name TEXT,
    family_name TEXT,
    patronymic TEXT,
    full_name TEXT,
    sex TEXT,
    birth_date TEXT,
    birth_place TEXT,
    residence TEXT,
    id_number TEXT,
    category TEXT,
    capture_date TEXT,
    capture_place TEXT,
    capture_context TEXT,
    status TEXT,
    legal_status TEXT,
    detaining_authority TEXT,
    detention_place TEXT,
    last_seen_date TEXT,
    last_contact_date TEXT,
    notes TEXT,
    original TEXT NOT NULL
);
CREATE INDEX records_person ON records(person_id);
CREATE TABLE name_terms (
    term TEXT NOT NULL,
    person_id TEXT NOT NULL REFERENCES persons(id),
    PRIMARY KEY (term, person_id)
);
CREATE TABLE places (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    authority TEXT,
    region TEXT
);
CREATE TABLE events (
    id TEXT PRIMARY KEY,
    person_id TEXT NOT NULL REFERENCES persons(id),
    kind TEXT NOT NULL,
    date TEXT NOT NULL,
    source_id TEXT NOT NULL REFERENCES sources(id),
    place_id TEXT REFERENCES places(id),
    contests TEXT REFERENCES events(id)
);
CREATE INDEX events_person ON events(person_id);
CREATE TABLE visits (
    id TEXT PRIMARY KEY,
    place_id TEXT NOT NULL REFERENCES places(id),
    date TEXT NOT NULL,
    organisation TEXT NOT NULL,
    access_all INTEGER NOT NULL,
    private_interviews INTEGER NOT NULL,
    repeat_allowed INTEGER NOT NULL,
    list_provided INTEGER NOT NULL
);
CREATE TABLE visit_findings (
    visit_id TEXT NOT NULL REFERENCES visits(id),
    position BIGINT NOT NULL,
    person_id TEXT REFERENCES persons(id),
    health TEXT,
    items TEXT NOT NULL,
    messages_collected BIGINT NOT NULL,
    messages_delivered BIGINT NOT NULL,
    family_call INTEGER NOT NULL,
    consent_share_with_family INTEGER NOT NULL,
    PRIMARY KEY (visit_id, position)
);
CREATE TABLE enquiries (
    id TEXT PRIMARY KEY,
    received TEXT NOT NULL,
    sought_name TEXT NOT NULL,
    sought_birth_date TEXT,
    relation TEXT,
    contact TEXT,
    state TEXT NOT NULL,
    person_id TEXT REFERENCES persons(id),
    secret_hash TEXT NOT NULL
);
CREATE TABLE users (
    id TEXT PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL,
    password_hash TEXT NOT NULL
);
