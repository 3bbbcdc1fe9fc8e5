//! The Merkle tree over the global log, in the RFC 9162 (RFC 6962) shape, with SHA-256.
//!
//! - leaf  = SHA-256(0x00 ‖ event hash (32 raw bytes of the blake3 event hash))
//! - node  = SHA-256(0x01 ‖ left ‖ right)
//! - empty = SHA-256("")
//! - MTH(D[n]) = H(0x01 ‖ MTH(D[0:k]) ‖ MTH(D[k:n])), k = largest power of two < n.
//!
//! Inclusion proofs (RFC 9162 §2.1.3) and consistency proofs (§2.1.4) are generated from leaf
//! hashes, from a subtree-hash oracle, or as a list of subtree ranges for a storage layer to fill,
//! and verified exactly per §2.1.3.2 and §2.1.4.2 (every proof hash is used; proofs that are too
//! long or too short are refused before any hashing). The layout is specified in
//! docs/integrity.md ("Global log and Merkle tree"); code and document change together.

use std::fmt;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// A SHA-256 tree hash (leaf, node or root). Shown and serialised in JSON as 64 lowercase hex.
pub type TreeHash = [u8; 32];

/// Domain-separation prefix of a leaf hash.
pub const LEAF_PREFIX: u8 = 0x00;
/// Domain-separation prefix of an interior node hash.
pub const NODE_PREFIX: u8 = 0x01;

/// The leaf hash of a log entry: SHA-256(0x00 ‖ event hash).
pub fn leaf_hash(event_hash: &[u8; 32]) -> TreeHash {
    leaf_hash_of_data(event_hash)
}

/// The RFC 9162 leaf hash of arbitrary leaf data: SHA-256(0x00 ‖ data). Palimpsest's leaves are
/// always 32-byte event hashes ([`leaf_hash`]); this form exists for the RFC test vectors.
pub fn leaf_hash_of_data(data: &[u8]) -> TreeHash {
    let mut h = Sha256::new();
    h.update([LEAF_PREFIX]);
    h.update(data);
    h.finalize().into()
}

/// An interior node hash: SHA-256(0x01 ‖ left ‖ right).
pub fn node_hash(left: &TreeHash, right: &TreeHash) -> TreeHash {
    let mut h = Sha256::new();
    h.update([NODE_PREFIX]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// The root of the empty tree: SHA-256("") = e3b0c442…b855.
pub fn empty_root() -> TreeHash {
    Sha256::digest([]).into()
}

/// The split point of a subtree of `n ≥ 2` leaves: the largest power of two strictly below `n`.
fn split(n: u64) -> u64 {
    debug_assert!(n >= 2);
    1u64 << (63 - (n - 1).leading_zeros())
}

/// The reference (recursive) Merkle tree hash of a list of leaf hashes, RFC 9162 §2.1.1.
pub fn root_of(leaves: &[TreeHash]) -> TreeHash {
    match leaves.len() {
        0 => empty_root(),
        1 => leaves[0],
        n => {
            let k = split(n as u64) as usize;
            node_hash(&root_of(&leaves[..k]), &root_of(&leaves[k..]))
        }
    }
}

/// Lowercase hex of a tree hash.
pub fn hash_to_hex(hash: &TreeHash) -> String {
    hex::encode(hash)
}

/// Parses exactly 64 lowercase hex digits.
pub fn hash_from_hex(text: &str) -> Result<TreeHash, InvalidTreeHash> {
    let lowercase_hex = text.len() == 64
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    let mut out = [0u8; 32];
    if !lowercase_hex || hex::decode_to_slice(text, &mut out).is_err() {
        return Err(InvalidTreeHash(text.to_owned()));
    }
    Ok(out)
}

/// Why a string is not a tree hash.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a tree hash is exactly 64 lowercase hex digits, got {0:?}")]
pub struct InvalidTreeHash(pub String);

/// Serde helper for one [`TreeHash`] as 64 lowercase hex digits:
/// `#[serde(with = "domain::integrity::merkle::hex_hash")]`.
pub mod hex_hash {
    use super::{hash_from_hex, hash_to_hex, TreeHash};
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(hash: &TreeHash, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hash_to_hex(hash))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<TreeHash, D::Error> {
        let text = String::deserialize(d)?;
        hash_from_hex(&text).map_err(serde::de::Error::custom)
    }
}

/// Serde helper for a proof (a list of [`TreeHash`]) as a JSON array of 64-hex-digit strings:
/// `#[serde(with = "domain::integrity::merkle::hex_hashes")]`.
pub mod hex_hashes {
    use super::{hash_from_hex, hash_to_hex, TreeHash};
    use serde::ser::SerializeSeq;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(hashes: &[TreeHash], s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(hashes.len()))?;
        for h in hashes {
            seq.serialize_element(&hash_to_hex(h))?;
        }
        seq.end()
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<TreeHash>, D::Error> {
        let texts = Vec::<String>::deserialize(d)?;
        texts
            .iter()
            .enumerate()
            .map(|(i, t)| {
                hash_from_hex(t).map_err(|e| serde::de::Error::custom(format!("hash [{i}]: {e}")))
            })
            .collect()
    }
}

// ---------------------------------------------------------------------------------------------
// Incremental tree state (compact range [0, size)).
// ---------------------------------------------------------------------------------------------

/// The incremental state of the log tree: its size and the roots of the perfect subtrees along
/// the right edge (one per set bit of `size`, largest — leftmost — first). Appending is
/// O(log n) hashes, the root is O(log n) hashes; nothing is ever recomputed from the leaves.
///
/// Serialised as `{"size": 7, "right_edge": ["<hex>", "<hex>", "<hex>"]}`; deserialising checks
/// that there are exactly `size.count_ones()` hashes.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "TreeStateRepr", into = "TreeStateRepr")]
pub struct TreeState {
    size: u64,
    right_edge: Vec<TreeHash>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct TreeStateRepr {
    size: u64,
    #[serde(with = "hex_hashes")]
    right_edge: Vec<TreeHash>,
}

impl TryFrom<TreeStateRepr> for TreeState {
    type Error = TreeStateError;
    fn try_from(r: TreeStateRepr) -> Result<Self, Self::Error> {
        TreeState::from_parts(r.size, r.right_edge)
    }
}

impl From<TreeState> for TreeStateRepr {
    fn from(t: TreeState) -> Self {
        TreeStateRepr {
            size: t.size,
            right_edge: t.right_edge,
        }
    }
}

/// Why stored parts do not form a [`TreeState`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TreeStateError {
    #[error(
        "a tree of size {size} has {expected} right-edge subtree roots (one per set bit of the \
         size), got {found}"
    )]
    WrongEdgeLength {
        size: u64,
        expected: usize,
        found: usize,
    },
    #[error("the tree is full: it cannot grow beyond 2^64 - 1 leaves")]
    Full,
}

