//! The Merkle audit log: RFC 6962/9162 reference vectors, proofs for every small size,
//! signed checkpoints, and the insider attacks of AT-5.

use homeward_trust::audit::{
    check_checkpoints, commit, leaf_hash, new_salt, root_of, verify_consistency, verify_inclusion,
    verify_log, Action, AuditEntry, Checkpoint, CheckpointSigner, CheckpointVerifier, Hash,
    MerkleTree,
};
use homeward_trust::TrustError;
use proptest::prelude::*;
use rand_chacha::rand_core::RngCore;

use crate::rng;

fn h(hex: &str) -> Hash {
    let mut out = [0u8; 32];
    for (i, o) in out.iter_mut().enumerate() {
        *o = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap();
    }
    out
}

/// The eight leaves of the Certificate Transparency reference tree (RFC 6962 test data).
fn ct_tree() -> MerkleTree {
    let inputs: [&[u8]; 8] = [
        b"",
        &[0x00],
        &[0x10],
        &[0x20, 0x21],
        &[0x30, 0x31],
        &[0x40, 0x41, 0x42, 0x43],
        &[0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57],
        &[
            0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d,
            0x6e, 0x6f,
        ],
    ];
    MerkleTree::from_leaves(inputs.iter().map(|d| leaf_hash(d)))
}

#[test]
fn reference_roots() {
    let roots = [
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ];
    let t = ct_tree();
    for (n, root) in roots.iter().enumerate() {
        assert_eq!(t.root_at(n as u64).unwrap(), h(root), "size {n}");
    }
    assert_eq!(t.root(), h(roots[8]));
}

#[test]
fn reference_proofs() {
    let t = ct_tree();
    let p = |v: &[&str]| v.iter().map(|x| h(x)).collect::<Vec<_>>();
    let inc0 = p(&[
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ]);
    assert_eq!(t.inclusion_proof(0, 8).unwrap(), inc0);
    let inc5 = p(&[
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    ]);
    assert_eq!(t.inclusion_proof(5, 8).unwrap(), inc5);
    assert_eq!(t.consistency_proof(1, 8).unwrap(), inc0);
    assert_eq!(
        t.consistency_proof(6, 8).unwrap(),
        p(&[
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ])
    );
    assert_eq!(
        t.consistency_proof(2, 5).unwrap(),
        p(&[
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ])
    );
}

fn numbered_tree(n: u64) -> MerkleTree {
    MerkleTree::from_leaves((0..n).map(|i| leaf_hash(&i.to_be_bytes())))
}

#[test]
fn consistency_proofs_for_every_pair_up_to_64() {
    let t = numbered_tree(64);
    for n in 1..=64u64 {
        let new_root = t.root_at(n).unwrap();
        for m in 1..=n {
            let old_root = t.root_at(m).unwrap();
            let proof = t.consistency_proof(m, n).unwrap();
            verify_consistency(m, n, &old_root, &new_root, &proof)
                .unwrap_or_else(|e| panic!("{m} -> {n}: {e}"));
            if m < n {
                // Wrong roots, wrong sizes and altered proofs all fail.
                let mut bad = old_root;
                bad[0] ^= 1;
                assert!(verify_consistency(m, n, &bad, &new_root, &proof).is_err());
                assert!(verify_consistency(m, n, &old_root, &bad, &proof).is_err());
                for i in 0..proof.len() {
                    let mut p = proof.clone();
                    p[i][31] ^= 0x80;
                    assert!(verify_consistency(m, n, &old_root, &new_root, &p).is_err());
                }
                let mut longer = proof.clone();
                longer.push(new_root);
                assert!(verify_consistency(m, n, &old_root, &new_root, &longer).is_err());
                if m > 1 {
                    let r = t.root_at(m - 1).unwrap();
                    assert!(verify_consistency(m - 1, n, &r, &new_root, &proof).is_err());
                }
                assert!(verify_consistency(n, m, &new_root, &old_root, &proof).is_err());
            }
        }
    }
}

