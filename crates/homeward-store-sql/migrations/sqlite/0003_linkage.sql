-- Linkage on the registry: the review queue, recorded decisions (merge, split, reject) with
-- what is needed to undo them exactly, and administrator settings.
-- Booleans are INTEGER 0/1 here: sqlx's Any driver cannot decode SQLite's BOOLEAN affinity.
CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL
);
CREATE TABLE link_decisions (
    id TEXT PRIMARY KEY,
    seq BIGINT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    actor TEXT NOT NULL,
    at TEXT NOT NULL,
    reason TEXT NOT NULL,
    review_id TEXT,
    person_id TEXT NOT NULL,
    other_person_id TEXT NOT NULL,
    left_record TEXT,
    right_record TEXT,
    probability REAL,
    details TEXT NOT NULL,
    undone_at TEXT,
    undone_by TEXT,
    undo_reason TEXT
);
CREATE INDEX link_decisions_person ON link_decisions(person_id);
CREATE INDEX link_decisions_other ON link_decisions(other_person_id);
CREATE TABLE link_reviews (
    id TEXT PRIMARY KEY,
    left_record TEXT NOT NULL REFERENCES records(id),
    right_record TEXT NOT NULL REFERENCES records(id),
    probability REAL NOT NULL,
    weight REAL NOT NULL,
    evidence TEXT NOT NULL,
    state TEXT NOT NULL,
    created_at TEXT NOT NULL,
    decision_id TEXT
);
CREATE INDEX link_reviews_state ON link_reviews(state);
CREATE INDEX link_reviews_left ON link_reviews(left_record);
CREATE INDEX link_reviews_right ON link_reviews(right_record);
-- Merges, splits and their undo read and move a person's name parts in the search index.
CREATE INDEX name_tokens_person ON name_tokens(person_id);
