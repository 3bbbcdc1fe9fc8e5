-- Bearer tokens of the HTTP API. Only a blake3 digest of each token is kept.
CREATE TABLE api_tokens
(
    token_digest text NOT NULL PRIMARY KEY,
    participant  text NOT NULL,
    roles        text NOT NULL,
    label        text NOT NULL,
    created_at   text NOT NULL,
    revoked_at   text
);