#[test]
fn inclusion_proofs_for_every_leaf_up_to_64() {
    let t = numbered_tree(64);
    for n in 1..=64u64 {
        let root = t.root_at(n).unwrap();
        for i in 0..n {
            let leaf = t.leaves()[i as usize];
            let proof = t.inclusion_proof(i, n).unwrap();
            verify_inclusion(&leaf, i, n, &proof, &root).unwrap();
            let other = t.leaves()[((i + 1) % 64) as usize];
            assert!(verify_inclusion(&other, i, n, &proof, &root).is_err());
            if n > 1 {
                assert!(verify_inclusion(&leaf, (i + 1) % n, n, &proof, &root).is_err());
            }
        }
        assert!(t.inclusion_proof(n, n).is_err());
    }
}

#[test]
fn proofs_in_a_million_leaf_tree_are_at_most_20_hashes() {
    // AT-3: proof size for n = 10^6 is at most 20 hashes (640 bytes).
    let t = numbered_tree(1_000_000);
    for i in [0u64, 1, 524_287, 524_288, 999_999] {
        let p = t.inclusion_proof(i, 1_000_000).unwrap();
        assert!(p.len() <= 20, "{i}: {}", p.len());
        verify_inclusion(&t.leaves()[i as usize], i, 1_000_000, &p, &t.root()).unwrap();
    }
    let c = t.consistency_proof(654_321, 1_000_000).unwrap();
    assert!(c.len() <= 2 * 20);
    verify_consistency(
        654_321,
        1_000_000,
        &t.root_at(654_321).unwrap(),
        &t.root(),
        &c,
    )
    .unwrap();
}

fn entry(seq: u64, r: &mut impl RngCore) -> AuditEntry {
    let salt = {
        let mut s = [0u8; 32];
        r.fill_bytes(&mut s);
        s
    };
    let actions = [
        Action::Create,
        Action::Update,
        Action::ReadSensitive,
        Action::Export,
    ];
    AuditEntry {
        seq,
        at: 1_780_000_000 + seq as i64 * 7,
        actor: format!("u-{}", seq % 13),
        action: actions[(seq % 4) as usize].clone(),
        object_kind: "record".into(),
        object_id: format!("r-{:08x}", r.next_u32()),
        commitment: commit(&salt, format!("synthetic content {seq}").as_bytes()),
    }
}

struct Log {
    entries: Vec<AuditEntry>,
    stored: Vec<Hash>,
}

fn log_of(n: u64, seed: u64) -> Log {
    let mut r = rng(seed);
    let mut tree = MerkleTree::new();
    let mut entries = Vec::new();
    for i in 0..n {
        let e = entry(i, &mut r);
        tree.append(&e).unwrap();
        entries.push(e);
    }
    Log {
        entries,
        stored: tree.leaves().to_vec(),
    }
}

fn recompute(entries: &[AuditEntry]) -> Vec<Hash> {
    entries.iter().map(|e| e.leaf_hash().unwrap()).collect()
}

#[test]
fn tamper_names_the_first_bad_entry() {
    let log = log_of(300, 40);
    assert_eq!(
        verify_log(&log.entries, Some(&log.stored), None)
            .unwrap()
            .size,
        300
    );
    let mut entries = log.entries.clone();
    entries[171].actor = "u-0".into();
    entries[250].object_id = "r-00000000".into();
    assert_eq!(
        verify_log(&entries, Some(&log.stored), None),
        Err(TrustError::EntryMismatch { seq: 171 })
    );
    let mut entries = log.entries.clone();
    entries[5].commitment[0] ^= 1;
    assert_eq!(
        verify_log(&entries, Some(&log.stored), None),
        Err(TrustError::EntryMismatch { seq: 5 })
    );
    let mut short = log.stored.clone();
    short.pop();
    assert!(matches!(
        verify_log(&log.entries, Some(&short), None),
        Err(TrustError::LeafCountMismatch { .. })
    ));
}

