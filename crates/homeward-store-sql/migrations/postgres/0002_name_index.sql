-- The name search index becomes two-level (see ARCHITECTURE.md, "Name search index"):
-- per person only the normalised parts of its name; the keys and key trigrams are kept
-- once per distinct part (the vocabulary). The flat per-person term list it replaces held
-- ~21 rows per person. Persons imported before this migration are not in the new index
-- (it needs the names engine to rebuild): re-import their lists into a new database.
DROP TABLE name_terms;
CREATE TABLE name_tokens (
    token TEXT NOT NULL,
    person_id TEXT NOT NULL REFERENCES persons(id),
    PRIMARY KEY (token, person_id)
);
CREATE TABLE name_vocab_keys (
    key TEXT NOT NULL,
    token TEXT NOT NULL,
    PRIMARY KEY (key, token)
);
CREATE TABLE name_vocab_grams (
    gram TEXT NOT NULL,
    token TEXT NOT NULL,
    PRIMARY KEY (gram, token)
);
