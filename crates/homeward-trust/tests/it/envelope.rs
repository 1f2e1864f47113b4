//! Envelope encryption: round trips, tampering, binding, rotation, erasure.

use homeward_trust::envelope::{self, Keyring, MasterKey, RecordKey, WrappedKey};
use homeward_trust::TrustError;
use proptest::prelude::*;

use crate::rng;

#[test]
fn store_and_read_a_record_through_the_wrapped_key() {
    let mut r = rng(1);
    let master = MasterKey::generate(1, &mut r);
    let dek = RecordKey::generate(0, &mut r);
    let wrapped = envelope::wrap(&master, &mut r, "rec-42", &dek).unwrap();
    let ct = dek
        .seal(
            &mut r,
            "visit.health_findings",
            "rec-42",
            b"synthetic finding",
        )
        .unwrap();
    drop(dek);
    // What storage keeps: the wrapped key bytes and the sealed field.
    let stored = wrapped.as_bytes().to_vec();
    assert_eq!(stored.len(), envelope::WRAPPED_KEY_LEN);
    let dek =
        envelope::unwrap(&master, "rec-42", &WrappedKey::from_bytes(&stored).unwrap()).unwrap();
    assert_eq!(
        &*dek.open("visit.health_findings", "rec-42", &ct).unwrap(),
        b"synthetic finding"
    );
}

#[test]
fn wrapped_key_tamper_and_swap_fail() {
    let mut r = rng(2);
    let master = MasterKey::generate(1, &mut r);
    let dek = RecordKey::generate(0, &mut r);
    let w = envelope::wrap(&master, &mut r, "A", &dek).unwrap();
    assert_eq!(
        envelope::unwrap(&master, "B", &w).unwrap_err(),
        TrustError::Decrypt
    );
    for i in 0..w.as_bytes().len() {
        let mut b = w.as_bytes().to_vec();
        b[i] ^= 0x20;
        match WrappedKey::from_bytes(&b) {
            Err(_) => {}
            Ok(bad) => assert!(envelope::unwrap(&master, "A", &bad).is_err(), "byte {i}"),
        }
    }
    let other = MasterKey::generate(1, &mut r);
    assert_eq!(
        envelope::unwrap(&other, "A", &w).unwrap_err(),
        TrustError::Decrypt
    );
}

#[test]
fn ciphertext_moved_to_another_record_fails() {
    // CR-1 swap test: record B's row receives record A's ciphertext.
    let mut r = rng(3);
    let a = RecordKey::generate(0, &mut r);
    let b = RecordKey::generate(0, &mut r);
    let ct_a = a
        .seal(&mut r, "enquiry.contact", "A", b"+000 synthetic")
        .unwrap();
    assert_eq!(
        b.open("enquiry.contact", "B", &ct_a).unwrap_err(),
        TrustError::Decrypt
    );
    assert_eq!(
        a.open("enquiry.contact", "B", &ct_a).unwrap_err(),
        TrustError::Decrypt
    );
}

#[test]
fn master_key_rotation() {
    let mut r = rng(4);
    let old = MasterKey::generate(1, &mut r);
    let new = MasterKey::generate(2, &mut r);
    let old_copy = MasterKey::from_encoded(1, old.to_base64().expose_secret()).unwrap();
    let mut ring = Keyring::new(new);
    ring.add_retired(old);
    let mut records = Vec::new();
    for i in 0..20 {
        let id = format!("rec-{i}");
        let dek = RecordKey::generate(0, &mut r);
        let w = envelope::wrap(&old_copy, &mut r, &id, &dek).unwrap();
        let ct = dek
            .seal(&mut r, "person.notes", &id, id.as_bytes())
            .unwrap();
        records.push((id, w, ct));
    }
    for (id, w, _) in records.iter_mut() {
        assert!(ring.needs_rewrap(w));
        *w = ring.rewrap(&mut r, id, w).unwrap();
        assert_eq!(w.master_key_id(), 2);
        assert!(!ring.needs_rewrap(w));
    }
    assert!(ring.destroy_retired(1));
    for (id, w, ct) in &records {
        let dek = ring.unwrap(id, w).unwrap();
        assert_eq!(&*dek.open("person.notes", id, ct).unwrap(), id.as_bytes());
        // The old master key unwraps nothing any more.
        assert_eq!(
            envelope::unwrap(&old_copy, id, w).unwrap_err(),
            TrustError::UnknownKeyId(2)
        );
    }
    assert_eq!(ring.current_id(), 2);
    assert!(
        !ring.destroy_retired(2),
        "the current key cannot be destroyed as retired"
    );
}