#[test]
fn insider_rewrite_is_caught_by_an_outside_checkpoint() {
    // AT-5: 1000 events, checkpoint C1 kept outside, 500 more; the attacker holds the
    // signing key and write access, rewrites one event, recomputes every hash, re-signs.
    let mut r = rng(41);
    let signer = CheckpointSigner::generate("homeward-test", &mut r).unwrap();
    let verifier = signer.verifier();
    let log = log_of(1500, 42);
    let tree = MerkleTree::from_leaves(log.stored.iter().copied());
    let c1 = signer
        .sign(
            "homeward.test/log",
            1000,
            tree.root_at(1000).unwrap(),
            1_780_000_000,
        )
        .unwrap();
    let outside = c1.to_note();
    let c1 = Checkpoint::from_note(&outside, &verifier).unwrap();
    let ok = verify_log(&log.entries, Some(&log.stored), Some((&c1, &verifier))).unwrap();
    assert_eq!(ok.extends_checkpoint, Some(1000));
    let mut detected = 0;
    for _ in 0..100 {
        let pos = (r.next_u32() % 1000) as usize;
        let mut entries = log.entries.clone();
        entries[pos].action = Action::Delete;
        entries[pos].at += 1;
        let stored = recompute(&entries);
        if detected == 0 {
            // Without the outside checkpoint the forged log is self-consistent, and the
            // attacker can sign a new head for it...
            let forged = verify_log(&entries, Some(&stored), None).unwrap();
            signer
                .sign("homeward.test/log", forged.size, forged.root, 1)
                .unwrap();
        }
        // ...but with it, the fork is found.
        if verify_log(&entries, Some(&stored), Some((&c1, &verifier)))
            == Err(TrustError::CheckpointMismatch { size: 1000 })
        {
            detected += 1;
        }
    }
    assert_eq!(detected, 100);
}

#[test]
fn truncation_is_caught_by_a_later_checkpoint() {
    let mut r = rng(43);
    let signer = CheckpointSigner::generate("k", &mut r).unwrap();
    let log = log_of(1500, 44);
    let tree = MerkleTree::from_leaves(log.stored.iter().copied());
    let c2 = signer.sign("o", 1500, tree.root(), 5).unwrap();
    let entries = &log.entries[..1495];
    assert_eq!(
        verify_log(
            entries,
            Some(&log.stored[..1495]),
            Some((&c2, &signer.verifier()))
        ),
        Err(TrustError::LogTruncated {
            size: 1495,
            checkpoint_size: 1500
        })
    );
    // Truncate and append different events up to the same size: a fork.
    let mut forged = log.entries[..1495].to_vec();
    for i in 1495..1500 {
        forged.push(entry(i, &mut r));
    }
    assert_eq!(
        verify_log(&forged, None, Some((&c2, &signer.verifier()))),
        Err(TrustError::CheckpointMismatch { size: 1500 })
    );
}

#[test]
fn checkpoint_notes() {
    let mut r = rng(45);
    let signer = CheckpointSigner::generate("homeward-yerevan", &mut r).unwrap();
    let verifier = signer.verifier();
    let vkey = verifier.to_vkey();
    assert_eq!(CheckpointVerifier::from_vkey(&vkey).unwrap(), verifier);
    assert!(format!("{signer:?}").contains("REDACTED"));
    let t = numbered_tree(10);
    let cp = signer
        .sign("homeward.example/yerevan", 10, t.root(), 1_780_000_000)
        .unwrap();
    let note = cp.to_note();
    assert!(note.starts_with("homeward.example/yerevan\n10\n"));
    assert!(note.contains("\ntime 1780000000\n\n\u{2014} homeward-yerevan "));
    assert_eq!(Checkpoint::from_note(&note, &verifier).unwrap(), cp);
    // Editing any character of the note invalidates it.
    let chars: Vec<char> = note.chars().collect();
    for i in 0..chars.len() {
        let mut edited = chars.clone();
        edited[i] = if chars[i] == 'A' { 'B' } else { 'A' };
        let text: String = edited.into_iter().collect();
        assert!(Checkpoint::from_note(&text, &verifier).is_err(), "char {i}");
    }
    // Another key's checkpoint is rejected.
    let other = CheckpointSigner::generate("homeward-yerevan", &mut r).unwrap();
    let foreign = other
        .sign("homeward.example/yerevan", 10, t.root(), 1)
        .unwrap();
    assert_eq!(
        Checkpoint::from_note(&foreign.to_note(), &verifier),
        Err(TrustError::BadSignature)
    );
    assert_eq!(foreign.verify(&verifier), Err(TrustError::BadSignature));
    // A witness cosignature line from another key is tolerated.
    let cosigned = format!("{note}\u{2014} witness-1 AAAAAAAA\n");
    assert!(Checkpoint::from_note(&cosigned, &verifier).is_ok());
    // Tampered vkey.
    let mut bad_vkey = vkey.clone();
    bad_vkey.replace_range(..1, "x");
    assert!(CheckpointVerifier::from_vkey(&bad_vkey).is_err());
}