/// Alias: the right-edge state is a compact range starting at leaf 0.
pub type CompactRange = TreeState;

impl Default for TreeState {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for TreeState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let edge: Vec<String> = self.right_edge.iter().map(hash_to_hex).collect();
        f.debug_struct("TreeState")
            .field("size", &self.size)
            .field("right_edge", &edge)
            .finish()
    }
}

impl TreeState {
    /// The empty tree.
    pub fn new() -> Self {
        TreeState {
            size: 0,
            right_edge: Vec::new(),
        }
    }

    /// Rebuilds a stored state. `right_edge` holds the roots of the perfect subtrees of sizes
    /// given by the set bits of `size`, largest first.
    pub fn from_parts(size: u64, right_edge: Vec<TreeHash>) -> Result<Self, TreeStateError> {
        let expected = size.count_ones() as usize;
        if right_edge.len() != expected {
            return Err(TreeStateError::WrongEdgeLength {
                size,
                expected,
                found: right_edge.len(),
            });
        }
        Ok(TreeState { size, right_edge })
    }

    /// Builds the state of a tree from all its leaf hashes.
    pub fn from_leaves(leaves: &[TreeHash]) -> Self {
        let mut t = TreeState::new();
        for leaf in leaves {
            // A slice cannot hold 2^64 - 1 elements of 32 bytes.
            t.append(*leaf).expect("a slice is far below 2^64 leaves");
        }
        t
    }

    /// The number of leaves.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The right-edge subtree roots, largest first (see [`TreeState::from_parts`]).
    pub fn right_edge(&self) -> &[TreeHash] {
        &self.right_edge
    }

    /// Splits into `(size, right_edge)` for storage.
    pub fn into_parts(self) -> (u64, Vec<TreeHash>) {
        (self.size, self.right_edge)
    }

    /// Appends one leaf hash (already [`leaf_hash`]ed) in O(log n).
    pub fn append(&mut self, leaf: TreeHash) -> Result<(), TreeStateError> {
        let new_size = self.size.checked_add(1).ok_or(TreeStateError::Full)?;
        let mut hash = leaf;
        let mut size = self.size;
        // Each trailing set bit of the old size is a perfect subtree of the same height as the
        // one being carried: merge them, like a binary increment.
        while size & 1 == 1 {
            let left = self
                .right_edge
                .pop()
                .expect("one right-edge root per set bit of the size");
            hash = node_hash(&left, &hash);
            size >>= 1;
        }
        self.right_edge.push(hash);
        self.size = new_size;
        Ok(())
    }

    /// The root hash of the tree (the empty root for size 0), in O(log n).
    pub fn root(&self) -> TreeHash {
        let mut iter = self.right_edge.iter().rev();
        match iter.next() {
            None => empty_root(),
            Some(last) => iter.fold(*last, |acc, left| node_hash(left, &acc)),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Proof errors.
// ---------------------------------------------------------------------------------------------

/// Why a proof cannot be generated or does not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProofError {
    #[error("leaf index {index} is not in a tree of size {size} (indexes are 0 to size - 1)")]
    IndexOutOfRange { index: u64, size: u64 },
    #[error(
        "a proof for a tree of size {size} needs {size} leaves, but only {available} were given"
    )]
    NotEnoughLeaves { size: u64, available: u64 },
    #[error("inclusion proof has {found} hashes, expected {expected} for index {index} in a tree of {size}")]
    InclusionProofLength {
        index: u64,
        size: u64,
        expected: usize,
        found: usize,
    },
    #[error(
        "inclusion proof for index {index} in a tree of {size} ran past the root at hash {step}"
    )]
    InclusionProofTooLong { index: u64, size: u64, step: usize },
    #[error("inclusion proof for index {index} in a tree of {size} ends below the root")]
    InclusionProofTooShort { index: u64, size: u64 },
    #[error(
        "inclusion proof for index {index} in a tree of {size} leads to root {computed}, \
         expected {expected}"
    )]
    InclusionRootMismatch {
        index: u64,
        size: u64,
        computed: String,
        expected: String,
    },
    #[error(
        "consistency from size {old_size} to the smaller size {new_size}: a log never shrinks"
    )]
    ConsistencyShrinks { old_size: u64, new_size: u64 },
    #[error(
        "consistency proof from size {old_size} to {new_size} has {found} hashes, expected \
         {expected}"
    )]
    ConsistencyProofLength {
        old_size: u64,
        new_size: u64,
        expected: usize,
        found: usize,
    },
    #[error("trees of equal size {size} must have equal roots, got {old_root} and {new_root}")]
    EqualSizeRootsDiffer {
        size: u64,
        old_root: String,
        new_root: String,
    },
    #[error("the empty tree's root is {expected}, the old checkpoint claims {found}")]
    EmptyRootMismatch { expected: String, found: String },
    #[error(
        "consistency proof from size {old_size} to {new_size} ran past the root at hash {step}"
    )]
    ConsistencyProofTooLong {
        old_size: u64,
        new_size: u64,
        step: usize,
    },
    #[error("consistency proof from size {old_size} to {new_size} ends below the root")]
    ConsistencyProofTooShort { old_size: u64, new_size: u64 },
    #[error(
        "consistency proof from size {old_size} to {new_size} rebuilds old root {computed}, \
         expected {expected}"
    )]
    ConsistencyOldRootMismatch {
        old_size: u64,
        new_size: u64,
        computed: String,
        expected: String,
    },
    #[error(
        "consistency proof from size {old_size} to {new_size} rebuilds new root {computed}, \
         expected {expected}"
    )]
    ConsistencyNewRootMismatch {
        old_size: u64,
        new_size: u64,
        computed: String,
        expected: String,
    },
}

// ---------------------------------------------------------------------------------------------
// Proof generation.
// ---------------------------------------------------------------------------------------------

/// A half-open leaf range `[start, end)` whose subtree hash is one element of a proof. Each
/// range is either a perfect subtree (`end - start` a power of two and `start` a multiple of
/// it) or the right edge of the tree (`end` = the tree size); its hash is
/// `root_of(&leaves[start..end])`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SubtreeRange {
    pub start: u64,
    pub end: u64,
}

