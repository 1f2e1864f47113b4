//! Deciding what a linked import does: score the new records against the registry's
//! candidate records and each other, then merge, queue or leave alone. Pure but for the ids
//! it draws from `rng`.

use super::{LinkSettings, LinkSummary, LinkageError};
use homeward_domain::{Id, IdKind, Record};
use homeward_link::{FittedModel, LinkConfig, LinkMode, LinkRecord, Linker};
use homeward_store::{DecisionMeta, ImportLinks, ImportMerge, NewReview};
use rand::RngCore;
use std::collections::{BTreeMap, BTreeSet};

/// Below this many candidate pairs a model fitted on them alone is flagged as rough.
const FEW_PAIRS: usize = 200;

/// What a linked import will write besides its records.
#[derive(Debug, Clone, PartialEq)]
pub struct LinkPlan {
    /// Automatic merges and review items.
    pub links: ImportLinks,
    /// Counts for the report.
    pub summary: LinkSummary,
    /// The model fitted here, when it converged on enough candidate pairs to be kept for
    /// scoring elsewhere (enquiries); `None` when a model was given or the fit was rough.
    pub fitted: Option<FittedModel>,
}

/// The linkage engine's view of a registry record.
pub(crate) fn link_record(r: &Record, source: u32) -> LinkRecord {
    link_fields(&r.fields, r.id.to_string(), source)
}

/// The linkage engine's view of standard fields (a record's, or an enquiry's sought person).
pub(crate) fn link_fields(
    f: &homeward_domain::StandardFields,
    record_id: String,
    source: u32,
) -> LinkRecord {
    let date = |d: &Option<homeward_domain::PartialDate>| {
        d.and_then(|d| homeward_link::PartialDate::parse(&d.to_string()))
    };
    LinkRecord {
        source,
        // The opaque record id orders records canonically, whatever order they came in.
        record_id: Some(record_id),
        given_name: f.given_name.clone(),
        family_name: f.family_name.clone(),
        patronymic: f.patronymic.clone(),
        full_name: f.full_name.clone(),
        sex: f.sex.and_then(|s| homeward_link::Sex::parse(s.as_str())),
        birth_date: date(&f.birth_date),
        birth_place: f.birth_place.clone(),
        residence: f.residence.clone(),
        id_number: f.id_number.clone(),
        capture_date: date(&f.capture_date),
        capture_place: f.capture_place.clone(),
    }
}

/// Union-find over nodes: new records first, then existing persons.
struct Groups {
    parent: Vec<usize>,
    /// The existing person a root's group contains, if any.
    existing: Vec<Option<usize>>,
}

impl Groups {
    fn find(&mut self, mut x: usize) -> usize {
        while self.parent[x] != x {
            self.parent[x] = self.parent[self.parent[x]];
            x = self.parent[x];
        }
        x
    }

    fn union(&mut self, a: usize, b: usize) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra == rb {
            return;
        }
        // The smaller index stays root, so that results do not depend on edge order ties.
        let (root, child) = (ra.min(rb), ra.max(rb));
        self.parent[child] = root;
        self.existing[root] = self.existing[root].or(self.existing[child]);
    }
}

/// The best-scoring pair between two nodes.
#[derive(Debug, Clone, Copy)]
struct Edge {
    probability: f64,
    weight: f64,
    /// Input indices into the working set (existing records first, then new ones).
    left: usize,
    right: usize,
}

