//! The audit chain: what makes every entry tamper-evident.
//!
//! Each entry's hash is an HMAC-SHA-256, under a key from configuration, of its own fields and of
//! the previous entry's hash. Someone who can write to the database but does not hold the key
//! cannot edit, remove, insert or reorder entries without [`verify`] finding the first bad one.
//! This module computes and checks; storing and locking the chain head is the store's job.

use crate::clock::Timestamp;
use crate::secret::Secret;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// The hash before the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What happened, by whom, to which record. The store adds the sequence number, time and hashes.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AuditEvent {
    pub actor_user_id: Option<i64>,
    pub actor_role: Option<String>,
    /// The agency the actor acted for.
    pub actor_agency_id: Option<i64>,
    /// A stable dotted name, e.g. `user.created`, `session.signed_in`.
    pub action: String,
    pub record_type: String,
    pub record_id: Option<String>,
    /// The agency the record belongs to, so agency administrators see their own agency's trail.
    pub agency_id: Option<i64>,
    /// Where the request came from.
    pub ip: Option<String>,
    /// Further facts, as JSON text. Never a password, token or other secret.
    pub detail: String,
}

/// An entry as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub seq: i64,
    pub at: Timestamp,
    pub event: AuditEvent,
    pub prev_hash: String,
    pub hash: String,
}

/// The key the chain is signed with.
#[derive(Debug, Clone)]
pub struct AuditKey(Secret);

impl AuditKey {
    pub fn new(secret: Secret) -> Self {
        Self(secret)
    }
}

/// The hash of entry `seq` at time `at`, following `prev_hash`.
pub fn entry_hash(
    key: &AuditKey,
    seq: i64,
    at: Timestamp,
    prev_hash: &str,
    e: &AuditEvent,
) -> String {
    let Ok(mut mac) = <Hmac<Sha256> as KeyInit>::new_from_slice(key.0.expose().as_bytes()) else {
        // HMAC accepts keys of any length; this branch cannot be taken.
        return String::new();
    };
    // Every field is length-prefixed, so no two different entries serialise the same way.
    let mut field = |bytes: &[u8]| {
        mac.update(&(bytes.len() as u64).to_be_bytes());
        mac.update(bytes);
    };
    let opt_i64 = |v: Option<i64>| v.map(|n| n.to_string()).unwrap_or_default();
    field(b"kinlink-audit-v1");
    field(seq.to_string().as_bytes());
    field(at.to_string().as_bytes());
    field(prev_hash.as_bytes());
    field(opt_i64(e.actor_user_id).as_bytes());
    field(e.actor_role.as_deref().unwrap_or("").as_bytes());
    field(opt_i64(e.actor_agency_id).as_bytes());
    field(e.action.as_bytes());
    field(e.record_type.as_bytes());
    field(e.record_id.as_deref().unwrap_or("").as_bytes());
    field(opt_i64(e.agency_id).as_bytes());
    field(e.ip.as_deref().unwrap_or("").as_bytes());
    field(e.detail.as_bytes());
    data_encoding::HEXLOWER.encode(&mac.finalize().into_bytes())
}

/// The last entry's sequence number and hash, kept apart from the entries so that removing the
/// newest entries is noticed too.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainHead {
    pub seq: i64,
    pub hash: String,
}

impl ChainHead {
    /// Reads `SEQ:HASH`, as `kinlink audit head` prints it.
    pub fn parse(text: &str) -> Option<ChainHead> {
        let (seq, hash) = text.trim().split_once(':')?;
        let seq: i64 = seq.parse().ok().filter(|n| *n >= 0)?;
        let hash = hash.to_ascii_lowercase();
        (hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit()))
            .then_some(ChainHead { seq, hash })
    }
}

impl std::fmt::Display for ChainHead {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.seq, self.hash)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainBreak {
    #[error(
        "entry {found} is out of place: expected entry {expected} (an entry was removed, inserted or reordered)"
    )]
    OutOfSequence { expected: i64, found: i64 },
    #[error("entry {seq} does not follow entry {}: its link to the previous entry is wrong (an entry was removed, inserted or reordered)", seq - 1)]
    BrokenLink { seq: i64 },
    #[error("entry {seq} was altered: its contents do not match its hash")]
    Altered { seq: i64 },
    #[error(
        "entry {seq} differs from the head recorded earlier: the log was rewritten from there on"
    )]
    AnchorMismatch { seq: i64 },
    #[error(
        "the chain ends at entry {last}, but entry {anchor} was recorded earlier: entries were removed from the end"
    )]
    AnchorMissing { anchor: i64, last: i64 },
    #[error(
        "entry {found} comes after the chain's head (entry {head}): it was added outside Kinlink"
    )]
    BeyondHead { head: i64, found: i64 },
    #[error(
        "the chain ends at entry {last} but its head records entry {head} (entries were removed from the end or the head was altered)"
    )]
    HeadMismatch { last: i64, head: i64 },
}

