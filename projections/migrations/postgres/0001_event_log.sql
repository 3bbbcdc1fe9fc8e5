-- The event log: one row per event, chained per stream (prev_hash -> hash) and ordered globally
-- by a gapless log_index assigned in commit order. Column names follow postgres-es where they overlap.
CREATE TABLE events
(
    aggregate_type text   NOT NULL,
    aggregate_id   text   NOT NULL,
    sequence       bigint NOT NULL CHECK (sequence >= 1),
    event_type     text   NOT NULL,
    event_version  text   NOT NULL,
    -- jsonb may reorder keys: hashes are computed over our canonical encoding, never over this text
    payload        jsonb  NOT NULL,
    metadata       jsonb  NOT NULL,
    -- the exact fixed RFC 3339 microsecond string that was hashed (timestamptz would round)
    recorded_at    text   NOT NULL,
    actor          text   NOT NULL,
    prev_hash      bytea  NOT NULL CHECK (length(prev_hash) = 32),
    hash           bytea  NOT NULL CHECK (length(hash) = 32),
    log_index      bigint NOT NULL UNIQUE CHECK (log_index >= 1),
    PRIMARY KEY (aggregate_type, aggregate_id, sequence)
);

-- The next log index to hand out. Its row lock is taken inside the appending transaction and held
-- until commit, so indexes are gapless and a reader can never see index n+1 before index n.
CREATE TABLE log_head
(
    id         integer PRIMARY KEY CHECK (id = 1),
    next_index bigint  NOT NULL CHECK (next_index >= 1)
);
INSERT INTO log_head (id, next_index) VALUES (1, 1);