/// The subtree ranges whose hashes form the inclusion proof of leaf `index` in the tree of
/// `size` leaves, in proof order (RFC 9162 §2.1.3.1 PATH: bottom-up). A storage layer fetches
/// or computes these hashes, possibly asynchronously.
pub fn inclusion_proof_ranges(index: u64, size: u64) -> Result<Vec<SubtreeRange>, ProofError> {
    if index >= size {
        return Err(ProofError::IndexOutOfRange { index, size });
    }
    let mut out = Vec::new();
    path(index, 0, size, &mut out);
    Ok(out)
}

/// PATH(m, D[start:end]) with m relative to `start`, appended in proof order.
fn path(m: u64, start: u64, end: u64, out: &mut Vec<SubtreeRange>) {
    let n = end - start;
    if n <= 1 {
        return;
    }
    let k = split(n);
    if m < k {
        path(m, start, start + k, out);
        out.push(SubtreeRange {
            start: start + k,
            end,
        });
    } else {
        path(m - k, start + k, end, out);
        out.push(SubtreeRange {
            start,
            end: start + k,
        });
    }
}

/// The subtree ranges whose hashes form the consistency proof from `old_size` to `new_size`
/// (RFC 9162 §2.1.4.1 PROOF/SUBPROOF). Empty when `old_size` is 0 or equal to `new_size`.
pub fn consistency_proof_ranges(
    old_size: u64,
    new_size: u64,
) -> Result<Vec<SubtreeRange>, ProofError> {
    if old_size > new_size {
        return Err(ProofError::ConsistencyShrinks { old_size, new_size });
    }
    let mut out = Vec::new();
    if old_size > 0 && old_size < new_size {
        subproof(old_size, 0, new_size, true, &mut out);
    }
    Ok(out)
}

/// SUBPROOF(m, D[start:end], b), appended in proof order.
fn subproof(m: u64, start: u64, end: u64, b: bool, out: &mut Vec<SubtreeRange>) {
    let n = end - start;
    if m == n {
        if !b {
            out.push(SubtreeRange { start, end });
        }
        return;
    }
    let k = split(n);
    if m <= k {
        subproof(m, start, start + k, b, out);
        out.push(SubtreeRange {
            start: start + k,
            end,
        });
    } else {
        subproof(m - k, start + k, end, false, out);
        out.push(SubtreeRange {
            start,
            end: start + k,
        });
    }
}

/// Inclusion proof of leaf `index` in the tree of the first `size` leaves, using a subtree-hash
/// oracle `subtree(start, end)` = MTH(D[start:end]) (see [`SubtreeRange`] for which ranges).
pub fn inclusion_proof_with(
    index: u64,
    size: u64,
    subtree: &dyn Fn(u64, u64) -> TreeHash,
) -> Result<Vec<TreeHash>, ProofError> {
    Ok(inclusion_proof_ranges(index, size)?
        .into_iter()
        .map(|r| subtree(r.start, r.end))
        .collect())
}

/// Consistency proof from `old_size` to `new_size` using a subtree-hash oracle.
pub fn consistency_proof_with(
    old_size: u64,
    new_size: u64,
    subtree: &dyn Fn(u64, u64) -> TreeHash,
) -> Result<Vec<TreeHash>, ProofError> {
    Ok(consistency_proof_ranges(old_size, new_size)?
        .into_iter()
        .map(|r| subtree(r.start, r.end))
        .collect())
}

fn check_leaves(leaves: &[TreeHash], size: u64) -> Result<(), ProofError> {
    let available = leaves.len() as u64;
    if size > available {
        return Err(ProofError::NotEnoughLeaves { size, available });
    }
    Ok(())
}

/// Inclusion proof of leaf `index` in the tree of the first `size` of `leaves` (leaf hashes).
pub fn inclusion_proof(
    leaves: &[TreeHash],
    index: u64,
    size: u64,
) -> Result<Vec<TreeHash>, ProofError> {
    if index >= size {
        return Err(ProofError::IndexOutOfRange { index, size });
    }
    check_leaves(leaves, size)?;
    inclusion_proof_with(index, size, &|s, e| {
        root_of(&leaves[s as usize..e as usize])
    })
}

/// Consistency proof between the trees of the first `old_size` and first `new_size` of
/// `leaves` (leaf hashes).
pub fn consistency_proof(
    leaves: &[TreeHash],
    old_size: u64,
    new_size: u64,
) -> Result<Vec<TreeHash>, ProofError> {
    if old_size > new_size {
        return Err(ProofError::ConsistencyShrinks { old_size, new_size });
    }
    check_leaves(leaves, new_size)?;
    consistency_proof_with(old_size, new_size, &|s, e| {
        root_of(&leaves[s as usize..e as usize])
    })
}

// ---------------------------------------------------------------------------------------------
// Proof verification.
// ---------------------------------------------------------------------------------------------

/// Bit length of `x` (0 for 0).
fn bit_len(x: u64) -> u32 {
    64 - x.leading_zeros()
}

/// The exact number of hashes in the inclusion proof of `index` (< `size`): the levels below
/// the point where the paths to `index` and to the last leaf diverge, plus one per left
/// sibling above it.
pub fn inclusion_proof_len(index: u64, size: u64) -> Result<usize, ProofError> {
    if index >= size {
        return Err(ProofError::IndexOutOfRange { index, size });
    }
    let inner = bit_len(index ^ (size - 1));
    let border = (index >> inner).count_ones();
    Ok((inner + border) as usize)
}

/// The exact number of hashes in the consistency proof from `old_size` to `new_size`.
pub fn consistency_proof_len(old_size: u64, new_size: u64) -> Result<usize, ProofError> {
    if old_size > new_size {
        return Err(ProofError::ConsistencyShrinks { old_size, new_size });
    }
    if old_size == 0 || old_size == new_size {
        return Ok(0);
    }
    let full = inclusion_proof_len(old_size - 1, new_size)?;
    let shift = old_size.trailing_zeros() as usize;
    // When old_size is a power of two the old root is itself a node of the new tree and is not
    // sent; otherwise the first hash is the seed subtree.
    let seed = usize::from(!old_size.is_power_of_two());
    Ok(full - shift + seed)
}