impl ChainBreak {
    /// The sequence number of the first bad entry.
    pub fn seq(&self) -> i64 {
        match self {
            ChainBreak::OutOfSequence { expected, .. } => *expected,
            ChainBreak::BrokenLink { seq } | ChainBreak::Altered { seq } => *seq,
            ChainBreak::HeadMismatch { last, .. } => *last + 1,
            ChainBreak::BeyondHead { found, .. } => *found,
            ChainBreak::AnchorMismatch { seq } => *seq,
            ChainBreak::AnchorMissing { last, .. } => *last + 1,
        }
    }
}

/// Walks entries in sequence order. Call [`ChainWalk::check`] for each, then [`ChainWalk::finish`].
/// Streaming, so a chain of millions of entries needs no more memory than one.
pub struct ChainWalk<'k> {
    key: &'k AuditKey,
    expected_seq: i64,
    prev_hash: String,
    anchor: Option<ChainHead>,
}

impl<'k> ChainWalk<'k> {
    pub fn new(key: &'k AuditKey) -> Self {
        Self {
            key,
            expected_seq: 1,
            prev_hash: GENESIS.to_owned(),
            anchor: None,
        }
    }

    /// Also checks the chain against a head recorded earlier, outside the database (`kinlink
    /// audit head`): the only way to notice entries removed from the end together with a
    /// rewound head row.
    pub fn with_anchor(key: &'k AuditKey, anchor: ChainHead) -> Self {
        Self {
            anchor: Some(anchor),
            ..Self::new(key)
        }
    }

    pub fn check(&mut self, entry: &AuditEntry) -> Result<(), ChainBreak> {
        if entry.seq != self.expected_seq {
            return Err(ChainBreak::OutOfSequence {
                expected: self.expected_seq,
                found: entry.seq,
            });
        }
        let recomputed = entry_hash(
            self.key,
            entry.seq,
            entry.at,
            &entry.prev_hash,
            &entry.event,
        );
        if recomputed != entry.hash {
            return Err(ChainBreak::Altered { seq: entry.seq });
        }
        if entry.prev_hash != self.prev_hash {
            return Err(ChainBreak::BrokenLink { seq: entry.seq });
        }
        if let Some(anchor) = self
            .anchor
            .as_ref()
            .filter(|a| a.seq == entry.seq && a.hash != entry.hash)
        {
            return Err(ChainBreak::AnchorMismatch { seq: anchor.seq });
        }
        self.expected_seq += 1;
        self.prev_hash.clone_from(&entry.hash);
        Ok(())
    }

