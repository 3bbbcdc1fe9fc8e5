-- Idempotency keys of write requests (the `Idempotency-Key` header), scoped to the bearer token
-- that sent them. A row is written in the same transaction as the command's events, so a
-- retried request finds it exactly when the first one committed.
CREATE TABLE idempotency_keys
(
    scope        text    NOT NULL, -- blake3 digest of the bearer token
    key          text    NOT NULL,
    fingerprint  text    NOT NULL, -- blake3 of method, path and body
    response_id  text    NOT NULL, -- the id answered (the command's stream)
    log_index    bigint  NOT NULL, -- the log index answered (the command's last event)
    created_at   text    NOT NULL,
    PRIMARY KEY (scope, key)
);