/// Plans the linkage of `new` records (each still its own person) against `existing`
/// registry records (the blocking candidates) and among themselves.
#[allow(clippy::too_many_arguments)]
pub fn plan_links(
    existing: &[Record],
    new: &[Record],
    model: Option<FittedModel>,
    settings: &LinkSettings,
    rejections: &[(Id, Id)],
    at: &str,
    rng: &mut (dyn RngCore + Send),
) -> Result<LinkPlan, LinkageError> {
    let e = existing.len();
    let mut summary = LinkSummary {
        registry_records: e as u64,
        new_records: new.len() as u64,
        candidate_pairs: 0,
        auto_merged: 0,
        queued: 0,
        suppressed_by_rejection: 0,
        model: if model.is_some() { "given" } else { "fitted" }.to_owned(),
        settings: *settings,
        warnings: Vec::new(),
        timings_ms: (0, 0, 0),
    };
    if e + new.len() < 2 {
        return Ok(LinkPlan {
            links: ImportLinks::default(),
            summary,
            fitted: None,
        });
    }
    let records: Vec<LinkRecord> = existing
        .iter()
        .map(|r| link_record(r, 0))
        .chain(new.iter().map(|r| link_record(r, 1)))
        .collect();
    let config = LinkConfig {
        mode: LinkMode::Dedupe,
        threshold: settings.lower,
        ..LinkConfig::default()
    };
    let linker = Linker::new(&records, config)?;
    summary.candidate_pairs = linker.candidate_count() as u64;
    if linker.candidate_count() == 0 {
        return Ok(LinkPlan {
            links: ImportLinks::default(),
            summary,
            fitted: None,
        });
    }
    let given = model.is_some();
    let model = match model {
        Some(m) => m,
        None => {
            if linker.candidate_count() < FEW_PAIRS {
                summary.warnings.push(format!(
                    "the model was fitted on only {} candidate pair(s): its probabilities are rough; \
                     give a model saved from a larger run (--model) for small lists",
                    linker.candidate_count()
                ));
            }
            linker.fit()
        }
    };
    if !model.converged {
        summary.warnings.push(format!(
            "EM did not converge in {} iterations",
            model.em_iterations
        ));
    }
    for r in linker.blocking_report() {
        if r.skipped || r.dropped_buckets > 0 {
            summary.warnings.push(format!(
                "blocking rule {}: {} oversized block(s) paired only within a sorted window{}",
                r.rule.name(),
                r.dropped_buckets,
                if r.skipped { ", rule skipped" } else { "" }
            ));
        }
    }

    // Nodes: new record k is node k; existing person p is node new.len() + p.
    let n = new.len();
    let mut person_index: BTreeMap<&Id, usize> = BTreeMap::new();
    let mut existing_persons: Vec<&Id> = Vec::new();
    for r in existing {
        person_index.entry(&r.person_id).or_insert_with(|| {
            existing_persons.push(&r.person_id);
            existing_persons.len() - 1
        });
    }
    let node_of = |i: usize| -> usize {
        if i < e {
            n + person_index[&existing[i].person_id]
        } else {
            i - e
        }
    };
    let record_at = |i: usize| -> &Record {
        if i < e {
            &existing[i]
        } else {
            &new[i - e]
        }
    };

    let mut edges: BTreeMap<(usize, usize), Edge> = BTreeMap::new();
    for p in linker.score(&model) {
        if p.probability < settings.lower {
            continue;
        }
        let (i, j) = (p.left as usize, p.right as usize);
        if i < e && j < e {
            continue; // both in the registry already: decided before
        }
        let (a, b) = (node_of(i), node_of(j));
        if a == b {
            continue;
        }
        let key = (a.min(b), a.max(b));
        let edge = Edge {
            probability: p.probability,
            weight: p.weight,
            left: i,
            right: j,
        };
        edges
            .entry(key)
            .and_modify(|old| {
                if edge.probability > old.probability {
                    *old = edge;
                }
            })
            .or_insert(edge);
    }
    let mut ordered: Vec<((usize, usize), Edge)> = edges.into_iter().collect();
    ordered.sort_by(|x, y| {
        y.1.probability
            .total_cmp(&x.1.probability)
            .then(x.0.cmp(&y.0))
    });

    let mut index_of: BTreeMap<&Id, usize> = BTreeMap::new();
    for i in 0..e + n {
        index_of.insert(&record_at(i).id, i);
    }
    let rejected_nodes: Vec<(usize, usize)> = rejections
        .iter()
        .filter_map(|(a, b)| Some((node_of(*index_of.get(a)?), node_of(*index_of.get(b)?))))
        .collect();

    let mut groups = Groups {
        parent: (0..n + existing_persons.len()).collect(),
        existing: (0..n)
            .map(|_| None)
            .chain((0..existing_persons.len()).map(Some))
            .collect(),
    };
    let rejected = |g: &mut Groups, x: usize, y: usize| {
        rejected_nodes.iter().any(|&(a, b)| {
            let (ra, rb) = (g.find(a), g.find(b));
            (ra == x && rb == y) || (ra == y && rb == x)
        })
    };
    let mut suppressed: BTreeSet<(usize, usize)> = BTreeSet::new();
    if settings.auto_accept {
        for ((a, b), edge) in &ordered {
            if edge.probability < settings.upper {
                break;
            }
            let (ra, rb) = (groups.find(*a), groups.find(*b));
            if ra == rb {
                continue;
            }
            // Two persons already in the registry are never joined through a new record
            // without a person deciding: a weak link must not merge two strong clusters.
            if groups.existing[ra].is_some() && groups.existing[rb].is_some() {
                continue;
            }
            if rejected(&mut groups, ra, rb) {
                suppressed.insert((ra.min(rb), ra.max(rb)));
                continue;
            }
            groups.union(ra, rb);
        }
    }
    let mut queued: BTreeSet<(usize, usize)> = BTreeSet::new();
    let mut reviews = Vec::new();
    for (_, edge) in &ordered {
        let (a, b) = (node_of(edge.left), node_of(edge.right));
        let (ra, rb) = (groups.find(a), groups.find(b));
        if ra == rb {
            continue;
        }
        let key = (ra.min(rb), ra.max(rb));
        if queued.contains(&key) {
            continue;
        }
        if rejected(&mut groups, ra, rb) {
            suppressed.insert(key);
            continue;
        }
        queued.insert(key);
        // The kept side is the registry's (or the earlier row's) record.
        let (l, r) = if edge.left < e || (edge.right >= e && edge.left < edge.right) {
            (edge.left, edge.right)
        } else {
            (edge.right, edge.left)
        };
        let explanation = linker.explain(&model, l, r)?;
        let evidence = serde_json::to_string(&explanation)
            .map_err(|err| LinkageError::Invalid(format!("evidence: {err}")))?;
        reviews.push(NewReview {
            id: Id::generate(IdKind::Review, rng),
            left_record: record_at(l).id.clone(),
            right_record: record_at(r).id.clone(),
            probability: edge.probability,
            weight: edge.weight,
            evidence,
            created_at: at.to_owned(),
        });
    }
    summary.suppressed_by_rejection = suppressed.len() as u64;

    // Each group of new records joins its existing person, or the person of its first row.
    let mut best_in_group: Vec<f64> = vec![0.0; n];
    for ((a, b), edge) in &ordered {
        if groups.find(*a) == groups.find(*b) {
            for x in [*a, *b] {
                if x < n && edge.probability > best_in_group[x] {
                    best_in_group[x] = edge.probability;
                }
            }
        }
    }
    let mut first_new: BTreeMap<usize, usize> = BTreeMap::new();
    let mut merges = Vec::new();
    for k in 0..n {
        let root = groups.find(k);
        let target = match groups.existing[root] {
            Some(p) => existing_persons[p].clone(),
            None => {
                let first = *first_new.entry(root).or_insert(k);
                new[first].person_id.clone()
            }
        };
        if target == new[k].person_id {
            continue;
        }
        merges.push(ImportMerge {
            meta: DecisionMeta {
                id: Id::generate(IdKind::Decision, rng),
                actor: "auto".to_owned(),
                at: at.to_owned(),
                reason: format!(
                    "automatic: match probability {:.4} >= upper threshold {}",
                    best_in_group[k], settings.upper
                ),
            },
            source: new[k].person_id.clone(),
            target,
            probability: best_in_group[k],
        });
    }
    summary.auto_merged = merges.len() as u64;
    summary.queued = reviews.len() as u64;
    let fitted =
        (!given && model.converged && linker.candidate_count() >= FEW_PAIRS).then_some(model);
    Ok(LinkPlan {
        links: ImportLinks { merges, reviews },
        summary,
        fitted,
    })
}