/// Verifies that `leaf` (a leaf hash) is at `index` in the tree of `size` leaves with `root`,
/// per RFC 9162 §2.1.3.2. The proof length is checked first, then every step is applied.
pub fn verify_inclusion(
    leaf: &TreeHash,
    index: u64,
    size: u64,
    proof: &[TreeHash],
    root: &TreeHash,
) -> Result<(), ProofError> {
    // Step 1: index >= size fails.
    let expected = inclusion_proof_len(index, size)?;
    if proof.len() != expected {
        return Err(ProofError::InclusionProofLength {
            index,
            size,
            expected,
            found: proof.len(),
        });
    }
    // Steps 2-3.
    let mut fnode = index;
    let mut snode = size - 1;
    let mut r = *leaf;
    // Step 4.
    for (step, p) in proof.iter().enumerate() {
        if snode == 0 {
            return Err(ProofError::InclusionProofTooLong { index, size, step });
        }
        if fnode & 1 == 1 || fnode == snode {
            r = node_hash(p, &r);
            if fnode & 1 == 0 {
                while fnode & 1 == 0 && fnode != 0 {
                    fnode >>= 1;
                    snode >>= 1;
                }
            }
        } else {
            r = node_hash(&r, p);
        }
        fnode >>= 1;
        snode >>= 1;
    }
    // Step 5.
    if snode != 0 {
        return Err(ProofError::InclusionProofTooShort { index, size });
    }
    if r != *root {
        return Err(ProofError::InclusionRootMismatch {
            index,
            size,
            computed: hash_to_hex(&r),
            expected: hash_to_hex(root),
        });
    }
    Ok(())
}

