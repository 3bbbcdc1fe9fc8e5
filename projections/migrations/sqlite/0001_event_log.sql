-- The event log: one row per event, chained per stream (prev_hash -> hash) and ordered globally
-- by a gapless log_index assigned in commit order. Column names follow sqlite-es where they overlap.
CREATE TABLE events
(
    aggregate_type text    NOT NULL,
    aggregate_id   text    NOT NULL,
    sequence       integer NOT NULL CHECK (sequence >= 1),
    event_type     text    NOT NULL,
    event_version  text    NOT NULL,
    payload        text    NOT NULL,
    metadata       text    NOT NULL,
    -- the exact fixed RFC 3339 microsecond string that was hashed
    recorded_at    text    NOT NULL,
    actor          text    NOT NULL,
    prev_hash      blob    NOT NULL CHECK (length(prev_hash) = 32),
    hash           blob    NOT NULL CHECK (length(hash) = 32),
    log_index      integer NOT NULL UNIQUE CHECK (log_index >= 1),
    PRIMARY KEY (aggregate_type, aggregate_id, sequence)
) STRICT;

-- The next log index to hand out. Taken inside the appending transaction, so indexes are gapless
-- and follow commit order.
CREATE TABLE log_head
(
    id         integer PRIMARY KEY CHECK (id = 1),
    next_index integer NOT NULL CHECK (next_index >= 1)
) STRICT;
INSERT INTO log_head (id, next_index) VALUES (1, 1);