#[test]
fn free_function_rewrap() {
    let mut r = rng(41);
    let old = MasterKey::generate(7, &mut r);
    let new = MasterKey::generate(8, &mut r);
    let dek = RecordKey::generate(3, &mut r);
    let w = envelope::wrap(&old, &mut r, "x", &dek).unwrap();
    let w2 = envelope::rewrap(&old, &new, &mut r, "x", &w).unwrap();
    assert_eq!((w2.master_key_id(), w2.generation()), (8, 3));
    assert_eq!(envelope::unwrap(&new, "x", &w2).unwrap().generation(), 3);
}

#[test]
fn erased_key_leaves_ciphertext_unreadable() {
    let mut r = rng(5);
    let master = MasterKey::generate(1, &mut r);
    let dek = RecordKey::generate(0, &mut r);
    let wrapped = envelope::wrap(&master, &mut r, "rec-9", &dek).unwrap();
    let ct = dek
        .seal(&mut r, "source.details", "rec-9", b"informant")
        .unwrap();
    // Erasure: the wrapped key row is deleted and the in-memory key dropped.
    drop(wrapped);
    drop(dek);
    // Whatever key storage can produce now (a fresh one, even re-wrapped under the same
    // master key for the same record) does not open the old ciphertext.
    let replacement = RecordKey::generate(0, &mut r);
    let w2 = envelope::wrap(&master, &mut r, "rec-9", &replacement).unwrap();
    let k2 = envelope::unwrap(&master, "rec-9", &w2).unwrap();
    assert_eq!(
        k2.open("source.details", "rec-9", &ct).unwrap_err(),
        TrustError::Decrypt
    );
    // A key of another generation is refused before decryption.
    let g1 = RecordKey::generate(1, &mut r);
    assert_eq!(
        g1.open("source.details", "rec-9", &ct).unwrap_err(),
        TrustError::Decrypt
    );
}

#[test]
fn nonces_do_not_repeat() {
    let mut r = rng(6);
    let k = RecordKey::generate(0, &mut r);
    let mut seen = std::collections::BTreeSet::new();
    for _ in 0..20_000 {
        let ct = k.seal(&mut r, "f", "r", b"").unwrap();
        assert!(seen.insert(ct[9..33].to_vec()));
    }
}

#[test]
fn garbage_is_a_format_error() {
    let k = RecordKey::generate(0, &mut rng(7));
    assert!(matches!(
        k.open("f", "r", b"HWF"),
        Err(TrustError::Format { .. })
    ));
    assert!(matches!(
        k.open("f", "r", &[0u8; 64]),
        Err(TrustError::Format { .. })
    ));
    assert!(WrappedKey::from_bytes(&[0u8; 85]).is_err());
}

use secrecy::ExposeSecret;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn round_trip_any_input(
        seed in any::<u64>(),
        field in "[a-z_.]{1,30}",
        id in "\\PC{0,40}",
        plaintext in proptest::collection::vec(any::<u8>(), 0..2048),
        flip in any::<prop::sample::Index>(),
    ) {
        let mut r = rng(seed);
        let master = MasterKey::generate(seed as u32, &mut r);
        let dek = RecordKey::generate(0, &mut r);
        let w = envelope::wrap(&master, &mut r, &id, &dek).unwrap();
        let dek = envelope::unwrap(&master, &id, &w).unwrap();
        let ct = dek.seal(&mut r, &field, &id, &plaintext).unwrap();
        prop_assert_eq!(ct.len(), plaintext.len() + envelope::FIELD_OVERHEAD);
        let opened = dek.open(&field, &id, &ct).unwrap();
        prop_assert_eq!(&*opened, &plaintext[..]);
        let mut bad = ct.clone();
        let i = flip.index(bad.len());
        bad[i] ^= 1;
        prop_assert!(dek.open(&field, &id, &bad).is_err());
    }
}
