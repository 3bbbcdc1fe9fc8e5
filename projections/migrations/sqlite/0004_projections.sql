-- Durable read models ("projections"). Each projection folds the log in log order into documents
-- (key → canonical JSON text). A projection has generations: the active one answers queries;
-- `palimpsest rebuild` builds a new one beside it from log index 0 and then makes it active in
-- one transaction. A generation's position (the last log index folded into its documents) is
-- updated in the same transaction as its documents, so a crash can never leave documents and
-- position apart.
CREATE TABLE projections
(
    name              text    PRIMARY KEY,
    active_generation integer NOT NULL CHECK (active_generation >= 1),
    -- Set when the projection stopped on an event it could not fold (never skipped).
    failed_at_index   integer,
    failure           text
) STRICT;

CREATE TABLE projection_generations
(
    name       text    NOT NULL,
    generation integer NOT NULL CHECK (generation >= 1),
    position   integer NOT NULL CHECK (position >= 0),
    updated_at text    NOT NULL,
    PRIMARY KEY (name, generation)
) STRICT;

CREATE TABLE projection_docs
(
    name       text    NOT NULL,
    generation integer NOT NULL,
    key        text    NOT NULL,
    body       text    NOT NULL,
    PRIMARY KEY (name, generation, key)
) STRICT, WITHOUT ROWID;