/// Verifies that the tree of `old_size` with `old_root` is a prefix of the tree of `new_size`
/// with `new_root`, per RFC 9162 §2.1.4.2, with these edge cases: `old_size > new_size` is
/// refused; `old_size == new_size` needs an empty proof and equal roots; `old_size == 0` needs
/// an empty proof and `old_root` = the empty root (any tree extends the empty tree).
pub fn verify_consistency(
    old_size: u64,
    new_size: u64,
    old_root: &TreeHash,
    new_root: &TreeHash,
    proof: &[TreeHash],
) -> Result<(), ProofError> {
    let expected = consistency_proof_len(old_size, new_size)?;
    if proof.len() != expected {
        return Err(ProofError::ConsistencyProofLength {
            old_size,
            new_size,
            expected,
            found: proof.len(),
        });
    }
    if old_size == new_size {
        if old_root != new_root {
            return Err(ProofError::EqualSizeRootsDiffer {
                size: old_size,
                old_root: hash_to_hex(old_root),
                new_root: hash_to_hex(new_root),
            });
        }
        return Ok(());
    }
    if old_size == 0 {
        let empty = empty_root();
        if *old_root != empty {
            return Err(ProofError::EmptyRootMismatch {
                expected: hash_to_hex(&empty),
                found: hash_to_hex(old_root),
            });
        }
        return Ok(());
    }

    // Step 1: an empty path fails (the length check above already guarantees it is not).
    // Step 2: if old_size is an exact power of two, prepend old_root to the path.
    let mut path: Vec<TreeHash> = Vec::with_capacity(proof.len() + 1);
    if old_size.is_power_of_two() {
        path.push(*old_root);
    }
    path.extend_from_slice(proof);
    let Some((first, rest)) = path.split_first() else {
        return Err(ProofError::ConsistencyProofTooShort { old_size, new_size });
    };
    // Step 3.
    let mut fnode = old_size - 1;
    let mut snode = new_size - 1;
    // Step 4.
    while fnode & 1 == 1 {
        fnode >>= 1;
        snode >>= 1;
    }
    // Step 5.
    let mut fr = *first;
    let mut sr = *first;
    // Step 6.
    for (i, c) in rest.iter().enumerate() {
        if snode == 0 {
            let step = i + usize::from(!old_size.is_power_of_two());
            return Err(ProofError::ConsistencyProofTooLong {
                old_size,
                new_size,
                step,
            });
        }
        if fnode & 1 == 1 || fnode == snode {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            if fnode & 1 == 0 {
                while fnode & 1 == 0 && fnode != 0 {
                    fnode >>= 1;
                    snode >>= 1;
                }
            }
        } else {
            sr = node_hash(&sr, c);
        }
        fnode >>= 1;
        snode >>= 1;
    }
    // Step 7.
    if snode != 0 {
        return Err(ProofError::ConsistencyProofTooShort { old_size, new_size });
    }
    if fr != *old_root {
        return Err(ProofError::ConsistencyOldRootMismatch {
            old_size,
            new_size,
            computed: hash_to_hex(&fr),
            expected: hash_to_hex(old_root),
        });
    }
    if sr != *new_root {
        return Err(ProofError::ConsistencyNewRootMismatch {
            old_size,
            new_size,
            computed: hash_to_hex(&sr),
            expected: hash_to_hex(new_root),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(text: &str) -> TreeHash {
        hash_from_hex(text).unwrap()
    }

    fn hs(texts: &[&str]) -> Vec<TreeHash> {
        texts.iter().map(|t| h(t)).collect()
    }

    /// The RFC 6962 test tree leaves (transparency-dev/merkle testdata), as leaf DATA.
    fn rfc_leaf_data() -> Vec<Vec<u8>> {
        [
            "",
            "00",
            "10",
            "2021",
            "3031",
            "40414243",
            "5051525354555657",
            "606162636465666768696a6b6c6d6e6f",
        ]
        .iter()
        .map(|x| hex::decode(x).unwrap())
        .collect()
    }

    fn rfc_leaves() -> Vec<TreeHash> {
        rfc_leaf_data()
            .iter()
            .map(|d| leaf_hash_of_data(d))
            .collect()
    }

    const RFC_ROOTS: [&str; 8] = [
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ];

    /// Distinct synthetic leaves for the exhaustive tests.
    fn synthetic_leaves(n: u64) -> Vec<TreeHash> {
        (0..n)
            .map(|i| {
                let mut event = [0u8; 32];
                event[..8].copy_from_slice(&i.to_be_bytes());
                event[31] = 0xa5;
                leaf_hash(&event)
            })
            .collect()
    }

    #[test]
    fn the_empty_root_is_sha256_of_the_empty_string() {
        assert_eq!(
            hash_to_hex(&empty_root()),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(root_of(&[]), empty_root());
        assert_eq!(TreeState::new().root(), empty_root());
    }

    #[test]
    fn leaf_and_node_hashes_are_domain_separated_sha256() {
        // SHA-256(0x00) is the leaf hash of the empty leaf.
        assert_eq!(
            hash_to_hex(&leaf_hash_of_data(b"")),
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
        );
        let event = [7u8; 32];
        assert_eq!(leaf_hash(&event), leaf_hash_of_data(&event));
        let mut pre = vec![0x01];
        pre.extend_from_slice(&[1u8; 32]);
        pre.extend_from_slice(&[2u8; 32]);
        let want: TreeHash = Sha256::digest(&pre).into();
        assert_eq!(node_hash(&[1u8; 32], &[2u8; 32]), want);
    }

    #[test]
    fn roots_of_the_rfc_6962_test_tree_match_the_published_vectors_for_sizes_1_to_8() {
        let leaves = rfc_leaves();
        for size in 1..=8usize {
            assert_eq!(
                hash_to_hex(&root_of(&leaves[..size])),
                RFC_ROOTS[size - 1],
                "size {size}"
            );
            assert_eq!(
                hash_to_hex(&TreeState::from_leaves(&leaves[..size]).root()),
                RFC_ROOTS[size - 1],
                "incremental, size {size}"
            );
        }
    }

    #[test]
    fn inclusion_proofs_of_the_rfc_6962_test_tree_match_the_published_vectors() {
        let leaves = rfc_leaves();
        // transparency-dev/merkle proof/verify_test.go (1-based leaf numbers there).
        let vectors: Vec<(u64, u64, Vec<TreeHash>)> = vec![
            (0, 1, vec![]),
            (
                0,
                8,
                hs(&[
                    "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                    "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
                ]),
            ),
            (
                5,
                8,
                hs(&[
                    "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                    "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
                ]),
            ),
            (
                2,
                3,
                hs(&["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
            ),
            (
                1,
                5,
                hs(&[
                    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
                    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                    "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                ]),
            ),
        ];
        for (index, size, want) in vectors {
            let proof = inclusion_proof(&leaves, index, size).unwrap();
            assert_eq!(proof, want, "index {index} size {size}");
            let root = h(RFC_ROOTS[size as usize - 1]);
            verify_inclusion(&leaves[index as usize], index, size, &want, &root).unwrap();
        }
    }

    #[test]
    fn consistency_proofs_of_the_rfc_6962_test_tree_match_the_published_vectors() {
        let leaves = rfc_leaves();
        // transparency-dev/merkle proof/verify_test.go, plus (3,7) and (4,7) computed by an
        // independent Python implementation of RFC 9162 §2.1.4.1.
        let vectors: Vec<(u64, u64, Vec<TreeHash>)> = vec![
            (1, 1, vec![]),
            (
                1,
                8,
                hs(&[
                    "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                    "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
                ]),
            ),
            (
                6,
                8,
                hs(&[
                    "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
                    "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
                ]),
            ),
            (
                2,
                5,
                hs(&[
                    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                    "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                ]),
            ),
            (
                6,
                7,
                hs(&[
                    "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
                    "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
                    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
                ]),
            ),
            (
                3,
                7,
                hs(&[
                    "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
                    "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
                    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
                    "837dbb152e9b079010717e84e865da4ebc0fa198a806d59d31bf15accef22d0e",
                ]),
            ),
            (
                4,
                7,
                hs(&["837dbb152e9b079010717e84e865da4ebc0fa198a806d59d31bf15accef22d0e"]),
            ),
        ];
        for (m, n, want) in vectors {
            let proof = consistency_proof(&leaves, m, n).unwrap();
            assert_eq!(proof, want, "{m} -> {n}");
            let (r1, r2) = (h(RFC_ROOTS[m as usize - 1]), h(RFC_ROOTS[n as usize - 1]));
            verify_consistency(m, n, &r1, &r2, &want).unwrap();
        }
    }

    #[test]
    fn the_tree_of_the_three_golden_events_has_the_documented_root_and_proofs() {
        // Event hashes of docs/integrity.md golden vectors 1-3, in log order.
        let events = [
            "16ce4f0684b14e2f691cbc67629bccf5d24b7d24959803cc8e881cc71a810c2c",
            "93ffc463d05ebf7e8c5d6e2980743566ec8680aecdd506358b257ad6f125e435",
            "1646529e30a0846ba4f3a91ee3118d8a953c2fba7e786828e68bcfc93f7bd539",
        ];
        let leaves: Vec<TreeHash> = events.iter().map(|e| leaf_hash(&h(e))).collect();
        assert_eq!(
            leaves,
            hs(&[
                "d39e823bcd7180deee92ac8b851bb3503808e63497cbac044e9db761adefedf9",
                "12edbcf28e4622883b19f373fdec3be636f8e0cd3e61450cf8534bb917e884cf",
                "3ce3a2a99d77a139dd68bb6124d7e51ec4d3b300f4eca4a2c53b36f9db7f55cb",
            ])
        );
        assert_eq!(
            hash_to_hex(&root_of(&leaves[..2])),
            "ccb08d4eb8ef4d5243b2051421f5357fdf73e44e4b5736e7930fa3bed4c3690e"
        );
        let root = root_of(&leaves);
        assert_eq!(
            hash_to_hex(&root),
            "ea02e2ef0f1445eba3d10d725ebad3f2caf0666cebd505220b3baf150ee173fa"
        );
        assert_eq!(
            inclusion_proof(&leaves, 1, 3).unwrap(),
            hs(&[
                "d39e823bcd7180deee92ac8b851bb3503808e63497cbac044e9db761adefedf9",
                "3ce3a2a99d77a139dd68bb6124d7e51ec4d3b300f4eca4a2c53b36f9db7f55cb",
            ])
        );
        assert_eq!(
            consistency_proof(&leaves, 2, 3).unwrap(),
            hs(&["3ce3a2a99d77a139dd68bb6124d7e51ec4d3b300f4eca4a2c53b36f9db7f55cb"])
        );
        assert_eq!(
            consistency_proof(&leaves, 1, 3).unwrap(),
            hs(&[
                "12edbcf28e4622883b19f373fdec3be636f8e0cd3e61450cf8534bb917e884cf",
                "3ce3a2a99d77a139dd68bb6124d7e51ec4d3b300f4eca4a2c53b36f9db7f55cb",
            ])
        );
    }

    #[test]
    fn every_inclusion_proof_verifies_for_every_index_of_every_size_up_to_64() {
        let leaves = synthetic_leaves(64);
        for size in 1..=64u64 {
            let root = root_of(&leaves[..size as usize]);
            for index in 0..size {
                let proof = inclusion_proof(&leaves, index, size).unwrap();
                assert_eq!(proof.len(), inclusion_proof_len(index, size).unwrap());
                verify_inclusion(&leaves[index as usize], index, size, &proof, &root)
                    .unwrap_or_else(|e| panic!("index {index} size {size}: {e}"));
            }
        }
    }

    #[test]
    fn every_consistency_proof_verifies_for_every_pair_of_sizes_up_to_64() {
        let leaves = synthetic_leaves(64);
        let roots: Vec<TreeHash> = (0..=64).map(|n| root_of(&leaves[..n])).collect();
        for n in 0..=64u64 {
            for m in 0..=n {
                let proof = consistency_proof(&leaves, m, n).unwrap();
                assert_eq!(proof.len(), consistency_proof_len(m, n).unwrap());
                verify_consistency(m, n, &roots[m as usize], &roots[n as usize], &proof)
                    .unwrap_or_else(|e| panic!("{m} -> {n}: {e}"));
            }
        }
    }

    #[test]
    fn the_incremental_tree_state_root_equals_the_reference_root_at_every_size() {
        let leaves = synthetic_leaves(200);
        let mut state = TreeState::new();
        assert_eq!(state.root(), root_of(&[]));
        for (i, leaf) in leaves.iter().enumerate() {
            state.append(*leaf).unwrap();
            assert_eq!(state.size(), i as u64 + 1);
            assert_eq!(state.right_edge().len(), state.size().count_ones() as usize);
            assert_eq!(state.root(), root_of(&leaves[..=i]), "size {}", i + 1);
        }
    }

    #[test]
    fn the_tree_state_round_trips_through_json_and_parts_and_refuses_a_wrong_edge() {
        let leaves = synthetic_leaves(11);
        let state = TreeState::from_leaves(&leaves);
        let json = serde_json::to_string(&state).unwrap();
        assert!(
            json.starts_with("{\"size\":11,\"right_edge\":[\""),
            "{json}"
        );
        let back: TreeState = serde_json::from_str(&json).unwrap();
        assert_eq!(back, state);
        let (size, edge) = state.clone().into_parts();
        let mut rebuilt = TreeState::from_parts(size, edge.clone()).unwrap();
        assert_eq!(rebuilt.root(), state.root());
        rebuilt.append(leaves[0]).unwrap();
        let mut more = leaves.clone();
        more.push(leaves[0]);
        assert_eq!(rebuilt.root(), root_of(&more));

        let err = TreeState::from_parts(11, edge[..2].to_vec()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "a tree of size 11 has 3 right-edge subtree roots (one per set bit of the size), got 2"
        );
        let bad = json.replace("\"size\":11", "\"size\":12");
        assert!(serde_json::from_str::<TreeState>(&bad).is_err());
    }

    #[test]
    fn the_subtree_oracle_and_range_variants_give_the_same_proofs_as_the_leaf_slices() {
        let leaves = synthetic_leaves(40);
        let oracle = |s: u64, e: u64| root_of(&leaves[s as usize..e as usize]);
        for n in 1..=40u64 {
            for m in 0..n {
                assert_eq!(
                    inclusion_proof_with(m, n, &oracle).unwrap(),
                    inclusion_proof(&leaves, m, n).unwrap()
                );
                for r in inclusion_proof_ranges(m, n).unwrap() {
                    let len = r.end - r.start;
                    assert!(
                        r.end == n || (len.is_power_of_two() && r.start % len == 0),
                        "{r:?}"
                    );
                }
            }
            for m in 0..=n {
                assert_eq!(
                    consistency_proof_with(m, n, &oracle).unwrap(),
                    consistency_proof(&leaves, m, n).unwrap()
                );
                for r in consistency_proof_ranges(m, n).unwrap() {
                    let len = r.end - r.start;
                    assert!(
                        r.end == n || (len.is_power_of_two() && r.start % len == 0),
                        "{r:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn proof_generation_refuses_bad_indexes_sizes_and_missing_leaves() {
        let leaves = synthetic_leaves(4);
        assert_eq!(
            inclusion_proof(&leaves, 4, 4).unwrap_err(),
            ProofError::IndexOutOfRange { index: 4, size: 4 }
        );
        assert_eq!(
            inclusion_proof(&leaves, 0, 0).unwrap_err(),
            ProofError::IndexOutOfRange { index: 0, size: 0 }
        );
        assert_eq!(
            inclusion_proof(&leaves, 1, 5).unwrap_err(),
            ProofError::NotEnoughLeaves {
                size: 5,
                available: 4
            }
        );
        assert_eq!(
            consistency_proof(&leaves, 3, 2).unwrap_err(),
            ProofError::ConsistencyShrinks {
                old_size: 3,
                new_size: 2
            }
        );
        assert!(consistency_proof(&leaves, 2, 5).is_err());
    }

    #[test]
    fn verification_edge_cases_follow_rfc_9162() {
        let leaves = synthetic_leaves(8);
        let root8 = root_of(&leaves);
        let root4 = root_of(&leaves[..4]);
        // index >= size is refused, also for the empty tree.
        assert_eq!(
            verify_inclusion(&leaves[0], 0, 0, &[], &empty_root()).unwrap_err(),
            ProofError::IndexOutOfRange { index: 0, size: 0 }
        );
        assert!(verify_inclusion(&leaves[0], 8, 8, &[], &root8).is_err());
        // A one-leaf tree: empty proof, root = leaf hash.
        verify_inclusion(&leaves[0], 0, 1, &[], &leaves[0]).unwrap();
        assert!(verify_inclusion(&leaves[0], 0, 1, &[leaves[1]], &leaves[0]).is_err());
        // Equal sizes: empty proof and equal roots.
        verify_consistency(8, 8, &root8, &root8, &[]).unwrap();
        verify_consistency(0, 0, &empty_root(), &empty_root(), &[]).unwrap();
        assert!(matches!(
            verify_consistency(8, 8, &root8, &root4, &[]),
            Err(ProofError::EqualSizeRootsDiffer { size: 8, .. })
        ));
        assert!(verify_consistency(8, 8, &root8, &root8, &[root8]).is_err());
        // From the empty tree: empty proof, and the old root must be the empty root.
        verify_consistency(0, 8, &empty_root(), &root8, &[]).unwrap();
        assert!(verify_consistency(0, 8, &root4, &root8, &[]).is_err());
        assert!(verify_consistency(0, 8, &empty_root(), &root8, &[root8]).is_err());
        // Shrinking is refused.
        assert!(verify_consistency(8, 4, &root8, &root4, &[]).is_err());
        // Empty proof for 0 < m < n is refused.
        assert!(verify_consistency(4, 8, &root4, &root8, &[]).is_err());
        // Messages say what failed and where.
        let proof = inclusion_proof(&leaves, 7, 8).unwrap();
        let mut long = proof.clone();
        long.push(root8);
        assert_eq!(
            verify_inclusion(&leaves[7], 7, 8, &long, &root8)
                .unwrap_err()
                .to_string(),
            "inclusion proof has 4 hashes, expected 3 for index 7 in a tree of 8"
        );
        let proof = consistency_proof(&leaves, 3, 8).unwrap();
        assert_eq!(
            verify_consistency(3, 8, &root_of(&leaves[..3]), &root8, &proof[1..])
                .unwrap_err()
                .to_string(),
            format!(
                "consistency proof from size 3 to 8 has {} hashes, expected {}",
                proof.len() - 1,
                proof.len()
            )
        );
    }

    fn flip(hash: &TreeHash, byte: usize, bit: u8) -> TreeHash {
        let mut out = *hash;
        out[byte] ^= 1 << bit;
        out
    }

    #[test]
    fn flipping_any_bit_of_an_inclusion_proof_its_leaf_or_root_or_moving_the_index_fails() {
        let leaves = synthetic_leaves(40);
        for (index, size) in [
            (0u64, 1u64),
            (0, 2),
            (5, 8),
            (6, 7),
            (7, 12),
            (12, 13),
            (21, 37),
        ] {
            let root = root_of(&leaves[..size as usize]);
            let leaf = leaves[index as usize];
            let proof = inclusion_proof(&leaves, index, size).unwrap();
            verify_inclusion(&leaf, index, size, &proof, &root).unwrap();
            for byte in 0..32 {
                for bit in 0..8 {
                    for i in 0..proof.len() {
                        let mut bad = proof.clone();
                        bad[i] = flip(&bad[i], byte, bit);
                        assert!(
                            verify_inclusion(&leaf, index, size, &bad, &root).is_err(),
                            "({index},{size}) proof[{i}] byte {byte} bit {bit}"
                        );
                    }
                    let bad_leaf = flip(&leaf, byte, bit);
                    assert!(verify_inclusion(&bad_leaf, index, size, &proof, &root).is_err());
                    let bad_root = flip(&root, byte, bit);
                    assert!(verify_inclusion(&leaf, index, size, &proof, &bad_root).is_err());
                }
            }
            // The index moved by one (size ±1 is covered by the exhaustive test below).
            let mut moved = vec![index + 1];
            if index > 0 {
                moved.push(index - 1);
            }
            for i in moved {
                assert!(
                    verify_inclusion(&leaf, i, size, &proof, &root).is_err(),
                    "({index},{size}) moved to index {i}"
                );
            }
            // Dropping, adding or reordering hashes fails too.
            if !proof.is_empty() {
                assert!(verify_inclusion(&leaf, index, size, &proof[1..], &root).is_err());
                let mut extra = proof.clone();
                extra.insert(0, leaf);
                assert!(verify_inclusion(&leaf, index, size, &extra, &root).is_err());
            }
            if proof.len() > 1 {
                let mut swapped = proof.clone();
                swapped.swap(0, 1);
                assert!(verify_inclusion(&leaf, index, size, &swapped, &root).is_err());
            }
        }
    }

    #[test]
    fn flipping_any_bit_of_a_consistency_proof_or_either_root_or_moving_the_old_size_fails() {
        let leaves = synthetic_leaves(40);
        for (m, n) in [
            (0u64, 5u64),
            (1, 2),
            (1, 8),
            (3, 7),
            (4, 7),
            (6, 8),
            (7, 7),
            (13, 37),
        ] {
            let r1 = root_of(&leaves[..m as usize]);
            let r2 = root_of(&leaves[..n as usize]);
            let proof = consistency_proof(&leaves, m, n).unwrap();
            verify_consistency(m, n, &r1, &r2, &proof).unwrap();
            for byte in 0..32 {
                for bit in 0..8 {
                    for i in 0..proof.len() {
                        let mut bad = proof.clone();
                        bad[i] = flip(&bad[i], byte, bit);
                        assert!(
                            verify_consistency(m, n, &r1, &r2, &bad).is_err(),
                            "({m},{n}) proof[{i}] byte {byte} bit {bit}"
                        );
                    }
                    let bad1 = flip(&r1, byte, bit);
                    assert!(
                        verify_consistency(m, n, &bad1, &r2, &proof).is_err(),
                        "({m},{n}) old root byte {byte} bit {bit}"
                    );
                    let bad2 = flip(&r2, byte, bit);
                    // Every tree extends the empty tree: from size 0 the new root is not
                    // constrained (only the old root must be the empty root).
                    assert!(
                        m == 0 || verify_consistency(m, n, &r1, &bad2, &proof).is_err(),
                        "({m},{n}) new root byte {byte} bit {bit}"
                    );
                }
            }
            let mut moved = vec![m + 1];
            if m > 0 {
                moved.push(m - 1);
            }
            for a in moved {
                assert!(
                    verify_consistency(a, n, &r1, &r2, &proof).is_err(),
                    "({m},{n}) old size moved to {a}"
                );
            }
            if m != n {
                assert!(
                    verify_consistency(m, n, &r2, &r1, &proof).is_err(),
                    "swapped roots"
                );
            }
            if !proof.is_empty() {
                assert!(verify_consistency(m, n, &r1, &r2, &proof[1..]).is_err());
                assert!(verify_consistency(m, n, &r1, &r2, &proof[..proof.len() - 1]).is_err());
                let mut extra = proof.clone();
                extra.insert(0, proof[0]);
                assert!(verify_consistency(m, n, &r1, &r2, &extra).is_err());
            }
        }
    }

    #[test]
    fn moving_the_index_or_old_size_by_one_always_fails_for_every_proof_up_to_48() {
        let leaves = synthetic_leaves(49);
        let roots: Vec<TreeHash> = (0..=49).map(|n| root_of(&leaves[..n])).collect();
        for n in 1..=48u64 {
            for i in 0..n {
                let proof = inclusion_proof(&leaves, i, n).unwrap();
                let leaf = leaves[i as usize];
                let root = roots[n as usize];
                assert!(verify_inclusion(&leaf, i + 1, n, &proof, &root).is_err());
                assert!(i == 0 || verify_inclusion(&leaf, i - 1, n, &proof, &root).is_err());
            }
            for m in 1..=n {
                let proof = consistency_proof(&leaves, m, n).unwrap();
                let (r1, r2) = (roots[m as usize], roots[n as usize]);
                assert!(
                    verify_consistency(m + 1, n, &r1, &r2, &proof).is_err(),
                    "{m}+1 -> {n}"
                );
                assert!(
                    verify_consistency(m - 1, n, &r1, &r2, &proof).is_err(),
                    "{m}-1 -> {n}"
                );
            }
        }
    }

    #[test]
    fn a_proof_checked_against_the_real_root_of_a_size_one_off_always_fails() {
        // The root hash does not commit to the tree size (RFC 9162): a proof for index 5 in
        // the tree of 8, checked as "index 5 in a tree of 7" against the SAME root, has the same
        // shape and is accepted. No 7-leaf tree has that root (it would take a SHA-256
        // collision between a 0x00-prefixed leaf and a 0x01-prefixed node), and a verifier
        // always takes size and root together from one signed checkpoint; paired with the real
        // root of the other size, every such proof fails.
        let leaves = synthetic_leaves(50);
        let roots: Vec<TreeHash> = (0..=50).map(|n| root_of(&leaves[..n])).collect();
        let p58 = inclusion_proof(&leaves, 5, 8).unwrap();
        verify_inclusion(&leaves[5], 5, 7, &p58, &roots[8]).unwrap();
        assert!(verify_inclusion(&leaves[5], 5, 7, &p58, &roots[7]).is_err());
        // When the leaf is in the last pair, the shape changes and even the same root fails.
        for (i, n) in [(6u64, 8u64), (7, 8), (12, 13), (12, 14)] {
            let p = inclusion_proof(&leaves, i, n).unwrap();
            let root = roots[n as usize];
            assert!(verify_inclusion(&leaves[i as usize], i, n + 1, &p, &root).is_err());
            assert!(verify_inclusion(&leaves[i as usize], i, n - 1, &p, &root).is_err());
        }
        for n in 1..=48u64 {
            for i in 0..n {
                let proof = inclusion_proof(&leaves, i, n).unwrap();
                let leaf = leaves[i as usize];
                for s in [n - 1, n + 1] {
                    assert!(
                        verify_inclusion(&leaf, i, s, &proof, &roots[s as usize]).is_err(),
                        "({i},{n}) as size {s}"
                    );
                }
            }
            for m in 1..=n {
                let proof = consistency_proof(&leaves, m, n).unwrap();
                let r1 = roots[m as usize];
                for s in [n - 1, n + 1] {
                    assert!(
                        verify_consistency(m, s, &r1, &roots[s as usize], &proof).is_err(),
                        "{m} -> {n} as {s}"
                    );
                }
            }
        }
    }

    #[test]
    fn a_lying_server_cannot_prove_two_forked_logs_consistent() {
        let shared = synthetic_leaves(5);
        let mut fork_a = shared.clone();
        fork_a.extend(synthetic_leaves(7)[5..].iter().map(|l| node_hash(l, l)));
        let mut fork_b = shared.clone();
        fork_b.extend(
            synthetic_leaves(9)[5..]
                .iter()
                .map(|l| node_hash(l, &[0xbb; 32])),
        );
        assert_eq!((fork_a.len(), fork_b.len()), (7, 9));
        let root_a7 = root_of(&fork_a);
        let root_b9 = root_of(&fork_b);
        // The honest proofs of B and of a hypothetical A extended to 9 both fail.
        let proof_b = consistency_proof(&fork_b, 7, 9).unwrap();
        assert!(verify_consistency(7, 9, &root_a7, &root_b9, &proof_b).is_err());
        let mut a_then_b = fork_a.clone();
        a_then_b.extend_from_slice(&fork_b[7..]);
        let proof_ab = consistency_proof(&a_then_b, 7, 9).unwrap();
        assert!(verify_consistency(7, 9, &root_a7, &root_b9, &proof_ab).is_err());
        // Whatever mix of subtree hashes from either fork the server sends, it fails.
        let ranges = consistency_proof_ranges(7, 9).unwrap();
        let candidates: Vec<Vec<TreeHash>> = ranges
            .iter()
            .map(|r| {
                let (s, e) = (r.start as usize, r.end as usize);
                let mut c = vec![root_of(&fork_b[s..e]), root_of(&a_then_b[s..e])];
                if e <= fork_a.len() {
                    c.push(root_of(&fork_a[s..e]));
                }
                c
            })
            .collect();
        let total: usize = candidates.iter().map(Vec::len).product();
        for mut choice in 0..total {
            let proof: Vec<TreeHash> = candidates
                .iter()
                .map(|c| {
                    let pick = c[choice % c.len()];
                    choice /= c.len();
                    pick
                })
                .collect();
            assert!(verify_consistency(7, 9, &root_a7, &root_b9, &proof).is_err());
        }
        // Both forks are individually fine.
        verify_consistency(
            5,
            7,
            &root_of(&shared),
            &root_a7,
            &consistency_proof(&fork_a, 5, 7).unwrap(),
        )
        .unwrap();
        verify_consistency(
            5,
            9,
            &root_of(&shared),
            &root_b9,
            &consistency_proof(&fork_b, 5, 9).unwrap(),
        )
        .unwrap();
    }

    #[test]
    fn proofs_serialise_as_json_arrays_of_lowercase_hex() {
        #[derive(Serialize, Deserialize, PartialEq, Debug)]
        struct P {
            #[serde(with = "hex_hash")]
            root: TreeHash,
            #[serde(with = "hex_hashes")]
            proof: Vec<TreeHash>,
        }
        let p = P {
            root: [0xab; 32],
            proof: vec![[0x01; 32], [0xff; 32]],
        };
        let json = serde_json::to_string(&p).unwrap();
        assert_eq!(
            json,
            format!(
                "{{\"root\":\"{}\",\"proof\":[\"{}\",\"{}\"]}}",
                "ab".repeat(32),
                "01".repeat(32),
                "ff".repeat(32)
            )
        );
        assert_eq!(serde_json::from_str::<P>(&json).unwrap(), p);
        assert!(serde_json::from_str::<P>(&json.replace("ab", "AB")).is_err());
        assert!(hash_from_hex("abc").is_err());
    }
}