#[test]
fn checkpoint_growth() {
    let mut r = rng(46);
    let signer = CheckpointSigner::generate("k", &mut r).unwrap();
    let v = signer.verifier();
    let t = numbered_tree(40);
    let c1 = signer.sign("o", 25, t.root_at(25).unwrap(), 1).unwrap();
    let c2 = signer.sign("o", 40, t.root_at(40).unwrap(), 2).unwrap();
    let proof = t.consistency_proof(25, 40).unwrap();
    check_checkpoints(&c1, &c2, &proof, &v).unwrap();
    assert_eq!(
        check_checkpoints(&c2, &c1, &proof, &v),
        Err(TrustError::TreeShrank { old: 40, new: 25 })
    );
    // A forked tree of the same size cannot prove consistency with c1.
    let mut leaves = t.leaves().to_vec();
    leaves[3] = leaf_hash(b"rewritten");
    let fork = MerkleTree::from_leaves(leaves);
    let c2f = signer.sign("o", 40, fork.root(), 3).unwrap();
    let fproof = fork.consistency_proof(25, 40).unwrap();
    assert_eq!(
        check_checkpoints(&c1, &c2f, &fproof, &v),
        Err(TrustError::BadProof)
    );
}

#[test]
fn salts_differ_and_commitments_hide_equal_content() {
    let mut r = rng(47);
    let (a, b) = (new_salt(&mut r), new_salt(&mut r));
    assert_ne!(a, b);
    assert_ne!(commit(&a, b"same"), commit(&b, b"same"));
}

fn is_line_break_or_control(c: char) -> bool {
    c.is_control() || c == '\u{2028}' || c == '\u{2029}'
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn consistency_holds_for_random_sizes(n in 1u64..400, m_frac in 0.0f64..=1.0, k in any::<prop::sample::Index>()) {
        let t = numbered_tree(n);
        let m = ((n as f64 * m_frac) as u64).clamp(1, n);
        let proof = t.consistency_proof(m, n).unwrap();
        prop_assert!(verify_consistency(m, n, &t.root_at(m).unwrap(), &t.root(), &proof).is_ok());
        prop_assert_eq!(t.root(), root_of(t.leaves()));
        if !proof.is_empty() {
            let mut p = proof.clone();
            let i = k.index(p.len());
            p[i][0] ^= 1;
            prop_assert!(verify_consistency(m, n, &t.root_at(m).unwrap(), &t.root(), &p).is_err());
        }
    }

    #[test]
    fn entries_round_trip(seq in any::<u64>(), at in any::<i64>(), actor in "[a-z0-9-]{1,40}",
                          kind in "[a-z_]{1,20}", id in "\\PC{0,60}", other in "[a-z_]{1,30}",
                          commitment in any::<[u8; 32]>()) {
        let action = Action::from_name(&other);
        let e = AuditEntry { seq, at, actor, action, object_kind: kind, object_id: id, commitment };
        let bytes = e.to_bytes();
        if let Ok(bytes) = bytes {
            prop_assert_eq!(AuditEntry::from_bytes(&bytes).unwrap(), e);
        } else {
            // Only over-long ids or control characters are refused.
            let refused = e.object_id.len() > 256 || e.object_id.chars().any(is_line_break_or_control);
            prop_assert!(refused);
        }
    }

    #[test]
    fn any_single_rewrite_is_named(n in 2u64..120, pos in any::<prop::sample::Index>(), seed in any::<u64>()) {
        let log = log_of(n, seed);
        let p = pos.index(n as usize);
        let mut entries = log.entries.clone();
        entries[p].at ^= 1;
        prop_assert_eq!(
            verify_log(&entries, Some(&log.stored), None),
            Err(TrustError::EntryMismatch { seq: p as u64 })
        );
    }
}

