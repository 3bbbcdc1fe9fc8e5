-- The Merkle tree over the log (RFC 9162, SHA-256), integrated after commit by the sequencer:
-- every complete perfect subtree's hash, so proofs need O(log n) lookups and appends O(log n)
-- writes. merkle_state is the tree's size and right edge.
CREATE TABLE merkle_nodes
(
    level integer NOT NULL CHECK (level >= 0),
    idx   bigint  NOT NULL CHECK (idx >= 0),
    hash  bytea   NOT NULL CHECK (length(hash) = 32),
    PRIMARY KEY (level, idx)
);

CREATE TABLE merkle_state
(
    id         integer PRIMARY KEY CHECK (id = 1),
    size       bigint  NOT NULL CHECK (size >= 0),
    right_edge text    NOT NULL
);
INSERT INTO merkle_state (id, size, right_edge) VALUES (1, 0, '[]');

-- Signed checkpoints (C2SP signed notes), one per tree size.
CREATE TABLE checkpoints
(
    size      bigint PRIMARY KEY CHECK (size >= 0),
    root      bytea  NOT NULL CHECK (length(root) = 32),
    note      text   NOT NULL,
    signed_at text   NOT NULL
);
