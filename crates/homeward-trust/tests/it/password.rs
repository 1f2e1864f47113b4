//! Password hashing and policy through the public API (AU-1, AU-2).

use homeward_trust::password::{
    stored_cost, Argon2Cost, CommonPasswords, Password, PasswordHasher, PasswordPolicy,
};
use proptest::prelude::*;

use crate::rng;

#[test]
fn every_stored_hash_meets_au1() {
    let h = PasswordHasher::new(Argon2Cost::default(), None).unwrap();
    let mut r = rng(10);
    let mut hashes = Vec::new();
    for pw in ["first passphrase here", "second passphrase here"] {
        hashes.push(h.hash(&mut r, &Password::new(pw)).unwrap());
    }
    assert_ne!(hashes[0], hashes[1]);
    for phc in &hashes {
        assert!(phc.starts_with("$argon2id$v=19$"));
        let c = stored_cost(phc).unwrap();
        assert!(c.memory_kib >= 19_456 && c.iterations >= 2 && c.parallelism >= 1);
    }
}

#[test]
fn same_password_different_salts() {
    let h = PasswordHasher::new(Argon2Cost::default(), None).unwrap();
    let mut r = rng(11);
    let pw = Password::new("the same passphrase");
    let a = h.hash(&mut r, &pw).unwrap();
    let b = h.hash(&mut r, &pw).unwrap();
    assert_ne!(a, b);
    assert!(h.verify(&pw, &a).unwrap() && h.verify(&pw, &b).unwrap());
}

#[test]
fn common_list_rejects_each_entry() {
    let list = "123456789012\npassword1234\nqwertyuiopas\nletmeinletmein\n";
    let common = CommonPasswords::from_lines(list);
    assert_eq!(common.len(), 4);
    let p = PasswordPolicy::default();
    for entry in list.lines() {
        assert!(
            !p.check(&Password::new(entry), &[], &common).is_empty(),
            "{entry}"
        );
        let upper = entry.to_uppercase();
        assert!(!p.check(&Password::new(upper), &[], &common).is_empty());
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(6))]
    /// AU-2: any Unicode password of 15 to 128 characters is accepted and verifies
    /// exactly; a prefix and a case-changed variant do not.
    #[test]
    fn any_unicode_password_verifies_exactly(pw in "\\PC{15,128}", seed in any::<u64>()) {
        let policy = PasswordPolicy::default();
        prop_assert!(policy.check(&Password::new(pw.clone()), &[], &CommonPasswords::default()).is_empty());
        let h = PasswordHasher::new(Argon2Cost::default(), None).unwrap();
        let phc = h.hash(&mut rng(seed), &Password::new(pw.clone())).unwrap();
        prop_assert!(h.verify(&Password::new(pw.clone()), &phc).unwrap());
        let mut prefix = pw.clone();
        prefix.pop();
        prop_assert!(!h.verify(&Password::new(prefix), &phc).unwrap());
        let swapped: String = pw.chars().map(|c| {
            if c.is_lowercase() { c.to_uppercase().next().unwrap_or(c) } else { c.to_lowercase().next().unwrap_or(c) }
        }).collect();
        if swapped != pw {
            prop_assert!(!h.verify(&Password::new(swapped), &phc).unwrap());
        }
    }
}
