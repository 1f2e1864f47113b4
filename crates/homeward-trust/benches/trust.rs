//! Benchmarks of the trust primitives: password hashing cost (AU-1 budget), field
//! encryption, Merkle log throughput and proofs, whole-log verification, suppression.
#![allow(clippy::unwrap_used, clippy::panic, missing_docs)]

use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion};
use homeward_trust::audit::{
    commit, leaf_hash, verify_consistency, verify_log, Action, AuditEntry, MerkleTree,
};
use homeward_trust::disclosure::{suppress_table, SuppressionRule};
use homeward_trust::envelope::{self, MasterKey, RecordKey};
use homeward_trust::password::{Argon2Cost, Password, PasswordHasher};
use homeward_trust::totp::{Totp, TotpSecret};
use rand_chacha::rand_core::{RngCore, SeedableRng};
use rand_chacha::ChaCha20Rng;

fn passwords(c: &mut Criterion) {
    let mut g = c.benchmark_group("password");
    g.sample_size(10);
    let h = PasswordHasher::new(Argon2Cost::OWASP_MINIMUM, None).unwrap_or_else(|e| panic!("{e}"));
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let pw = Password::new("a synthetic passphrase for benchmarking");
    let phc = h.hash(&mut rng, &pw).unwrap_or_else(|e| panic!("{e}"));
    g.bench_function("argon2id_owasp_verify", |b| {
        b.iter(|| h.verify(black_box(&pw), black_box(&phc)))
    });
    g.finish();
}

fn envelope_bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("envelope");
    let mut rng = ChaCha20Rng::seed_from_u64(2);
    let master = MasterKey::generate(1, &mut rng);
    let dek = RecordKey::generate(0, &mut rng);
    let wrapped =
        envelope::wrap(&master, &mut rng, "rec-1", &dek).unwrap_or_else(|e| panic!("{e}"));
    let field = vec![0x41u8; 1024];
    let sealed = dek
        .seal(&mut rng, "visit.notes", "rec-1", &field)
        .unwrap_or_else(|e| panic!("{e}"));
    g.bench_function("seal_1KiB", |b| {
        b.iter(|| dek.seal(&mut rng, "visit.notes", "rec-1", black_box(&field)))
    });
    g.bench_function("open_1KiB", |b| {
        b.iter(|| dek.open("visit.notes", "rec-1", black_box(&sealed)))
    });
    g.bench_function("unwrap_record_key", |b| {
        b.iter(|| envelope::unwrap(&master, "rec-1", black_box(&wrapped)))
    });
    g.finish();
}

fn entries(n: u64) -> Vec<AuditEntry> {
    let mut rng = ChaCha20Rng::seed_from_u64(3);
    (0..n)
        .map(|seq| {
            let mut salt = [0u8; 32];
            rng.fill_bytes(&mut salt);
            AuditEntry {
                seq,
                at: 1_780_000_000 + seq as i64,
                actor: format!("u-{}", seq % 50),
                action: Action::Update,
                object_kind: "record".into(),
                object_id: format!("r-{:016x}", rng.next_u64()),
                commitment: commit(&salt, &seq.to_be_bytes()),
            }
        })
        .collect()
}

fn audit_bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("audit");
    g.sample_size(10);
    let n = 100_000u64;
    let log = entries(n);
    let tree = MerkleTree::from_leaves(log.iter().map(|e| e.leaf_hash().unwrap_or([0; 32])));
    let stored = tree.leaves().to_vec();
    g.bench_function("append_100k_entries", |b| {
        b.iter(|| {
            let mut t = MerkleTree::new();
            for e in &log {
                let _ = t.append(e);
            }
            t.root()
        })
    });
    g.bench_function("verify_log_100k", |b| {
        b.iter(|| verify_log(black_box(&log), Some(&stored), None))
    });
    let big = MerkleTree::from_leaves((0..1_000_000u64).map(|i| leaf_hash(&i.to_be_bytes())));
    g.bench_function("consistency_proof_1M_make", |b| {
        b.iter(|| big.consistency_proof(black_box(654_321), 1_000_000))
    });
    let proof = big
        .consistency_proof(654_321, 1_000_000)
        .unwrap_or_default();
    let old_root = big.root_at(654_321).unwrap_or([0; 32]);
    let new_root = big.root();
    g.bench_function("consistency_proof_1M_verify", |b| {
        b.iter(|| verify_consistency(654_321, 1_000_000, &old_root, &new_root, black_box(&proof)))
    });
    g.finish();
}

fn disclosure_bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("disclosure");
    g.sample_size(10);
    let mut rng = ChaCha20Rng::seed_from_u64(4);
    for size in [5usize, 10, 20] {
        let table: Vec<Vec<u64>> = (0..size)
            .map(|_| {
                (0..size)
                    .map(|_| match rng.next_u32() % 4 {
                        0 => 0,
                        1 => u64::from(rng.next_u32() % 10 + 1),
                        _ => u64::from(rng.next_u32() % 200),
                    })
                    .collect()
            })
            .collect();
        g.bench_with_input(BenchmarkId::new("suppress_table", size), &table, |b, t| {
            b.iter(|| suppress_table(black_box(t), &SuppressionRule::default()))
        });
    }
    g.finish();
}

fn totp_bench(c: &mut Criterion) {
    let mut rng = ChaCha20Rng::seed_from_u64(5);
    let t = Totp::new(TotpSecret::generate(&mut rng));
    let code = t.code_at(1_800_000_000);
    c.bench_function("totp_verify", |b| {
        b.iter(|| t.verify(black_box(&code), 1_800_000_000, None))
    });
}

criterion_group!(
    benches,
    passwords,
    envelope_bench,
    audit_bench,
    disclosure_bench,
    totp_bench
);
criterion_main!(benches);