    /// Checks the end of the chain against its head; returns how many entries were checked.
    pub fn finish(self, head: &ChainHead) -> Result<i64, ChainBreak> {
        let last = self.expected_seq - 1;
        if let Some(anchor) = self.anchor.as_ref().filter(|a| a.seq > last) {
            return Err(ChainBreak::AnchorMissing {
                anchor: anchor.seq,
                last,
            });
        }
        if head.seq != last || head.hash != self.prev_hash {
            return Err(ChainBreak::HeadMismatch {
                last,
                head: head.seq,
            });
        }
        Ok(last)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> AuditKey {
        AuditKey::new(Secret::new("test-key"))
    }

    fn chain(n: i64) -> (Vec<AuditEntry>, ChainHead) {
        let mut prev = GENESIS.to_owned();
        let mut out = Vec::new();
        for seq in 1..=n {
            let event = AuditEvent {
                action: format!("thing.done.{seq}"),
                record_type: "thing".into(),
                detail: "{}".into(),
                ..Default::default()
            };
            let hash = entry_hash(&key(), seq, 1000 + seq, &prev, &event);
            out.push(AuditEntry {
                seq,
                at: 1000 + seq,
                event,
                prev_hash: prev.clone(),
                hash: hash.clone(),
            });
            prev = hash;
        }
        (out, ChainHead { seq: n, hash: prev })
    }

    fn verify(entries: &[AuditEntry], head: &ChainHead) -> Result<i64, ChainBreak> {
        let key = key();
        let mut walk = ChainWalk::new(&key);
        for e in entries {
            walk.check(e)?;
        }
        walk.finish(head)
    }

    #[test]
    fn an_intact_chain_verifies() {
        let (entries, head) = chain(5);
        assert_eq!(verify(&entries, &head), Ok(5));
        assert_eq!(
            verify(
                &[],
                &ChainHead {
                    seq: 0,
                    hash: GENESIS.into()
                }
            ),
            Ok(0)
        );
    }

    #[test]
    fn each_kind_of_tampering_is_named() {
        let (entries, head) = chain(5);

        let mut edited = entries.clone();
        edited[2].event.actor_role = Some("register_admin".into());
        assert_eq!(verify(&edited, &head), Err(ChainBreak::Altered { seq: 3 }));

        let mut removed = entries.clone();
        removed.remove(1);
        assert_eq!(
            verify(&removed, &head),
            Err(ChainBreak::OutOfSequence {
                expected: 2,
                found: 3
            })
        );

        let mut truncated = entries.clone();
        truncated.pop();
        assert_eq!(
            verify(&truncated, &head),
            Err(ChainBreak::HeadMismatch { last: 4, head: 5 })
        );

        // Swapping two entries' sequence numbers (and re-sorting) cannot keep their hashes.
        let mut reordered = entries.clone();
        reordered[1].seq = 3;
        reordered[2].seq = 2;
        reordered.sort_by_key(|e| e.seq);
        assert_eq!(
            verify(&reordered, &head),
            Err(ChainBreak::Altered { seq: 2 })
        );

        // An entry forged without the key is caught, even with a correct link.
        let mut inserted = entries.clone();
        let forged_event = AuditEvent {
            action: "forged".into(),
            ..Default::default()
        };
        let wrong_key = AuditKey::new(Secret::new("guess"));
        let forged_hash = entry_hash(&wrong_key, 6, 2000, &head.hash, &forged_event);
        inserted.push(AuditEntry {
            seq: 6,
            at: 2000,
            event: forged_event,
            prev_hash: head.hash.clone(),
            hash: forged_hash.clone(),
        });
        let forged_head = ChainHead {
            seq: 6,
            hash: forged_hash,
        };
        assert_eq!(
            verify(&inserted, &forged_head),
            Err(ChainBreak::Altered { seq: 6 })
        );
    }

    #[test]
    fn fields_cannot_be_shifted_between_each_other() {
        let a = AuditEvent {
            action: "ab".into(),
            record_type: "c".into(),
            ..Default::default()
        };
        let b = AuditEvent {
            action: "a".into(),
            record_type: "bc".into(),
            ..Default::default()
        };
        assert_ne!(
            entry_hash(&key(), 1, 1, GENESIS, &a),
            entry_hash(&key(), 1, 1, GENESIS, &b)
        );
    }

    #[test]
    fn a_head_recorded_earlier_catches_a_rewound_chain() {
        let (entries, head) = chain(5);
        let anchor = ChainHead {
            seq: 4,
            hash: entries[3].hash.clone(),
        };
        let with = |anchor: ChainHead, entries: &[AuditEntry], head: &ChainHead| {
            let key = key();
            let mut walk = ChainWalk::with_anchor(&key, anchor);
            for e in entries {
                walk.check(e)?;
            }
            walk.finish(head)
        };
        assert_eq!(with(anchor.clone(), &entries, &head), Ok(5));
        // Entries 4 and 5 removed and the head rewound to entry 3: intact without the anchor...
        let rewound = ChainHead {
            seq: 3,
            hash: entries[2].hash.clone(),
        };
        assert_eq!(verify(&entries[..3], &rewound), Ok(3));
        // ...but not against the head recorded when the chain had 4 entries.
        assert_eq!(
            with(anchor.clone(), &entries[..3], &rewound),
            Err(ChainBreak::AnchorMissing { anchor: 4, last: 3 })
        );
        let wrong = ChainHead {
            seq: 4,
            hash: GENESIS.into(),
        };
        assert_eq!(
            with(wrong, &entries, &head),
            Err(ChainBreak::AnchorMismatch { seq: 4 })
        );
        assert_eq!(ChainHead::parse(&anchor.to_string()), Some(anchor));
        assert_eq!(ChainHead::parse("4:xyz"), None);
        assert_eq!(ChainHead::parse("nonsense"), None);
    }
}