proptest! {
    /// IV-4 in miniature: the parsers of outside input never panic and reject garbage.
    #[test]
    fn parsers_never_panic(text in "\\PC{0,300}", bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let verifier = CheckpointSigner::from_seed("k", &[7u8; 32]).unwrap().verifier();
        prop_assert!(Checkpoint::from_note(&text, &verifier).is_err());
        let _ = CheckpointVerifier::from_vkey(&text);
        let _ = AuditEntry::from_bytes(&bytes);
        let key = homeward_trust::envelope::RecordKey::generate(0, &mut rng(1));
        prop_assert!(key.open("f", "r", &bytes).is_err());
        let _ = homeward_trust::envelope::WrappedKey::from_bytes(&bytes);
        let _ = homeward_trust::totp::TotpSecret::from_base32(&text);
    }

    /// Mutating a valid note anywhere (insert, delete or replace one character) never
    /// yields a different checkpoint that verifies.
    #[test]
    fn mutated_notes_do_not_verify(pos in any::<prop::sample::Index>(), c in any::<char>(), op in 0u8..3) {
        let signer = CheckpointSigner::from_seed("k", &[9u8; 32]).unwrap();
        let cp = signer.sign("homeward.test/log", 12, [3u8; 32], 99).unwrap();
        let mut chars: Vec<char> = cp.to_note().chars().collect();
        let i = pos.index(chars.len());
        match op {
            0 => chars.insert(i, c),
            1 => { chars.remove(i); }
            _ => chars[i] = c,
        }
        let text: String = chars.into_iter().collect();
        if let Ok(parsed) = Checkpoint::from_note(&text, &signer.verifier()) {
            prop_assert_eq!(parsed, cp);
        }
    }
}

/// AT-3 differential test: roots and proofs equal those of `ct-merkle`, an independent
/// RFC 6962 implementation, used here only as an oracle.
fn oracle_pair(
    n: u64,
    seed: u64,
) -> (
    MerkleTree,
    ct_merkle::mem_backed_tree::MemoryBackedTree<sha2::Sha256, Vec<u8>>,
) {
    let mut r = rng(seed);
    let mut ours = MerkleTree::new();
    let mut theirs = ct_merkle::mem_backed_tree::MemoryBackedTree::<sha2::Sha256, Vec<u8>>::new();
    for _ in 0..n {
        let mut item = vec![0u8; (r.next_u32() % 64) as usize];
        r.fill_bytes(&mut item);
        ours.push_leaf(leaf_hash(&item));
        theirs.push(item);
    }
    (ours, theirs)
}

#[test]
fn root_equals_ct_merkle_at_100k() {
    let (ours, theirs) = oracle_pair(100_000, 60);
    assert_eq!(ours.root()[..], theirs.root().as_bytes()[..]);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    #[test]
    fn proofs_equal_ct_merkle(n in 1u64..3000, seed in any::<u64>(), i in any::<prop::sample::Index>(), m in any::<prop::sample::Index>()) {
        let (ours, theirs) = oracle_pair(n, seed);
        let (a, b) = (ours.root(), theirs.root());
        prop_assert_eq!(&a[..], &b.as_bytes()[..]);
        let idx = i.index(n as usize);
        let flat: Vec<u8> = ours.inclusion_proof(idx as u64, n).unwrap().concat();
        let p = theirs.prove_inclusion(idx);
        prop_assert_eq!(&flat[..], p.as_bytes());
        let old = m.index(n as usize) as u64; // 0..n-1 additions
        if old > 0 {
            let flat: Vec<u8> = ours.consistency_proof(old, n).unwrap().concat();
            let p = theirs.prove_consistency((n - old) as usize);
            prop_assert_eq!(&flat[..], p.as_bytes());
        }
    }
}
